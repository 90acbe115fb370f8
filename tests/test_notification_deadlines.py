"""Deadline alarms: rows armed by the consultation services, swept by beat,
fired once per deadline, moved when the deadline moves."""

import datetime
import threading

import pytest
from django.db import connections

from consult import alarms, services
from consult import tasks as consult_tasks
from consult.models import Event
from notifications import delivery
from notifications.kinds import Kind
from notifications.models import Alarm, AlarmKind, Notification
from routing.business_time import JST

pytestmark = pytest.mark.django_db


def jst(*parts):
    return datetime.datetime(*parts, tzinfo=JST)


DAY = jst(2026, 12, 1, 10, 0)  # Tuesday


def armed(consultation):
    return dict(Alarm.objects.filter(consultation=consultation, due_at__isnull=False).values_list("kind", "due_at"))


def sweep(now):
    """One beat sweep at ``now``: claim what is due and fire it (tasks run in-process here)."""
    ids = delivery.claim_due_alarms(now=now)
    return sum(1 for pk in ids if alarms.fire_alarm(pk, now=now))


def test_filing_arms_reminder_breach_and_escalation_for_both_deadlines(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    assert consultation.first_response_due_at == jst(2026, 12, 3, 10, 0)
    assert armed(consultation) == {
        AlarmKind.FIRST_RESPONSE_DUE_SOON: jst(2026, 12, 2, 10, 0),
        AlarmKind.FIRST_RESPONSE_OVERDUE: jst(2026, 12, 3, 10, 0),
        AlarmKind.FIRST_RESPONSE_ESCALATED: jst(2026, 12, 7, 10, 0),  # two business days later, over the weekend
        AlarmKind.RESOLUTION_DUE_SOON: jst(2026, 12, 14, 10, 0),
        AlarmKind.RESOLUTION_OVERDUE: jst(2026, 12, 15, 10, 0),
        AlarmKind.RESOLUTION_ESCALATED: jst(2026, 12, 17, 10, 0),
    }


def test_each_alarm_fires_once_and_tells_the_right_people(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    assert sweep(jst(2026, 12, 2, 9, 59)) == 0
    assert sweep(jst(2026, 12, 2, 10, 0)) == 1
    assert sweep(jst(2026, 12, 2, 10, 5)) == 0
    due_soon = Notification.objects.filter(consultation=consultation, kind=Kind.DUE_SOON)
    assert {n.recipient for n in due_soon} == {people["maff"], people["maff_lead"]}  # nobody assigned: the office
    event = Event.objects.get(consultation=consultation, kind="due_soon")
    assert event.data["deadline_kind"] == "first_response" and event.actor is None

    services.transition(actor=people["maff"], consultation=consultation, action="accept", now=jst(2026, 12, 2, 11))
    assert sweep(jst(2026, 12, 3, 10, 0)) == 1
    overdue = Notification.objects.filter(consultation=consultation, kind=Kind.OVERDUE)
    assert {n.recipient for n in overdue} == {people["maff"], people["maff_lead"]}  # the assignee and the lead
    assert sweep(jst(2026, 12, 7, 10, 0)) == 1
    escalated = Notification.objects.filter(consultation=consultation, kind=Kind.ESCALATED)
    assert {n.recipient for n in escalated} == {people["maff"], people["maff_lead"], people["secretariat"]}
    assert Event.objects.filter(consultation=consultation, kind__in=["due_soon", "overdue", "escalated"]).count() == 3


def test_the_first_response_disarms_its_alarms(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    services.post_message(actor=people["maff"], consultation=consultation, body="確認します", now=DAY)
    assert set(armed(consultation)) == {
        AlarmKind.RESOLUTION_DUE_SOON,
        AlarmKind.RESOLUTION_OVERDUE,
        AlarmKind.RESOLUTION_ESCALATED,
    }
    assert sweep(jst(2026, 12, 8, 10, 0)) == 0


def test_a_pause_disarms_reminds_the_filer_and_resuming_moves_the_deadlines(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    services.transition(actor=people["maff"], consultation=consultation, action="accept", now=DAY)
    services.transition(actor=people["maff"], consultation=consultation, action="request_info",
                        comment="面積は？", now=jst(2026, 12, 2, 10, 0))  # fmt: skip
    assert armed(consultation) == {AlarmKind.AWAITING_FILER: jst(2026, 12, 7, 10, 0)}
    assert sweep(jst(2026, 12, 7, 10, 0)) == 1
    reminder = Notification.objects.get(consultation=consultation, kind=Kind.AWAITING_FILER)
    assert reminder.recipient == people["matsumoto"]
    services.post_message(actor=people["matsumoto"], consultation=consultation, body="12haです",
                          now=jst(2026, 12, 8, 10, 0))  # fmt: skip
    consultation.refresh_from_db()
    # Four business days paused: the resolution deadline moved from 15 to 21 December (a weekend between).
    assert consultation.resolution_due_at == jst(2026, 12, 21, 10, 0)
    assert armed(consultation)[AlarmKind.RESOLUTION_OVERDUE] == jst(2026, 12, 21, 10, 0)
    assert AlarmKind.AWAITING_FILER not in armed(consultation)


def test_a_moved_deadline_fires_again_the_same_one_does_not(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    assert sweep(jst(2026, 12, 2, 10, 0)) == 1  # first response due soon
    # A transfer restarts the first-response clock at the new office: the reminder is re-armed.
    services.transfer(actor=people["maff"], consultation=consultation, office="maff-hq", reason="本省の所管",
                      now=jst(2026, 12, 2, 12, 0))  # fmt: skip
    assert armed(consultation)[AlarmKind.FIRST_RESPONSE_DUE_SOON] == jst(2026, 12, 3, 12, 0)
    assert sweep(jst(2026, 12, 3, 12, 0)) == 1
    told = Notification.objects.filter(consultation=consultation, kind=Kind.DUE_SOON, recipient=people["maff_hq"])
    assert told.count() == 1
    # Re-saving with the same deadline leaves a fired alarm quiet.
    services.invite_collaborator(actor=people["maff_hq"], consultation=consultation, office="digital-hq",
                                 now=jst(2026, 12, 3, 13, 0))  # fmt: skip
    services.transition(actor=people["maff_hq"], consultation=consultation, action="accept", now=jst(2026, 12, 3, 13))
    assert AlarmKind.FIRST_RESPONSE_DUE_SOON not in armed(consultation)


def test_closing_disarms_everything(people, file):
    consultation = file(people["matsumoto"], now=DAY)
    services.transition(actor=people["matsumoto"], consultation=consultation, action="withdraw", now=DAY)
    assert armed(consultation) == {}


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_time_send_each_reminder_once(committed_reference_data, people, file):
    consultations = [file(people["matsumoto"], now=DAY) for _ in range(40)]
    now = jst(2026, 12, 2, 10, 0)
    barrier = threading.Barrier(2)
    claimed: list[list[int]] = []
    errors = []

    def run_sweep():
        try:
            barrier.wait()
            ids = delivery.claim_due_alarms(now=now)
            claimed.append(ids)
            for pk in ids:
                alarms.fire_alarm(pk, now=now)
            # A second pass over everything (as a re-queued task would): nothing fires twice.
            for pk in Alarm.objects.values_list("pk", flat=True):
                alarms.fire_alarm(pk, now=now)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert not set(claimed[0]) & set(claimed[1])
    assert len(claimed[0]) + len(claimed[1]) == 40
    ids = [c.pk for c in consultations]
    assert Event.objects.filter(consultation_id__in=ids, kind="due_soon").count() == 40
    assert Notification.objects.filter(consultation_id__in=ids, kind=Kind.DUE_SOON).count() == 80  # two liaisons each


def test_the_beat_task_queues_what_is_due(people, file, time_machine):
    consultation = file(people["matsumoto"], now=DAY)
    time_machine.move_to(jst(2026, 12, 2, 10, 1))
    assert consult_tasks.sweep_deadlines() == 1  # claimed and queued; tasks run in-process in tests
    assert Event.objects.filter(consultation=consultation, kind="due_soon").count() == 1
    assert consult_tasks.sweep_deadlines() == 0


@pytest.mark.parametrize(
    ("status", "responded", "expected"),
    [
        ("triage", False, set()),  # the clock runs (overdue counts it) but nobody holds it to be told
        ("open", False, {"first", "resolution"}),
        ("in_progress", False, {"first", "resolution"}),
        ("in_progress", True, {"resolution"}),  # answered: the first-response deadline no longer counts
        ("awaiting_filer", False, {"awaiting_filer"}),  # the clock pauses: a reminder to the filer instead
        ("resolved", True, set()),
        ("closed", True, set()),
        ("withdrawn", False, set()),
    ],
)
def test_the_alarms_armed_follow_the_overdue_rule(status, responded, expected):
    """Which alarms a consultation has is read from consult.rules (the deadlines
    that count), not from a list of statuses of its own."""
    from types import SimpleNamespace

    from routing.business_time import DEFAULT_CALENDAR

    consultation = SimpleNamespace(
        status=status,
        first_responded_at=DAY if responded else None,
        first_response_due_at=jst(2026, 12, 3, 10, 0),
        resolution_due_at=jst(2026, 12, 15, 10, 0),
        paused_since=DAY if status == "awaiting_filer" else None,
    )
    wanted = alarms.desired_alarms(consultation, DEFAULT_CALENDAR)
    groups = {
        "first": {AlarmKind.FIRST_RESPONSE_DUE_SOON, AlarmKind.FIRST_RESPONSE_OVERDUE,
                  AlarmKind.FIRST_RESPONSE_ESCALATED},
        "resolution": {AlarmKind.RESOLUTION_DUE_SOON, AlarmKind.RESOLUTION_OVERDUE, AlarmKind.RESOLUTION_ESCALATED},
        "awaiting_filer": {AlarmKind.AWAITING_FILER},
    }  # fmt: skip
    assert set(wanted) == set().union(*(groups[name] for name in expected))
    if "first" in expected:
        # Due soon a business day before, overdue at the deadline, escalated two business days after.
        assert wanted[AlarmKind.FIRST_RESPONSE_OVERDUE] == (consultation.first_response_due_at,) * 2
        assert wanted[AlarmKind.FIRST_RESPONSE_DUE_SOON][1] == jst(2026, 12, 2, 10, 0)
        assert wanted[AlarmKind.FIRST_RESPONSE_ESCALATED][1] == jst(2026, 12, 7, 10, 0)
