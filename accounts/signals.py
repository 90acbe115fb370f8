"""Keeping API tokens safe and their cache fresh, whoever changes the data.

Connected in AccountsConfig.ready, in every process.
"""

from allauth.account import signals as account_signals
from allauth.mfa.models import Authenticator
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from .authentication import forget_all, forget_token, forget_user
from .models import ApiToken, OfficeMembership, User

# --- Revocation: a token never outlives the password or the account it came from.

_REVOKE_FLAG = "_banso_revoke_tokens"


@receiver(pre_save, sender=User)
def _note_credential_change(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. allauth's last_login update on every sign-in: no query
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    changed_password = before["password"] != instance.password
    deactivated = before["is_active"] and not instance.is_active
    if changed_password or deactivated:
        setattr(instance, _REVOKE_FLAG, True)


@receiver(post_save, sender=User)
def _user_changed(sender, instance, **kwargs):
    # Deleting a user deletes its tokens, which forgets them.
    forget_user(instance.pk)
    if getattr(instance, _REVOKE_FLAG, False):
        delattr(instance, _REVOKE_FLAG)
        from .services import revoke_tokens

        revoke_tokens(user=instance)


@receiver(account_signals.password_changed)
@receiver(account_signals.password_set)
@receiver(account_signals.password_reset)
def _password_changed(sender, request=None, user=None, **kwargs):
    # The save above has revoked them already; allauth's signals say so explicitly.
    if user is not None:
        from .services import revoke_tokens

        revoke_tokens(user=user)


# --- The token cache (accounts.authentication).


@receiver(post_save, sender=ApiToken)
@receiver(post_delete, sender=ApiToken)
def _token_changed(sender, instance, **kwargs):
    forget_token(instance.digest)


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
        forget_all()


@receiver(post_save, sender=Authenticator)
@receiver(post_delete, sender=Authenticator)
def _second_factor_changed(sender, instance, **kwargs):
    forget_user(instance.user_id)
