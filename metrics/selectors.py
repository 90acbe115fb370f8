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

# "all": one row for the whole desk (headline figures, the monthly report).
GROUPS = ("ministry", "office", "policy_area", "prefecture", "all")
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


_FIELDS = ("id", "created_at", "routed_office_id", "primary_office_id", "filer_id", "policy_area_id", "status",
           "first_response_due_at", "first_responded_at", "resolution_due_at", "paused_since", "sla_policy_id")  # fmt: skip


def computed(consultations) -> list[tuple[tuple, core.Figures]]:
    """Each consultation's row (``_FIELDS``) and its figures from the pure core."""
    rows = list(consultations.values_list(*_FIELDS))
    ids = [row[0] for row in rows]
    steps = _steps(
        Event.objects.filter(consultation_id__in=ids, kind__in=_STEP_EVENTS)
        .order_by("created_at", "id")
        .values_list("consultation_id", "kind", "created_at", "to_office_id", "internal", "data")
    )
    maps = routing_selectors.reference_maps()

    def calendar_of(office):
        return routing_selectors.office_calendar(maps.offices[office].slug if office in maps.offices else None)

    return [
        (
            row,
            core.figures(
                core.Timeline(filed_at=row[1], office=row[2], steps=tuple(steps.get(row[0], ()))), calendar_of
            ),
        )
        for row in rows
    ]


def first_targets() -> dict[int, float]:
    return {
        policy.pk: decisions.target_seconds(policy.first_response_target, policy.unit) / 3600
        for policy in SlaPolicy.objects.all()
    }


def response_times(*, group_by: str, start: datetime.date, end: datetime.date, now=None) -> list[dict]:
    """One row per group: filed, answered, median and p90 first response, median
    resolution (business hours), first-response SLA met ratio, open, overdue.
    Computed from the history directly (the reference for ``rollup.response_times``)."""
    if group_by not in GROUPS:
        raise ValueError(group_by)
    now = now or timezone.now()
    low, high = _bounds(start, end)
    results = computed(Consultation.objects.filter(created_at__gte=low, created_at__lt=high))
    targets = first_targets()
    maps = routing_selectors.reference_maps()
    _, local_governments = routing_selectors.filing_references()
    ministries = dict(Ministry.objects.values_list("slug", "name"))

    def keys_for(office_id, filer, area) -> list[tuple[str, str]]:
        if group_by == "all":
            return [("all", "全体")]
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

    for row, result in results:
        (_pk, _created, routed, current, filer, area, status, first_due, first_at, resolution_due, paused,
         policy) = row  # fmt: skip
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


# --- the same table from the rollup, grouped in SQL --------------------------------------------


def _key_sql(group_by: str, office_column: str) -> str:
    if group_by == "office":
        return office_column
    if group_by == "ministry":
        return "o.ministry_id"  # with _join(office_column)
    if group_by == "policy_area":
        return "f.policy_area_id"
    if group_by == "all":
        return "'all'"
    return "f.prefecture_code"


def _join(group_by: str, office_column: str) -> str:
    return f" LEFT JOIN routing_office o ON o.id = {office_column}" if group_by == "ministry" else ""


