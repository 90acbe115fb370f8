"""Deadline alarms, as consultation events.

``notifications`` keeps the alarm rows: armed by ``schedule_alarms`` with the
alarms decided here (``desired_alarms``) when a consultation service changes a
deadline, and claimed by the beat sweep. What a due alarm means for the
consultation (the event it records, under the consultation's lock) is decided
here too, so imports run one way: consult → notifications.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from notifications.models import Alarm, AlarmKind

from . import rules
from .lifecycle import Status
from .models import Consultation

ESCALATE_AFTER_DAYS = 2
REMIND_FILER_AFTER_DAYS = 3
# which deadline → its alarms: due soon (a business day before), overdue, escalated
DEADLINE_ALARMS = {
    rules.FIRST: (AlarmKind.FIRST_RESPONSE_DUE_SOON, AlarmKind.FIRST_RESPONSE_OVERDUE,
                  AlarmKind.FIRST_RESPONSE_ESCALATED),
    rules.RESOLUTION: (AlarmKind.RESOLUTION_DUE_SOON, AlarmKind.RESOLUTION_OVERDUE, AlarmKind.RESOLUTION_ESCALATED),
}  # fmt: skip


def desired_alarms(consultation, calendar) -> dict[str, tuple[datetime.datetime, datetime.datetime]]:
    """The alarms a consultation should have armed now: kind → (deadline, due at).

    A deadline's alarms are armed while it counts (``rules.deadline_counts``, as
    for overdue) and an office holds the consultation: in triage nobody would be
    told, and once routed an alarm whose deadline has passed fires at the next
    sweep. While the filer is asked for information, one reminder to them."""
    if getattr(consultation, "merged_into_id", None) is not None:
        return {}  # merged: closed to new work, the kept one's deadlines count
    day = calendar.day_seconds
    alarms: dict[str, tuple[datetime.datetime, datetime.datetime]] = {}
    if consultation.status != Status.TRIAGE:
        for which, (soon, overdue, escalated) in DEADLINE_ALARMS.items():
            deadline = rules.deadline_of(consultation, which)
            if deadline is None or not rules.deadline_counts(consultation, which):
                continue
            position = calendar.position(deadline)
            alarms[soon] = (deadline, calendar.instant_at(max(0, position - day)))
            alarms[overdue] = (deadline, deadline)
            alarms[escalated] = (deadline, calendar.instant_at(position + ESCALATE_AFTER_DAYS * day))
    if consultation.status == Status.AWAITING_FILER and consultation.paused_since:
        since = consultation.paused_since
        alarms[AlarmKind.AWAITING_FILER] = (since, calendar.add(since, REMIND_FILER_AFTER_DAYS * day))
    return alarms


# alarm kind → (event kind, which deadline)
ALARM_EVENTS = {
    AlarmKind.FIRST_RESPONSE_DUE_SOON: ("due_soon", "first_response"),
    AlarmKind.FIRST_RESPONSE_OVERDUE: ("overdue", "first_response"),
    AlarmKind.FIRST_RESPONSE_ESCALATED: ("escalated", "first_response"),
    AlarmKind.RESOLUTION_DUE_SOON: ("due_soon", "resolution"),
    AlarmKind.RESOLUTION_OVERDUE: ("overdue", "resolution"),
    AlarmKind.RESOLUTION_ESCALATED: ("escalated", "resolution"),
    AlarmKind.AWAITING_FILER: ("awaiting_filer_reminder", ""),
}


def fire_alarm(alarm_id: int, *, now: datetime.datetime | None = None) -> bool:
    """Record the deadline event and notify, once: the consultation is locked
    first (as every consultation service does), then the alarm."""
    from . import services  # the services arm alarms through desired_alarms above

    now = now or timezone.now()
    consultation_id = Alarm.objects.filter(pk=alarm_id).values_list("consultation_id", flat=True).first()
    if consultation_id is None:
        return False
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update(of=("self",)).get(pk=consultation_id)
        alarm = Alarm.objects.select_for_update().get(pk=alarm_id)
        if alarm.due_at is None or alarm.due_at > now:
            return False  # fired, disarmed or moved meanwhile
        event_kind, deadline_kind = ALARM_EVENTS[alarm.kind]
        services.record_reminder(
            consultation=consultation,
            kind=event_kind,
            data={"deadline_kind": deadline_kind, "deadline": alarm.deadline.isoformat() if alarm.deadline else None,
                  "alarm": alarm.kind},
            now=now,
        )  # fmt: skip
        alarm.fired_for = alarm.deadline
        alarm.fired_at = now
        alarm.due_at = None
        alarm.claimed_at = None
        alarm.save(update_fields=["fired_for", "fired_at", "due_at", "claimed_at"])
    return True
