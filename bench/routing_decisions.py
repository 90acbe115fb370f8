"""Routing: decisions per second of the pure core, with the default rule set and with 10,000 rules.

    .venv/bin/python -m bench routing_decisions     (or: make bench BENCH=routing_decisions)

Targets: >= 20,000 decisions/s on one core with 10,000 rules, and the
10,000-rule figure within 3x of the default-set figure.
"""

import time

from bench import generate
from bench.support import report

DECISIONS = 60_000


def _throughput(facts, compiled, snapshot) -> tuple[float, int, int]:
    """Decisions per second, and how many went to triage or were decided by a generated rule.

    Results are tallied as they come, as filing and replay do, not kept."""
    from routing.engine import decide

    for item in facts[:2000]:  # warm the bucket cache
        decide(item, compiled, snapshot)
    triage = generated = 0
    start = time.perf_counter()
    for item in facts:
        decision = decide(item, compiled, snapshot)
        if decision.primary_office is None:
            triage += 1
        elif decision.rule.name.startswith("生成規則"):
            generated += 1
    return len(facts) / (time.perf_counter() - start), triage, generated


def run() -> None:
    from routing import selectors
    from routing.engine import compile_rule_set
    from routing.models import LocalGovernment

    snapshot = selectors.reference_snapshot()
    names = dict(LocalGovernment.objects.values_list("code", "name"))
    all_filers = generate.filers(snapshot, names)
    facts = generate.consultations(snapshot, all_filers, DECISIONS)
    default_specs = selectors.rule_specs(selectors.rule_set_in_effect())

    default_set = compile_rule_set(default_specs, snapshot, version=1)
    default_rate, triage, _ = _throughput(facts, default_set, snapshot)
    report("default rule set (31 rules)", {"decisions_per_s": default_rate, "n": len(facts), "triage": triage})

    generated = generate.rules(snapshot, 10_000)
    start = time.perf_counter()
    # The generated rules sit above the default set, which stays as the fallback.
    big_set = compile_rule_set([*generated, *default_specs], snapshot, version=2)
    compile_ms = (time.perf_counter() - start) * 1000
    big_rate, _, by_generated = _throughput(facts, big_set, snapshot)
    report(
        "10,000 generated rules + default set",
        {
            "decisions_per_s": big_rate,
            "n": len(facts),
            "decided_by_generated_rules": by_generated,
            "compile_ms": compile_ms,
        },
    )
    report("slow-down with 10,000 rules (target <= 3x)", {"ratio": default_rate / big_rate})
