"""Pages under load: every list page (staff and secretariat home, queue, triage, inbox,
dashboard drill-down) and the consultation page, p50/p95 at 8 concurrent clients
against gunicorn on this machine, with each page's query count.

    .venv/bin/python -m bench.seed --count 1000000 && .venv/bin/python -m bench pages

Target (issue 17): every page p95 < 150 ms at 8 clients with 1,000,000 consultations,
with the same number of queries whatever the data. Searching (``q``) is measured by
``bench/search.py``, over consultations whose search text is built.
"""

import os
import random

from bench.api_load import _load, _start_server, _stop_server, _summarise
from bench.support import demo_callers, report

DURATION = float(os.environ.get("BENCH_SECONDS", "8"))


def _session_cookie(user) -> str:
    """A signed-in browser session for ``user`` (stored where the site keeps sessions)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _drill_down_path(secretariat) -> str:
    """The dashboard's first drill-down link (a table cell of this fiscal year), as the page links it."""
    import html
    import re

    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(secretariat)
    page = client.get(reverse("dashboard")).content.decode()
    drill = re.escape(reverse("dashboard-consultations"))
    found = re.search(rf'href="({drill}\?[^"]+)"', page)
    if found is None:
        raise RuntimeError("the dashboard links no drill-down: publish the figures first")
    return html.unescape(found.group(1))


def _query_count(user, path: str) -> tuple[int, int]:
    """The status and the number of queries of one request, in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    client.get(path)  # warm the per-process memos, as a running server has them
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response.status_code, len(queries)


def run() -> None:
    from django.urls import reverse

    from consult.models import Consultation
    from consult.selectors import visible_consultations
    from metrics import services as metrics_services

    users, _tokens = demo_callers()
    # The figures as beat keeps them: the rollup current and published (the drill-down reads them).
    metrics_services.refresh_changed()
    metrics_services.publish_figures()
    cookies = {role: _session_cookie(user) for role, user in users.items()}
    detail_ids = {
        role: list(visible_consultations(users[role]).order_by("-created_at").values_list("id", flat=True)[:2000])
        for role in ("staff", "liaison")
    }
    report(
        "data",
        {"consultations": Consultation.objects.count(), **{f"visible_to_{r}": len(v) for r, v in detail_ids.items()}},
    )
    pages = [
        ("staff home", "staff", reverse("home")),
        ("secretariat home", "secretariat", reverse("home")),
        ("queue", "liaison", reverse("queue")),
        ("queue, overdue, newest", "liaison", reverse("queue") + "?overdue=on&sort=newest"),
        ("triage", "secretariat", reverse("triage")),
        ("inbox (liaison)", "liaison", reverse("inbox")),
        ("inbox (staff)", "staff", reverse("inbox")),
        ("dashboard drill-down", "secretariat", _drill_down_path(users["secretariat"])),
    ]
    for role, ids in detail_ids.items():
        if ids:
            pages.append((f"consultation page ({role})", role, None))

    for label, role, path in pages:
        sample = path or reverse("consultation", args=[detail_ids[role][0]])
        status, queries = _query_count(users[role], sample)
        report(f"queries {label}", {"status": status, "queries": queries})

    server = _start_server()
    try:
        for label, role, path in pages:

            def clients(index, role=role, path=path, label=label):
                rng = random.Random(index)
                headers = {"Cookie": cookies[role]}
                if path is not None:
                    return lambda: (label, "GET", path, headers, None)
                ids = detail_ids[role]
                return lambda: (label, "GET", reverse("consultation", args=[rng.choice(ids)]), headers, None)

            _load(clients, 1)  # warm up every worker
            _summarise("page", _load(clients, DURATION), DURATION)
    finally:
        _stop_server(server)
