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


@dataclass(frozen=True)
class Timeline:
    filed_at: datetime.datetime
    office: int | None  # the office at filing (None: triage)
    steps: tuple[Step, ...] = ()


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


def ranked(groups: Iterable[dict], *, by: str, answered: str = "answered") -> list[dict]:
    """Groups ordered by ``by`` (smaller is better), those below the minimum sample
    after all that meet it (shown, never ranked above them); each marked."""
    rows = [{**group, "meets_minimum_sample": group[answered] >= MINIMUM_SAMPLE} for group in groups]
    return sorted(
        rows,
        key=lambda g: (not g["meets_minimum_sample"], g[by] is None, g[by] if g[by] is not None else 0),
    )


def fiscal_year(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The fiscal year (April–March) containing ``day``: first and last day."""
    start_year = day.year if day.month >= 4 else day.year - 1
    return datetime.date(start_year, 4, 1), datetime.date(start_year + 1, 3, 31)
