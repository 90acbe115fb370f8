"""Response-time reports: consultations and their history loaded into the pure
core (metrics.core), grouped by ministry, office, policy area or prefecture."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

from django.utils import timezone

from consult.models import Consultation, Event
from routing import decisions
from routing import selectors as routing_selectors
from routing.business_time import JST
from routing.models import Ministry, SlaPolicy

from . import core

# "all": one row for the whole desk (headline figures, the monthly report).
GROUPS = ("ministry", "office", "policy_area", "prefecture", "month", "all")
# Open consultations by business days since filing (the government calendar):
# under 2, 2 to under 5, 5 to under 10, 10 and more.
AGING = (("open_under_2_days", 2), ("open_2_to_5_days", 5), ("open_5_to_10_days", 10), ("open_10_days_or_more", None))


def aging_thresholds(now) -> list:
    """For each bound in business days, the earliest filing instant still younger than
    it at ``now``: filed at or after it ⟺ fewer business days old."""
    calendar = routing_selectors.office_calendar(None)
    position = calendar.position(now)
    return [calendar.instant_at(position - days * calendar.day_seconds + 1) for _name, days in AGING if days]


def aging_bucket(created, now, calendar=None) -> str:
    calendar = calendar or routing_selectors.office_calendar(None)
    age = calendar.position(now) - calendar.position(created)
    for name, days in AGING:
        if days is None or age < days * calendar.day_seconds:
            return name
    raise AssertionError("unreachable")


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


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    return (
        datetime.datetime.combine(start, datetime.time(), tzinfo=JST),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tzinfo=JST),
    )


def period_end(start: datetime.date, end: datetime.date, now: datetime.datetime) -> datetime.datetime:
    """The instant "at the end of the period" means (METRICS.md: open, overdue): the
    period's last instant, or ``now`` while the period has not ended."""
    _low, high = _bounds(start, end)
    return min(high - datetime.timedelta(microseconds=1), now)


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


def response_times(*, group_by: str, start: datetime.date, end: datetime.date, now=None) -> list[dict]:
    """One row per group: filed, answered, median and p90 first response, median
    resolution (business hours), first-response SLA met ratio, open, overdue.
    Computed from the history directly (the reference for ``rollup.response_times``)."""
    if group_by not in GROUPS:
        raise ValueError(group_by)
    now = now or timezone.now()
    low, high = _bounds(start, end)
    at_end = period_end(start, end, now)
    results = computed(Consultation.objects.filter(created_at__gte=low, created_at__lt=high))
    targets, resolution_goals = first_targets(), resolution_targets()
    maps = routing_selectors.reference_maps()
    _, local_governments = routing_selectors.filing_references()
    ministries = dict(Ministry.objects.values_list("slug", "name"))

    month = ""  # the filing month (JST) of the consultation being counted

    def keys_for(office_id, filer, area) -> list[tuple[str, str]]:
        if group_by == "all":
            return [("all", "全体")]
        if group_by == "month":
            return [(month, month)]
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
    if group_by == "month":
        return "to_char(f.filed_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM')"
    return "f.prefecture_code"


def _join(group_by: str, office_column: str) -> str:
    return f" LEFT JOIN routing_office o ON o.id = {office_column}" if group_by == "ministry" else ""


