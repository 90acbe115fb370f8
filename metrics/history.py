"""Each consultation's history loaded into the pure core (metrics.core): the
figures of one consultation, which the rollup (``metrics.services.refresh_figures``)
keeps per consultation and the response-time table groups in SQL."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

from consult.models import Event, OfficeHandling, recorded_deadlines
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
    calendar_of = _calendars()
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


def _calendars():
    """Each office's business calendar by id (the default one for none)."""
    maps = routing_selectors.reference_maps()

    def calendar_of(office):
        return routing_selectors.office_calendar(maps.offices[office].slug if office in maps.offices else None)

    return calendar_of


def _as_rows(events):
    return ((e.consultation_id, e.kind, e.created_at, e.to_office_id, e.internal, e.data) for e in events)


def held_by_office(consultation, events, *, now) -> list[core.Held]:
    """The business hours each office held one consultation (``core.held_hours``),
    from its handlings and its history as the page has already read it (``events``)."""
    holdings = [
        core.Holding(*values)
        for values in OfficeHandling.objects.filter(consultation_id=consultation.pk)
        .order_by("started_at", "id")
        .values_list("office_id", "started_at", "ended_at")
    ]
    steps, _kinds, _filed = _steps(_as_rows(e for e in events if e.kind in _STEP_EVENTS))
    timeline = core.Timeline(consultation.created_at, consultation.routed_office_id, tuple(steps[consultation.pk]))
    return core.held_hours(timeline, holdings, now, _calendars())


def held_by_office_of(consultations: list[tuple[int, datetime.datetime, int | None]], *,
                      now) -> dict[int, list[core.Held]]:  # fmt: skip
    """``held_by_office`` for many consultations ``(id, filed at, routed office)``, in two queries."""
    ids = [row[0] for row in consultations]
    holdings: dict[int, list[core.Holding]] = defaultdict(list)
    for consultation_id, *values in (
        OfficeHandling.objects.filter(consultation_id__in=ids)
        .order_by("started_at", "id")
        .values_list("consultation_id", "office_id", "started_at", "ended_at")
    ):
        holdings[consultation_id].append(core.Holding(*values))
    steps, _kinds, _filed = _steps(
        Event.objects.filter(consultation_id__in=ids, kind__in=_STEP_EVENTS)
        .order_by("created_at", "id")
        .values_list("consultation_id", "kind", "created_at", "to_office_id", "internal", "data")
    )
    calendar_of = _calendars()
    return {
        pk: core.held_hours(core.Timeline(filed_at, office, tuple(steps.get(pk, ()))), holdings[pk], now, calendar_of)
        for pk, filed_at, office in consultations
    }


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