def rollup_response_times(*, group_by: str, start: datetime.date, end: datetime.date, now=None) -> list[dict]:
    """``response_times`` read from the rollup (``metrics.ConsultationFigures``):
    the figures are as fresh as its last refresh (``rollup_refreshed_at``)."""
    from django.db import connection, transaction

    if group_by not in GROUPS:
        raise ValueError(group_by)
    now = now or timezone.now()
    low, high = _bounds(start, end)
    if connection.vendor != "postgresql":
        return response_times(group_by=group_by, start=start, end=end, now=now)  # the embedded default
    where = "WHERE f.filed_at >= %s AND f.filed_at < %s"

    def scope(office_column: str) -> str:
        return f"FROM metrics_consultationfigures f{_join(group_by, office_column)} {where}"

    by_office = group_by in ("office", "ministry")
    share_join = _join(group_by, "s.office_id")
    queries = {
        "filed": (
            f"SELECT {_key_sql(group_by, 'f.filed_office_id')}, count(*) {scope('f.filed_office_id')} GROUP BY 1",
            [low, high],
        ),
        "first": (
            f"SELECT {_key_sql(group_by, 'f.first_office_id')}, count(f.first_hours), "
            "percentile_disc(0.5) WITHIN GROUP (ORDER BY f.first_hours), "
            "percentile_disc(0.9) WITHIN GROUP (ORDER BY f.first_hours), "
            "count(*) FILTER (WHERE f.first_hours IS NOT NULL OR f.first_due_at <= %s), "
            "count(*) FILTER (WHERE f.first_hours <= f.first_target_hours) "
            f"{scope('f.first_office_id')} AND NOT f.withdrawn GROUP BY 1",
            [now, low, high],
        ),
        "resolution": (
            (
                f"SELECT {_key_sql(group_by, 's.office_id')}, percentile_disc(0.5) WITHIN GROUP (ORDER BY s.hours) "  # noqa: S608 — fixed fragments only
                "FROM metrics_resolutionshare s JOIN metrics_consultationfigures f ON f.consultation_id = s.figures_id"
                f"{share_join} {where} GROUP BY 1"
            )
            if by_office
            else (
                f"SELECT {_key_sql(group_by, '')}, percentile_disc(0.5) WITHIN GROUP (ORDER BY f.resolution_hours) "
                f"{scope('')} AND f.resolution_hours IS NOT NULL GROUP BY 1"
            ),
            [low, high],
        ),
        "open": (
            f"SELECT {_key_sql(group_by, 'f.current_office_id')}, count(*), count(*) FILTER (WHERE NOT f.paused AND "
            "((NOT f.first_responded AND f.first_due_at <= %s) OR f.resolution_due_at <= %s)) "
            f"{scope('f.current_office_id')} AND NOT f.closed GROUP BY 1",
            [now, now, low, high],
        ),
    }
    found: dict[str, dict] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # The percentiles sort a year of rows per group: in memory, not on disk.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        for name, (sql, params) in queries.items():
            cursor.execute(sql, params)
            found[name] = {row[0]: row[1:] for row in cursor.fetchall()}

    labels = _labels(group_by)

    def one_decimal(value):
        return None if value is None else round(value, 1)

    table = []
    for key in set().union(*(found[name] for name in found)):
        (filed,) = found["filed"].get(key, (0,))
        answered, median, p90, judged, met = found["first"].get(key, (0, None, None, 0, 0))
        (resolution,) = found["resolution"].get(key, (None,))
        open_count, overdue = found["open"].get(key, (0, 0))
        slug, label = labels(key)
        table.append(
            {
                "key": slug,
                "label": label,
                "filed": filed,
                "answered": answered,
                "median_first_response_hours": one_decimal(median),
                "p90_first_response_hours": one_decimal(p90),
                "median_resolution_hours": one_decimal(resolution),
                "sla_met_ratio": round(met / judged, 3) if judged else None,
                "open": open_count,
                "overdue": overdue,
            }
        )
    return core.ranked(table, by="median_first_response_hours")


def _labels(group_by: str):
    """key as grouped in SQL → (public key, label)."""
    from routing.models import Prefecture

    maps = routing_selectors.reference_maps()
    if group_by == "office":
        return lambda key: (
            (maps.offices[key].slug, maps.offices[key].name) if key in maps.offices else ("triage", "振り分け待ち")
        )
    if group_by == "ministry":
        ministries = {pk: (slug, name) for pk, slug, name in Ministry.objects.values_list("pk", "slug", "name")}
        return lambda key: ministries.get(key, ("triage", "振り分け待ち"))
    if group_by == "policy_area":
        return lambda key: maps.policy_areas[key]
    if group_by == "all":
        return lambda key: ("all", "全体")
    prefectures = dict(Prefecture.objects.values_list("code", "name"))
    return lambda key: (key, prefectures[key])


def rollup_refreshed_at():
    from .models import RefreshMark

    return RefreshMark.objects.filter(name="figures").values_list("refreshed_at", flat=True).first()
