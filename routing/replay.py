"""Replay: run a draft rule set over past consultations and report which would
be routed differently (old office → new office, with counts).

The core (``replay``) is pure; ``replay_rule_set`` feeds it the past
consultations read by consult (``consult.history``) in chunks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

from . import engine

TRIAGE = "triage"


@dataclass(frozen=True)
class PastConsultation:
    id: int
    reference: str
    facts: engine.ConsultationFacts
    routed_to: str | None  # office slug chosen when filed; None for triage


@dataclass
class ReplayReport:
    total: int = 0
    changed: int = 0
    moves: Counter = field(default_factory=Counter)  # (old office or "triage", new office or "triage") → count
    examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # a few references per move

    def lines(self) -> list[str]:
        lines = [f"{self.total} consultations replayed, {self.changed} routed differently"]
        for (old, new), count in self.moves.most_common():
            refs = ", ".join(self.examples.get((old, new), []))
            lines.append(f"  {old} → {new}: {count}  (e.g. {refs})")
        return lines

    def as_json(self) -> dict:
        return {
            "total": self.total,
            "changed": self.changed,
            "moves": [
                {"from": old, "to": new, "count": count, "examples": self.examples.get((old, new), [])}
                for (old, new), count in self.moves.most_common()
            ],
        }


def replay(
    items: Iterable[PastConsultation],
    rules: engine.CompiledRuleSet,
    reference: engine.ReferenceSnapshot,
    *,
    examples: int = 3,
) -> ReplayReport:
    report = ReplayReport()
    for item in items:
        report.total += 1
        decision = engine.decide(item.facts, rules, reference)
        new = decision.primary_office.slug if decision.primary_office else TRIAGE
        old = item.routed_to or TRIAGE
        if new != old:
            report.changed += 1
            report.moves[(old, new)] += 1
            sample = report.examples.setdefault((old, new), [])
            if len(sample) < examples:
                sample.append(item.reference)
    return report


# The past consultations are kept by consult, which registers its reader here when
# Django starts (ConsultConfig.ready): routing never imports consult.
_history: dict[str, Callable[..., Iterable[PastConsultation]]] = {}


def register_history(reader: Callable[..., Iterable[PastConsultation]]) -> None:
    """``reader(limit=None)``: the most recent consultations (all, or ``limit``) as plain facts."""
    _history["consultations"] = reader


def past_consultations(*, limit: int | None = None) -> Iterable[PastConsultation]:
    try:
        reader = _history["consultations"]
    except KeyError:
        raise ImproperlyConfigured("No consultation history registered: install the consult app.") from None
    return reader(limit=limit)


def replay_rule_set(*, rule_set, limit: int | None = None) -> ReplayReport:
    """Replay ``rule_set`` (usually a draft) over the past ``limit`` consultations (or all).

    Raises ``engine.RuleSetInvalid`` when the draft does not validate."""
    from . import selectors

    snapshot = selectors.reference_snapshot()
    compiled = engine.compile_rule_set(selectors.rule_specs(rule_set), snapshot, version=rule_set.version)
    return replay(past_consultations(limit=limit), compiled, snapshot)
