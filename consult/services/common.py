"""What every consultation service shares: the result types, the row lock,
the event record (with its notifications) and the alarm re-arm."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO

from notifications import services as notifications
from routing import decisions
from routing import selectors as routing_selectors
from routing.business_time import DEFAULT_CALENDAR
from routing.models import SlaPolicy

from .. import alarms, selectors, text_search
from ..lifecycle import MergedConsultation
from ..models import DEADLINE_EVENTS, DEADLINES, Consultation, Event, Message, deadlines_record

MAX_TITLE = 200
MAX_BODY = 100_000
MAX_CO_FILERS = 50


def calendar_of(consultation: Consultation):
    """The business calendar of the office holding the consultation."""
    office = routing_selectors.reference_maps().offices.get(consultation.primary_office_id)
    return routing_selectors.office_calendar(office.slug if office else None)


@dataclass
class Upload:
    """A file to attach: its person-given name and its data, as bytes or as a
    binary file object (an uploaded file, which Django spools to disk), read in
    chunks by the checks and the storage, never whole."""

    name: str
    content: bytes | IO[bytes]


@dataclass
class Result:
    consultation: Consultation
    attachment_errors: list[str] = field(default_factory=list)
    message: Message | None = None


def _record(consultation, kind, *, actor=None, now, from_status="", to_status="", from_office=None,
            to_office=None, to_office_id=None, reason="", data=None, internal=False) -> Event:  # fmt: skip
    """Append the event and write its notifications (the outbox) in the same transaction.
    An event that may move the deadlines records the ones the consultation has after it."""
    data = dict(data or {})
    if kind in DEADLINE_EVENTS:
        data[DEADLINES] = deadlines_record(consultation)
    event = Event.objects.create(
        consultation=consultation,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        from_office=from_office,
        to_office_id=to_office.pk if to_office is not None else to_office_id,
        reason=reason,
        data=data,
        internal=internal,
        created_at=now,
    )
    notifications.notify(consultation=consultation, event=event)
    return event


def _schedule(consultation: Consultation, *, new: bool = False) -> None:
    """Re-arm the deadline alarms after a change that may move a deadline."""
    wanted = alarms.desired_alarms(consultation, calendar_of(consultation))
    notifications.schedule_alarms(consultation_id=consultation.pk, wanted=wanted, new=new)


def _search_text(consultation: Consultation) -> None:
    """The consultation's text changed: its search text is rebuilt after commit (search.tasks)."""
    text_search.text_changed(consultation_id=consultation.pk)


def _locked(consultation: Consultation) -> Consultation:
    """Re-read the consultation under a row lock, with what permission checks need."""
    locked = (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("sla_policy", "primary_office")
        .get(pk=consultation.pk)
    )
    return selectors.attach_parties([locked])[0]


def _target_seconds(policy: SlaPolicy, which: str) -> int:
    target = policy.first_response_target if which == "first" else policy.resolution_target
    return decisions.target_seconds(target, policy.unit, DEFAULT_CALENDAR)


def _open_to_work(consultation: Consultation, action: str) -> None:
    """A merged consultation is closed to new work (consult.rules): refused as 409,
    naming the consultation it was merged into."""
    if consultation.merged_into_id is not None:
        reference = Consultation.objects.filter(pk=consultation.merged_into_id).values_list("reference", flat=True)
        raise MergedConsultation(action, consultation.status, reference.first() or "")
