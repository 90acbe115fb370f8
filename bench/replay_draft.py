"""Routing: replay a draft rule set over the 100,000 most recent consultations.

    .venv/bin/python -m bench replay_draft        (after: .venv/bin/python -m bench.seed)

Target: under 30 s for 100,000 consultations.
"""

import time

from bench.support import report

LIMIT = 100_000


def run() -> None:
    from consult.models import Consultation
    from routing import selectors, services
    from routing.models import Rule
    from routing.replay import replay_rule_set

    available = Consultation.objects.count()
    if available < LIMIT:
        print(f"  only {available} consultations; run `python -m bench.seed --count {LIMIT}` first for the full figure")
    draft = services.create_draft(name="replay benchmark")
    try:
        # A realistic change: drone consultations to MAFF headquarters, and
        # Niigata's 'other' to the secretariat's data office.
        services.add_rules(
            draft=draft,
            rules=[
                {"name": "ドローンは本省へ", "priority": 50, "conditions": {"policy_areas": ["smart-agri"], "keywords": ["ドローン"]},
                 "actions": {"route_to": {"office": "maff-hq"}}},
                {"name": "新潟のその他", "priority": 60, "conditions": {"policy_areas": ["other"], "prefectures": ["15"]},
                 "actions": {"route_to": {"office": "digital-hq"}}},
            ],
        )  # fmt: skip
        start = time.perf_counter()
        result = replay_rule_set(rule_set=draft, limit=LIMIT)
        seconds = time.perf_counter() - start
        report(
            f"replay over the {min(LIMIT, available):,} most recent",
            {
                "seconds": seconds,
                "per_s": result.total / seconds,
                "changed": result.changed,
                "moves": len(result.moves),
            },
        )
        for line in result.lines()[1:4]:
            print("   ", line.strip())
        unchanged = replay_rule_set(rule_set=selectors.rule_set_in_effect(), limit=10_000)
        report("replay of the version in effect (10,000)", {"changed": unchanged.changed})
    finally:
        Rule.objects.filter(rule_set=draft).delete()
        draft.delete()
