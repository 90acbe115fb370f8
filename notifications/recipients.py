"""Who is told what (NOTIFICATIONS.md), as a pure function over plain data:
tested without a database, loaded by ``notifications.services``."""

from __future__ import annotations

from dataclasses import dataclass, field

from .kinds import Kind

EMPTY: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Parties:
    """The people around one consultation, as user ids, after the change."""

    filer_followers: frozenset[int] = EMPTY  # staff of the filer and co-filers who follow it
    liaison_followers: frozenset[int] = EMPTY
    assignee: int | None = None
    office_liaisons: frozenset[int] = EMPTY  # the office holding it now
    office_leads: frozenset[int] = EMPTY
    collaborator_liaisons: frozenset[int] = EMPTY
    secretariat: frozenset[int] = EMPTY
    # Only for some events: the office invited, the people who may see and were mentioned.
    invited_liaisons: frozenset[int] = EMPTY
    mentioned: frozenset[int] = EMPTY
    # People away today → their deputy (accounts.Absence): told whatever they are told.
    deputies: dict[int, int] = field(default_factory=dict)

    @property
    def handlers(self) -> frozenset[int]:
        """The assignee, or the whole office while nobody is assigned; and liaisons who follow it."""
        holders = frozenset({self.assignee}) if self.assignee else self.office_liaisons
        return holders | self.liaison_followers


# The consultation events that tell anyone anything (the others only reach webhooks).
EVENT_KINDS = frozenset({
    "routed", "triaged", "routed_by_hand", "transferred", "accepted", "replied", "note_added", "info_requested",
    "resumed", "collaborator_invited", "resolved", "reopened", "closed", "withdrawn", "ping_pong_flagged",
    "due_soon", "overdue", "escalated", "awaiting_filer_reminder", "assigned", "merged_into", "absorbed", "unmerged",
    "released",
})  # fmt: skip


# The events that tell the secretariat (``p.secretariat`` below): the only ones whose
# loader needs the list of secretariat members.
SECRETARIAT_EVENTS = frozenset({"triaged", "ping_pong_flagged", "escalated"})


@dataclass(frozen=True)
class EventFacts:
    kind: str  # consult.Event.kind
    actor: int | None = None
    internal: bool = False
    data: dict = field(default_factory=dict)


def recipients(event: EventFacts, parties: Parties) -> dict[int, Kind]:
    """Each person to notify of ``event`` and the kind of notification they get.
    Nobody is notified of their own action; internal notes never reach the filer side."""
    p = parties
    data = event.data or {}
    told: dict[Kind, frozenset[int]] = {}
    match event.kind:
        case "routed":
            told[Kind.ROUTED] = p.office_liaisons | p.collaborator_liaisons
        case "triaged":
            told[Kind.TRIAGE] = p.secretariat
        case "routed_by_hand" | "transferred":
            previous = data.get("previous_assignee")
            told[Kind.TRANSFERRED] = (
                p.filer_followers
                | p.office_liaisons
                | p.liaison_followers
                | (frozenset({previous}) if previous else EMPTY)
            )
        case "accepted":
            told[Kind.ACCEPTED] = p.filer_followers
        case "replied":
            by = set(data.get("by", ()))
            kind = Kind.FILER_ANSWERED if by == {"filer"} else Kind.REPLIED
            told[kind] = p.filer_followers | p.handlers | p.collaborator_liaisons
        case "note_added":
            told[Kind.NOTE] = p.handlers | p.collaborator_liaisons
        case "info_requested":
            told[Kind.INFO_REQUESTED] = p.filer_followers
        case "resumed":
            # A reply from the filer resumes it and is told as that reply.
            if not data.get("via_reply"):
                told[Kind.FILER_ANSWERED] = p.handlers
        case "collaborator_invited":
            told[Kind.COLLABORATOR_INVITED] = p.invited_liaisons
        case "resolved":
            told[Kind.RESOLVED] = p.filer_followers | p.collaborator_liaisons
        case "reopened":
            told[Kind.REOPENED] = p.handlers | p.collaborator_liaisons
        case "closed":
            collaborators = EMPTY if data.get("automatic") else p.collaborator_liaisons
            told[Kind.CLOSED] = p.filer_followers | p.handlers | collaborators
        case "withdrawn":
            told[Kind.WITHDRAWN] = p.filer_followers | p.handlers | p.collaborator_liaisons
        case "ping_pong_flagged":
            told[Kind.PING_PONG] = p.secretariat
        case "due_soon":
            told[Kind.DUE_SOON] = p.handlers
        case "overdue":
            told[Kind.OVERDUE] = p.handlers | p.office_leads
        case "escalated":
            told[Kind.ESCALATED] = p.handlers | p.office_leads | p.secretariat
        case "assigned":
            # The new assignee has new work; the previous one is told it left them.
            people = {data.get("assignee"), data.get("previous_assignee")} - {None}
            told[Kind.ASSIGNED] = frozenset(people)
        case "awaiting_filer_reminder":
            told[Kind.AWAITING_FILER] = p.filer_followers
        case "merged_into" | "absorbed":
            # Each side of a merge hears it on its own consultation (the other's reference in the text).
            told[Kind.MERGED] = p.filer_followers | p.handlers | p.collaborator_liaisons
        case "unmerged" | "released":
            told[Kind.UNMERGED] = p.filer_followers | p.handlers | p.collaborator_liaisons

    result: dict[int, Kind] = {}
    for kind, people in told.items():
        for person in people:
            result[person] = kind
    if event.kind in ("replied", "note_added"):
        # A mention is the more specific news; the loader passes only people who may see it.
        for person in p.mentioned:
            result[person] = Kind.MENTIONED
    if event.internal:
        for person in p.filer_followers:
            result.pop(person, None)
    result.pop(event.actor, None)
    return with_deputies(result, p.deputies, actor=event.actor)


def with_deputies(told: dict[int, Kind], deputies: dict[int, int], *, actor: int | None = None) -> dict[int, Kind]:
    """The one rule for deputies: whatever a person away is told (new work,
    replies, reminders, escalations, notices to leads), their deputy is told as
    well. Not of the person's own action (they are not told), nor of the deputy's."""
    result = dict(told)
    for person, kind in told.items():
        deputy = deputies.get(person)
        if deputy is not None and deputy != actor and deputy not in result:
            result[deputy] = kind
    return result
