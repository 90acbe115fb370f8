"""METRICS.md's definitions on the pure core: no database."""

import datetime

import pytest

from metrics.core import (
    PAUSED,
    REOPENED,
    RESOLVED,
    RESPONDED,
    RESUMED,
    TRANSFERRED,
    WITHDRAWN,
    Deadlines,
    Step,
    Stretch,
    Timeline,
    attainment,
    figures,
    fiscal_year,
    nearest_rank,
    open_stretches,
    ranked,
)
from routing.business_time import DEFAULT_CALENDAR, JST


def jst(*parts):
    return datetime.datetime(*parts, tzinfo=JST)


def calendar_of(office):
    return DEFAULT_CALENDAR


def test_the_worked_example_of_metrics_md():
    timeline = Timeline(
        filed_at=jst(2026, 9, 18, 16, 0),
        office=1,
        steps=(
            Step(jst(2026, 9, 24, 9, 30), PAUSED),  # 21–23 September are holidays
            Step(jst(2026, 9, 25, 10, 0), RESUMED),
            Step(jst(2026, 9, 25, 15, 0), RESOLVED),
        ),
    )
    result = figures(timeline, calendar_of)
    assert result.first_response_hours == 2.25
    assert result.resolution_hours == 7.25  # the pause (Thu 09:30 – Fri 10:00) does not count
    assert result.hours_by_office == {1: 7.25}


def test_a_weekend_inside_an_interval_is_not_counted():
    timeline = Timeline(jst(2026, 11, 27, 17, 0), 1, (Step(jst(2026, 11, 30, 9, 0), RESPONDED),))  # Fri → Mon
    assert figures(timeline, calendar_of).first_response_hours == 0.75  # 15 min Friday, 30 min Monday


def test_a_transfer_splits_the_time_and_restarts_the_first_response_clock():
    timeline = Timeline(
        filed_at=jst(2026, 12, 1, 9, 0),
        office=1,
        steps=(
            Step(jst(2026, 12, 1, 12, 0), TRANSFERRED, office=2),
            Step(jst(2026, 12, 1, 14, 0), RESPONDED),
            Step(jst(2026, 12, 2, 10, 0), RESOLVED),
        ),
    )
    result = figures(timeline, calendar_of)
    assert (result.first_response_office, result.first_response_hours) == (2, 2.0)
    # Office 1 held it 09:00–12:00; office 2 from 12:00 to 17:15 and 08:30 to 10:00 the next day.
    assert result.hours_by_office == {1: 3.0, 2: 6.75}
    assert result.resolution_hours == 9.75


def test_reopening_adds_the_time_to_the_next_resolution():
    timeline = Timeline(
        filed_at=jst(2026, 12, 1, 9, 0),
        office=1,
        steps=(
            Step(jst(2026, 12, 1, 11, 0), RESOLVED),
            Step(jst(2026, 12, 3, 9, 0), REOPENED),
            Step(jst(2026, 12, 3, 10, 30), RESOLVED),
        ),
    )
    result = figures(timeline, calendar_of)
    assert result.first_response_hours == 2.0
    assert result.resolution_hours == 3.5  # 2 h, then 1.5 h after reopening; the resolved days in between do not count


def test_withdrawn_consultations_count_in_no_response_figure():
    timeline = Timeline(jst(2026, 12, 1, 9, 0), 1, (Step(jst(2026, 12, 1, 10, 0), RESPONDED),
                                                    Step(jst(2026, 12, 1, 11, 0), WITHDRAWN)))  # fmt: skip
    result = figures(timeline, calendar_of)
    assert result.withdrawn and result.first_response_hours is None and result.resolution_hours is None


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        (list(range(1, 11)), 0.9, 9),
        (list(range(1, 11)), 0.5, 5),
        ([4.0], 0.9, 4.0),
        ([3, 1, 2], 0.5, 2),
        ([], 0.5, None),
    ],
)
def test_nearest_rank(values, fraction, expected):
    assert nearest_rank(values, fraction) == expected


def test_attainment_counts_the_unanswered_past_their_deadline_as_missed():
    outcomes = [
        (10.0, 16.25, True),
        (20.0, 16.25, True),
        (None, 16.25, True),
        (None, 16.25, False),
        (16.25, 16.25, False),
    ]
    assert attainment(outcomes) == 0.5  # 2 met of 4 judged; the one still in time is not judged
    assert attainment([]) is None


def test_groups_below_the_minimum_sample_are_shown_but_never_ranked_above():
    groups = [
        {"key": "tiny", "answered": 1, "median": 0.5},
        {"key": "slow", "answered": 9, "median": 30.0},
        {"key": "fast", "answered": 12, "median": 4.0},
        {"key": "none", "answered": 5, "median": None},
    ]
    order = ranked(groups, by="median")
    assert [g["key"] for g in order] == ["fast", "slow", "none", "tiny"]
    assert [g["meets_minimum_sample"] for g in order] == [True, True, True, False]


@pytest.mark.parametrize(
    ("day", "expected"),
    [(datetime.date(2026, 11, 26), (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))),
     (datetime.date(2027, 3, 31), (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))),
     (datetime.date(2027, 4, 1), (datetime.date(2027, 4, 1), datetime.date(2028, 3, 31)))],
)  # fmt: skip
def test_fiscal_year(day, expected):
    assert fiscal_year(day) == expected


# --- open and overdue at an instant (the end of a period) --------------------------------------


