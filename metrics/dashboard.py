"""Reads of the secretariat's dashboard page, all from the rollup
(``metrics.ConsultationFigures``): headline figures for a period and the one
before it, the weekly trend, attainment by prefecture, the overdue list and the
consultations behind any cell. Each read is a fixed number of queries whatever
the number of consultations; the definitions are METRICS.md's, attributed as
``metrics.selectors.rollup_response_times`` attributes them, so that a figure on
the page, in the API and in the CSV is the same number.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config import i18n
from routing import selectors as routing_selectors

from . import core, figures, selectors
from .models import ConsultationFigures, OpenStretch

# The figures a cell can stand for, and so the lists a drill-down can show.
FIGURES = {
    # Contexts: the same words are also status and action labels, translated differently there.
    "filed": pgettext_lazy("dashboard figure", "受付"),
    "answered": pgettext_lazy("dashboard figure", "回答済み"),
    "judged": _("SLA判定対象"),
    "missed": _("SLA未達"),
    "resolved": _("解決"),
    "open": _("未完了"),
    "overdue": _("期限超過"),
    # The dashboard's list to act on: past a deadline now, whenever the period ends.
    "overdue_now": _("現在期限超過"),
}
# Judged from the stretch holding an instant (the end of the period, or now).
_HELD = ("open", "overdue", "overdue_now")
# How a cell's consultations are grouped: the whole period, a ministry, an office,
# a prefecture (of the filer) or an ISO week of filing.
DRILL_GROUPS = ("all", "ministry", "office", "prefecture", "week")
TABLE_GROUPS = ("ministry", "office")
SORTABLE = tuple(figure.key for figure in figures.page_columns())
DEFAULT_SORT = "median_first_response_hours"  # the ranking of METRICS.md (smaller is better)
# Attainment bands of the prefecture tiles, best first: (lowest ratio, css name, words).
BANDS = (
    (0.9, "high", _("90%以上")),
    (0.8, "good", _("80%以上90%未満")),
    (0.6, "fair", _("60%以上80%未満")),
    (0.0, "poor", _("60%未満")),
)
NO_DATA_BAND = ("none", _("データなし（判定対象の相談がない）"))
REGIONS = (
    (_("北海道・東北"), ("01", "07")),
    (_("関東"), ("08", "14")),
    (_("中部"), ("15", "23")),
    (_("近畿"), ("24", "30")),
    (_("中国"), ("31", "35")),
    (_("四国"), ("36", "39")),
    (_("九州・沖縄"), ("40", "47")),
)


# --- periods -----------------------------------------------------------------------------------


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    return core.fiscal_year(today or timezone.localdate())


def previous_period(start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period of the same number of days that ends the day before ``start``."""
    days = (end - start).days
    last = start - datetime.timedelta(days=1)
    return last - datetime.timedelta(days=days), last


def _filed_between(start: datetime.date, end: datetime.date) -> QuerySet[ConsultationFigures]:
    low, high = selectors._bounds(start, end)
    return ConsultationFigures.objects.filter(filed_at__gte=low, filed_at__lt=high)


# --- the conditions of METRICS.md on a rollup row ----------------------------------------------


def holding(at: datetime.datetime) -> Q:
    """A stretch holding the instant ``at`` (``core.Stretch.holds``): one per consultation open at it."""
    return Q(started_at__lte=at) & (Q(ended_at__isnull=True) | Q(ended_at__gt=at))


def stretches_at(at: datetime.datetime) -> QuerySet[OpenStretch]:
    return OpenStretch.objects.filter(holding(at))


def conditions(now: datetime.datetime) -> dict[str, Q]:
    """Each figure as a condition on a rollup row (``now``: when deadlines are judged).
    Open and overdue are judged at the end of a period, from the stretch holding it
    (``stretches_at``)."""
    counted = Q(withdrawn=False)  # withdrawn ones are filed but in no response figure
    judged = counted & (Q(first_hours__isnull=False) | Q(first_due_at__lte=now))
    met = counted & Q(first_hours__isnull=False, first_hours__lte=F("first_target_hours"))
    return {
        "filed": Q(),
        "answered": counted & Q(first_hours__isnull=False),
        "judged": judged,
        "met": met,
        "missed": judged & (Q(first_hours__isnull=True) | Q(first_hours__gt=F("first_target_hours"))),
        "resolved": Q(resolution_hours__isnull=False),
    }


