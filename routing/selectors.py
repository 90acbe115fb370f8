"""Reads of the reference data."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from config import memo
from config.i18n import localised

from . import engine
from .codes import normalise_kana
from .engine.types import SystemInfo
from .models import (
    Jurisdiction,
    LocalGovernment,
    Office,
    OfficeSystem,
    PolicyArea,
    Prefecture,
    RuleSet,
    RuleSetStatus,
    SlaPolicy,
)


def active_on(day: datetime.date) -> Q:
    """Rows whose validity period contains ``day`` (``valid_to`` is exclusive)."""
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))


def policy_areas() -> QuerySet[PolicyArea]:
    return PolicyArea.objects.prefetch_related("lead_ministries")


def search_local_governments(
    *, q: str = "", prefecture: str = "", filers_only: bool = True
) -> QuerySet[LocalGovernment]:
    """Local governments by name, kana (hiragana, katakana or half-width) or code."""
    queryset = LocalGovernment.objects.select_related("prefecture")
    if filers_only:
        queryset = queryset.filter(can_file=True)
    if prefecture:
        queryset = queryset.filter(Q(prefecture__code=prefecture) | Q(prefecture__name=prefecture))
    q = (q or "").strip()
    if q:
        kana = normalise_kana(q)
        condition = Q(name__contains=q) | Q(kana_search__startswith=kana) | Q(code__startswith=q)
        if len(kana) >= 2:
            condition |= Q(kana_search__contains=kana)
        queryset = queryset.filter(condition)
    return queryset.order_by("code")


def offices(*, ministry: str = "", on: datetime.date | None = None) -> QuerySet[Office]:
    """Offices with the prefectures each covers on ``on`` (default: today)."""
    day = on or timezone.localdate()
    jurisdictions = (
        Jurisdiction.objects.filter(active_on(day), local_government__isnull=True)
        .select_related("prefecture")
        .order_by("prefecture__code")
    )
    queryset = Office.objects.filter(active_on(day)).select_related("ministry", "system")
    if ministry:
        queryset = queryset.filter(ministry__slug=ministry)
    return queryset.prefetch_related(Prefetch("jurisdictions", queryset=jurisdictions, to_attr="current_jurisdictions"))


# --- routing: snapshots of the reference data and compiled rule sets -----------


# Snapshots, calendars and compiled rule sets of the current reference revision,
# renewed whenever reference data or rules are edited (``reference_changed``).
# The revision is read from the shared cache at most once a second per process:
# one filing asks for it several times, and an edit elsewhere only needs to be
# seen within a moment (this process's own edits are seen at once).
_reference: memo.Memo[dict] = memo.Memo("routing:reference-revision", dict, recheck_seconds=1.0)


def reference_revision() -> str:
    """A token that changes whenever reference data or rules are edited."""
    return _reference.version()


def reference_changed() -> None:
    """Renew the snapshots here at once and everywhere at commit."""
    _reference.changed()


def bump_reference_revision() -> None:
    """Renew the snapshots everywhere now (outside a transaction's commit)."""
    _reference.bump()


def reference_snapshot(on: datetime.date | None = None) -> engine.ReferenceSnapshot:
    """The reference data in force on ``on`` as plain data for the decision core (cached)."""
    day = on or timezone.localdate()
    snapshots = _reference.get()
    key = day
    snapshot = snapshots.get(key)
    if snapshot is not None:
        return snapshot
    office_rows = Office.objects.filter(active_on(day)).select_related("ministry", "system")
    office_infos = {
        o.slug: engine.OfficeInfo(
            slug=o.slug,
            name=o.name,
            name_en=o.name_en,
            ministry=o.ministry.slug,
            ministry_name=o.ministry.name,
            system=o.system.slug if o.system else "",
        )
        for o in office_rows
    }
    jurisdictions: dict[str, dict[str, str]] = {}
    overrides: dict[tuple[str, str], str] = {}
    rows = (
        Jurisdiction.objects.filter(active_on(day), matter="", office__slug__in=office_infos)
        .order_by("valid_from")
        .values_list("system__slug", "prefecture_id", "local_government_id", "office__slug")
    )
    for system, prefecture, local_government, office in rows:
        if local_government:
            overrides[(system, local_government)] = office
        else:
            jurisdictions.setdefault(system, {})[prefecture] = office
    policies = list(SlaPolicy.objects.values_list("slug", "is_default"))
    snapshot = engine.ReferenceSnapshot(
        offices=office_infos,
        systems={
            s.slug: SystemInfo(slug=s.slug, name=s.name, short_name=s.short_name, name_en=s.name_en)
            for s in OfficeSystem.objects.all()
        },
        jurisdictions=jurisdictions,
        overrides=overrides,
        policy_areas={
            slug: (name_ja, name_en)
            for slug, name_ja, name_en in PolicyArea.objects.filter(active_on(day)).values_list(
                "slug", "name_ja", "name_en"
            )
        },
        local_governments={
            code: (prefecture, kind)
            for code, prefecture, kind in LocalGovernment.objects.filter(can_file=True).values_list(
                "code", "prefecture_id", "kind"
            )
        },
        prefectures=dict(Prefecture.objects.values_list("code", "name")),
        sla_policies=frozenset(slug for slug, _ in policies),
        default_sla_policy=next((slug for slug, is_default in policies if is_default), "standard"),
    )
    if len(snapshots) > 32:
        snapshots.clear()
    snapshots[key] = snapshot
    return snapshot


def office_calendar(office_slug: str | None = None):
    """The business calendar of an office: the default hours and closures plus
    the extra closed days recorded as data (for all offices, or for this one)."""
    from .business_time import calendar_for
    from .models import ClosedDay

    snapshots = _reference.get()

    key = ("calendar", office_slug)
    calendar = snapshots.get(key)
    if calendar is None:
        days = ClosedDay.objects.filter(Q(office__isnull=True) | Q(office__slug=office_slug)).values_list(
            "date", flat=True
        )
        calendar = calendar_for(frozenset(days))
        snapshots[key] = calendar
    return calendar


def rule_specs(rule_set) -> list[engine.RuleSpec]:
    return [
        engine.RuleSpec(
            id=rule.id,
            name=rule.name,
            priority=rule.priority,
            conditions=rule.conditions,
            actions=rule.actions,
            enabled=rule.enabled,
        )
        for rule in rule_set.rules.order_by("priority", "id")
    ]


def sla_policy(slug: str) -> SlaPolicy:
    """An SLA policy by slug (the default one when unknown), cached per reference revision."""
    snapshots = _reference.get()
    key = "sla"
    policies = snapshots.get(key)
    if policies is None:
        policies = {policy.slug: policy for policy in SlaPolicy.objects.all()}
        snapshots[key] = policies
    return policies.get(slug) or next(policy for policy in policies.values() if policy.is_default)


def rule_set_in_effect(at: datetime.datetime | None = None):
    """The published rule set that routes a consultation filed at ``at``."""
    at = at or timezone.now()
    snapshots = _reference.get()
    key = "published"
    published = snapshots.get(key)
    if published is None:
        # Published sets never change; publishing one renews the revision.
        published = list(RuleSet.objects.filter(status=RuleSetStatus.PUBLISHED).order_by("-effective_from", "-version"))
        snapshots[key] = published
    return next((rule_set for rule_set in published if rule_set.effective_from <= at), None)


def filing_references() -> tuple[dict[str, PolicyArea], dict[str, LocalGovernment]]:
    """Policy areas by slug and local governments (with their prefecture) by
    code, as model objects kept per reference revision: filing needs both and
    should not query for them every time."""
    snapshots = _reference.get()
    key = "filing"
    found = snapshots.get(key)
    if found is None:
        found = (
            {area.slug: area for area in PolicyArea.objects.all()},
            {lg.code: lg for lg in LocalGovernment.objects.select_related("prefecture")},
        )
        snapshots[key] = found
    return found


def compiled_rule_set(rule_set, snapshot: engine.ReferenceSnapshot) -> engine.CompiledRuleSet:
    """The rule set compiled once per version (published sets never change)."""
    snapshots = _reference.get()
    key = ("compiled", rule_set.pk)
    if rule_set.is_published and key in snapshots:
        return snapshots[key]
    compiled = engine.compile_rule_set(
        rule_specs(rule_set), snapshot, version=rule_set.version, rule_set_id=rule_set.pk
    )
    if rule_set.is_published:
        snapshots[key] = compiled
    return compiled


# --- reference data as in-process maps --------------------------------------------------------


@dataclass(frozen=True)
class OfficeRef:
    id: int
    slug: str
    name: str
    ministry: str
    name_en: str = ""
    ministry_id: int | None = None

    def as_json(self) -> dict:
        return {"slug": self.slug, "name": self.name, "ministry": self.ministry}


@dataclass(frozen=True)
class ReferenceMaps:
    """Small, rarely edited reference tables kept in memory (renewed with the
    reference revision), so that lists and details of consultations join none
    of them in SQL."""

    offices: dict[int, OfficeRef]
    local_governments: dict[str, dict]  # code → {code, name, prefecture}
    policy_areas: dict[int, tuple[str, str]]  # id → (slug, name_ja)
    rule_set_versions: dict[int, int | None]
    office_ids: dict[str, int]  # slug → id
    policy_area_names_en: dict[int, str] = field(default_factory=dict)  # id → name_en

    def office_name(self, office_id: int | None) -> str:
        """In the reader's language (config.i18n)."""
        office = self.offices.get(office_id) if office_id else None
        return localised(office.name, office.name_en) if office is not None else ""

    def policy_area_name(self, policy_area_id: int | None) -> str:
        """In the reader's language (config.i18n)."""
        _slug, name = self.policy_areas.get(policy_area_id, ("", ""))
        return localised(name, self.policy_area_names_en.get(policy_area_id))

    def office_json(self, office_id: int | None) -> dict | None:
        office = self.offices.get(office_id) if office_id else None
        return office.as_json() if office else None


def reference_maps() -> ReferenceMaps:
    snapshots = _reference.get()
    key = "maps"
    maps = snapshots.get(key)
    if maps is None:
        prefectures = dict(Prefecture.objects.values_list("code", "name"))
        maps = ReferenceMaps(
            offices={
                pk: OfficeRef(pk, slug, name, ministry, name_en, ministry_id)
                for pk, slug, name, ministry, name_en, ministry_id in Office.objects.values_list(
                    "id", "slug", "name", "ministry__slug", "name_en", "ministry_id"
                )
            },
            local_governments={
                code: {"code": code, "name": name, "prefecture": prefectures[prefecture]}
                for code, name, prefecture in LocalGovernment.objects.values_list("code", "name", "prefecture_id")
            },
            policy_areas={
                pk: (slug, name) for pk, slug, name in PolicyArea.objects.values_list("id", "slug", "name_ja")
            },
            policy_area_names_en=dict(PolicyArea.objects.values_list("id", "name_en")),
            rule_set_versions=dict(RuleSet.objects.values_list("id", "version")),
            office_ids=dict(Office.objects.values_list("slug", "id")),
        )
        snapshots[key] = maps
    return maps


@dataclass(frozen=True)
class MinistryRef:
    pk: int
    name: str
    name_en: str


@dataclass(frozen=True)
class OfficeOption:
    """An office as choice lists show it (no jurisdictions)."""

    pk: int
    slug: str
    name: str
    name_en: str
    kind: str
    ministry: MinistryRef


def office_options(*, on: datetime.date | None = None) -> list[OfficeOption]:
    """The offices of ``on`` (default: today) in ``offices()``'s order, kept in memory with
    the reference revision: the triage rows and a liaison's transfer and invite forms
    offer every office on every page."""
    day = on or timezone.localdate()
    snapshots = _reference.get()
    key = ("office-options", day)
    options = snapshots.get(key)
    if options is None:
        options = [
            OfficeOption(
                pk=office.pk,
                slug=office.slug,
                name=office.name,
                name_en=office.name_en,
                kind=office.kind,
                ministry=MinistryRef(office.ministry.pk, office.ministry.name, office.ministry.name_en),
            )
            for office in Office.objects.filter(active_on(day)).select_related("ministry")
        ]
        snapshots[key] = options
    return options
