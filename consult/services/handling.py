"""Which offices handle a consultation: transfers (and ping-pong bounces) and invited
collaborators. (Not named `parties`: that is the standing function re-exported here.)"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from routing.models import Office

from ..lifecycle import Status, next_status
from ..models import Collaborator, Consultation, Event, OfficeHandling
from ..permissions import require
from .common import Result, _locked, _open_to_work, _record, _schedule, _target_seconds, calendar_of


@transaction.atomic
def transfer(*, actor: User, consultation: Consultation, office: Office | str, reason: str,
             now: datetime.datetime | None = None) -> Result:  # fmt: skip
    """Move the consultation to another office, with a required reason. The new
    office sees the whole history; a transfer out of triage routes it."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("移送の理由を入力してください")]
    target = office if isinstance(office, Office) else Office.objects.filter(slug=office or "").first()
    if target is None:
        errors["office"] = [_("部局 %(slug)s はありません") % {"slug": repr(office)}]
    if errors:
        raise ValidationError(errors)
    consultation = _locked(consultation)
    _open_to_work(consultation, "transfer")
    require(actor, consultation, "transfer")
    if target.pk == consultation.primary_office_id:
        raise ValidationError({"office": [_("現在の担当部局と同じです")]})
    before = consultation.status
    after = next_status("transfer", before)
    previous = consultation.primary_office
    previous_assignee = consultation.assignee_id
    OfficeHandling.objects.filter(consultation=consultation, ended_at__isnull=True).update(ended_at=now)
    OfficeHandling.objects.create(consultation=consultation, office=target, started_at=now)
    Collaborator.objects.filter(consultation=consultation, office=target).delete()
    consultation.primary_office = target
    consultation.assignee = None
    calendar = calendar_of(consultation)
    consultation.status = after
    consultation.transfer_count += 1
    if consultation.first_responded_at is None:
        # The receiving office's first-response clock starts at the transfer.
        consultation.first_response_due_at = calendar.add(now, _target_seconds(consultation.sla_policy, "first"))
    consultation.updated_at = now
    kind = "routed_by_hand" if before == Status.TRIAGE else "transferred"
    _record(consultation, kind, actor=actor, now=now, from_status=before, to_status=after,
            from_office=previous, to_office=target, reason=reason.strip(),
            data={"previous_assignee": previous_assignee} if previous_assignee else None)  # fmt: skip
    if previous is not None and consultation.ping_pong_flagged_at is None and _bounces(consultation) >= 2:
        consultation.ping_pong_flagged_at = now
        _record(consultation, "ping_pong_flagged", actor=None, now=now, data={"transfers": consultation.transfer_count})
    consultation.save()
    _schedule(consultation)
    return Result(consultation=consultation)


def _bounces(consultation: Consultation) -> int:
    """Transfers that sent the consultation back to an office it had been sent away from."""
    left: set[int] = set()
    bounces = 0
    for from_office, to_office in Event.objects.filter(consultation=consultation, kind="transferred").values_list(
        "from_office_id", "to_office_id"
    ):
        if to_office in left:
            bounces += 1
        left.add(from_office)
    return bounces


@transaction.atomic
def invite_collaborator(*, actor: User, consultation: Consultation, office: Office | str,
                        now: datetime.datetime | None = None) -> Result:  # fmt: skip
    now = now or timezone.now()
    target = office if isinstance(office, Office) else Office.objects.filter(slug=office or "").first()
    if target is None:
        raise ValidationError({"office": [_("部局 %(slug)s はありません") % {"slug": repr(office)}]})
    consultation = _locked(consultation)
    _open_to_work(consultation, "invite")
    require(actor, consultation, "invite")
    if (
        target.pk == consultation.primary_office_id
        or Collaborator.objects.filter(consultation=consultation, office=target).exists()
    ):
        raise ValidationError({"office": [_("既に担当または協力部局です")]})
    Collaborator.objects.create(consultation=consultation, office=target, invited_by=actor, invited_at=now)
    consultation.updated_at = now
    consultation.save(update_fields=["updated_at"])
    _record(consultation, "collaborator_invited", actor=actor, now=now, to_office=target)
    return Result(consultation=consultation)