# --- headline ----------------------------------------------------------------------------------

HEADLINE = tuple(figure.key for figure in figures.headline())
# For these a fall is the better news (shown in words, never by colour alone); the
# counts of filed and answered consultations are neither better nor worse when they grow.
LOWER_IS_BETTER = {"median_first_response_hours", "p90_first_response_hours", "open", "overdue"}
NEUTRAL = {"filed", "answered"}


def _summary(start: datetime.date, end: datetime.date, now: datetime.datetime) -> dict:
    """The period's headline figures: its row of the response-time table for the whole
    desk (``selectors.rollup_response_times``, kept per publication like the table)."""
    rows, _as_of = selectors.response_time_table(group_by="all", start=start, end=end, as_of=now)
    empty = dict.fromkeys(HEADLINE) | {"filed": 0, "answered": 0, "open": 0, "overdue": 0}
    return {name: (rows[0] if rows else empty)[name] for name in HEADLINE}


def headline(*, start: datetime.date, end: datetime.date, now: datetime.datetime | None = None) -> dict:
    """The period's figures and the previous period's.

    → {"current": {...}, "previous": {...}, "previous_period": (start, end)}."""
    now = now or timezone.now()
    before = previous_period(start, end)
    return {"current": _summary(start, end, now), "previous": _summary(*before, now), "previous_period": before}


def changes(current: dict, previous: dict) -> list[dict]:
    """Each headline figure with its change from the previous period, as numbers
    and as the direction in words: the page says 「前期比 +3.2ポイント」."""
    result = []
    for name in HEADLINE:
        now_value, then_value = current[name], previous[name]
        if name == "sla_met_ratio":
            now_value = None if now_value is None else round(now_value * 100, 1)
            then_value = None if then_value is None else round(then_value * 100, 1)
        delta = None
        if now_value is not None and then_value is not None:
            delta = round(now_value - then_value, 1) if isinstance(now_value, float) else now_value - then_value
        if delta is None or delta == 0:
            verdict = "same" if delta == 0 else "none"
        elif name in NEUTRAL:
            verdict = "up" if delta > 0 else "down"
        else:
            better = (delta < 0) if name in LOWER_IS_BETTER else (delta > 0)
            verdict = "better" if better else "worse"
        result.append({"name": name, "value": now_value, "previous": then_value, "delta": delta, "verdict": verdict})
    return result


# --- weekly trend ------------------------------------------------------------------------------


def iso_monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def weekly_trend(*, start: datetime.date, end: datetime.date, now: datetime.datetime | None = None) -> list[dict]:
    """Filed, answered and first-response attainment per ISO week of filing (JST),
    every week of the period listed (weeks cut by the period count its days only),
    counted as the response-time table counts them (``selectors.attainment_counts``)."""
    found = selectors.attainment_counts(group_by="week", start=start, end=end, now=now)
    weeks = []
    monday = iso_monday(start)
    while monday <= end:
        row = found.get(monday.isoformat(), {"filed": 0, "answered": 0, "judged": 0, "sla_met_ratio": None})
        year, number, _day = monday.isocalendar()
        weeks.append(
            {
                "key": monday.isoformat(),
                "monday": monday,
                "iso_week": f"{year}-W{number:02d}",
                "first_day": max(monday, start),
                "last_day": min(monday + datetime.timedelta(days=6), end),
                "filed": row["filed"],
                "answered": row["answered"],
                "judged": row["judged"],
                "sla_met_ratio": row["sla_met_ratio"],
            }
        )
        monday += datetime.timedelta(days=7)
    return weeks


# --- prefectures -------------------------------------------------------------------------------


def band(ratio: float | None) -> tuple[str, str]:
    if ratio is None:
        return NO_DATA_BAND
    for lowest, name, words in BANDS:
        if ratio >= lowest:
            return name, words
    return BANDS[-1][1], BANDS[-1][2]


