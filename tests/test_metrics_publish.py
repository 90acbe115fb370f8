"""Published figures: the metrics API and the dashboard read this fiscal year's
tables from the cache as of the last publication, never grouping the rollup per request."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics import services as metrics_services
from routing.business_time import JST

pytestmark = pytest.mark.django_db
URL = "/api/v1/metrics/response-times/"


def jst(*parts):
    return datetime.datetime(*parts, tzinfo=JST)


def rollup_reads(queries) -> list[str]:
    tables = ("metrics_consultationfigures", "metrics_openstretch", "metrics_resolutionshare")
    return [query["sql"] for query in queries if any(table in query["sql"] for table in tables)]


def test_readers_see_the_last_publication(api, client, people, file, time_machine):
    time_machine.move_to(jst(2026, 12, 1, 9, 0))
    file(people["matsumoto"], now=jst(2026, 12, 1, 9, 0))
    metrics_services.refresh_changed(now=jst(2026, 12, 1, 9, 1))
    published = metrics_services.publish_figures(now=jst(2026, 12, 1, 9, 2))
    secretariat = api(people["secretariat"])

    with CaptureQueriesContext(connection) as queries:
        response = secretariat.get(URL, {"group_by": "office"})
    assert [row["filed"] for row in response.json()] == [1]
    assert datetime.datetime.fromisoformat(response["X-Banso-Figures-As-Of"]) == published
    assert not rollup_reads(queries.captured_queries)  # served from the published table

    client.force_login(people["secretariat"])
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/dashboard/")
    assert page.status_code == 200
    assert not rollup_reads(queries.captured_queries)
    # Readers of the English page get the same publication, with the names in English.
    client.cookies["django_language"] = "en"
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/dashboard/", {"group_by": "office"})
    assert page.status_code == 200 and "Kanto Regional Agricultural Administration Office" in page.content.decode()
    assert not rollup_reads(queries.captured_queries)
    client.cookies["django_language"] = "ja"
    # The page's other one-click periods (this month, last fiscal year) are published too.
    for period in ({"from": "2026-12-01", "to": "2026-12-31"}, {"from": "2025-04-01", "to": "2026-03-31"}):
        for group_by in ("ministry", "office"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/dashboard/", {**period, "group_by": group_by}).status_code == 200
            assert not rollup_reads(queries.captured_queries), (period, group_by)

    # A new consultation reaches the rollup at once, the readers at the next publication.
    file(people["matsumoto"], now=jst(2026, 12, 1, 9, 3))
    metrics_services.refresh_changed(now=jst(2026, 12, 1, 9, 4))
    assert [row["filed"] for row in secretariat.get(URL, {"group_by": "office"}).json()] == [1]
    later = metrics_services.publish_figures(now=jst(2026, 12, 1, 9, 7))
    response = secretariat.get(URL, {"group_by": "office"})
    assert [row["filed"] for row in response.json()] == [2]
    assert datetime.datetime.fromisoformat(response["X-Banso-Figures-As-Of"]) == later


def test_other_periods_are_computed_on_request_and_kept_until_the_next_publication(api, people, file):
    file(people["matsumoto"], now=jst(2026, 12, 1, 9, 0))
    metrics_services.refresh_changed(now=jst(2026, 12, 1, 9, 1))
    metrics_services.publish_figures(now=jst(2026, 12, 1, 9, 2))
    secretariat = api(people["secretariat"])
    december = {"group_by": "prefecture", "from": "2026-12-01", "to": "2026-12-31"}
    with CaptureQueriesContext(connection) as queries:
        assert secretariat.get(URL, december).json()[0]["filed"] == 1
    assert rollup_reads(queries.captured_queries)  # not published: grouped now
    with CaptureQueriesContext(connection) as queries:
        assert secretariat.get(URL, december).json()[0]["filed"] == 1
    assert not rollup_reads(queries.captured_queries)  # and kept for the same instant


def test_beat_publishes_every_few_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["metrics-publish"]
    assert entry["task"] == "metrics.publish_figures" and entry["schedule"] == 300.0
