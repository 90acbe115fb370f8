"""Deadline moves recorded on the events that made them, read by the metrics from
there; and the backfill of the history written before, which must give the
events the deadlines the services record (so that old figures do not change)."""

import datetime
import importlib

import pytest
from django.db import connection, transaction

from consult import services
from consult.models import Consultation, Event, deadlines_record, recorded_deadlines
from routing.business_time import JST

pytestmark = pytest.mark.django_db
MOVING_KINDS = {"filed", "transferred", "routed_by_hand", "info_requested", "resumed", "resolved", "reopened",
                "withdrawn"}  # fmt: skip


def jst(*parts):
    return datetime.datetime(*parts, tzinfo=JST)


@pytest.fixture
def histories(people, file):
    """Every way a deadline moves, each checked as it happens: the event records the
    deadlines the consultation has right after it."""
    staff, maff, meti, secretariat = people["matsumoto"], people["maff"], people["meti"], people["secretariat"]
    checked = []

    def check(consultation, kind):
        event = Event.objects.filter(consultation=consultation, kind=kind).order_by("-created_at", "-id").first()
        now = Consultation.objects.get(pk=consultation.pk)
        assert set(event.data["deadlines"]) == set(deadlines_record(now))
        assert recorded_deadlines(event.data) == (now.first_response_due_at, now.resolution_due_at), kind
        checked.append(kind)

    a = file(staff, now=jst(2026, 11, 16, 9, 0), title="A")
    check(a, "filed")
    # Transferred unanswered: the receiving office's first deadline runs from the transfer.
    services.transfer(actor=maff, consultation=a, office="meti-rbe-kanto", reason="経産省の所管",
                      now=jst(2026, 11, 17, 10, 0))  # fmt: skip
    check(a, "transferred")
    services.transition(actor=meti, consultation=a, action="request_info", comment="面積は？",
                        now=jst(2026, 11, 18, 10, 0))  # fmt: skip
    check(a, "info_requested")
    services.post_message(actor=staff, consultation=a, body="12ha", now=jst(2026, 11, 24, 14, 0))  # resumes
    check(a, "resumed")
    services.transition(actor=meti, consultation=a, action="resolve", comment="解決", now=jst(2026, 11, 25, 10, 0))
    check(a, "resolved")
    services.transition(actor=staff, consultation=a, action="reopen", comment="追加で", now=jst(2026, 11, 30, 10, 0))
    check(a, "reopened")
    # Waiting for the filer when resolved: the resolution ends the wait and moves the deadlines.
    b = file(staff, now=jst(2026, 11, 16, 9, 0), title="B")
    services.transition(actor=maff, consultation=b, action="request_info", comment="面積は？",
                        now=jst(2026, 11, 16, 10, 0))  # fmt: skip
    services.transition(actor=maff, consultation=b, action="resolve", comment="解決", now=jst(2026, 11, 20, 10, 0))
    check(b, "resolved")
    # Withdrawn while waiting, and routed out of triage by the secretariat.
    c = file(staff, now=jst(2026, 11, 16, 9, 0), title="C")
    services.transition(actor=maff, consultation=c, action="request_info", comment="面積は？",
                        now=jst(2026, 11, 16, 10, 0))  # fmt: skip
    services.transition(actor=staff, consultation=c, action="withdraw", now=jst(2026, 11, 19, 10, 0))
    check(c, "withdrawn")
    d = file(staff, now=jst(2026, 11, 16, 9, 0), title="D", policy_area="other")
    assert d.status == "triage"
    services.transfer(actor=secretariat, consultation=d, office="digital-hq", reason="データ連携の相談",
                      now=jst(2026, 11, 18, 9, 0))  # fmt: skip
    check(d, "routed_by_hand")
    assert set(checked) == MOVING_KINDS
    return [a, b, c, d]


def test_the_events_that_move_deadlines_record_them_and_the_figures_read_them(histories):
    from metrics import history

    a = histories[0]
    (_row, result), *_ = history.computed(Consultation.objects.filter(pk=a.pk))
    recorded = [
        recorded_deadlines(data)
        for data in Event.objects.filter(consultation=a, kind__in=MOVING_KINDS).values_list("data", flat=True)
    ]
    first_at_filing, resolution_at_filing = recorded[0]
    stretches = result.stretches
    # Held by MAFF from filing, overdue from the first deadline set then.
    assert stretches[0].office is not None and stretches[0].overdue_from == first_at_filing
    # After the transfer: the first deadline the transfer recorded.
    assert stretches[1].overdue_from == min(recorded[1])
    assert any(stretch.paused and stretch.overdue_from is None for stretch in stretches)
    # Reopened: open again until now, with the reopening's resolution deadline (the consultation's own).
    assert (
        stretches[-1].end is None and stretches[-1].overdue_from == Consultation.objects.get(pk=a.pk).resolution_due_at
    )
    assert resolution_at_filing < recorded[-1][1]


def _forget_recorded_deadlines():
    """The history as written before events recorded their deadlines."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checks pending in this transaction, before the ALTER
        cursor.execute("ALTER TABLE consult_event DISABLE TRIGGER consult_event_append_only")
        cursor.execute("UPDATE consult_event SET data = data - 'deadlines'")
        cursor.execute("ALTER TABLE consult_event ENABLE TRIGGER consult_event_append_only")


def test_the_backfill_gives_old_history_the_deadlines_the_services_record(histories):
    from django.apps import apps

    from metrics import history

    events = Event.objects.filter(kind__in=MOVING_KINDS).order_by("id")
    recorded = {pk: recorded_deadlines(data) for pk, data in events.values_list("id", "data")}
    stretches = {row[0]: result.stretches for row, result in history.computed(Consultation.objects.all())}
    _forget_recorded_deadlines()
    assert not Event.objects.filter(data__has_key="deadlines").exists()
    assert {row[0]: result.stretches for row, result in history.computed(Consultation.objects.all())} != stretches

    backfill = importlib.import_module("metrics.migrations.0010_deadlines_on_events")
    with connection.schema_editor() as schema_editor:
        backfill.forwards(apps, schema_editor)
    assert {pk: recorded_deadlines(data) for pk, data in events.values_list("id", "data")} == recorded
    assert {row[0]: result.stretches for row, result in history.computed(Consultation.objects.all())} == stretches
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE consult_event SET reason = 'x'")  # and the history is append-only again
