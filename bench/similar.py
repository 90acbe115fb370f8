"""Similar suggestions: ``GET consultations/similar/`` p50/p95 at 8 concurrent clients
for a staff member (library entries only), a liaison and the secretariat.

    .venv/bin/python -m bench similar

Seeds what is missing first: ``BENCH_SIMILAR_CONSULTATIONS`` consultations (default
50,000, bench.seed) with their search text (search.services.build_texts), and
``BENCH_SIMILAR_ENTRIES`` published library entries (default 2,000) made from answered
ones. Target (issue 15): p95 < 200 ms at 8 clients.
"""

import os
import random
import time
import urllib.parse

from bench.support import report

CONSULTATIONS = int(os.environ.get("BENCH_SIMILAR_CONSULTATIONS", "50000"))
ENTRIES = int(os.environ.get("BENCH_SIMILAR_ENTRIES", "2000"))
BATCH = 500


def _search_texts() -> dict:
    from consult.models import Consultation
    from search.models import ConsultationText
    from search.services import build_texts

    started, built = time.perf_counter(), 0
    last = 0
    while True:
        ids = list(
            Consultation.objects.filter(pk__gt=last, search_text__isnull=True)
            .order_by("pk").values_list("pk", flat=True)[:BATCH]
        )  # fmt: skip
        if not ids:
            break
        built += build_texts(consultation_ids=ids)
        last = ids[-1]
    seconds = time.perf_counter() - started
    return {"built": built, "seconds": round(seconds, 1), "texts": ConsultationText.objects.count()}


def _entries(author) -> int:
    """Published entries from answered consultations (their title and body as the question,
    the resolution as the answer), written as the services would leave them."""
    from django.db import transaction
    from django.utils import timezone

    from consult.models import Consultation, Message, MessageKind
    from library.indexing import entry_vector
    from library.models import Entry, EntryStatus, EntryVersion

    have = Entry.objects.count()
    if have >= ENTRIES:
        return 0
    now = timezone.now()
    sources = list(
        Consultation.objects.filter(status__in=["resolved", "closed"]).order_by("-pk")
        .values_list("pk", "title", "body", "policy_area_id")[have:ENTRIES]
    )  # fmt: skip
    answers = dict(
        Message.objects.filter(consultation_id__in=[row[0] for row in sources], kind=MessageKind.RESOLUTION)
        .values_list("consultation_id", "body")
    )  # fmt: skip
    with transaction.atomic():
        entries = Entry.objects.bulk_create(
            Entry(source_id=pk, policy_area_id=area, title=title, status=EntryStatus.PUBLISHED, proposed_by=author,
                  reviewed_by=author, created_at=now, updated_at=now, published_at=now)
            for pk, title, _body, area in sources
        )  # fmt: skip
        versions = EntryVersion.objects.bulk_create(
            EntryVersion(entry=entry, number=1, title=title, question=body, answer=answers.get(pk, "回答"),
                         tags=[], editor=author, created_at=now)
            for entry, (pk, title, body, _area) in zip(entries, sources, strict=True)
        )  # fmt: skip
        for entry, version in zip(entries, versions, strict=True):
            entry.current = entry.published = version
            entry.search_vector = entry_vector(version)
        Entry.objects.bulk_update(entries, ["current", "published", "search_vector"], batch_size=500)
    return len(entries)


def run() -> None:
    from django.core.management import call_command
    from django.db import connection

    from bench import api_load
    from bench.seed import seed
    from bench.support import demo_callers
    from consult.models import Consultation

    call_command("seed_demo", accounts_only=True, verbosity=0)
    have = Consultation.objects.count()
    if have < CONSULTATIONS:
        report("seeded consultations", seed(CONSULTATIONS - have, out=lambda *a, **k: None))
    report("consultations' search text", _search_texts())
    users, tokens = demo_callers()
    report("library entries", {"created": _entries(users["secretariat"])})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # Drafts people type: titles and beginnings of bodies of seeded consultations, a little changed.
    drafts = list(Consultation.objects.order_by("?").values_list("title", "body", "policy_area__slug")[:300])
    report("data", {"consultations": Consultation.objects.count(), "drafts": len(drafts)})

    server = api_load._start_server()
    try:
        names = list(users)

        def similar(index):
            rng = random.Random(index)
            role = names[index % len(names)]
            headers = {"Authorization": f"Token {tokens[role]}"}

            def request():
                title, body, area = rng.choice(drafts)
                query = urllib.parse.urlencode(
                    {"title": title[: rng.randint(6, len(title) or 6)], "body": body[:200], "policy_area": area}
                )
                return role, "GET", f"/api/v1/consultations/similar/?{query}", headers, None

            return request

        api_load._load(similar, 3)  # warm up
        api_load._summarise("similar", api_load._load(similar, api_load.DURATION), api_load.DURATION)
    finally:
        api_load._stop_server(server)
