"""The one rule for application windows: JST calendar days, both ends
inclusive, and the Japanese fiscal year (April to March)."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

CLOSING_NOTICE_DAYS = 7


def today(now: datetime.datetime | None = None) -> datetime.date:
    """The calendar day in Japan (TIME_ZONE is Asia/Tokyo): 2026-03-31T15:00Z is 1 April."""
    return timezone.localdate(now or timezone.now())


def fiscal_year_of(day: datetime.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(fiscal_year, 4, 1), datetime.date(fiscal_year + 1, 3, 31)


def is_open(opens_on: datetime.date, closes_on: datetime.date | None, day: datetime.date) -> bool:
    return opens_on <= day and (closes_on is None or day <= closes_on)


def open_on(day: datetime.date, prefix: str = "") -> Q:
    """Window rows open on ``day`` (``prefix`` e.g. "windows__" from a measure)."""
    return Q(**{f"{prefix}opens_on__lte": day}) & (
        Q(**{f"{prefix}closes_on__isnull": True}) | Q(**{f"{prefix}closes_on__gte": day})
    )


def open_exists(day: datetime.date):
    """An Exists() over a measure's windows: annotate or filter measures with it."""
    from .models import Window

    return Exists(Window.objects.filter(open_on(day), measure=OuterRef("pk")))
