"""Response-time figures as METRICS.md defines them, as pure functions over
plain data: a consultation's timing-relevant history in, business hours per
office out. No database here; the secretariat's reports load timelines into it.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

# The history steps that matter for timing.
TRANSFERRED = "transferred"  # into ``office``
PAUSED = "paused"  # information requested: the clock stops (and it is a response)
RESUMED = "resumed"  # the filer answered
RESPONDED = "responded"  # a public reply by an office
RESOLVED = "resolved"
REOPENED = "reopened"
WITHDRAWN = "withdrawn"
MINIMUM_SAMPLE = 5


@dataclass(frozen=True)
class Step:
    at: datetime.datetime
    kind: str
    office: int | None = None
    # The (first response, resolution) deadlines the step set, as its event recorded
    # them (None: it moved none).
    deadlines: tuple[datetime.datetime | None, datetime.datetime | None] | None = None


@dataclass(frozen=True)
class Timeline:
    filed_at: datetime.datetime
    office: int | None  # the office at filing (None: triage)
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True)
class Stretch:
    """A stretch of time a consultation was open (not resolved, closed or withdrawn)
    with nothing that matters to the figures changing: held by ``office``, waiting
    for the filer or not, and overdue from ``overdue_from`` on (None: no deadline
    runs). ``end`` None: still so."""

    start: datetime.datetime
    end: datetime.datetime | None
    office: int | None
    paused: bool
    overdue_from: datetime.datetime | None

    def holds(self, at: datetime.datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)

    def overdue(self, at: datetime.datetime) -> bool:
        return self.overdue_from is not None and self.overdue_from <= at


@dataclass
class Figures:
    first_response_hours: float | None = None
    first_response_office: int | None = None
    resolution_hours: float | None = None  # up to the last resolution
    resolved: bool = False
    withdrawn: bool = False
    # Business hours the resolution clock ran while each office held it.
    hours_by_office: dict[int | None, float] = field(default_factory=dict)
    # Counted from the history beside the clock: transfers between offices (not the
    # secretariat's routing out of triage), and whether it was ever resolved, ever reopened.
    transfers: int = 0
    ever_resolved: bool = False
    reopened: bool = False
    # When it was open, by whom held, and when overdue (``open_stretches``).
    stretches: list[Stretch] = field(default_factory=list)


def figures(timeline: Timeline, calendar_of: Callable[[int | None], object]) -> Figures:
    """The first response and resolution times of one consultation, each counted
    on the calendar of the office holding it, without time waiting for the filer."""
    result = Figures()
    office = timeline.office
    first_clock = timeline.filed_at  # restarts at a transfer into an office that has not answered
    segment = timeline.filed_at  # the resolution clock runs from here (None: stopped)
    seconds_by_office: dict[int | None, int] = {}
    resolution_seconds = 0

    def close(until: datetime.datetime) -> int:
        nonlocal segment
        if segment is None:
            return 0
        spent = calendar_of(office).elapsed(segment, until)
        seconds_by_office[office] = seconds_by_office.get(office, 0) + spent
        segment = None
        return spent

    for step in sorted(timeline.steps, key=lambda s: s.at):
        if step.kind in (PAUSED, RESPONDED, RESOLVED) and result.first_response_hours is None:
            result.first_response_hours = calendar_of(office).elapsed(first_clock, step.at) / 3600
            result.first_response_office = office
        if step.kind == TRANSFERRED:
            running = segment is not None
            resolution_seconds += close(step.at)
            office = step.office
            if result.first_response_hours is None:
                first_clock = step.at
            if running:
                segment = step.at
        elif step.kind == PAUSED:
            resolution_seconds += close(step.at)
        elif step.kind == RESUMED:
            if segment is None and not result.resolved:
                segment = step.at
        elif step.kind == RESOLVED:
            resolution_seconds += close(step.at)
            result.resolved = True
            result.resolution_hours = resolution_seconds / 3600
        elif step.kind == REOPENED:
            result.resolved = False
            segment = step.at
        elif step.kind == WITHDRAWN:
            close(step.at)
            result.withdrawn = True
    if result.withdrawn:
        result.first_response_hours = result.resolution_hours = None
    result.hours_by_office = {o: s / 3600 for o, s in seconds_by_office.items()}
    return result


@dataclass(frozen=True)
class Deadlines:
    """A consultation's deadlines as set at filing, and the ones it has now (which the
    last stretch takes, so that the present is exactly what the consultation says).
    Between the two, each step that moved them says so (``Step.deadlines``)."""

    first_due: datetime.datetime | None
    resolution_due: datetime.datetime | None
    first_due_now: datetime.datetime | None
    resolution_due_now: datetime.datetime | None


def open_stretches(timeline: Timeline, deadlines: Deadlines) -> list[Stretch]:
    """When the consultation was open, by whom it was held, and when it was overdue:
    the deadlines as each step recorded setting them (the consultation services move
    them: a transfer before the first response, the time waiting for the filer, a
    reopening). "Open at the end of a period" and "overdue" are then a lookup of the
    stretch holding that instant."""
    office = timeline.office
    first_due, resolution_due = deadlines.first_due, deadlines.resolution_due
    responded = finished = paused = False
    stretches: list[Stretch] = []
    since = timeline.filed_at

    def overdue_from() -> datetime.datetime | None:
        if paused:
            return None
        pending = [due for due in (None if responded else first_due, resolution_due) if due is not None]
        return min(pending) if pending else None

    def emit(until: datetime.datetime | None) -> None:
        if finished or (until is not None and until <= since):
            return
        stretch = Stretch(since, until, office, paused, overdue_from())
        last = stretches[-1] if stretches else None
        if last and last.end == stretch.start and (last.office, last.paused, last.overdue_from) == (
            stretch.office, stretch.paused, stretch.overdue_from
        ):  # fmt: skip
            stretches[-1] = Stretch(last.start, until, office, stretch.paused, stretch.overdue_from)
        else:
            stretches.append(stretch)

    for step in sorted(timeline.steps, key=lambda s: s.at):
        emit(step.at)
        since = max(since, step.at)
        if step.deadlines is not None:
            first_due, resolution_due = step.deadlines
        if step.kind == TRANSFERRED:
            office = step.office
        elif step.kind == PAUSED:
            responded = paused = True
        elif step.kind == RESUMED:
            paused = False
        elif step.kind == RESPONDED:
            responded = True
        elif step.kind in (RESOLVED, WITHDRAWN):
            paused = False
            responded = responded or step.kind == RESOLVED
            finished = True
        elif step.kind == REOPENED:
            finished = False
    first_due, resolution_due = deadlines.first_due_now, deadlines.resolution_due_now
    emit(None)
    return stretches


@dataclass(frozen=True)
class Holding:
    """One office's holding of a consultation (an ``OfficeHandling`` row); ``ended_at`` None: it still holds it."""

    office: int
    started_at: datetime.datetime
    ended_at: datetime.datetime | None


