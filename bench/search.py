"""Search under load: p50/p95 of ``GET consultations/?q=`` at 8 clients for one-word,
two-word and reference-number queries, for a liaison, a staff member and the secretariat;
then filing throughput with the search text written by a Celery worker.

    .venv/bin/python -m bench.seed --count 100000
    .venv/bin/python manage.py build_search_text
    .venv/bin/python -m bench search

Targets (issue 15): search p95 < 150 ms at 8 clients for each kind of query and role;
filing >= 150 consultations/s at 8 clients with the search text written.
"""

import os
import random
import signal
import subprocess
import sys
import time
from urllib.parse import quote

from bench.api_load import CLIENTS, DURATION, ROOT, _load, _start_server, _stop_server, _summarise, filing_clients
from bench.support import demo_callers, report, stop_group

ONE_WORD = ["ドローン", "キャッシュレス", "移住", "子育て", "脱炭素", "補助金", "テレワーク", "防災", "ＤＸ", "5G"]
TWO_WORDS = ["ドローン 補助金", "移住 子育て", "キャッシュレス 観光アプリ", "脱炭素 交付金", "防災 人材育成"]


def _start_worker() -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "--app", "config", "worker", "--queues", "celery", "--concurrency", "1",
         "--loglevel", "warning", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip


def run() -> None:
    from django.core.management import call_command

    from consult.models import Consultation
    from consult.selectors import visible_consultations
    from search.models import ConsultationText

    users, tokens = demo_callers()
    references = {
        role: list(visible_consultations(user).order_by("?").values_list("reference", flat=True)[:200])
        for role, user in users.items()
    }
    total, built = Consultation.objects.count(), ConsultationText.objects.count()
    report("data", {"consultations": total, "search_texts": built})
    if built < total:
        print("  building the missing search texts first (manage.py build_search_text)")
        call_command("build_search_text", batch=1000)

    role_names = list(users)
    # "no q": the first page without a keyword, the same load, for comparison on a busy machine.
    kinds = ["one-word", "two-word", "reference", "no q"]

    def searches(index):
        rng = random.Random(index)
        role = role_names[index % len(role_names)]
        headers = {"Authorization": f"Token {tokens[role]}"}
        turn = [index]

        def request():
            kind = kinds[turn[0] % len(kinds)]
            turn[0] += 1
            if kind == "no q":
                return f"{kind} {role}", "GET", "/api/v1/consultations/?page_size=20", headers, None
            if kind == "one-word":
                q = rng.choice(ONE_WORD)
            elif kind == "two-word":
                q = rng.choice(TWO_WORDS)
            else:
                q = rng.choice(references[role] or ["BNS-2026-000001"])
                q = q if rng.random() < 0.5 else q[-6:]  # the number part alone, half the time
            return f"{kind} {role}", "GET", f"/api/v1/consultations/?page_size=20&q={quote(q)}", headers, None

        return request

    server = _start_server()
    try:
        _load(searches, 3)  # warm up
        _summarise("search", _load(searches, DURATION), DURATION)
    finally:
        _stop_server(server)

    # Filing with the search text written: the worker builds the texts queued at commit.
    server, worker = _start_server(), _start_worker()
    try:
        before = Consultation.objects.count()
        before_texts = ConsultationText.objects.count()
        filings = filing_clients(
            tokens["staff"],
            lambda rng: f"検索負荷試験 {rng.randrange(10**6)} {rng.choice(ONE_WORD)}の相談",
            "ドローンとキャッシュレスを組み合わせた取組について、補助金の対象か伺います。",
        )
        seconds = min(DURATION, 15)
        results = _load(filings, seconds)
        created = sum(1 for _, status, _ in results if status == 201)
        _summarise("filing", results, seconds)
        written_during = ConsultationText.objects.count() - before_texts
        drain_started = time.monotonic()
        while ConsultationText.objects.count() - before_texts < created and time.monotonic() - drain_started < 300:
            time.sleep(1)
        drained = time.monotonic() - drain_started
        report(
            "filing throughput (search text written)",
            {"clients": CLIENTS, "created_per_s": created / seconds, "answers_201": created,
             "new_rows": Consultation.objects.count() - before,
             "texts_written_during": written_during, "texts_written": ConsultationText.objects.count() - before_texts,
             "backlog_drained_s": round(drained, 1)},
        )  # fmt: skip
    finally:
        _stop_server(server)
        stop_group(worker, signum=signal.SIGTERM)
