"""The monthly report: which month is due, and its figures (reads only).

Built on the first business day of a month for the month before, from the same
rollup as the dashboard and the API, so that the three never disagree."""

from __future__ import annotations

import datetime

from django.utils import timezone

from routing import selectors as routing_selectors

from . import figures, selectors

# The overall figures a report keeps, as the registry's report lines and columns use them.
HEADLINE = tuple(figures.report_stored())
# The changes from the month before it computes: figure → (its key in "change", unit words).
CHANGES = {"filed": ("filed", "件"), "median_first_response_hours": ("median_first_response_hours", " h"),
           "sla_met_ratio": ("sla_met_points", " pt")}  # fmt: skip


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def previous_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def first_business_day(month: datetime.date, calendar=None) -> datetime.date:
    calendar = calendar or routing_selectors.office_calendar(None)
    first = month.replace(day=1)
    return first if calendar.is_business_day(first) else calendar.next_business_day(first)


def month_due(today: datetime.date, calendar=None) -> datetime.date | None:
    """The month whose report is due by ``today``: the previous month, once this
    month's first business day has come (None before it, e.g. on 2 January)."""
    if today < first_business_day(today, calendar):
        return None
    return previous_month(today)


def _overall(start: datetime.date, end: datetime.date, now) -> dict:
    rows = selectors.rollup_response_times(group_by="all", start=start, end=end, now=now)
    empty = dict.fromkeys(HEADLINE, None) | {"filed": 0, "answered": 0, "open": 0, "overdue": 0}
    return {key: (rows[0][key] if rows else empty[key]) for key in HEADLINE}


def _change(now_value, before_value, *, scale: float = 1.0):
    if now_value is None or before_value is None:
        return None
    return round((now_value - before_value) * scale, 1)


def month_figures(month: datetime.date, *, now: datetime.datetime | None = None) -> dict:
    """Everything the one-page report shows, as plain JSON-ready data."""
    now = now or timezone.now()
    first, last = month_bounds(month)
    before_first, before_last = month_bounds(previous_month(first))
    overall = _overall(first, last, now)
    before = _overall(before_first, before_last, now)
    refreshed = selectors.rollup_refreshed_at()
    return {
        "month": f"{first:%Y-%m}",
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "overall": overall,
        "previous": before,
        "change": {
            "filed": overall["filed"] - before["filed"],
            "median_first_response_hours": _change(
                overall["median_first_response_hours"], before["median_first_response_hours"]
            ),
            # Attainment moves in percentage points.
            "sla_met_points": _change(overall["sla_met_ratio"], before["sla_met_ratio"], scale=100),
        },
        "ministries": selectors.rollup_response_times(group_by="ministry", start=first, end=last, now=now),
        "figures_as_of": refreshed.isoformat() if refreshed else None,
        "generated_at": now.isoformat(),
    }
