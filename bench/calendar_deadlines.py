"""Calendar: deadlines and elapsed business time computed per second (pure core).

    .venv/bin/python -m bench calendar_deadlines     (or: make bench BENCH=calendar_deadlines)

Target: >= 100,000 deadlines/s.
"""

import datetime
import random
import time

from bench.support import report

COUNT = 200_000


def run() -> None:
    from routing.business_time import DEFAULT_CALENDAR, JST

    rng = random.Random(3)
    base = datetime.datetime(2025, 1, 1, tzinfo=JST)
    starts = [base + datetime.timedelta(seconds=rng.randrange(0, 3 * 365 * 86400)) for _ in range(COUNT)]
    targets = [rng.choice((1, 2, 5, 10)) * DEFAULT_CALENDAR.day_seconds for _ in range(COUNT)]
    DEFAULT_CALENDAR.add(starts[0], targets[0])  # build the day table once

    start = time.perf_counter()
    deadlines = [DEFAULT_CALENDAR.add(s, t) for s, t in zip(starts, targets, strict=True)]
    rate = COUNT / (time.perf_counter() - start)
    report("deadlines (add business days)", {"per_s": rate, "n": COUNT})

    start = time.perf_counter()
    for s, d in zip(starts, deadlines, strict=True):
        DEFAULT_CALENDAR.elapsed(s, d)
    report("elapsed business time", {"per_s": COUNT / (time.perf_counter() - start), "n": COUNT})
