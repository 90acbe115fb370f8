"""The government calendar: business time on office calendars.

Pure functions over plain data (no database). Offices open 08:30–17:15
Asia/Tokyo, Monday to Friday, and close on national holidays (jpholiday:
substitute holidays and 国民の休日 included), on the year-end closure
(29 December – 3 January) and on extra closures given as data.

Business time is counted on a line of "business seconds": each business day
contributes the seconds between opening and closing, closed days and
out-of-hours contribute nothing. Every instant has a position on that line, so

* the business time between two instants is the difference of their
  positions, and
* a deadline is the earliest instant whose position is the start's position
  plus the target.

Positions come from a per-day table (business days before each date), built
once per year and shared, which makes both operations constant-time.
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import jpholiday

JST = ZoneInfo("Asia/Tokyo")
UTC = datetime.UTC
DEFAULT_OPENS = datetime.time(8, 30)
DEFAULT_CLOSES = datetime.time(17, 15)
FIRST_YEAR = _FIRST_YEAR = 2020  # the earliest year Banso keeps consultations for; earlier dates are refused
_ONE_DAY = datetime.timedelta(days=1)
YEARS_AHEAD = 2  # how far ahead a date given by a person may reach (simulations, metric periods)


def within_calendar(day: datetime.date, today: datetime.date) -> bool:
    """Whether a date a person asks about lies in the calendar: from 1 January
    ``FIRST_YEAR`` to the end of the year ``YEARS_AHEAD`` from ``today``. The
    table is built year by year up to the date asked, so a far date costs years
    of table and one before ``FIRST_YEAR`` cannot be answered."""
    return datetime.date(FIRST_YEAR, 1, 1) <= day <= datetime.date(today.year + YEARS_AHEAD, 12, 31)


def outside_calendar_message() -> str:
    from django.utils.translation import gettext as _

    return _("日付は%(first)d年1月1日から%(years)d年先の年末までの範囲で指定してください") % {
        "first": FIRST_YEAR,
        "years": YEARS_AHEAD,
    }


def year_end_closure(year: int) -> list[datetime.date]:
    """29–31 December of ``year`` and 1–3 January of the following year."""
    return [datetime.date(year, 12, day) for day in (29, 30, 31)] + [
        datetime.date(year + 1, 1, day) for day in (1, 2, 3)
    ]


@lru_cache(maxsize=256)
def national_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(day for day, _name in jpholiday.year_holidays(year))


@dataclass(frozen=True)
class BusinessDay:
    date: datetime.date
    index: int  # 0-based rank among business days since the table's first day


@dataclass(eq=False)
class OfficeCalendar:
    """A calendar of business hours. Hashable by identity; build one per set of closures."""

    opens: datetime.time = DEFAULT_OPENS
    closes: datetime.time = DEFAULT_CLOSES
    extra_closures: frozenset[datetime.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        self._open_seconds = self.opens.hour * 3600 + self.opens.minute * 60 + self.opens.second
        self._close_seconds = self.closes.hour * 3600 + self.closes.minute * 60 + self.closes.second
        if self._close_seconds <= self._open_seconds:
            raise ValueError("an office must close after it opens")
        self.day_seconds = self._close_seconds - self._open_seconds
        self._base = datetime.date(_FIRST_YEAR, 1, 1).toordinal()
        self._last_year = _FIRST_YEAR - 1
        # _before[i]: business days strictly before ordinal base + i.
        self._before: list[int] = [0]
        self._open_day: list[bool] = []
        # _business_ordinals[k]: ordinal of the k-th business day.
        self._business_ordinals: list[int] = []

    # --- the day table -------------------------------------------------------

    def is_business_day(self, day: datetime.date) -> bool:
        self._ensure(day)
        return self._open_day[day.toordinal() - self._base]

    def _closed(self, day: datetime.date) -> bool:
        if day.weekday() >= 5 or day in self.extra_closures:
            return True
        if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
            return True
        return day in national_holidays(day.year)

    def _ensure(self, day: datetime.date) -> None:
        if day.year < _FIRST_YEAR:
            raise ValueError(f"dates before {_FIRST_YEAR} are outside the calendar")
        while self._last_year < day.year:
            year = self._last_year + 1
            current = datetime.date(year, 1, 1)
            while current.year == year:
                is_open = not self._closed(current)
                self._open_day.append(is_open)
                if is_open:
                    self._business_ordinals.append(current.toordinal())
                self._before.append(self._before[-1] + is_open)
                current += _ONE_DAY
            self._last_year = year

    def _ensure_index(self, index: int) -> None:
        while len(self._business_ordinals) <= index:
            self._ensure(datetime.date(self._last_year + 1, 1, 1))

    # --- positions -------------------------------------------------------------

    def position(self, instant: datetime.datetime) -> int:
        """Business seconds from the table's start to ``instant`` (an aware datetime)."""
        if instant.tzinfo is None:
            raise ValueError("business time needs aware datetimes")
        local = instant.astimezone(JST)
        day = local.date()
        self._ensure(day)
        offset = day.toordinal() - self._base
        position = self._before[offset] * self.day_seconds
        if self._open_day[offset]:
            seconds = local.hour * 3600 + local.minute * 60 + local.second
            if seconds > self._open_seconds:
                position += min(seconds, self._close_seconds) - self._open_seconds
        return position

    def instant_at(self, position: int) -> datetime.datetime:
        """The earliest instant at ``position`` (JST). A position that falls exactly
        on a day's end is that day's closing time, not the next day's opening."""
        index, seconds = divmod(position, self.day_seconds)
        if seconds == 0 and index > 0:
            index, seconds = index - 1, self.day_seconds
        self._ensure_index(index)
        day = datetime.date.fromordinal(self._business_ordinals[index])
        clock = self._open_seconds + seconds
        return datetime.datetime(
            day.year, day.month, day.day, clock // 3600, clock % 3600 // 60, clock % 60, tzinfo=JST
        )

    # --- the two operations ---------------------------------------------------------

    def clock_start(self, instant: datetime.datetime) -> datetime.datetime:
        """When the clock starts for something filed at ``instant``: the instant
        itself in business hours, else the next opening."""
        position = self.position(instant)
        index, seconds = divmod(position, self.day_seconds)
        if seconds == 0:
            self._ensure_index(index)
            day = datetime.date.fromordinal(self._business_ordinals[index])
            opening = datetime.datetime.combine(day, self.opens, tzinfo=JST)
            return max(opening, instant.astimezone(JST))
        return instant.astimezone(JST)

    def add(self, start: datetime.datetime, business_seconds: int) -> datetime.datetime:
        """The deadline ``business_seconds`` of business time after ``start``."""
        if business_seconds < 0:
            raise ValueError("a target cannot be negative")
        if business_seconds == 0:
            return self.clock_start(start)
        return self.instant_at(self.position(start) + business_seconds)

    def add_days(self, start: datetime.datetime, days: float) -> datetime.datetime:
        return self.add(start, round(days * self.day_seconds))

    def add_hours(self, start: datetime.datetime, hours: float) -> datetime.datetime:
        return self.add(start, round(hours * 3600))

    def elapsed(
        self,
        start: datetime.datetime,
        end: datetime.datetime,
        paused: Iterable[tuple[datetime.datetime, datetime.datetime | None]] = (),
    ) -> int:
        """Business seconds between ``start`` and ``end``, minus the paused
        intervals (an open pause, ``(since, None)``, runs to ``end``)."""
        if end <= start:
            return 0
        total = self.position(end) - self.position(start)
        for pause_start, pause_end in paused:
            low = max(pause_start, start)
            high = min(pause_end or end, end)
            if high > low:
                total -= self.position(high) - self.position(low)
        return total

    def elapsed_hours(self, start, end, paused=()) -> float:
        return self.elapsed(start, end, paused) / 3600

    def business_days_between(self, first: datetime.date, last: datetime.date) -> int:
        """Business days in [first, last)."""
        self._ensure(max(first, last))
        return self._before[last.toordinal() - self._base] - self._before[first.toordinal() - self._base]

    def next_business_day(self, day: datetime.date) -> datetime.date:
        """``day`` itself when open, else the next business day."""
        self._ensure(day)
        index = self._before[day.toordinal() - self._base]
        self._ensure_index(index)
        return datetime.date.fromordinal(self._business_ordinals[index])

    def business_days_in(self, first: datetime.date, last: datetime.date) -> list[datetime.date]:
        """The business days in [first, last]."""
        self._ensure(last)
        start = bisect_right(self._business_ordinals, first.toordinal() - 1)
        end = bisect_right(self._business_ordinals, last.toordinal())
        return [datetime.date.fromordinal(o) for o in self._business_ordinals[start:end]]


@lru_cache(maxsize=64)
def calendar_for(extra_closures: frozenset[datetime.date] = frozenset()) -> OfficeCalendar:
    """The shared calendar for a set of extra closures (the default has none)."""
    return OfficeCalendar(extra_closures=extra_closures)


DEFAULT_CALENDAR = calendar_for()
