"""The second factor (allauth's MFA): who must use one, who has one, and checking a code.

The rule "this role must sign in with a second factor" lives here and only here;
the page middleware, the API authentication, the admin and the token endpoint
all ask :func:`second_factor_missing` / :func:`uses_second_factor`.
"""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db.models import Exists, OuterRef

# The authenticators that are a second factor by themselves (recovery codes
# only stand in for one).
PRIMARY_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# Where a user object carries whether it has a second factor: annotated by the
# session's authentication backend (accounts.backends) and the token lookup
# (accounts.authentication) in the query that loads the user, so a request
# spends no query on it; otherwise read once and remembered on the object.
HAS_SECOND_FACTOR = "_banso_has_second_factor"


def must_use_second_factor(user) -> bool:
    """The user's role is one that must sign in with a second factor."""
    return getattr(user, "role", None) in set(settings.BANSO_MFA_REQUIRED_ROLES)


def has_second_factor_expression(user_field: str = "pk"):
    """For ``.annotate(**{HAS_SECOND_FACTOR: has_second_factor_expression()})`` on users
    (``user_field``: the user's id in the annotated query, e.g. "user_id" on tokens)."""
    return Exists(Authenticator.objects.filter(user_id=OuterRef(user_field), type__in=PRIMARY_TYPES))


def uses_second_factor(user) -> bool:
    """The user has activated a second factor (TOTP)."""
    if user is None or not user.is_authenticated:
        return False
    known = getattr(user, HAS_SECOND_FACTOR, None)
    if known is None:
        known = Authenticator.objects.filter(user_id=user.pk, type__in=PRIMARY_TYPES).exists()
        setattr(user, HAS_SECOND_FACTOR, known)
    return known


def second_factor_missing(user) -> bool:
    """The user must use a second factor and has not activated one yet."""
    return must_use_second_factor(user) and not uses_second_factor(user)


def verify_code(user, code: str) -> bool:
    """A current TOTP code, or an unused recovery code (which is then used up).

    allauth's own checks: a TOTP code is accepted once per time step, a
    recovery code once at all.
    """
    code = (code or "").strip()
    if not code:
        return False
    authenticators = Authenticator.objects.filter(
        user_id=user.pk, type__in=(Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES)
    ).order_by("type")  # recovery_codes < totp: any order works, this one is stable
    for authenticator in authenticators:
        if authenticator.wrap().validate_code(code):
            authenticator.record_usage()
            return True
    return False


def setup_required_answer() -> dict:
    """What the API answers a person who must set a second factor up first."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    return {
        "detail": _(
            "2段階認証（認証アプリ）の設定が必要です。ブラウザでログインし、表示される設定ページで有効にしてください。"
        ),
        "mfa_required": True,
        "activate_url": reverse("mfa_activate_totp"),
    }
