"""Measures: catalogue list and filter latency (API and page) with 5,000 synthetic measures.

.venv/bin/python -m bench measures

The synthetic measures (slugs ``bench-…``) live in the benchmark database only
and are created once; the figures are p50/p95 over repeated requests.
"""

import datetime
import random

from bench.support import measure, report

COUNT = 5_000
WORDS = ["デジタル", "交付金", "農業", "医療", "教育", "交通", "観光", "防災", "人材", "データ", "移住", "子育て"]


def _generate() -> int:
    from django.db import transaction

    from measures import windows as window_rules
    from measures.models import Kind, Kpi, Measure, Window, search_vector_of
    from routing.models import Ministry, PolicyArea

    have = Measure.objects.filter(slug__startswith="bench-").count()
    if have >= COUNT:
        return 0
    rng = random.Random(20261203)
    ministries = dict(Ministry.objects.values_list("pk", "name"))
    areas = list(PolicyArea.objects.values_list("pk", flat=True))
    kinds = Kind.values
    today = window_rules.today()
    with transaction.atomic():
        rows = []
        for n in range(have, COUNT):
            name = f"{rng.choice(WORDS)}{rng.choice(WORDS)}推進事業 {n}"
            summary = " ".join(rng.choice(WORDS) for _ in range(20))
            ministry = rng.choice(list(ministries))
            rows.append(
                Measure(
                    slug=f"bench-{n:05d}", name=name, summary=summary, kind=rng.choice(kinds), ministry_id=ministry,
                    source="benchmark", search_vector=search_vector_of(name=name, summary=summary, eligibility="", ministry=ministries[ministry]),
                )
            )  # fmt: skip
        created = Measure.objects.bulk_create(rows, batch_size=1000)
        through = Measure.policy_areas.through
        links, windows, kpis = [], [], []
        for row in created:
            for area in rng.sample(areas, rng.randint(1, 3)):
                links.append(through(measure_id=row.pk, policyarea_id=area))
            for _ in range(rng.randint(0, 3)):
                opens = today + datetime.timedelta(days=rng.randint(-700, 400))
                if any(w.measure_id == row.pk and w.opens_on == opens for w in windows[-3:]):
                    continue
                closes = opens + datetime.timedelta(days=rng.randint(14, 90))
                windows.append(
                    Window(measure_id=row.pk, fiscal_year=window_rules.fiscal_year_of(opens), opens_on=opens,
                           closes_on=closes)
                )  # fmt: skip
            for position in range(rng.randint(0, 3)):
                kpis.append(Kpi(measure_id=row.pk, position=position, name="指標", target="100", unit="%",
                                target_year=2027, source="benchmark"))  # fmt: skip
        through.objects.bulk_create(links, batch_size=5000)
        Window.objects.bulk_create(windows, batch_size=5000)
        Kpi.objects.bulk_create(kpis, batch_size=5000)
    return len(created)


def run() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from measures.models import Measure

    call_command("load_measures", verbosity=0)
    created = _generate()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    report("synthetic measures", {"created": created, "total": Measure.objects.count()})

    user = User.objects.filter(role="staff").first()
    if user is None:
        from routing.models import LocalGovernment

        user = User.objects.create_user(
            "bench-staff@matsumoto.example.lg.jp", display_name="bench", role="staff",
            local_government=LocalGovernment.objects.get(code="202029"),
        )  # fmt: skip
    client = Client()
    client.force_login(user)
    cases = [
        ("GET measures/", {}),
        ("GET measures/?policy_area=smart-agri", {"policy_area": "smart-agri"}),
        ("GET measures/?ministry=meti", {"ministry": "meti"}),
        ("GET measures/?q=デジタル (matches most)", {"q": "デジタル"}),
        ("GET measures/?q=推進事業 4242 (matches one)", {"q": "推進事業 4242"}),
        ("GET measures/?open=true", {"open": "true"}),
        ("GET measures/?policy_area=grant&open=true&q=交付金", {"policy_area": "grant", "open": "true", "q": "交付金"}),
    ]
    for label, params in cases:
        response = client.get("/api/v1/measures/", params)
        if response.status_code != 200:
            raise SystemExit(f"{label}: {response.status_code} {response.content[:200]!r}")
        report(label, measure(lambda p=params: client.get("/api/v1/measures/", p), repeat=60))
    report("page /measures/?open=1", measure(lambda: client.get("/measures/", {"open": "1"}), repeat=30))
    report(
        "page /measures/?policy_area=health-dx",
        measure(lambda: client.get("/measures/", {"policy_area": "health-dx"}), repeat=30),
    )
