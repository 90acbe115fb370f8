"""Each consultation's history loaded into the pure core (metrics.core): the
figures of one consultation, which the rollup (``metrics.services.refresh_figures``)
keeps per consultation and the response-time table groups in SQL."""

from __future__ import annotations

from collections import Counter, defaultdict

from consult.models import Event, recorded_deadlines
from routing import decisions
from routing import selectors as routing_selectors
from routing.models import SlaPolicy

from . import core

_STEP_EVENTS = ("transferred", "routed_by_hand", "info_requested", "resumed", "replied", "resolved", "reopened",
                "withdrawn")  # fmt: skip
# The event of filing, which records the deadlines routing set.
_FILING_EVENTS = ("filed",)
_KINDS = {"transferred": core.TRANSFERRED, "routed_by_hand": core.TRANSFERRED, "info_requested": core.PAUSED,
          "resumed": core.RESUMED, "resolved": core.RESOLVED, "reopened": core.REOPENED,
          "withdrawn": core.WITHDRAWN}  # fmt: skip


def _steps(events) -> tuple[dict[int, list[core.Step]], dict[int, Counter], dict[int, tuple]]:
    """Each consultation's steps, its events counted by kind, and the deadlines its filing set."""
    steps: dict[int, list[core.Step]] = defaultdict(list)
    kinds: dict[int, Counter] = defaultdict(Counter)
    filed: dict[int, tuple] = {}
    for consultation_id, kind, at, to_office, internal, data in events:
        deadlines = recorded_deadlines(data)
        if kind in _FILING_EVENTS:
            if deadlines is not None:
                filed[consultation_id] = deadlines
            continue
        kinds[consultation_id][kind] += 1
        if kind in _KINDS:
            office = to_office if _KINDS[kind] == core.TRANSFERRED else None
            steps[consultation_id].append(core.Step(at, _KINDS[kind], office, deadlines))
        elif kind == "replied" and not internal and set((data or {}).get("by", ())) & {"office", "collaborator"}:
            steps[consultation_id].append(core.Step(at, core.RESPONDED, deadlines=deadlines))
    return steps, kinds, filed


_FIELDS = ("id", "created_at", "routed_office_id", "primary_office_id", "filer_id", "policy_area_id", "status",
           "first_response_due_at", "first_responded_at", "resolution_due_at", "paused_since", "sla_policy_id",
           "rating")  # fmt: skip


def computed(consultations) -> list[tuple[tuple, core.Figures]]:
    """Each consultation's row (``_FIELDS``) and its figures from the pure core."""
    rows = list(consultations.values_list(*_FIELDS))
    ids = [row[0] for row in rows]
    steps, kinds, filed = _steps(
        Event.objects.filter(consultation_id__in=ids, kind__in=_STEP_EVENTS + _FILING_EVENTS)
        .order_by("created_at", "id")
        .values_list("consultation_id", "kind", "created_at", "to_office_id", "internal", "data")
    )
    maps = routing_selectors.reference_maps()

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
        # Set at filing as recorded then (or, for a history that records none, as now).
        first_due, resolution_due = row[7], row[9]
        at_filing = filed.get(row[0], (first_due, resolution_due))
        result.stretches = core.open_stretches(timeline, core.Deadlines(*at_filing, first_due, resolution_due))
        results.append((row, result))
    return results


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
