"""The government calendar, pure: business days, hours, pauses and deadlines."""

import datetime

import pytest

from routing.business_time import DEFAULT_CALENDAR, JST, OfficeCalendar, calendar_for

C = DEFAULT_CALENDAR
DAY = C.day_seconds  # 08:30–17:15 = 8 h 45 min


def jst(*parts):
    return datetime.datetime(*parts, tzinfo=JST)


def test_a_business_day_is_eight_hours_and_three_quarters():
    assert DAY == 8 * 3600 + 45 * 60


@pytest.mark.parametrize(
    ("filed", "days", "due"),
    [
        (jst(2026, 12, 28, 16, 0), 2, jst(2027, 1, 5, 16, 0)),  # year-end closure 29 Dec – 3 Jan
        (jst(2026, 9, 18, 10, 0), 2, jst(2026, 9, 25, 10, 0)),  # weekend + 21–23 Sep (国民の休日 22 Sep)
        (jst(2026, 11, 26, 10, 0), 10, jst(2026, 12, 10, 10, 0)),
        (jst(2026, 11, 20, 16, 0), 1, jst(2026, 11, 24, 16, 0)),  # Fri → Tue (Mon 23 Nov 勤労感謝の日)
        (jst(2026, 4, 30, 12, 0), 2, jst(2026, 5, 7, 12, 0)),  # Golden Week, 6 May substitute holiday
    ],
)
def test_deadlines_in_business_days(filed, days, due):
    assert C.add_days(filed, days) == due


def test_filing_on_a_closed_day_starts_the_clock_at_the_next_opening():
    saturday = jst(2026, 11, 21, 11, 0)
    assert C.clock_start(saturday) == jst(2026, 11, 24, 8, 30)  # Monday 23 Nov is a holiday
    # Two business days from Tuesday 08:30 end at Wednesday's close.
    assert C.add_days(saturday, 2) == jst(2026, 11, 25, 17, 15)


@pytest.mark.parametrize(
    ("filed", "clock"),
    [
        (jst(2026, 11, 26, 7, 0), jst(2026, 11, 26, 8, 30)),  # before opening: same day
        (jst(2026, 11, 26, 18, 0), jst(2026, 11, 27, 8, 30)),  # after closing: next day
        (jst(2026, 11, 27, 17, 15), jst(2026, 11, 30, 8, 30)),  # at closing on Friday: Monday
        (jst(2026, 11, 26, 12, 0), jst(2026, 11, 26, 12, 0)),  # in hours: at once
        (jst(2026, 12, 31, 10, 0), jst(2027, 1, 4, 8, 30)),  # year-end
    ],
)
def test_after_hours_filing(filed, clock):
    assert C.clock_start(filed) == clock


def test_a_target_ending_at_a_day_boundary_is_that_days_close():
    assert C.add_days(jst(2026, 11, 26, 8, 30), 1) == jst(2026, 11, 26, 17, 15)
    assert C.add_hours(jst(2026, 11, 26, 17, 0), 0.25) == jst(2026, 11, 26, 17, 15)
    assert C.add_hours(jst(2026, 11, 26, 17, 0), 0.5) == jst(2026, 11, 27, 8, 45)


def test_zero_target_is_the_clock_start():
    assert C.add(jst(2026, 11, 21, 11, 0), 0) == jst(2026, 11, 24, 8, 30)


def test_utc_input_gives_jst_output_without_daylight_saving():
    filed = datetime.datetime(2026, 12, 28, 7, 0, tzinfo=datetime.UTC)  # 16:00 JST
    due = C.add_days(filed, 2)
    assert due == jst(2027, 1, 5, 16, 0)
    assert due.utcoffset() == datetime.timedelta(hours=9)
    summer = C.add_days(jst(2026, 7, 1, 9, 0), 1)
    assert summer.utcoffset() == datetime.timedelta(hours=9)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        C.add_days(datetime.datetime(2026, 11, 26, 10, 0), 1)  # noqa: DTZ001


def test_the_worked_example_of_metrics_md():
    filed = jst(2026, 9, 18, 16, 0)
    info_requested = jst(2026, 9, 24, 9, 30)
    answered = jst(2026, 9, 25, 10, 0)
    resolved = jst(2026, 9, 25, 15, 0)
    assert C.elapsed_hours(filed, info_requested) == 2.25
    assert C.elapsed_hours(filed, resolved, paused=[(info_requested, answered)]) == 7.25


def test_elapsed_with_weekend_and_holiday_inside_and_open_pause():
    start, end = jst(2026, 11, 20, 9, 0), jst(2026, 11, 25, 9, 0)  # Fri → Wed over weekend and 23 Nov
    assert C.elapsed(start, end) == DAY - 30 * 60 + DAY + 30 * 60  # Fri 9:00–17:15, Tue, Wed 8:30–9:00
    assert C.elapsed(start, end, paused=[(jst(2026, 11, 24, 8, 30), None)]) == DAY - 30 * 60
    assert C.elapsed(end, start) == 0
    # A pause outside the interval changes nothing.
    assert C.elapsed(start, end, paused=[(jst(2026, 12, 1, 9), jst(2026, 12, 2, 9))]) == C.elapsed(start, end)


def test_business_days_and_closures():
    assert not C.is_business_day(datetime.date(2026, 9, 22))  # 国民の休日
    assert not C.is_business_day(datetime.date(2026, 12, 29))
    assert not C.is_business_day(datetime.date(2027, 1, 3))
    assert C.is_business_day(datetime.date(2027, 1, 4))
    assert C.business_days_in(datetime.date(2026, 12, 25), datetime.date(2027, 1, 6)) == [
        datetime.date(2026, 12, 25),
        datetime.date(2026, 12, 28),
        datetime.date(2027, 1, 4),
        datetime.date(2027, 1, 5),
        datetime.date(2027, 1, 6),
    ]
    assert C.next_business_day(datetime.date(2026, 11, 21)) == datetime.date(2026, 11, 24)
    assert C.business_days_between(datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)) == 19


def test_extra_closures_as_data():
    closed = calendar_for(frozenset({datetime.date(2026, 11, 27)}))
    assert closed is calendar_for(frozenset({datetime.date(2026, 11, 27)}))
    assert closed.add_days(jst(2026, 11, 26, 10, 0), 1) == jst(2026, 11, 30, 10, 0)
    assert C.add_days(jst(2026, 11, 26, 10, 0), 1) == jst(2026, 11, 27, 10, 0)


def test_other_office_hours():
    calendar = OfficeCalendar(opens=datetime.time(9), closes=datetime.time(17))
    assert calendar.add_hours(jst(2026, 11, 26, 16, 0), 2) == jst(2026, 11, 27, 10, 0)
    with pytest.raises(ValueError, match="close after"):
        OfficeCalendar(opens=datetime.time(17), closes=datetime.time(9))


def test_years_far_ahead_extend_the_table():
    assert C.add_days(jst(2040, 12, 28, 10, 0), 1) == jst(2041, 1, 4, 10, 0)


@pytest.mark.parametrize("offset_minutes", range(0, 7 * 24 * 60, 97))
def test_deadline_and_elapsed_agree(offset_minutes):
    start = jst(2026, 12, 24, 0, 0) + datetime.timedelta(minutes=offset_minutes)
    for target in (1, 60, DAY, 2 * DAY + 1234):
        due = C.add(start, target)
        assert C.elapsed(start, due) == target
        assert C.elapsed(start, due - datetime.timedelta(seconds=1)) < target
