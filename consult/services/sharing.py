"""What the filing local government lets others learn from its consultation:
whether the good-answer library (library app) may name it."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User

from ..models import Consultation
from .common import Result, _locked, _record


def may_answer_library_consent(user: User, consultation: Consultation) -> bool:
    """The staff of the filing local government (not of a co-filer: the library names the filer only)."""
    return user.role == Role.STAFF and user.local_government_id == consultation.filer_id


@transaction.atomic
def set_library_consent(*, actor: User, consultation: Consultation, consent: bool,
                        now: datetime.datetime | None = None) -> Result:  # fmt: skip
    """Record whether an entry of the library made from this consultation may show
    the filer's name; the answer may be changed at any time (entries read it live)."""
    now = now or timezone.now()
    consultation = _locked(consultation)
    if not may_answer_library_consent(actor, consultation):
        raise PermissionDenied(_("団体名の表示に同意できるのは、相談した団体の職員です"))
    consent = bool(consent)
    if consultation.library_consent is consent:
        return Result(consultation=consultation)
    consultation.library_consent, consultation.updated_at = consent, now
    consultation.save(update_fields=["library_consent", "updated_at"])
    _record(consultation, "library_consent_set", actor=actor, now=now, data={"consent": consent})
    return Result(consultation=consultation)
