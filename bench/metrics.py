"""Metrics: the response-time table for a fiscal year over 1,000,000 consultations, and the rollup refresh.

    .venv/bin/python -m bench metrics        (or: make bench BENCH=metrics; after bench.seed)

Target (issue 7): the metrics endpoint for a fiscal year grouped by office
answers in under 500 ms (p95, warm). The rollup behind it is filled here the
first time (every consultation) and then refreshed as beat would.
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
    report("rollup rows", {"consultations": ConsultationFigures.objects.count()})
    with connection.cursor() as cursor:
        # As autovacuum would after the first fill: statistics for the planner.
        cursor.execute("ANALYZE metrics_consultationfigures, metrics_resolutionshare")

    token = issue_token(user=User.objects.get(email="secretariat@cao.example.go.jp")).key
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    first_day = datetime.date(2026, 4, 1)
    in_year = ConsultationFigures.objects.filter(filed_at__date__gte=first_day).count()
    report("fiscal year 2026", {"consultations": in_year})
    for group_by in ("office", "ministry", "policy_area", "prefecture"):

        def table(group_by=group_by):
            response = client.get("/api/v1/metrics/response-times/", {"group_by": group_by, "from": "2026-04-01",
                                                                        "to": "2027-03-31"})  # fmt: skip
            if response.status_code != 200:
                raise RuntimeError(response.content[:200])
            return response

        rows = len(table().json())
        report(f"response-times, group_by={group_by} ({rows} groups)", measure(table, repeat=20))
