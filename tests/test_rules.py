"""consult.rules, pure: overdue and allowed actions (one test uses the database,
to check that the queryset twin of ``is_overdue`` selects the same rows)."""

import datetime
import itertools
from types import SimpleNamespace

import pytest

from consult import rules
from consult.lifecycle import TRANSITIONS, IllegalTransition, Status, next_status

ALL = [status for status, _ in Status.CHOICES]
T = datetime.datetime(2026, 12, 3, 1, 0, tzinfo=datetime.UTC)
SECOND = datetime.timedelta(seconds=1)
DEADLINES = [None, T - SECOND, T, T + SECOND]
NOWS = [T - SECOND, T, T + SECOND]


def consultation(status="open", first=None, responded=None, resolution=None):
    return SimpleNamespace(
        status=status, first_response_due_at=first, first_responded_at=responded, resolution_due_at=resolution
    )


# --- overdue ------------------------------------------------------------------------------------


def test_the_deadline_instant_itself_is_overdue():
    assert not rules.is_overdue(consultation(first=T), T - SECOND)
    assert rules.is_overdue(consultation(first=T), T)
    assert rules.is_overdue(consultation(resolution=T), T)


@pytest.mark.parametrize("status", ALL)
def test_the_clock_runs_in_triage_open_and_in_progress_only(status):
    late = consultation(status, first=T - SECOND, resolution=T - SECOND)
    assert rules.is_overdue(late, T) == (status in {"triage", "open", "in_progress"})


def test_a_first_response_stops_the_first_deadline_but_not_the_resolution():
    assert not rules.is_overdue(consultation(first=T - SECOND, responded=T - 2 * SECOND), T)
    assert rules.is_overdue(consultation(first=T - SECOND, responded=T, resolution=T), T)


def test_no_deadline_is_never_overdue():
    assert not rules.is_overdue(consultation("triage"), T)


def test_each_deadline_on_its_own():
    answered = consultation("in_progress", first=T - SECOND, responded=T - SECOND, resolution=T + SECOND)
    assert not rules.late(answered, rules.FIRST, T) and not rules.late(answered, rules.RESOLUTION, T)
    assert rules.late(answered, rules.RESOLUTION, T + SECOND)
    waiting = consultation("awaiting_filer", first=T - SECOND, resolution=T - SECOND)
    assert not rules.deadline_counts(waiting, rules.FIRST) and not rules.deadline_counts(waiting, rules.RESOLUTION)


@pytest.mark.django_db
def test_the_queryset_twin_selects_exactly_the_overdue_rows(people, file):
    """A grid of statuses, deadlines, first responses and instants: ``overdue_q`` and
    its negation agree with ``is_overdue`` on every row."""
    from consult.models import Consultation

    model = file(people["matsumoto"])
    office = model.primary_office_id
    rows = []
    grid = itertools.product(ALL, DEADLINES, [None, T - SECOND], DEADLINES)
    for number, (status, first, responded, resolution) in enumerate(grid):
        row = Consultation.objects.get(pk=model.pk)
        row.pk = None
        row.reference = f"GRID-{number:04d}"
        row.status = status
        row.primary_office_id = None if status == "triage" else office
        row.first_response_due_at, row.first_responded_at, row.resolution_due_at = first, responded, resolution
        rows.append(row)
    Consultation.objects.bulk_create(rows)
    grid_rows = Consultation.objects.filter(reference__startswith="GRID-")
    every = list(grid_rows)
    assert len(every) == len(ALL) * 4 * 2 * 4
    for now in NOWS:
        expected = {row.pk for row in every if rules.is_overdue(row, now)}
        assert expected and len(expected) < len(every)
        assert set(grid_rows.filter(rules.overdue_q(now)).values_list("pk", flat=True)) == expected, now
        assert set(grid_rows.exclude(rules.overdue_q(now)).values_list("pk", flat=True)) == (
            {row.pk for row in every} - expected
        ), now


# --- allowed actions ----------------------------------------------------------------------------

STANDINGS = ["filer", "office", "collaborator", "secretariat"]


def every_standing():
    for size in range(len(STANDINGS) + 1):
        yield from (set(chosen) for chosen in itertools.combinations(STANDINGS, size))


def test_the_permissions_are_the_services_own():
    # The services refuse with the very tables the pages and the API offer from.
    from consult import services

    assert rules.PERMISSIONS is services.PERMISSIONS
    assert rules.RATABLE is services.RATABLE


def legal(action: str, status: str) -> bool:
    """Whether the services would let ``action`` through in ``status`` (the lifecycle's table)."""
    if action in TRANSITIONS:
        try:
            next_status(action, status)
        except IllegalTransition:
            return False
        return True
    if action == "rate":
        return status in rules.RATABLE
    if action == "unmerge":
        return False  # only a merged consultation offers it
    return status != Status.WITHDRAWN  # reply, note, invite, merge


@pytest.mark.parametrize("status", ALL)
def test_allowed_actions_are_exactly_the_permitted_and_legal_ones(status):
    for standing in every_standing():
        allowed = rules.allowed_actions(standing, status)
        expected = {action for action, who in rules.PERMISSIONS.items() if standing & who and legal(action, status)}
        assert set(allowed) == expected, (standing, status)
        assert len(allowed) == len(expected)  # each once


def test_allowed_actions_in_order():
    assert rules.allowed_actions({"office"}, "open") == [
        "accept", "request_info", "resolve", "transfer", "reply", "note", "invite", "merge",
    ]  # fmt: skip
    # The filer may resume without replying (a reply resumes it too).
    assert rules.allowed_actions({"filer"}, "awaiting_filer") == ["resume", "withdraw", "reply"]
    assert rules.allowed_actions({"filer"}, "resolved") == ["confirm", "reopen", "reply", "rate"]
    assert rules.allowed_actions({"collaborator"}, "in_progress") == ["reply", "note"]
    assert rules.allowed_actions({"secretariat"}, "triage") == [
        "withdraw",
        "transfer",
        "reply",
        "note",
        "invite",
        "merge",
    ]
    assert rules.allowed_actions({"filer", "office", "secretariat"}, "withdrawn") == []
    assert rules.allowed_actions(set(), "open") == []


@pytest.mark.parametrize("status", ALL)
def test_a_merged_consultation_offers_only_unmerge_to_the_kept_ones_office(status):
    for standing in every_standing():
        allowed = rules.allowed_actions(set(STANDINGS), status, kept_standing=standing)
        assert allowed == (["unmerge"] if standing & {"office", "secretariat"} else []), (standing, status)


def test_the_system_action_is_never_offered():
    for status in ALL:
        assert "auto_close" not in rules.allowed_actions(set(STANDINGS), status)
