"""Routing a consultation: facts from the database, the pure decision, and
deadlines on the government calendar. Reads only; filing records the result."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from . import engine, selectors
from .business_time import DEFAULT_CALENDAR, OfficeCalendar
from .codes import InvalidLocalGovernmentCode, validate_code
from .models import LocalGovernment, PolicyArea, RuleSet, SlaPolicy, SlaUnit


class RoutingInputError(ValueError):
    """Bad input to routing; ``field`` names what to fix."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def filer_facts(local_government: LocalGovernment) -> engine.FilerFacts:
    prefecture = local_government.prefecture
    return engine.FilerFacts(
        code=local_government.code,
        name=local_government.name,
        prefecture=prefecture.code,
        prefecture_name=prefecture.name,
        prefecture_name_en=prefecture.name_en,
        kind=local_government.kind,
    )


def _local_governments(codes: list[str], field: str) -> list[LocalGovernment]:
    found = {lg.code: lg for lg in LocalGovernment.objects.select_related("prefecture").filter(code__in=codes)}
    for code in codes:
        lg = found.get(code)
        if lg is None or not lg.can_file:
            try:
                validate_code(code)
            except InvalidLocalGovernmentCode as exc:
                raise RoutingInputError(field, str(exc)) from None
            raise RoutingInputError(field, _("団体コード %(codes)s の地方公共団体はありません") % {"codes": code})
    return [found[code] for code in codes]


def consultation_facts(
    *,
    local_government: str | LocalGovernment,
    policy_area: str | PolicyArea,
    co_filers: list[str] | list[LocalGovernment] | tuple = (),
    urgency: str = "normal",
    title: str = "",
    body: str = "",
) -> engine.ConsultationFacts:
    if isinstance(local_government, LocalGovernment):
        filer = local_government
    else:
        (filer,) = _local_governments([local_government], "local_government")
    if co_filers and all(isinstance(lg, LocalGovernment) for lg in co_filers):
        # Objects the caller has already checked (filing), as ``local_government``.
        others = [lg for lg in {lg.code: lg for lg in co_filers}.values() if lg.code != filer.code]
    else:
        co_filer_codes = [code for code in dict.fromkeys(co_filers) if code != filer.code]
        others = _local_governments(co_filer_codes, "co_filers") if co_filer_codes else []
    if not isinstance(policy_area, PolicyArea) and not PolicyArea.objects.filter(slug=policy_area).exists():
        raise RoutingInputError("policy_area", _("施策分野 %(slug)s はありません") % {"slug": repr(policy_area)})
    if urgency not in engine.types.URGENCIES:
        raise RoutingInputError(
            "urgency", _("緊急度は %(choices)s のいずれかです") % {"choices": ", ".join(engine.types.URGENCIES)}
        )
    return engine.ConsultationFacts(
        policy_area=policy_area.slug if isinstance(policy_area, PolicyArea) else policy_area,
        filer=filer_facts(filer),
        co_filers=tuple(filer_facts(lg) for lg in others),
        urgency=urgency,
        title=title,
        body=body,
    )


@dataclass(frozen=True)
class Deadlines:
    clock_starts_at: datetime.datetime
    first_response_due_at: datetime.datetime
    resolution_due_at: datetime.datetime


def target_seconds(target: Decimal | float, unit: str, calendar: OfficeCalendar = DEFAULT_CALENDAR) -> int:
    seconds_per_unit = calendar.day_seconds if unit == SlaUnit.BUSINESS_DAYS else 3600
    return round(float(target) * seconds_per_unit)


def deadlines_for(
    policy: SlaPolicy, start: datetime.datetime, calendar: OfficeCalendar = DEFAULT_CALENDAR
) -> Deadlines:
    return Deadlines(
        clock_starts_at=calendar.clock_start(start),
        first_response_due_at=calendar.add(start, target_seconds(policy.first_response_target, policy.unit, calendar)),
        resolution_due_at=calendar.add(start, target_seconds(policy.resolution_target, policy.unit, calendar)),
    )


@dataclass(frozen=True)
class Routing:
    decision: engine.Decision
    rule_set: RuleSet | None
    sla_policy: SlaPolicy
    deadlines: Deadlines
    submitted_at: datetime.datetime


def route(
    facts: engine.ConsultationFacts, *, at: datetime.datetime | None = None, rule_set: RuleSet | None = None
) -> Routing:
    """Route ``facts`` as if filed at ``at`` (default now), with the rule set in
    effect then (or ``rule_set``, e.g. a draft being tried)."""
    at = at or timezone.now()
    snapshot = selectors.reference_snapshot(timezone.localdate(at))
    rule_set = rule_set or selectors.rule_set_in_effect(at)
    compiled = selectors.compiled_rule_set(rule_set, snapshot) if rule_set else engine.CompiledRuleSet(rules=())
    decision = engine.decide(facts, compiled, snapshot)
    policy = selectors.sla_policy(decision.sla_policy)
    # Deadlines run on the calendar of the office that will answer (the secretariat's for triage).
    calendar = selectors.office_calendar(decision.primary_office.slug if decision.primary_office else None)
    return Routing(
        decision=decision,
        rule_set=rule_set,
        sla_policy=policy,
        deadlines=deadlines_for(policy, at, calendar),
        submitted_at=at,
    )


def routing_json(routing: Routing) -> dict:
    """The ``routing/simulate`` answer of API.md, with extra detail."""
    deadlines = routing.deadlines
    return {
        "routing": routing.decision.as_json(),
        "submitted_at": routing.submitted_at.astimezone(timezone.get_current_timezone()).isoformat(),
        "clock_starts_at": deadlines.clock_starts_at.isoformat(),
        "first_response_due_at": deadlines.first_response_due_at.isoformat(),
        "resolution_due_at": deadlines.resolution_due_at.isoformat(),
        "sla_policy": {
            "slug": routing.sla_policy.slug,
            "name": routing.sla_policy.name,
            "first_response_target": float(routing.sla_policy.first_response_target),
            "resolution_target": float(routing.sla_policy.resolution_target),
            "unit": routing.sla_policy.unit,
        },
    }
