"""Metrics: the response-time table for a fiscal year over 1,000,000 consultations, and the rollup refresh.

    .venv/bin/python -m bench metrics        (or: make bench BENCH=metrics; after bench.seed)

The size is what bench.seed wrote (``--count``; 1,000,000 for the targets below,
50,000–100,000 for a run of a few minutes on a small machine).

Targets (issue 7): the metrics endpoint for a fiscal year grouped by office
answers in under 500 ms (p95, warm), and the dashboard page in under 1 s. The
rollup behind them is filled here the first time (every consultation) and then
refreshed as beat would; beat then publishes the figures every 5 minutes, and
readers get them as of that publication. The grouping itself is timed too.
"""

import datetime
import time

from bench.support import measure, report


def run() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from accounts.services import issue_token
    from metrics import services
    from metrics.models import ConsultationFigures

    call_command("seed_demo", accounts_only=True, verbosity=0)
    start = time.perf_counter()
    refreshed = services.refresh_changed()
    seconds = time.perf_counter() - start
    report("rollup refresh", {"consultations": refreshed, "seconds": seconds,
                              "per_s": refreshed / seconds if seconds else 0.0})  # fmt: skip
    from metrics.models import OpenStretch

    report(
        "rollup rows",
        {"consultations": ConsultationFigures.objects.count(), "open_stretches": OpenStretch.objects.count()},
    )
    with connection.cursor() as cursor:
        # As autovacuum would after the first fill: statistics for the planner.
        cursor.execute("ANALYZE metrics_consultationfigures, metrics_resolutionshare, metrics_openstretch")

    from django.utils import timezone

    from metrics import core, selectors

    token = issue_token(user=User.objects.get(email="secretariat@cao.example.go.jp")).key
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    first_day, last_day = core.fiscal_year(timezone.localdate())
    in_year = ConsultationFigures.objects.filter(filed_at__date__gte=first_day, filed_at__date__lte=last_day).count()
    report(f"fiscal year {first_day.year}", {"consultations": in_year})

    # 1. Grouping a year of the rollup on request: what publication spares the readers.
    for group_by in ("office", "ministry", "policy_area", "prefecture"):

        def grouped(group_by=group_by):
            return selectors.rollup_response_times(group_by=group_by, start=first_day, end=last_day)

        rows = len(grouped())
        report(f"grouped on request, group_by={group_by} ({rows} groups)", measure(grouped, repeat=5, warmup=0))

    # Last fiscal year: open and overdue at its end (31 March), read from the stretches.
    previous_first, previous_last = core.fiscal_year(first_day - datetime.timedelta(days=1))
    for group_by in ("office", "prefecture"):

        def past(group_by=group_by):
            return selectors.rollup_response_times(group_by=group_by, start=previous_first, end=previous_last)

        rows = past()
        report(f"last fiscal year grouped on request, group_by={group_by} ({len(rows)} groups, "
               f"{sum(row['open'] for row in rows)} open at its end)", measure(past, repeat=5, warmup=0))  # fmt: skip

    # 2. Publication (beat, every 5 minutes): every grouping and the dashboard's default view.
    report("publish_figures (beat)", measure(services.publish_figures, repeat=3, warmup=0))

    # 3. What people get: the endpoint and the dashboard page, as of the last publication.
    for group_by in ("office", "ministry", "policy_area", "prefecture"):

        def table(group_by=group_by):
            response = client.get("/api/v1/metrics/response-times/",
                                  {"group_by": group_by, "from": str(first_day), "to": str(last_day)})  # fmt: skip
            if response.status_code != 200:
                raise RuntimeError(response.content[:200])
            return response

        rows = len(table().json())
        report(f"response-times, group_by={group_by} ({rows} groups)", measure(table, repeat=50))
    browser = Client()
    browser.force_login(User.objects.get(email="secretariat@cao.example.go.jp"))
    for group_by in ("ministry", "office"):

        def page(group_by=group_by):
            response = browser.get("/dashboard/", {"group_by": group_by})
            if response.status_code != 200:
                raise RuntimeError(response.status_code)
            return response

        report(f"dashboard page, group_by={group_by}", measure(page, repeat=20))

    def published_past_page():
        response = browser.get("/dashboard/", {"from": str(previous_first), "to": str(previous_last)})
        if response.status_code != 200:
            raise RuntimeError(response.status_code)
        return response

    report("dashboard page, last fiscal year (one click, published)", measure(published_past_page, repeat=20))

    from django.core.cache import cache

    def past_page():
        cache.clear()  # a period nobody asked for since the last publication: grouped on request
        response = browser.get("/dashboard/", {"from": str(previous_first), "to": str(previous_last)})
        if response.status_code != 200:
            raise RuntimeError(response.status_code)
        return response

    report("dashboard page, last fiscal year, cache emptied (cold)", measure(past_page, repeat=5, warmup=0))
