"""API token authentication (django-rest-knox tokens) that reads the database once
per token and short while.

Only a digest of each token is stored (knox). Every API call names its token;
looking it and its user up costs a query (and a liaison's offices another) on
each of them. The lookup is remembered in the cache under the token's digest
(never the token) for ``BANSO_TOKEN_CACHE_SECONDS`` and dropped as soon as the
token, the user, the user's office memberships or second factor change (the
signals in accounts.signals). Writes that bypass signals (``QuerySet.update``,
raw SQL) are seen at the latest when the entry expires, so the time is kept short.
The expiry is checked on every call, cached or not.
"""

import binascii
import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from rest_framework import exceptions, status

from .models import ApiToken
from .second_factor import (
    HAS_SECOND_FACTOR,
    has_second_factor_expression,
    second_factor_missing,
    setup_required_answer,
)
from .selectors import OFFICE_IDS_ATTRIBUTE, office_ids_of
from .services import revoke_tokens

# last_used_at is written at most this often per token (a write per call would
# cost more than the call).
LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


class SecondFactorRequired(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "mfa_setup_required"

    def __init__(self):
        super().__init__()
        # As it is (DRF would turn ``True`` into the string "True").
        self.detail = setup_required_answer()


def _cache_key(digest: str) -> str:
    # Keyed by the JST date too: the offices held with the token are today's
    # memberships, and one that ends at midnight must not outlive it in the cache.
    from .models import today

    return f"api-token:{today().isoformat()}:{digest}"


def _seconds() -> int:
    return getattr(settings, "BANSO_TOKEN_CACHE_SECONDS", 30)


def _lookup(digest: str):
    try:
        # Without the password hash: the cache holds no credentials, and a save
        # of this user object never writes the hash back.
        token = (
            ApiToken.objects.select_related("user")
            .defer("user__password")
            .annotate(has_second_factor=has_second_factor_expression("user_id"))
            .get(digest=digest)
        )
    except ApiToken.DoesNotExist:
        return None
    setattr(token.user, HAS_SECOND_FACTOR, token.has_second_factor)
    return token, office_ids_of(token.user), second_factor_missing(token.user)


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        invalid = _("Invalid token.")
        try:
            digest = hash_token(token.decode("utf-8"))
        except (TypeError, UnicodeDecodeError, binascii.Error):
            raise exceptions.AuthenticationFailed(invalid) from None
        seconds = _seconds()
        cache_key = _cache_key(digest)
        entry = cache.get(cache_key) if seconds else None
        if entry is None:
            entry = _lookup(digest)
            if entry is None:
                raise exceptions.AuthenticationFailed(invalid)
            if seconds:
                cache.set(cache_key, entry, seconds)
        auth_token, offices, missing = entry
        now = timezone.now()
        if auth_token.expiry is not None and auth_token.expiry <= now:
            revoke_tokens(user=auth_token.user, token_id=auth_token.pk)
            raise exceptions.AuthenticationFailed(
                _("トークンの有効期限が切れました。新しいトークンを発行してください。")
            )
        user = auth_token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if missing:
            raise SecondFactorRequired()
        # At most one write per token and LAST_USED_RESOLUTION (the cached entry
        # is left alone: putting it back could revive a token revoked meanwhile).
        if cache.add("api-token-used:" + digest, 1, int(LAST_USED_RESOLUTION.total_seconds())):
            ApiToken.objects.filter(pk=auth_token.pk).update(last_used_at=now)
        # This user object lives for this request only: its offices may be
        # remembered on it (accounts.selectors.office_ids_of reads them back).
        setattr(user, OFFICE_IDS_ATTRIBUTE, offices)
        return user, auth_token


def forget_token(digest: str) -> None:
    # Now, and again at commit: a request between the two must not put the old entry back.
    cache.delete(_cache_key(digest))
    transaction.on_commit(lambda: cache.delete(_cache_key(digest)))


def forget_user(user_id: int | None) -> None:
    if user_id is None:
        return
    for digest in ApiToken.objects.filter(user_id=user_id).values_list("digest", flat=True):
        forget_token(digest)


def forget_all() -> None:
    for digest in ApiToken.objects.values_list("digest", flat=True):
        forget_token(digest)
