"""Response-time reports: consultations and their history loaded into the pure
core (metrics.core), grouped by ministry, office, policy area or prefecture."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils import timezone

from consult.models import Consultation, Event
from routing import decisions
from routing import selectors as routing_selectors
from routing.business_time import JST
from routing.models import Ministry, SlaPolicy

from . import core

GROUPS = ("ministry", "office", "policy_area", "prefecture")
CLOSED = {"resolved", "closed", "withdrawn"}
_STEP_EVENTS = ("transferred", "routed_by_hand", "info_requested", "resumed", "replied", "resolved", "reopened",
                "withdrawn")  # fmt: skip


def _steps(events) -> dict[int, list[core.Step]]:
    steps: dict[int, list[core.Step]] = defaultdict(list)
    for consultation_id, kind, at, to_office, internal, data in events:
        if kind in ("transferred", "routed_by_hand"):
            steps[consultation_id].append(core.Step(at, core.TRANSFERRED, to_office))
        elif kind == "info_requested":
            steps[consultation_id].append(core.Step(at, core.PAUSED))
        elif kind == "resumed":
            steps[consultation_id].append(core.Step(at, core.RESUMED))
        elif kind == "replied" and not internal and set((data or {}).get("by", ())) & {"office", "collaborator"}:
            steps[consultation_id].append(core.Step(at, core.RESPONDED))
        elif kind == "resolved":
            steps[consultation_id].append(core.Step(at, core.RESOLVED))
        elif kind == "reopened":
            steps[consultation_id].append(core.Step(at, core.REOPENED))
        elif kind == "withdrawn":
            steps[consultation_id].append(core.Step(at, core.WITHDRAWN))
    return steps


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    return (
        datetime.datetime.combine(start, datetime.time(), tzinfo=JST),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tzinfo=JST),
    )


def response_times(*, group_by: str, start: datetime.date, end: datetime.date, now=None) -> list[dict]:
    """One row per group: filed, answered, median and p90 first response, median
    resolution (business hours), first-response SLA met ratio, open, overdue."""
    if group_by not in GROUPS:
        raise ValueError(group_by)
    now = now or timezone.now()
    low, high = _bounds(start, end)
    rows = list(
        Consultation.objects.filter(created_at__gte=low, created_at__lt=high).values_list(
            "id", "created_at", "routed_office_id", "primary_office_id", "filer_id", "policy_area_id", "status",
            "first_response_due_at", "first_responded_at", "resolution_due_at", "paused_since", "sla_policy_id",
        )
    )  # fmt: skip
    ids = [row[0] for row in rows]
    steps = _steps(
        Event.objects.filter(consultation_id__in=ids, kind__in=_STEP_EVENTS)
        .order_by("created_at", "id")
        .values_list("consultation_id", "kind", "created_at", "to_office_id", "internal", "data")
    )
    targets = {
        policy.pk: decisions.target_seconds(policy.first_response_target, policy.unit) / 3600
        for policy in SlaPolicy.objects.all()
    }
    maps = routing_selectors.reference_maps()
    _, local_governments = routing_selectors.filing_references()
    ministries = dict(Ministry.objects.values_list("slug", "name"))

    def keys_for(office_id, filer, area) -> list[tuple[str, str]]:
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
        return groups.setdefault(key, {"filed": 0, "first": [], "resolution": [], "sla": [], "open": 0, "overdue": 0})

    for (pk, created, routed, current, filer, area, status, first_due, first_at, resolution_due, paused,
         policy) in rows:  # fmt: skip
        timeline = core.Timeline(filed_at=created, office=routed, steps=tuple(steps.get(pk, ())))
        result = core.figures(timeline, lambda office: routing_selectors.office_calendar(
            maps.offices[office].slug if office in maps.offices else None))  # fmt: skip
        for key in keys_for(routed, filer, area):
            group(key)["filed"] += 1
        if status not in CLOSED:
            for key in keys_for(current, filer, area):
                group(key)["open"] += 1
                late = (first_at is None and first_due and first_due <= now) or (
                    resolution_due and resolution_due <= now
                )
                if late and paused is None:
                    group(key)["overdue"] += 1
        if result.withdrawn:
            continue
        answering = result.first_response_office if result.first_response_hours is not None else routed
        for key in keys_for(answering, filer, area):
            if result.first_response_hours is not None:
                group(key)["first"].append(result.first_response_hours)
            deadline_passed = bool(first_due and first_due <= now)
            group(key)["sla"].append((result.first_response_hours, targets.get(policy, 0.0), deadline_passed))
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
            "sla_met_ratio": None if (ratio := core.attainment(g["sla"])) is None else round(ratio, 3),
            "open": g["open"],
            "overdue": g["overdue"],
        }
        for (key, label), g in groups.items()
    ]
    return core.ranked(table, by="median_first_response_hours")
