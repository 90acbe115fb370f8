"""The rules of a consultation that everything else asks, written once (pure: no
database access; ``overdue_q`` only builds a condition).

* **Overdue.** The SLA clock runs in ``triage``, ``open`` and ``in_progress``
  (``CLOCK_RUNS``); it pauses in ``awaiting_filer`` and has stopped once
  ``resolved``, ``closed`` or ``withdrawn``. A consultation is overdue at ``now``
  when its clock runs and a deadline that still counts has been reached:
  the first-response deadline until the first response, the resolution
  deadline always. "Reached" is ``deadline <= now``: the deadline instant itself
  is overdue, as the deadline alarms fire (``due_at <= now``), as the deadline
  tag and the metrics say it (METRICS.md: open and past a deadline that is not
  paused).

  Triage counts: the filer is waiting and the secretariat holds it (the
  dashboard's overdue list shows it too). The alarms stay quiet in triage only
  because nobody holds it yet to be told; once routed, an alarm whose deadline
  has already passed fires at the next sweep. ``awaiting_filer`` never counts:
  its deadlines move by the time waited when the clock restarts.

* **Allowed actions.** What a party may do now: an action the lifecycle allows
  from the status (``consult.lifecycle.TRANSITIONS``; ``auto_close`` is the
  system's) and that the party's standing may take (``PERMISSIONS``), plus the
  actions that do not depend on the status (reply, note, invite: anything but a
  withdrawn consultation) and rating (resolved or closed). Exactly what the
  services accept.

* **Merged.** A consultation merged into another (``merged_into``) keeps its
  status but is closed to new work: the only action left is ``unmerge``, taken
  by the kept consultation's office or the secretariat (``MERGED_ACTIONS``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Q

from .lifecycle import TRANSITIONS, Status

# --- overdue ------------------------------------------------------------------------------------

# The SLA clock runs in these; it pauses in awaiting_filer.
CLOCK_RUNS = frozenset({Status.TRIAGE, Status.OPEN, Status.IN_PROGRESS})

# "Due soon": at most half a business day left (the deadline tag, the queue's order).
DUE_SOON_SECONDS = 4 * 3600

FIRST = "first"
RESOLUTION = "resolution"


def passed(deadline: datetime.datetime | None, now: datetime.datetime) -> bool:
    """Whether ``deadline`` has been reached at ``now`` (the instant itself counts)."""
    return deadline is not None and deadline <= now


def deadline_counts(consultation, which: str) -> bool:
    """Whether the clock runs on the ``first`` (response) or ``resolution`` deadline now."""
    if consultation.status not in CLOCK_RUNS or getattr(consultation, "merged_into_id", None) is not None:
        return False  # a merged one is closed to new work: the kept one's deadlines count
    return which == RESOLUTION or consultation.first_responded_at is None


def deadline_of(consultation, which: str) -> datetime.datetime | None:
    return consultation.first_response_due_at if which == FIRST else consultation.resolution_due_at


def late(consultation, which: str, now: datetime.datetime) -> bool:
    """One deadline (``first`` or ``resolution``) counts and has been reached."""
    return deadline_counts(consultation, which) and passed(deadline_of(consultation, which), now)


def is_overdue(consultation, now: datetime.datetime) -> bool:
    """Overdue at ``now`` (see the module's docstring). ``consultation`` is anything
    with ``status``, ``first_responded_at``, ``first_response_due_at`` and
    ``resolution_due_at``: a Consultation or a list row."""
    return late(consultation, FIRST, now) or late(consultation, RESOLUTION, now)


def overdue_q(now: datetime.datetime) -> Q:
    """``is_overdue`` as a condition on Consultation rows: selects exactly the rows
    for which ``is_overdue(row, now)`` is true (``~overdue_q(now)`` the others)."""
    reached = Q(first_responded_at__isnull=True, first_response_due_at__lte=now) | Q(resolution_due_at__lte=now)
    return Q(status__in=sorted(CLOCK_RUNS), merged_into__isnull=True) & reached


# --- allowed actions ----------------------------------------------------------------------------

# Action → the standings that may take it (consult.services.parties: filer, office,
# collaborator, secretariat).
PERMISSIONS: dict[str, set[str]] = {
    "accept": {"office"},
    "request_info": {"office", "secretariat"},
    "resume": {"filer", "office", "secretariat"},
    "resolve": {"office", "secretariat"},
    "confirm": {"filer"},
    "reopen": {"filer", "secretariat"},
    "withdraw": {"filer", "secretariat"},
    "transfer": {"office", "secretariat"},
    "invite": {"office", "secretariat"},
    "reply": {"filer", "office", "collaborator", "secretariat"},
    "rate": {"filer"},
    "note": {"office", "collaborator", "secretariat"},
    # Merging this consultation into another, and undoing it: the standing is the actor's
    # toward the kept consultation (consult.services.merging checks it there).
    "merge": {"office", "secretariat"},
    "unmerge": {"office", "secretariat"},
}

# Answered: resolved or closed. A rating is for an answer, and so is a library entry.
ANSWERED = frozenset({Status.RESOLVED, Status.CLOSED})
RATABLE = ANSWERED
# Actions outside the transition table: open until the consultation is withdrawn.
FREE_ACTIONS = ("reply", "note", "invite", "merge")
# What a merged consultation still allows.
MERGED_ACTIONS = ("unmerge",)


def may(standing: Iterable[str], action: str) -> bool:
    """Whether a party with ``standing`` may take ``action`` at all (whatever the status)."""
    return bool(set(standing) & PERMISSIONS.get(action, set()))


def allowed_actions(standing: set[str], status: str, *, kept_standing: set[str] | None = None) -> list[str]:
    """What a party with ``standing`` may do in ``status``, in a fixed order: the
    lifecycle's actions (as ``TRANSITIONS`` lists them), then reply, note, invite,
    merge, then rate. For a merged consultation, ``kept_standing`` is the party's
    standing toward the kept one, and only ``MERGED_ACTIONS`` are open."""
    if kept_standing is not None:
        return [action for action in MERGED_ACTIONS if may(kept_standing, action)]
    actions = [
        action
        for action, transition in TRANSITIONS.items()
        if status in transition.sources and action in PERMISSIONS and may(standing, action)
    ]
    if status != Status.WITHDRAWN:
        actions += [action for action in FREE_ACTIONS if may(standing, action)]
    if status in RATABLE and may(standing, "rate"):
        actions.append("rate")
    return actions


# --- assigning a person -------------------------------------------------------------------------

# While someone works on it: waiting to be accepted, in progress, waiting for the filer.
ASSIGNABLE = frozenset({Status.OPEN, Status.IN_PROGRESS, Status.AWAITING_FILER})


def may_assign(standing: Iterable[str], *, lead: bool, to_self: bool) -> bool:
    """Who may make someone the assignee (consult.services.assign): the secretariat; the
    holding office's lead, anyone of the office; any other member of it, only themself.
    Kept beside PERMISSIONS, not in it: no page offers it on one consultation (the
    queue's bulk actions do), so it is not among ``allowed_actions``."""
    standing = set(standing)
    return "secretariat" in standing or ("office" in standing and (lead or to_self))
