"""Deadline alarms, as consultation events.

``notifications`` keeps the alarm rows: armed by ``schedule_alarms`` when a
consultation service changes a deadline, claimed by the beat sweep. What a due
alarm means for the consultation (the event it records, under the
consultation's lock) is decided here, so imports run one way: consult →
notifications.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from notifications.models import Alarm, AlarmKind

from . import services
from .models import Consultation

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