def deadlines(first_due, resolution_due, *, now=None):
    now_first, now_resolution = now or (first_due, resolution_due)
    return Deadlines(first_due, resolution_due, now_first, now_resolution)


def test_an_unanswered_consultation_is_open_and_overdue_from_its_first_deadline():
    filed = jst(2026, 12, 1, 9, 0)  # Tuesday
    due = deadlines(jst(2026, 12, 3, 9, 0), jst(2026, 12, 15, 9, 0))
    (stretch,) = open_stretches(Timeline(filed_at=filed, office=1), due)
    assert stretch == Stretch(filed, None, 1, False, jst(2026, 12, 3, 9, 0))
    assert not stretch.holds(jst(2026, 12, 1, 8, 59)) and stretch.holds(filed)
    assert not stretch.overdue(jst(2026, 12, 3, 8, 59)) and stretch.overdue(jst(2026, 12, 3, 9, 0))


def test_deadlines_as_the_steps_recorded_them_through_a_transfer_a_pause_and_a_reopening():
    filed = jst(2026, 12, 1, 9, 0)
    timeline = Timeline(
        filed_at=filed,
        office=1,
        steps=(
            # Unanswered: the receiving office's first deadline is 2 business days from the transfer.
            Step(jst(2026, 12, 2, 10, 0), TRANSFERRED, 2, (jst(2026, 12, 4, 10, 0), jst(2026, 12, 15, 9, 0))),
            # A response; the clock stops (no deadline runs while it waits).
            Step(jst(2026, 12, 3, 10, 0), PAUSED, deadlines=(jst(2026, 12, 4, 10, 0), jst(2026, 12, 15, 9, 0))),
            # Waited Thu 10:00 – Mon 10:00 = 17.5 h: the resolution deadline moved 15 → 17 December.
            Step(jst(2026, 12, 7, 10, 0), RESUMED, deadlines=(jst(2026, 12, 4, 10, 0), jst(2026, 12, 17, 9, 0))),
            Step(jst(2026, 12, 8, 10, 0), RESOLVED),  # moves nothing: records nothing
            # A new resolution deadline: 10 business days on.
            Step(jst(2026, 12, 9, 10, 0), REOPENED, deadlines=(jst(2026, 12, 4, 10, 0), jst(2026, 12, 23, 10, 0))),
        ),
    )
    due = deadlines(jst(2026, 12, 3, 9, 0), jst(2026, 12, 15, 9, 0),
                    now=(jst(2026, 12, 4, 10, 0), jst(2026, 12, 23, 10, 0)))  # fmt: skip
    assert open_stretches(timeline, due) == [
        Stretch(filed, jst(2026, 12, 2, 10, 0), 1, False, jst(2026, 12, 3, 9, 0)),
        Stretch(jst(2026, 12, 2, 10, 0), jst(2026, 12, 3, 10, 0), 2, False, jst(2026, 12, 4, 10, 0)),
        Stretch(jst(2026, 12, 3, 10, 0), jst(2026, 12, 7, 10, 0), 2, True, None),
        Stretch(jst(2026, 12, 7, 10, 0), jst(2026, 12, 8, 10, 0), 2, False, jst(2026, 12, 17, 9, 0)),
        # resolved 8 – 9 December: not open
        Stretch(jst(2026, 12, 9, 10, 0), None, 2, False, jst(2026, 12, 23, 10, 0)),
    ]


def test_steps_that_change_nothing_do_not_split_a_stretch_and_the_present_is_the_consultations_own():
    filed = jst(2026, 12, 1, 9, 0)
    steps = (Step(jst(2026, 12, 1, 10, 0), RESPONDED), Step(jst(2026, 12, 2, 10, 0), RESPONDED))
    timeline = Timeline(filed_at=filed, office=1, steps=steps)
    # Answered at 10:00: only the resolution deadline runs; the second reply changes nothing.
    assert open_stretches(timeline, deadlines(jst(2026, 12, 3, 9, 0), jst(2026, 12, 15, 9, 0))) == [
        Stretch(filed, jst(2026, 12, 1, 10, 0), 1, False, jst(2026, 12, 3, 9, 0)),
        Stretch(jst(2026, 12, 1, 10, 0), None, 1, False, jst(2026, 12, 15, 9, 0)),
    ]
    # Since its last step the consultation's own deadlines hold (here a day later than recorded).
    moved = deadlines(
        jst(2026, 12, 3, 9, 0), jst(2026, 12, 15, 9, 0), now=(jst(2026, 12, 3, 9, 0), jst(2026, 12, 16, 9, 0))
    )
    assert open_stretches(timeline, moved)[-1] == Stretch(
        jst(2026, 12, 2, 10, 0), None, 1, False, jst(2026, 12, 16, 9, 0)
    )


def test_withdrawn_while_waiting_for_the_filer_ends_it():
    filed = jst(2026, 12, 1, 9, 0)
    timeline = Timeline(filed_at=filed, office=None, steps=(Step(jst(2026, 12, 1, 10, 0), PAUSED),
                                                           Step(jst(2026, 12, 2, 10, 0), WITHDRAWN)))  # fmt: skip
    assert open_stretches(timeline, deadlines(jst(2026, 12, 3, 9, 0), jst(2026, 12, 15, 9, 0))) == [
        Stretch(filed, jst(2026, 12, 1, 10, 0), None, False, jst(2026, 12, 3, 9, 0)),
        Stretch(jst(2026, 12, 1, 10, 0), jst(2026, 12, 2, 10, 0), None, True, None),
    ]