@dataclass(frozen=True)
class Held:
    """A holding and the business hours the office held the consultation in it."""

    office: int
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    hours: float


_NO_DEADLINES = Deadlines(None, None, None, None)


def held_hours(timeline: Timeline, holdings: Iterable[Holding], now: datetime.datetime,
               calendar_of: Callable[[int | None], object]) -> list[Held]:  # fmt: skip
    """The business hours each office held the consultation, holding by holding, on
    that office's calendar: only while it was open and not waiting for the filer
    (``open_stretches``), so that an office that received it late is not charged
    for the time before. An open holding counts to ``now``."""
    running = [(s.start, s.end or now) for s in open_stretches(timeline, _NO_DEADLINES) if not s.paused]
    result = []
    for holding in sorted(holdings, key=lambda h: h.started_at):
        calendar = calendar_of(holding.office)
        end = holding.ended_at or now
        seconds = sum(calendar.elapsed(max(low, holding.started_at), min(high, end)) for low, high in running)
        result.append(Held(holding.office, holding.started_at, holding.ended_at, seconds / 3600))
    return result


def nearest_rank(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile: p90 of 10 values is the 9th smallest."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def attainment(outcomes: Iterable[tuple[float | None, float, bool]]) -> float | None:
    """The share answered within target, over consultations answered or past their deadline.

    Each outcome: (hours taken or None when unanswered, target hours, deadline passed)."""
    counted = met = 0
    for hours, target, deadline_passed in outcomes:
        if hours is None and not deadline_passed:
            continue  # still within its time: not yet judged
        counted += 1
        met += hours is not None and hours <= target
    return met / counted if counted else None


def meets_minimum_sample(answered: int) -> bool:
    """Enough answers for a group's figures to be ranked (METRICS.md)."""
    return answered >= MINIMUM_SAMPLE


def ranked(groups: Iterable[dict], *, by: str, answered: str = "answered") -> list[dict]:
    """Groups ordered by ``by`` (smaller is better), those below the minimum sample
    after all that meet it (shown, never ranked above them); each marked."""
    rows = [{**group, "meets_minimum_sample": meets_minimum_sample(group[answered])} for group in groups]
    return sorted(
        rows,
        key=lambda g: (not g["meets_minimum_sample"], g[by] is None, g[by] if g[by] is not None else 0),
    )


def fiscal_year(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The fiscal year (April–March) containing ``day``: first and last day."""
    start_year = day.year if day.month >= 4 else day.year - 1
    return datetime.date(start_year, 4, 1), datetime.date(start_year + 1, 3, 31)