def prefecture_attainment(*, start: datetime.date, end: datetime.date, now: datetime.datetime | None = None) -> list:
    """All 47 prefectures in JIS order (those without data too), each with filed,
    answered, judged and first-response attainment of consultations its
    local governments filed (counted as the response-time table counts them,
    ``selectors.attainment_counts``), its band, and its region."""
    from routing.models import Prefecture

    found = selectors.attainment_counts(group_by="prefecture", start=start, end=end, now=now)
    empty = {"filed": 0, "answered": 0, "judged": 0, "sla_met_ratio": None, "meets_minimum_sample": False}
    result = []
    for code, name, name_en in Prefecture.objects.order_by("code").values_list("code", "name", "name_en"):
        row = found.get(code, empty)
        band_name, band_words = band(row["sla_met_ratio"])
        region = next(label for label, (first, last) in REGIONS if first <= code <= last)
        result.append(
            {
                "key": code,
                "label": i18n.localised(name, name_en),
                "region": str(region),
                "filed": row["filed"],
                "answered": row["answered"],
                "judged": row["judged"],
                "sla_met_ratio": row["sla_met_ratio"],
                "meets_minimum_sample": row["meets_minimum_sample"],
                "band": band_name,
                "band_words": str(band_words),
            }
        )
    return result


def by_region(prefectures: list[dict]) -> list[tuple[str, list[dict]]]:
    return [(str(label), [p for p in prefectures if first <= p["key"] <= last]) for label, (first, last) in REGIONS]


# --- the table by ministry or office -----------------------------------------------------------


def group_table(*, group_by: str, start: datetime.date, end: datetime.date, sort: str = DEFAULT_SORT,
                descending: bool = False, now: datetime.datetime | None = None) -> list[dict]:  # fmt: skip
    """``rollup_response_times`` sorted by any column; groups below the minimum
    sample always after those that meet it (METRICS.md), whatever the column."""
    if sort not in SORTABLE:
        raise ValueError(sort)
    return sort_rows(table_rows(group_by=group_by, start=start, end=end, now=now), sort=sort, descending=descending)


def table_rows(*, group_by: str, start: datetime.date, end: datetime.date, now=None) -> list[dict]:
    if group_by not in TABLE_GROUPS:
        raise ValueError(group_by)
    rows, _as_of = selectors.response_time_table(group_by=group_by, start=start, end=end, as_of=now)
    if i18n.english():
        names = _english_names(group_by)
        rows = [{**row, "label": names.get(row["key"]) or row["label"]} for row in rows]
    return rows


def sort_rows(rows: list[dict], *, sort: str, descending: bool = False) -> list[dict]:
    def ordered(part: list[dict]) -> list[dict]:
        known = [row for row in part if row[sort] is not None]
        unknown = [row for row in part if row[sort] is None]  # no figure: last either way
        known.sort(key=lambda row: (row[sort], row["label"]), reverse=descending)
        return known + sorted(unknown, key=lambda row: row["label"])

    meeting = [row for row in rows if row["meets_minimum_sample"]]
    below = [row for row in rows if not row["meets_minimum_sample"]]
    return ordered(meeting) + ordered(below)


def _english_names(group_by: str) -> dict[str, str]:
    from routing.models import Ministry, Office

    model = Office if group_by == "office" else Ministry
    return dict(model.objects.values_list("slug", "name_en"))


# --- the consultations behind a cell -----------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A cell of the page: a group (``group_by`` + ``key``), a figure and a period."""

    group_by: str
    key: str
    figure: str
    start: datetime.date
    end: datetime.date


def _office_ids(group_by: str, key: str) -> list[int | None] | None:
    """The office ids a ministry or office key stands for (None in the list: triage);
    None when the key names nothing."""
    maps = routing_selectors.reference_maps()
    if key == "triage":
        return [None]
    if group_by == "office":
        office = maps.office_ids.get(key)
        return None if office is None else [office]
    offices = [office.id for office in maps.offices.values() if office.ministry == key]
    return offices or None


