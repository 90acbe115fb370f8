"""Plain data the decision core works on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils.translation import gettext_noop

# Labels marked for translation (English in locale/en), translated where shown.
URGENCY_CHOICES = [("normal", gettext_noop("通常")), ("urgent", gettext_noop("緊急"))]
URGENCIES = tuple(value for value, _label in URGENCY_CHOICES)
PRIORITIES = ("low", "normal", "high")
KINDS = ("prefecture", "city", "town", "village", "special_ward")


@dataclass(frozen=True, slots=True)
class OfficeInfo:
    slug: str
    name: str
    name_en: str
    ministry: str
    ministry_name: str
    system: str = ""

    def as_json(self) -> dict[str, str]:
        return {"slug": self.slug, "name": self.name, "ministry": self.ministry}


@dataclass(frozen=True, slots=True)
class SystemInfo:
    slug: str
    name: str
    short_name: str
    name_en: str


@dataclass(frozen=True, slots=True)
class FilerFacts:
    """A filing local government, with what routing needs to know of it."""

    code: str
    name: str
    prefecture: str  # JIS X 0401 code
    prefecture_name: str
    kind: str
    prefecture_name_en: str = ""


@dataclass(frozen=True, slots=True)
class ConsultationFacts:
    policy_area: str
    filer: FilerFacts
    co_filers: tuple[FilerFacts, ...] = ()
    urgency: str = "normal"
    title: str = ""
    body: str = ""


@dataclass(frozen=True)
class ReferenceSnapshot:
    """The reference data in force on one day, as plain dictionaries."""

    offices: dict[str, OfficeInfo]
    systems: dict[str, SystemInfo]
    # system → prefecture code → office slug (general matters)
    jurisdictions: dict[str, dict[str, str]]
    # (system, local-government code) → office slug
    overrides: dict[tuple[str, str], str] = field(default_factory=dict)
    # slug → (name_ja, name_en)
    policy_areas: dict[str, tuple[str, str]] = field(default_factory=dict)
    # code → (prefecture code, kind)
    local_governments: dict[str, tuple[str, str]] = field(default_factory=dict)
    prefectures: dict[str, str] = field(default_factory=dict)  # code → name
    sla_policies: frozenset[str] = frozenset()
    default_sla_policy: str = "standard"

    def office_for(self, system: str, filer: FilerFacts) -> OfficeInfo | None:
        slug = self.overrides.get((system, filer.code)) or self.jurisdictions.get(system, {}).get(filer.prefecture)
        return self.offices.get(slug) if slug else None


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule as the secretariat writes it (conditions and actions are JSON)."""

    name: str
    priority: int
    conditions: dict[str, Any]
    actions: dict[str, Any]
    enabled: bool = True
    id: int | None = None


@dataclass(frozen=True, slots=True)
class RuleRef:
    id: int | None
    name: str
    version: int | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "version": self.version}


@dataclass(frozen=True)
class Decision:
    primary_office: OfficeInfo | None
    collaborators: tuple[OfficeInfo, ...]
    sla_policy: str
    priority: str
    rule: RuleRef | None
    rule_set_version: int | None
    matched_rules: tuple[str, ...] = ()
    triage_reason: str = ""
    explainer: Callable[[], tuple[str, str]] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def _explanations(self) -> tuple[str, str]:
        return self.explainer() if self.explainer else ("", "")

    @property
    def explanation_ja(self) -> str:
        """Why, in Japanese: the rule, the conditions that matched, the jurisdiction step."""
        return self._explanations[0]

    @property
    def explanation_en(self) -> str:
        return self._explanations[1]

    @property
    def is_triage(self) -> bool:
        return self.primary_office is None

    def as_json(self) -> dict[str, Any]:
        return {
            "primary_office": self.primary_office.as_json() if self.primary_office else None,
            "collaborators": [office.as_json() for office in self.collaborators],
            "rule": self.rule.as_json() if self.rule else None,
            "rule_set_version": self.rule_set_version,
            "sla_policy": self.sla_policy,
            "priority": self.priority,
            "explanation": self.explanation_ja,
            "explanation_en": self.explanation_en,
            "matched_rules": list(self.matched_rules),
            "triage_reason": self.triage_reason,
        }
