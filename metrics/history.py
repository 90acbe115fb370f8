"""Each consultation's history loaded into the pure core (metrics.core): the
figures of one consultation, which the rollup (``metrics.services.refresh_figures``)
keeps per consultation and the response-time table groups in SQL."""

from __future__ import annotations

from collections import Counter, defaultdict

from consult.models import Event
from routing import decisions
from routing import selectors as routing_selectors
from routing.models import SlaPolicy

from . import core

_STEP_EVENTS = ("transferred", "routed_by_hand", "info_requested", "resumed", "replied", "resolved", "reopened",
                "withdrawn")  # fmt: skip


def _steps(events) -> tuple[dict[int, list[core.Step]], dict[int, Counter]]:
    steps: dict[int, list[core.Step]] = defaultdict(list)
    kinds: dict[int, Counter] = defaultdict(Counter)
    for consultation_id, kind, at, to_office, internal, data in events:
        kinds[consultation_id][kind] += 1
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
    return steps, kinds


_FIELDS = ("id", "created_at", "routed_office_id", "primary_office_id", "filer_id", "policy_area_id", "status",
           "first_response_due_at", "first_responded_at", "resolution_due_at", "paused_since", "sla_policy_id",
           "rating")  # fmt: skip


def computed(consultations) -> list[tuple[tuple, core.Figures]]:
    """Each consultation's row (``_FIELDS``) and its figures from the pure core."""
    rows = list(consultations.values_list(*_FIELDS))
    ids = [row[0] for row in rows]
    steps, kinds = _steps(
        Event.objects.filter(consultation_id__in=ids, kind__in=_STEP_EVENTS)
        .order_by("created_at", "id")
        .values_list("consultation_id", "kind", "created_at", "to_office_id", "internal", "data")
    )
    maps = routing_selectors.reference_maps()
    # Per SLA policy: the policy (the deadlines at filing) and its targets in seconds.
    policies = {
        policy.pk: (
            policy,
            decisions.target_seconds(policy.first_response_target, policy.unit),
            decisions.target_seconds(policy.resolution_target, policy.unit),
        )
        for policy in SlaPolicy.objects.all()
    }

    def calendar_of(office):
        return routing_selectors.office_calendar(maps.offices[office].slug if office in maps.offices else None)

    results = []
    for row in rows:
        timeline = core.Timeline(filed_at=row[1], office=row[2], steps=tuple(steps.get(row[0], ())))
        result = core.figures(timeline, calendar_of)
        counted = kinds.get(row[0], Counter())
        result.transfers = counted["transferred"]
        result.ever_resolved = counted["resolved"] > 0
        result.reopened = counted["reopened"] > 0
        result.stretches = core.open_stretches(timeline, _deadlines(row, timeline, policies, calendar_of), calendar_of)
        results.append((row, result))
    return results


# The steps after which a consultation's deadlines are not the ones it was filed with.
_MOVING_DEADLINES = {core.TRANSFERRED, core.PAUSED, core.REOPENED}


def _deadlines(row, timeline: core.Timeline, policies: dict, calendar_of) -> core.Deadlines:
    """The deadlines to replay: as the consultation has them now and, when a step has
    moved them since, as they were set at filing (from its SLA policy, as routing does)."""
    first_due, resolution_due = row[7], row[9]
    policy, first_target, resolution_target = policies[row[11]]
    initial_first, initial_resolution = first_due, resolution_due
    if any(step.kind in _MOVING_DEADLINES for step in timeline.steps):
        filed = decisions.deadlines_for(policy, timeline.filed_at, calendar_of(timeline.office))
        initial_first, initial_resolution = filed.first_response_due_at, filed.resolution_due_at
    return core.Deadlines(
        first_due=initial_first,
        resolution_due=initial_resolution,
        first_target_seconds=first_target,
        resolution_target_seconds=resolution_target,
        first_due_now=first_due,
        resolution_due_now=resolution_due,
    )


def first_targets() -> dict[int, float]:
    return {
        policy.pk: decisions.target_seconds(policy.first_response_target, policy.unit) / 3600
        for policy in SlaPolicy.objects.all()
    }


def resolution_targets() -> dict[int, float]:
    return {
        policy.pk: decisions.target_seconds(policy.resolution_target, policy.unit) / 3600
        for policy in SlaPolicy.objects.all()
    }
