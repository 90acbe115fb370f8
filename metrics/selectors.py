"""The response-time table: the rollup of each consultation's figures
(``metrics.ConsultationFigures``, kept by ``metrics.services``) grouped in SQL by
ministry, office, policy area, prefecture, month or for the whole desk."""

from __future__ import annotations

import datetime

from django.db import connection
from django.utils import timezone

from routing import selectors as routing_selectors
from routing.business_time import JST
from routing.models import Ministry

from . import core

# "all": one row for the whole desk (headline figures, the monthly report).
GROUPS = ("ministry", "office", "policy_area", "prefecture", "month", "all")
# The dashboard's counts (``attainment_counts``) also group by "week": the ISO week of
# filing (JST), keyed by its Monday.
COUNT_GROUPS = ("prefecture", "week")
# Open consultations by business days since filing (the government calendar):
# under 2, 2 to under 5, 5 to under 10, 10 and more.
AGING = (("open_under_2_days", 2), ("open_2_to_5_days", 5), ("open_5_to_10_days", 10), ("open_10_days_or_more", None))


def aging_thresholds(now) -> list:
    """For each bound in business days, the earliest filing instant still younger than
    it at ``now``: filed at or after it ⟺ fewer business days old."""
    calendar = routing_selectors.office_calendar(None)
    position = calendar.position(now)
    return [calendar.instant_at(position - days * calendar.day_seconds + 1) for _name, days in AGING if days]


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    return (
        datetime.datetime.combine(start, datetime.time(), tzinfo=JST),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tzinfo=JST),
    )


def period_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The period's first instant and the instant after its last day, in JST."""
    return _bounds(start, end)


def period_end(start: datetime.date, end: datetime.date, now: datetime.datetime) -> datetime.datetime:
    """The instant "at the end of the period" means (METRICS.md: open, overdue): the
    period's last instant, or ``now`` while the period has not ended."""
    _low, high = _bounds(start, end)
    return min(high - datetime.timedelta(microseconds=1), now)


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
        if connection.vendor != "postgresql":  # the embedded default: UTC text, and Japan keeps no summer time
            return "strftime('%%Y-%%m', f.filed_at, '+9 hours')"
        return "to_char(f.filed_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM')"
    if group_by == "week":
        if connection.vendor != "postgresql":  # the Sunday on or after the day, less six days
            return "date(f.filed_at, '+9 hours', 'weekday 0', '-6 days')"
        return "to_char(date_trunc('week', f.filed_at AT TIME ZONE 'Asia/Tokyo'), 'YYYY-MM-DD')"
    return "f.prefecture_code"


def _percentile(fraction: float, column: str) -> str:
    """The nearest-rank percentile of ``column`` (``percentile_disc``; on the embedded
    SQLite default, the aggregate ``metrics.apps`` registers)."""
    if connection.vendor != "postgresql":
        return f"percentile_disc({fraction}, {column})"
    return f"percentile_disc({fraction}) WITHIN GROUP (ORDER BY {column})"


def _join(group_by: str, office_column: str) -> str:
    return f" LEFT JOIN routing_office o ON o.id = {office_column}" if group_by == "ministry" else ""


# First-response attainment (METRICS.md), written once for the table and the dashboard's
# counts: judged when answered or past the deadline at ``now`` (the parameter), met when
# answered within the target; withdrawn consultations are in neither.
_JUDGED = "NOT f.withdrawn AND (f.first_hours IS NOT NULL OR f.first_due_at <= %s)"
_MET = "NOT f.withdrawn AND f.first_hours <= f.first_target_hours"

# The stretch (alias s) holding an instant: open at it.
_HOLDS = "s.started_at <= %s AND (s.ended_at IS NULL OR s.ended_at > %s)"


def rollup_response_times(*, group_by: str, start: datetime.date, end: datetime.date, now=None) -> list[dict]:
    """One row per group (METRICS.md): filed, answered, median and p90 first response
    and resolution (business hours), SLA attainment, open and overdue at the end of the
    period, and the rest of ``metrics.figures.TABLE``, read from the rollup: as fresh
    as its last refresh (``rollup_refreshed_at``)."""
    from django.db import transaction

    if group_by not in GROUPS:
        raise ValueError(group_by)
    now = now or timezone.now()
    low, high = _bounds(start, end)
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
            f"{_percentile(0.5, 'f.first_hours')}, "
            f"{_percentile(0.9, 'f.first_hours')}, "
            f"count(*) FILTER (WHERE {_JUDGED}), count(*) FILTER (WHERE {_MET}), sum(f.rating), count(f.rating) "
            f"{scope('f.first_office_id')} AND NOT f.withdrawn GROUP BY 1",
            [now, low, high],
        ),
        "resolution": (
            (
                f"SELECT {_key_sql(group_by, 's.office_id')}, {_percentile(0.5, 's.hours')}, "  # noqa: S608 — fixed fragments only
                f"{_percentile(0.9, 's.hours')} "
                f"FROM metrics_resolutionshare s{share_join} WHERE s.filed_at >= %s AND s.filed_at < %s GROUP BY 1"
            )
            if by_office
            else (
                f"SELECT {_key_sql(group_by, '')}, {_percentile(0.5, 'f.resolution_hours')}, "
                f"{_percentile(0.9, 'f.resolution_hours')} "
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
        if connection.vendor == "postgresql":
            # In one round trip (the cursor binds parameters client-side, so the statements go
            # together), after giving the percentiles, which sort a year of rows per group,
            # memory enough not to sort on disk.
            statements = ["SET LOCAL work_mem = '64MB'", *(sql for sql, _params in queries.values())]
            cursor.execute("; ".join(statements), [value for _sql, params in queries.values() for value in params])
            for name in queries:
                cursor.cursor.nextset()  # past the previous statement's result
                found[name] = {row[0]: row[1:] for row in cursor.fetchall()}
        else:  # the embedded default: one statement at a time, instants as it stores them
            for name, (sql, params) in queries.items():
                cursor.execute(sql, [connection.ops.adapt_datetimefield_value(value) for value in params])
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


def attainment_counts(*, group_by: str, start: datetime.date, end: datetime.date, now=None) -> dict[str, dict]:
    """The dashboard's trend and tiles: per prefecture of the filer or week of filing,
    filed, answered, judged and first-response attainment, counted as the table
    counts them (``_JUDGED``, ``_MET``) but without its percentiles, in one statement.
    → {key: {"filed", "answered", "judged", "sla_met_ratio", "meets_minimum_sample"}}."""
    if group_by not in COUNT_GROUPS:
        raise ValueError(group_by)
    now = now or timezone.now()
    low, high = _bounds(start, end)
    sql = (
        f"SELECT {_key_sql(group_by, '')}, count(*), count(f.first_hours) FILTER (WHERE NOT f.withdrawn), "  # noqa: S608 — fixed fragments only
        f"count(*) FILTER (WHERE {_JUDGED}), count(*) FILTER (WHERE {_MET}) "
        "FROM metrics_consultationfigures f WHERE f.filed_at >= %s AND f.filed_at < %s GROUP BY 1"
    )
    params = [now, low, high]
    if connection.vendor != "postgresql":  # the embedded default: instants as it stores them
        params = [connection.ops.adapt_datetimefield_value(value) for value in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        key: {
            "filed": filed,
            "answered": answered,
            "judged": judged,
            "sla_met_ratio": round(met / judged, 3) if judged else None,
            "meets_minimum_sample": core.meets_minimum_sample(answered),
        }
        for key, filed, answered, judged, met in rows
    }


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
