"""Writes for accounts. Views, API, admin and commands call these."""

import dataclasses
import datetime
import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from routing.models import LocalGovernment, Office

from .models import Absence, ApiToken, OfficeMembership, Role, User, today

log = logging.getLogger(__name__)


@transaction.atomic
def upsert_user(
    *,
    email: str,
    display_name: str,
    role: Role | str,
    password: str | None = None,
    local_government: LocalGovernment | None = None,
    offices: Iterable[Office] = (),
    lead_of: Iterable[Office] = (),
) -> tuple[User, bool]:
    """Create the user, or bring an existing one (same e-mail) to this shape.

    Returns ``(user, created)``. A municipal staff member belongs to one local
    government; a liaison to one or more offices; the secretariat to neither.
    """
    role = Role(role)
    offices, lead_of = list(offices), list(lead_of)
    if role == Role.STAFF and local_government is None:
        raise ValidationError(
            {"local_government": "自治体職員には所属団体が必要です (municipal staff need a local government)"}
        )
    if role == Role.STAFF and not local_government.can_file:
        raise ValidationError({"local_government": f"{local_government} は相談を提出できる団体ではありません"})
    if role != Role.STAFF and local_government is not None:
        raise ValidationError(
            {"local_government": "所属団体は自治体職員のみ設定できます (only municipal staff have a local government)"}
        )
    if role == Role.LIAISON and not (offices or lead_of):
        raise ValidationError({"offices": "府省庁担当者には所属部局が必要です (a liaison needs at least one office)"})
    if role != Role.LIAISON and (offices or lead_of):
        raise ValidationError({"offices": "所属部局は府省庁担当者のみ設定できます (only liaisons belong to offices)"})

    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email=email).first()
    created = user is None
    if created:
        user = User(email=email)
    user.display_name = display_name
    user.role = role
    user.local_government = local_government
    if password is not None:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()

    memberships = {office.pk: False for office in offices}
    memberships.update({office.pk: True for office in lead_of})
    user.memberships.exclude(office_id__in=memberships).delete()
    for office_id, is_lead in memberships.items():
        OfficeMembership.objects.update_or_create(user=user, office_id=office_id, defaults={"is_lead": is_lead})
    _ensure_allauth_email(user)
    return user, created


def _ensure_allauth_email(user: User) -> None:
    """Accounts are made by the secretariat, so the address is taken as verified."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})


@dataclasses.dataclass(frozen=True)
class IssuedToken:
    """A new API token: ``key`` is shown to its owner once and stored nowhere."""

    key: str
    token: ApiToken

    @property
    def expires_at(self) -> datetime.datetime | None:
        return self.token.expiry


@transaction.atomic
def issue_token(*, user: User) -> IssuedToken:
    """A new API token for the user (knox: only its digest is stored; it expires
    after ``BANSO_TOKEN_TTL_DAYS``). The user's expired tokens are removed."""
    ApiToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    token, key = ApiToken.objects.create(user=user)
    log.info("API token %s issued to user %s", token.pk, user.pk)
    return IssuedToken(key=key, token=token)


@transaction.atomic
def revoke_tokens(*, user: User, token_id: int | None = None) -> int:
    """Revoke (delete) one of the user's tokens, or all of them. Returns how many.

    A token that is not the user's is simply not found (nothing is revoked)."""
    tokens = ApiToken.objects.filter(user_id=user.pk)
    if token_id is not None:
        tokens = tokens.filter(pk=token_id)
    count, _ = tokens.delete()
    if count:
        log.info("%s API token(s) of user %s revoked", count, user.pk)
    return count


@transaction.atomic
def activate_totp(*, user: User, secret: str) -> None:
    """Give the user a TOTP authenticator with this base32 secret (and recovery
    codes), stored as allauth stores them (the secret encrypted by the MFA
    adapter). Idempotent: an existing TOTP authenticator takes this secret.

    People activate TOTP on allauth's page; this is for the demo accounts and tests.
    """
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.utils import decrypt, encrypt

    from .second_factor import HAS_SECOND_FACTOR

    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is None:
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)})
    elif decrypt(existing.data["secret"]) != secret:
        existing.data = {**existing.data, "secret": encrypt(secret)}
        existing.save(update_fields=["data"])
    RecoveryCodes.activate(user)
    setattr(user, HAS_SECOND_FACTOR, True)


# --- absences and deputies ------------------------------------------------------------------------


def deputy_candidates(*, user: User, day: datetime.date | None = None):
    """Who may stand in for ``user``: the other active liaisons of an office both
    belong to on ``day`` (today in JST)."""
    day = day or today()
    offices = OfficeMembership.objects.active(day).filter(user_id=user.pk).values("office_id")
    colleagues = OfficeMembership.objects.active(day).filter(office_id__in=offices).values("user_id")
    return (
        User.objects.filter(pk__in=colleagues, is_active=True, role=Role.LIAISON)
        .exclude(pk=user.pk)
        .order_by("display_name", "pk")
    )


@transaction.atomic
def set_absence(*, user: User, starts_on: datetime.date, ends_on: datetime.date, deputy: User | int) -> Absence:
    """Set (or replace) the person's absence: from ``starts_on`` to ``ends_on``
    (JST dates, both included) their notifications also reach ``deputy``, a
    colleague of the same office who is active and not away for the whole period."""
    errors: dict[str, list[str]] = {}
    deputy_id = deputy.pk if isinstance(deputy, User) else deputy
    day = today()
    if user.role != Role.LIAISON:
        errors["user"] = [_("代理を設定できるのは府省庁担当者のみです")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("終了日は開始日以降にしてください")]
    elif ends_on < day:
        errors["ends_on"] = [_("終了日が過ぎています")]
    if deputy_id == user.pk:
        errors["deputy"] = [_("自分自身は代理にできません")]
    elif not deputy_candidates(user=user, day=max(starts_on, day)).filter(pk=deputy_id).exists():
        errors["deputy"] = [_("代理は同じ部局に所属する有効な担当者から選んでください")]
    elif Absence.objects.filter(user_id=deputy_id, starts_on__lte=starts_on, ends_on__gte=ends_on).exists():
        errors["deputy"] = [_("その人は期間中ずっと不在です")]
    if errors:
        raise ValidationError(errors)
    absence, _created = Absence.objects.update_or_create(
        user=user,
        defaults={"starts_on": starts_on, "ends_on": ends_on, "deputy_id": deputy_id, "updated_at": timezone.now()},
    )
    log.info("absence of user %s set: %s to %s, deputy %s", user.pk, starts_on, ends_on, deputy_id)
    return absence


@transaction.atomic
def clear_absence(*, user: User) -> bool:
    """Remove the person's absence (their notifications reach only them again)."""
    deleted, _by_kind = Absence.objects.filter(user=user).delete()
    return bool(deleted)
