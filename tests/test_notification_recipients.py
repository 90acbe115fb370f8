"""Who is told what (NOTIFICATIONS.md), on the pure function: no database."""

import pytest

from notifications.kinds import Kind
from notifications.recipients import EVENT_KINDS, SECRETARIAT_EVENTS, EventFacts, Parties, recipients

FILER, OTHER_STAFF, ASSIGNEE, OFFICE_A, OFFICE_B, LEAD, COLLAB, SECRETARIAT, FOLLOWING_LIAISON = range(1, 10)

UNASSIGNED = Parties(
    filer_followers=frozenset({FILER, OTHER_STAFF}),
    office_liaisons=frozenset({OFFICE_A, OFFICE_B, LEAD}),
    office_leads=frozenset({LEAD}),
    collaborator_liaisons=frozenset({COLLAB}),
    secretariat=frozenset({SECRETARIAT}),
)
ASSIGNED = Parties(**{**UNASSIGNED.__dict__, "assignee": ASSIGNEE, "liaison_followers": frozenset({FOLLOWING_LIAISON})})


def told(kind, parties=ASSIGNED, actor=None, internal=False, **data):
    return recipients(EventFacts(kind=kind, actor=actor, internal=internal, data=data), parties)


def test_filed_and_routed_tells_the_office_and_collaborators_not_the_filer():
    assert told("routed", UNASSIGNED, actor=FILER) == {
        OFFICE_A: Kind.ROUTED, OFFICE_B: Kind.ROUTED, LEAD: Kind.ROUTED, COLLAB: Kind.ROUTED,
    }  # fmt: skip


def test_triage_tells_the_secretariat_only():
    assert told("triaged", UNASSIGNED, actor=FILER) == {SECRETARIAT: Kind.TRIAGE}


def test_accepted_tells_the_filer_side():
    assert told("accepted", actor=ASSIGNEE) == {FILER: Kind.ACCEPTED, OTHER_STAFF: Kind.ACCEPTED}


def test_a_public_reply_by_an_office_tells_filers_assignee_and_collaborators_but_not_the_author():
    result = told("replied", actor=ASSIGNEE, by=["office"])
    assert result == {FILER: Kind.REPLIED, OTHER_STAFF: Kind.REPLIED, COLLAB: Kind.REPLIED,
                      FOLLOWING_LIAISON: Kind.REPLIED}  # fmt: skip


def test_a_reply_by_the_filer_tells_the_other_followers_the_assignee_and_collaborators():
    result = told("replied", actor=FILER, by=["filer"])
    assert result == {
        OTHER_STAFF: Kind.FILER_ANSWERED, ASSIGNEE: Kind.FILER_ANSWERED, COLLAB: Kind.FILER_ANSWERED,
        FOLLOWING_LIAISON: Kind.FILER_ANSWERED,
    }  # fmt: skip


def test_unassigned_means_the_whole_office():
    result = told("replied", UNASSIGNED, actor=FILER, by=["filer"])
    assert set(result) == {OTHER_STAFF, OFFICE_A, OFFICE_B, LEAD, COLLAB}


def test_internal_notes_never_reach_the_filer_side_even_when_mentioned():
    parties = Parties(**{**ASSIGNED.__dict__, "mentioned": frozenset({FILER, COLLAB})})
    result = told("note_added", parties, actor=ASSIGNEE, internal=True)
    assert FILER not in result and OTHER_STAFF not in result
    assert result == {COLLAB: Kind.MENTIONED, FOLLOWING_LIAISON: Kind.NOTE}


def test_a_mention_replaces_the_plain_notification():
    parties = Parties(**{**ASSIGNED.__dict__, "mentioned": frozenset({OTHER_STAFF, SECRETARIAT})})
    result = told("replied", parties, actor=ASSIGNEE, by=["office"])
    assert result[OTHER_STAFF] == Kind.MENTIONED and result[SECRETARIAT] == Kind.MENTIONED
    assert result[FILER] == Kind.REPLIED


def test_information_requested_and_resolved_tell_the_filer_side():
    assert set(told("info_requested", actor=ASSIGNEE)) == {FILER, OTHER_STAFF}
    assert set(told("resolved", actor=ASSIGNEE)) == {FILER, OTHER_STAFF, COLLAB}


def test_resumed_by_the_filers_reply_is_told_once_as_the_reply():
    assert told("resumed", actor=FILER, via_reply=True) == {}
    assert set(told("resumed", actor=FILER)) == {ASSIGNEE, FOLLOWING_LIAISON}


def test_transfer_tells_filers_the_old_assignee_and_the_new_office():
    result = told("transferred", UNASSIGNED, actor=OFFICE_A, previous_assignee=ASSIGNEE)
    assert set(result) == {FILER, OTHER_STAFF, ASSIGNEE, OFFICE_B, LEAD}
    assert set(told("ping_pong_flagged", UNASSIGNED)) == {SECRETARIAT}


def test_invitation_tells_the_invited_office():
    parties = Parties(**{**ASSIGNED.__dict__, "invited_liaisons": frozenset({77, 78})})
    assert told("collaborator_invited", parties, actor=ASSIGNEE) == {77: Kind.COLLABORATOR_INVITED,
                                                                      78: Kind.COLLABORATOR_INVITED}  # fmt: skip


def test_reopened_closed_and_withdrawn():
    assert set(told("reopened", actor=FILER)) == {ASSIGNEE, FOLLOWING_LIAISON, COLLAB}
    assert set(told("closed", actor=FILER)) == {OTHER_STAFF, ASSIGNEE, FOLLOWING_LIAISON, COLLAB}
    assert set(told("closed", automatic=True)) == {FILER, OTHER_STAFF, ASSIGNEE, FOLLOWING_LIAISON}
    assert set(told("withdrawn", actor=FILER)) == {OTHER_STAFF, ASSIGNEE, FOLLOWING_LIAISON, COLLAB}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("due_soon", {ASSIGNEE, FOLLOWING_LIAISON}),
        ("overdue", {ASSIGNEE, FOLLOWING_LIAISON, LEAD}),
        ("escalated", {ASSIGNEE, FOLLOWING_LIAISON, LEAD, SECRETARIAT}),
        ("awaiting_filer_reminder", {FILER, OTHER_STAFF}),
    ],
)
def test_deadline_events(kind, expected):
    assert set(told(kind)) == expected


def test_deadline_reminders_reach_the_whole_office_when_nobody_is_assigned():
    assert set(told("due_soon", UNASSIGNED)) == {OFFICE_A, OFFICE_B, LEAD}


@pytest.mark.parametrize("kind", ["filed", "attachment_added", "unknown"])
def test_events_that_tell_nobody(kind):
    assert told(kind, actor=FILER) == {}


@pytest.mark.parametrize("kind", sorted(EVENT_KINDS))
def test_only_the_secretariat_events_tell_the_secretariat(kind):
    """The loader reads the secretariat's members only for SECRETARIAT_EVENTS: exactly the events the rule tells them of."""
    secretariat = frozenset({900})
    told = recipients(EventFacts(kind=kind, data={"by": ["office"]}), Parties(secretariat=secretariat))
    assert (900 in told) == (kind in SECRETARIAT_EVENTS)
