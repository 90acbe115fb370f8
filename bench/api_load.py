"""Consultations API under load: list and detail latency for a liaison, a staff
member and the secretariat, and filing throughput, with 8 concurrent clients
against gunicorn on this machine (loopback only, bounded in time).

    .venv/bin/python -m bench api_load        (after: .venv/bin/python -m bench.seed --count 1000000)

Targets (issue 4): list first pages p95 < 150 ms, detail < 100 ms at 8
concurrent clients; filing >= 150 consultations/s, with the row count equal to
the number of 201 answers.
"""

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.support import demo_callers, percentile, report, stop_group

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8765"))
CLIENTS = 8
DURATION = float(os.environ.get("BENCH_SECONDS", "20"))
WORKERS = os.environ.get("BENCH_GUNICORN_WORKERS", "4")


def _start_server() -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "BANSO_TOKEN_RATE": "100000/min"}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", WORKERS,
         "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
            connection.request("GET", "/api/schema/")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def _stop_server(server: subprocess.Popen) -> None:
    stop_group(server, signum=signal.SIGTERM)


def _load(requests_for_client, duration: float) -> list[tuple[str, int, float]]:
    """Run CLIENTS threads, each with a keep-alive connection, for ``duration`` seconds."""
    results: list[tuple[str, int, float]] = []
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        mine = []
        next_request = requests_for_client(index)
        while time.monotonic() < stop:
            label, method, path, headers, body = next_request()
            start = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append((label, response.status, (time.perf_counter() - start) * 1000))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _summarise(title: str, results, duration: float) -> None:
    by_label: dict[str, list[float]] = {}
    statuses: dict[int, int] = {}
    for label, status, ms in results:
        by_label.setdefault(label, []).append(ms)
        statuses[status] = statuses.get(status, 0) + 1
    for label, timings in sorted(by_label.items()):
        report(
            f"{title} {label}",
            {
                "n": len(timings),
                "p50_ms": percentile(timings, 0.5),
                "p95_ms": percentile(timings, 0.95),
                "max_ms": max(timings),
            },
        )
    report(f"{title} all", {"req_per_s": len(results) / duration, "statuses": json.dumps(statuses)})


AREAS = ["smart-agri", "sme-dx", "digital-infra", "tourism-dx", "health-dx", "grant", "other"]


def filing_clients(token: str, title, body: str = "ドローンとキャッシュレスについて相談します。"):
    """For ``_load``: each client files consultations as the staff member of ``token``,
    titled ``title(rng)``, in a random policy area."""

    def filings(index):
        rng = random.Random(100 + index)
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

        def request():
            data = {"title": title(rng), "body": body, "policy_area": rng.choice(AREAS)}
            return "file", "POST", "/api/v1/consultations/", headers, json.dumps(data).encode()

        return request

    return filings


def run() -> None:
    from consult.models import Consultation
    from consult.selectors import visible_consultations

    users, tokens = demo_callers()
    visible_ids = {
        role: list(visible_consultations(user).order_by("-created_at").values_list("id", flat=True)[:2000])
        for role, user in users.items()
    }
    total = Consultation.objects.count()
    report("data", {"consultations": total, **{f"visible_to_{r}": len(v) for r, v in visible_ids.items()}})

    server = _start_server()
    try:
        role_names = list(users)

        def lists(index):
            role = role_names[index % len(role_names)]
            headers = {"Authorization": f"Token {tokens[role]}"}
            return lambda: (role, "GET", "/api/v1/consultations/?page_size=50", headers, None)

        _load(lists, 3)  # warm up
        _summarise("list first page", _load(lists, DURATION), DURATION)

        def details(index):
            rng = random.Random(index)
            role = role_names[index % len(role_names)]
            headers = {"Authorization": f"Token {tokens[role]}"}
            ids = visible_ids[role] or [0]
            return lambda: (role, "GET", f"/api/v1/consultations/{rng.choice(ids)}/", headers, None)

        _summarise("detail", _load(details, DURATION), DURATION)

        before = Consultation.objects.count()
        filings = filing_clients(tokens["staff"], lambda rng: f"負荷試験 {rng.randrange(10**6)}")
        filing_seconds = min(DURATION, 15)
        results = _load(filings, filing_seconds)
        created = sum(1 for _, status, _ in results if status == 201)
        after = Consultation.objects.count()
        _summarise("filing", results, filing_seconds)
        report(
            "filing throughput",
            {"created_per_s": created / filing_seconds, "answers_201": created, "new_rows": after - before,
             "rows_equal_201s": str(after - before == created)},
        )  # fmt: skip
    finally:
        _stop_server(server)
