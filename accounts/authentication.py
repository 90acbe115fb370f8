"""API token authentication that reads the database once per token and short while.

Every API call names its token; looking the token and its user up costs a query
(and a liaison's offices another) on each of them. The pair is remembered in the
cache under a digest of the token for ``BANSO_TOKEN_CACHE_SECONDS`` and dropped
as soon as the token, the user or the user's office memberships change (the
signals below). Writes that bypass signals (``QuerySet.update``, raw SQL) are
seen at the latest when the entry expires, so the time is kept short.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token, TokenProxy

from .models import OfficeMembership, User
from .selectors import OFFICE_IDS_ATTRIBUTE, office_ids_of


def _cache_key(key: str) -> str:
    # A digest, so that the cache never holds a usable token.
    return "api-token:" + hashlib.sha256(key.encode()).hexdigest()


def _seconds() -> int:
    return getattr(settings, "BANSO_TOKEN_CACHE_SECONDS", 30)


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        seconds = _seconds()
        cache_key = _cache_key(key)
        entry = cache.get(cache_key) if seconds else None
        if entry is None:
            try:
                # Without the password hash: the cache holds no credentials, and
                # a save of this user object never writes the hash back.
                token = Token.objects.select_related("user").defer("user__password").get(key=key)
            except Token.DoesNotExist:
                raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
            entry = (token, office_ids_of(token.user))
            if seconds:
                cache.set(cache_key, entry, seconds)
        token, offices = entry
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        # This user object lives for this request only: its offices may be
        # remembered on it (accounts.selectors.office_ids_of reads them back).
        setattr(user, OFFICE_IDS_ATTRIBUTE, offices)
        return user, token


def forget_token(key: str) -> None:
    # Now, and again at commit: a request between the two must not put the old entry back.
    cache.delete(_cache_key(key))
    transaction.on_commit(lambda: cache.delete(_cache_key(key)))


def forget_user(user_id: int | None) -> None:
    if user_id is None:
        return
    for key in Token.objects.filter(user_id=user_id).values_list("key", flat=True):
        forget_token(key)


@receiver(post_save, sender=Token)
@receiver(post_delete, sender=Token)
@receiver(post_save, sender=TokenProxy)
@receiver(post_delete, sender=TokenProxy)
def _token_changed(sender, instance, **kwargs):
    forget_token(instance.key)


@receiver(post_save, sender=User)
def _user_changed(sender, instance, **kwargs):
    # Deleting a user deletes its token, which forgets it.
    forget_user(instance.pk)


@receiver(post_save, sender=OfficeMembership)
@receiver(post_delete, sender=OfficeMembership)
def _membership_changed(sender, instance, **kwargs):
    forget_user(instance.user_id)


@receiver(m2m_changed, sender=User.offices.through)
def _offices_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if not reverse:
        forget_user(instance.pk)
    elif pk_set is not None:
        # From the office's side ``pk_set`` are users.
        for user_id in pk_set:
            forget_user(user_id)
    else:
        # An office's members cleared (rare): forget every token.
        for key in Token.objects.values_list("key", flat=True):
            forget_token(key)