def _office_filter(column: str, offices: list[int | None]) -> Q:
    known = [office for office in offices if office is not None]
    condition = Q(**{f"{column}__in": known}) if known else Q(pk__in=[])
    if None in offices:
        condition |= Q(**{f"{column}__isnull": True})
    return condition


# Where a figure is attributed for ministries and offices (as rollup_response_times groups it).
_ATTRIBUTED_TO = {
    "filed": "filed_office_id",
    "answered": "first_office_id",
    "judged": "first_office_id",
    "missed": "first_office_id",
    "resolved": "shares__office_id",
    # open and overdue: the office holding it at the end of the period (its stretch).
}


def cell_consultations(cell: Cell, *, now: datetime.datetime | None = None) -> QuerySet[ConsultationFigures] | None:
    """The rollup rows behind a cell, in the order the list shows them (the overdue
    ones by the deadline they passed, oldest first; the others newest filed first).
    None when the group or figure names nothing."""
    now = now or timezone.now()
    if cell.figure not in FIGURES or cell.group_by not in DRILL_GROUPS:
        return None
    start, end = cell.start, cell.end
    # Open and overdue at the end of the (whole, for a week's cell) period; overdue_now at ``now``.
    at = now if cell.figure == "overdue_now" else selectors.period_end(start, end, now)
    if cell.group_by == "week":
        try:
            monday = iso_monday(datetime.date.fromisoformat(cell.key))
        except ValueError:
            return None
        start, end = max(start, monday), min(end, monday + datetime.timedelta(days=6))
        if end < start:
            return None
    rows = _filed_between(start, end)
    if cell.figure not in _HELD:
        rows = rows.filter(conditions(now)[cell.figure])
    if cell.group_by in ("ministry", "office"):
        offices = _office_ids(cell.group_by, cell.key)
        if offices is None:
            return None
    if cell.figure in _HELD:
        low, high = selectors._bounds(start, end)
        holding = stretches_at(at).filter(filed_at__gte=low, filed_at__lt=high)
        if cell.figure != "open":
            holding = holding.filter(overdue_from__lte=at)
        if cell.group_by in ("ministry", "office"):
            holding = holding.filter(_office_filter("office_id", offices))
        rows = rows.filter(pk__in=holding.values("figures_id"))
    elif cell.group_by in ("ministry", "office"):
        rows = rows.filter(_office_filter(_ATTRIBUTED_TO[cell.figure], offices))
        if cell.figure == "resolved":
            rows = rows.distinct()  # a share per office: one row per consultation
    elif cell.group_by == "prefecture":
        if not (len(cell.key) == 2 and cell.key.isdigit() and "01" <= cell.key <= "47"):
            return None
        rows = rows.filter(prefecture_code=cell.key)
    if cell.figure != "open" and cell.figure in _HELD:
        return rows.annotate(deadline=overdue_deadline(at)).order_by("deadline", "consultation_id")
    return rows.order_by("-filed_at", "-consultation_id")


def overdue_deadline(at: datetime.datetime):
    """The deadline an overdue consultation had passed at ``at``: the earlier of the
    first-response one (while unanswered) and the resolution one."""
    return Subquery(stretches_at(at).filter(figures_id=OuterRef("pk")).values("overdue_from")[:1])


def overdue(*, start: datetime.date, end: datetime.date, limit: int = 50,
            now: datetime.datetime | None = None) -> list[int]:  # fmt: skip
    """The ids of the period's consultations overdue now (what the secretariat can still
    act on), the oldest passed deadline first."""
    cell = Cell(group_by="all", key="", figure="overdue_now", start=start, end=end)
    rows = cell_consultations(cell, now=now)
    return list(rows.values_list("consultation_id", flat=True)[:limit])


LIST_FIGURES = ("consultation_id", "first_hours", "first_target_hours", "first_due_at", "withdrawn")


