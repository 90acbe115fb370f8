"""The response-time table computed from the histories directly, consultation by
consultation through the pure core: the reference the SQL rollup
(``metrics.selectors.rollup_response_times``) is checked against in every grouping."""

from __future__ import annotations

import datetime

from django.utils import timezone

from consult.models import Consultation
from metrics import core, history
from metrics.selectors import (
    AGING,
    COUNT_GROUPS,
    GROUPS,
    _bounds,
    _history_figures,
    _ordered,
    _satisfaction,
    period_end,
)
from routing import selectors as routing_selectors
from routing.business_time import JST
from routing.models import Ministry


def aging_bucket(created, now, calendar=None) -> str:
    calendar = calendar or routing_selectors.office_calendar(None)
    age = calendar.position(now) - calendar.position(created)
    for name, days in AGING:
        if days is None or age < days * calendar.day_seconds:
            return name
    raise AssertionError("unreachable")


def response_times(*, group_by: str, start: datetime.date, end: datetime.date, now=None) -> list[dict]:
    """One row per group: filed, answered, median and p90 first response, median
    resolution (business hours), first-response SLA met ratio, open, overdue.
    Computed from the history directly."""
    if group_by not in GROUPS and group_by not in COUNT_GROUPS:
        raise ValueError(group_by)
    now = now or timezone.now()
    low, high = _bounds(start, end)
    at_end = period_end(start, end, now)
    results = history.computed(Consultation.objects.filter(created_at__gte=low, created_at__lt=high))
    targets, resolution_goals = history.first_targets(), history.resolution_targets()
    maps = routing_selectors.reference_maps()
    _, local_governments = routing_selectors.filing_references()
    ministries = dict(Ministry.objects.values_list("slug", "name"))

    month = week = ""  # the filing month and ISO week's Monday (JST) of the consultation being counted

    def keys_for(office_id, filer, area) -> list[tuple[str, str]]:
        if group_by == "all":
            return [("all", "全体")]
        if group_by == "month":
            return [(month, month)]
        if group_by == "week":
            return [(week, week)]
        if group_by in ("office", "ministry"):
            office = maps.offices.get(office_id)
            if office is None:
                return [("triage", "振り分け待ち")]
            if group_by == "office":
                return [(office.slug, office.name)]
            return [(office.ministry, ministries.get(office.ministry, office.ministry))]
        if group_by == "policy_area":
            slug, name = maps.policy_areas[area]
            return [(slug, name)]
        prefecture = local_governments[filer].prefecture
        return [(prefecture.code, prefecture.name)]

    groups: dict[tuple[str, str], dict] = {}

    def group(key) -> dict:
        return groups.setdefault(key, {"filed": 0, "first": [], "resolution": [], "sla": [], "open": 0, "overdue": 0,
                                       "transfers": 0, "ever_resolved": 0, "reopened": 0, "ratings": [], "resolution_sla": [],
                                       **{name: 0 for name, _days in AGING}})  # fmt: skip

    for row, result in results:
        (_pk, created, routed, current, filer, area, _status, first_due, _first_at, resolution_due, _paused,
         policy, rating) = row  # fmt: skip
        month = created.astimezone(JST).strftime("%Y-%m")
        day = created.astimezone(JST).date()
        week = (day - datetime.timedelta(days=day.weekday())).isoformat()
        for key in keys_for(routed, filer, area):
            group(key)["filed"] += 1
            group(key)["transfers"] += result.transfers
            group(key)["ever_resolved"] += result.ever_resolved
            group(key)["reopened"] += result.reopened
        holding = next((stretch for stretch in result.stretches if stretch.holds(at_end)), None)
        if holding is not None:  # open at the end of the period
            bucket = aging_bucket(created, at_end)
            for key in keys_for(holding.office, filer, area):
                group(key)["open"] += 1
                group(key)[bucket] += 1
                group(key)["overdue"] += holding.overdue(at_end)
        if result.withdrawn:
            continue
        answering = result.first_response_office if result.first_response_hours is not None else routed
        for key in keys_for(answering, filer, area):
            if result.first_response_hours is not None:
                group(key)["first"].append(result.first_response_hours)
            deadline_passed = bool(first_due and first_due <= now)
            group(key)["sla"].append((result.first_response_hours, targets.get(policy, 0.0), deadline_passed))
            if rating is not None:
                group(key)["ratings"].append(rating)
        # Resolution attainment belongs to the office holding it now (the one that resolved it).
        resolved_hours = result.resolution_hours if result.resolved else None
        for key in keys_for(current, filer, area):
            passed = bool(resolution_due and resolution_due <= now)
            group(key)["resolution_sla"].append((resolved_hours, resolution_goals.get(policy, 0.0), passed))
        if result.resolved and result.resolution_hours is not None:
            if group_by in ("office", "ministry"):
                for office, hours in result.hours_by_office.items():
                    for key in keys_for(office, filer, area):
                        group(key)["resolution"].append(hours)
            else:
                for key in keys_for(routed, filer, area):
                    group(key)["resolution"].append(result.resolution_hours)

    def one_decimal(value):
        return None if value is None else round(value, 1)

    table = [
        {
            "key": key,
            "label": label,
            "filed": g["filed"],
            "answered": len(g["first"]),
            "median_first_response_hours": one_decimal(core.nearest_rank(g["first"], 0.5)),
            "p90_first_response_hours": one_decimal(core.nearest_rank(g["first"], 0.9)),
            "median_resolution_hours": one_decimal(core.nearest_rank(g["resolution"], 0.5)),
            "p90_resolution_hours": one_decimal(core.nearest_rank(g["resolution"], 0.9)),
            "sla_met_ratio": None if (ratio := core.attainment(g["sla"])) is None else round(ratio, 3),
            "resolution_sla_met_ratio": (
                None if (ratio := core.attainment(g["resolution_sla"])) is None else round(ratio, 3)
            ),
            "open": g["open"],
            "overdue": g["overdue"],
            **{name: g[name] for name, _days in AGING},
            **_satisfaction(sum(g["ratings"]), len(g["ratings"])),
            **_history_figures(g["filed"], g["transfers"], g["ever_resolved"], g["reopened"]),
        }
        for (key, label), g in groups.items()
    ]
    return _ordered(table, group_by)