# The stretch (alias s) holding an instant: open at it.
_HOLDS = "s.started_at <= %s AND (s.ended_at IS NULL OR s.ended_at > %s)"


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
    at_end = period_end(start, end, now)
    two, five, ten = aging_thresholds(at_end)

    def scope(office_column: str) -> str:
        return f"FROM metrics_consultationfigures f{_join(group_by, office_column)} {where}"

    by_office = group_by in ("office", "ministry")
    share_join = _join(group_by, "s.office_id")
    # Stretches carry their filing instant; the rollup row is joined only for its grouping columns.
    stretch_join = (
        " JOIN metrics_consultationfigures f ON f.consultation_id = s.figures_id"
        if group_by in ("policy_area", "prefecture", "month")
        else ""
    )
    queries = {
        "filed": (
            f"SELECT {_key_sql(group_by, 'f.filed_office_id')}, count(*), sum(f.transfers), "
            "count(*) FILTER (WHERE f.ever_resolved), count(*) FILTER (WHERE f.reopened) "
            f"{scope('f.filed_office_id')} GROUP BY 1",
            [low, high],
        ),
        "first": (
            f"SELECT {_key_sql(group_by, 'f.first_office_id')}, count(f.first_hours), "
            "percentile_disc(0.5) WITHIN GROUP (ORDER BY f.first_hours), "
            "percentile_disc(0.9) WITHIN GROUP (ORDER BY f.first_hours), "
            "count(*) FILTER (WHERE f.first_hours IS NOT NULL OR f.first_due_at <= %s), "
            "count(*) FILTER (WHERE f.first_hours <= f.first_target_hours), sum(f.rating), count(f.rating) "
            f"{scope('f.first_office_id')} AND NOT f.withdrawn GROUP BY 1",
            [now, low, high],
        ),
        "resolution": (
            (
                f"SELECT {_key_sql(group_by, 's.office_id')}, percentile_disc(0.5) WITHIN GROUP (ORDER BY s.hours), "  # noqa: S608 — fixed fragments only
                "percentile_disc(0.9) WITHIN GROUP (ORDER BY s.hours) "
                f"FROM metrics_resolutionshare s{share_join} WHERE s.filed_at >= %s AND s.filed_at < %s GROUP BY 1"
            )
            if by_office
            else (
                f"SELECT {_key_sql(group_by, '')}, percentile_disc(0.5) WITHIN GROUP (ORDER BY f.resolution_hours), "
                "percentile_disc(0.9) WITHIN GROUP (ORDER BY f.resolution_hours) "
                f"{scope('')} AND f.resolution_hours IS NOT NULL GROUP BY 1"
            ),
            [low, high],
        ),
        "resolution_sla": (
            f"SELECT {_key_sql(group_by, 'f.current_office_id')}, "
            "count(*) FILTER (WHERE f.resolution_hours IS NOT NULL OR f.resolution_due_at <= %s), "
            "count(*) FILTER (WHERE f.resolution_hours <= f.resolution_target_hours) "
            f"{scope('f.current_office_id')} AND NOT f.withdrawn GROUP BY 1",
            [now, low, high],
        ),
        # Open at the end of the period: the stretch holding that instant, and its office.
        "open": (
            f"SELECT {_key_sql(group_by, 's.office_id')}, count(*), count(*) FILTER (WHERE s.overdue_from <= %s), "  # noqa: S608 — fixed fragments only
            "count(*) FILTER (WHERE s.filed_at >= %s), count(*) FILTER (WHERE s.filed_at >= %s AND s.filed_at < %s), "
            "count(*) FILTER (WHERE s.filed_at >= %s AND s.filed_at < %s), count(*) FILTER (WHERE s.filed_at < %s) "
            f"FROM metrics_openstretch s{stretch_join}{share_join} "
            f"WHERE s.filed_at >= %s AND s.filed_at < %s AND {_HOLDS} GROUP BY 1",
            [at_end, two, five, two, ten, five, ten, low, high, at_end, at_end],
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
        filed, transfers, ever_resolved, reopened = found["filed"].get(key, (0, 0, 0, 0))
        answered, median, p90, judged, met, rating_sum, rated = found["first"].get(key, (0, None, None, 0, 0, 0, 0))
        resolution, resolution_p90 = found["resolution"].get(key, (None, None))
        open_count, overdue, *aging = found["open"].get(key, (0, 0, 0, 0, 0, 0))
        resolution_judged, resolution_met = found["resolution_sla"].get(key, (0, 0))
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
                "p90_resolution_hours": one_decimal(resolution_p90),
                "sla_met_ratio": round(met / judged, 3) if judged else None,
                "resolution_sla_met_ratio": round(resolution_met / resolution_judged, 3) if resolution_judged else None,
                "open": open_count,
                "overdue": overdue,
                **dict(zip([name for name, _days in AGING], aging, strict=True)),
                **_satisfaction(rating_sum or 0, rated),
                **_history_figures(filed, transfers or 0, ever_resolved, reopened),
            }
        )
    return _ordered(table, group_by)


def _satisfaction(total: int, rated: int) -> dict:
    """The filers' mean rating (1–5) of the answers of the group's office, when rated."""
    return {"rated": rated, "satisfaction": round(total / rated, 2) if rated else None}


def _history_figures(filed: int, transfers: int, ever_resolved: int, reopened: int) -> dict:
    """Transfers per consultation filed (to the office that first received it), and the
    share of consultations ever resolved that were reopened."""
    return {
        "transfers_per_consultation": round(transfers / filed, 2) if filed else None,
        "reopen_rate": round(reopened / ever_resolved, 3) if ever_resolved else None,
    }


def _ordered(table: list[dict], group_by: str) -> list[dict]:
    """Ranked by median first response (the minimum sample applied); months in order."""
    rows = core.ranked(table, by="median_first_response_hours")
    return sorted(rows, key=lambda row: row["key"]) if group_by == "month" else rows


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
    if group_by == "month":
        return lambda key: (key, key)
    prefectures = dict(Prefecture.objects.values_list("code", "name"))
    return lambda key: (key, prefectures[key])


def rollup_refreshed_at():
    from .models import RefreshMark

    return RefreshMark.objects.filter(name="figures").values_list("refreshed_at", flat=True).first()


def figures_as_of():
    """The instant the figures people read describe: the last publication (beat
    computes this fiscal year's tables every few minutes, ``services.publish_figures``),
    or, before any, the rollup's last refresh."""
    from .models import RefreshMark

    marks = dict(RefreshMark.objects.filter(name__in=("published", "figures")).values_list("name", "refreshed_at"))
    return marks.get("published") or marks.get("figures")


TABLE_CACHE_SECONDS = 3600


def response_time_table(*, group_by: str, start: datetime.date, end: datetime.date, as_of=None):
    """``rollup_response_times`` as of ``as_of`` (default ``figures_as_of()``), kept in the
    cache under that instant: a year of a million consultations is grouped once per
    publication, not once per request. Returns (rows, as_of)."""
    from django.core.cache import cache

    as_of = as_of or figures_as_of()
    if as_of is None:  # nothing refreshed yet: computed now, not kept
        return rollup_response_times(group_by=group_by, start=start, end=end), None
    key = f"metrics:table:v1:{as_of.timestamp()}:{group_by}:{start}:{end}"
    rows = cache.get(key)
    if rows is None:
        rows = rollup_response_times(group_by=group_by, start=start, end=end, now=as_of)
        cache.set(key, rows, TABLE_CACHE_SECONDS)
    return rows, as_of