def outcome(first_hours, target, due, withdrawn, now) -> tuple[str, str]:
    """A consultation's first-response SLA outcome (METRICS.md) as (name, words)."""
    if withdrawn:
        return "excluded", str(_("対象外（取下げ）"))
    if first_hours is not None:
        return ("met", str(_("達成"))) if first_hours <= target else ("missed", str(_("未達")))
    if due is not None and due <= now:
        return "missed", str(_("未達（未回答のまま期限超過）"))
    return "pending", str(_("判定前（期限前）"))


# --- the page's figures, once per refresh of the rollup ------------------------------------------

CACHE_SECONDS = 3600
# The page lists 50 overdue consultations; one more tells it that there are more.
OVERDUE_ROWS = 51


def cache_key(*, as_of: datetime.datetime, start, end) -> str:
    return f"dashboard:v3:{as_of.timestamp()}:{start}:{end}"


def page_figures(
    *, start: datetime.date, end: datetime.date, group_by: str, overdue_limit: int = OVERDUE_ROWS, as_of=None
) -> dict:
    """Every figure of the dashboard page as of the last publication (the 「集計時点」
    the page states: deadlines are judged at that instant too), kept in the cache
    until the next one, so a year of a million rows is grouped once per publication,
    not once per view: the period's figures once for both groupings, the table per
    grouping (``selectors.response_time_table``). Before any refresh: computed now, not kept."""
    refreshed = as_of or selectors.figures_as_of()
    as_of = refreshed or timezone.now()
    key = cache_key(as_of=as_of, start=start, end=end)
    found = cache.get(key) if refreshed else None
    with translation.override("ja"):  # kept in Japanese, put in the reader's language below
        if found is None:
            found = {
                "as_of": as_of,
                "refreshed_at": refreshed,
                "headline": headline(start=start, end=end, now=as_of),
                "trend": weekly_trend(start=start, end=end, now=as_of),
                "prefectures": prefecture_attainment(start=start, end=end, now=as_of),
                "overdue": overdue(start=start, end=end, limit=overdue_limit, now=as_of),
            }
            if refreshed:
                cache.set(key, found, CACHE_SECONDS)
        table = table_rows(group_by=group_by, start=start, end=end, now=as_of)
    return localised({**found, "table": table}, group_by=group_by)


def localised(found: dict, *, group_by: str) -> dict:
    """The page's figures with names and words in the reader's language: one set of
    figures per publication serves readers of either language."""
    if not i18n.english():
        return found
    from routing.models import Prefecture

    names = _english_names(group_by)
    prefecture_names = dict(Prefecture.objects.values_list("code", "name_en"))
    band_words = {name: words for _lowest, name, words in BANDS} | {NO_DATA_BAND[0]: NO_DATA_BAND[1]}
    return {
        **found,
        "table": [{**row, "label": names.get(row["key"]) or row["label"]} for row in found["table"]],
        "prefectures": [
            {
                **row,
                "label": prefecture_names.get(row["key"]) or row["label"],
                "region": str(next(label for label, (first, last) in REGIONS if first <= row["key"] <= last)),
                "band_words": str(band_words[row["band"]]),
            }
            for row in found["prefectures"]
        ],
    }


def quick_periods(today: datetime.date) -> dict[str, tuple[datetime.date, datetime.date]]:
    """The periods the page offers in one click: this fiscal year (the default), this
    month and the last fiscal year."""
    fiscal = default_period(today)
    month_start = today.replace(day=1)
    next_month = (month_start + datetime.timedelta(days=32)).replace(day=1)
    return {
        "fiscal_year": fiscal,
        "month": (month_start, next_month - datetime.timedelta(days=1)),
        "last_fiscal_year": default_period(fiscal[0] - datetime.timedelta(days=1)),
    }


def warm(*, as_of: datetime.datetime, overdue_limit: int = OVERDUE_ROWS) -> None:
    """Compute the page's one-click periods (both groupings) as of ``as_of``, so that
    visitors find them ready once ``services.publish_figures`` publishes that instant
    (in either language: the figures are kept once, the names put in at reading)."""
    for start, end in quick_periods(timezone.localdate(as_of)).values():
        for group_by in TABLE_GROUPS:
            page_figures(start=start, end=end, group_by=group_by, overdue_limit=overdue_limit, as_of=as_of)
