"""Pages: the secretariat's monitoring dashboard (issue 7) — headline figures with
the change from the previous period, the weekly trend, the table by ministry or
office, attainment by prefecture and the overdue list; the consultations behind
any cell; CSV of the table and of any such list. Every figure is read from the
metrics rollup (``metrics.dashboard``), never recomputed from histories here.
"""

from __future__ import annotations

import datetime
import io
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from config import csv_export
from config.api import CachedCountPaginator
from config.i18n import localised
from consult import rules
from consult import selectors as consult_selectors
from consult import services as consult_services
from consult.lifecycle import IllegalTransition
from metrics import dashboard, selectors
from metrics import figures as table_figures
from metrics import history as metrics_history
from metrics.api.renderers import MetricsCSVRenderer
from routing import selectors as routing_selectors
from routing.business_time import outside_calendar_message, within_calendar

from .common import page_for

OVERDUE_LIMIT = 50
PAGE_SIZE = 50
CSV_CHUNK = 2_000

# The table's columns and the headline cards, as the figure registry defines them.
KIND_OF = {figure.key: "label" if figure.unit == table_figures.TEXT else figure.unit for figure in table_figures.TABLE}


# --- the period ------------------------------------------------------------------------------------


class PeriodForm(forms.Form):
    """The GET form of the page: the period and the grouping of the table."""

    group_by = forms.ChoiceField(
        label=gettext_lazy("表の集計単位"),
        choices=[("ministry", gettext_lazy("府省庁別")), ("office", gettext_lazy("部局別"))],
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        # "from"/"to" as the API names them (a keyword in Python, so added here).
        date = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.DateField(label=gettext_lazy("開始日"), required=False, widget=date)
        self.fields["to"] = forms.DateField(label=gettext_lazy("終了日"), required=False, widget=date)
        self.order_fields(["from", "to", "group_by"])

    def clean(self):
        data = super().clean()
        for name in ("from", "to"):
            if data.get(name) and not within_calendar(data[name], timezone.localdate()):
                self.add_error(name, outside_calendar_message())
        start, end = data.get("from"), data.get("to")
        if start and end and end < start:
            self.add_error("to", _("終了日は開始日以降にしてください"))
        return data


def _period(request, *, table: bool = True) -> tuple[PeriodForm, datetime.date, datetime.date, str]:
    """The period asked for (the current fiscal year by default) and the table's grouping
    (``table``: the drill-down list uses ``group_by`` for its own groups).
    An invalid entry is reported on the form and the default used meanwhile."""
    first, last = dashboard.default_period(timezone.localdate())
    params = {name: request.GET.get(name, "") for name in ("from", "to", "group_by" if table else "")}
    params.pop("", None)
    form = PeriodForm(params if any(params.values()) else None)
    start, end, group_by = first, last, "ministry"
    if form.is_bound:
        valid = form.is_valid()
        cleaned = form.cleaned_data
        if valid:
            start, end = cleaned.get("from") or first, cleaned.get("to") or last
            if end < start:  # only one end given, past the other's default
                start, end = (start, start) if cleaned.get("from") else (end, end)
        group_by = cleaned.get("group_by") or "ministry"
    else:
        form = PeriodForm(initial={"from": start, "to": end, "group_by": group_by})
    return form, start, end, group_by


def _query(**params) -> str:
    return urlencode({key: value for key, value in params.items() if value not in (None, "")})


def _period_params(start, end) -> dict:
    return {"from": start.isoformat(), "to": end.isoformat()}


def _drill_url(start, end, group_by: str, key: str, figure: str) -> str:
    query = _query(**_period_params(start, end), group_by=group_by, key=key, figure=figure)
    return f"{reverse('dashboard-consultations')}?{query}"


def _quick_periods(today: datetime.date) -> list[dict]:
    periods = dashboard.quick_periods(today)
    labels = {"fiscal_year": _("今年度"), "month": _("今月"), "last_fiscal_year": _("前年度")}
    return [{"label": labels[name], "start": start, "end": end} for name, (start, end) in periods.items()]


# --- number formatting (words, never colour alone) ------------------------------------------------


def _number(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "hours":
        return _("%(hours)s時間") % {"hours": f"{value:.1f}"}
    if kind == "ratio":
        return f"{value * 100:.1f}%"
    if kind == "percent":
        return f"{value:.1f}%"
    return pgettext("number of consultations", "%(count)s件") % {"count": f"{value:,}"}


def _change_words(change: dict, kind: str) -> str:
    """「前期比 +3.2ポイント（改善）」: the change and its direction in words."""
    delta = change["delta"]
    if delta is None:
        return _("前期比 —（比較できるデータなし）")
    if kind == "percent":
        amount = _("%(delta)sポイント") % {"delta": f"{delta:+.1f}"}
    elif kind == "hours":
        amount = _("%(delta)s時間") % {"delta": f"{delta:+.1f}"}
    else:
        amount = pgettext("change in the number of consultations", "%(delta)s件") % {"delta": f"{delta:+,}"}
    verdict = {"better": _("改善"), "worse": _("悪化"), "same": _("変化なし"), "up": _("増加"), "down": _("減少")}[
        change["verdict"]
    ]
    return _("前期比 %(amount)s（%(verdict)s）") % {"amount": amount, "verdict": verdict}


def _headline_cards(figures: dict, start, end) -> list[dict]:
    cards = []
    for change in dashboard.changes(figures["current"], figures["previous"]):
        name = change["name"]
        figure = table_figures.BY_KEY[name]
        kind = "percent" if figure.unit == table_figures.RATIO else KIND_OF[name]  # changes() gives points
        delta = change["delta"]
        arrow = "" if delta is None else "▲" if delta > 0 else "▼" if delta < 0 else "＝"
        cards.append(
            {
                "name": name,
                "label": figure.headline,
                "value": _number(change["value"], kind),
                "change": _change_words(change, kind),
                "arrow": arrow,
                "verdict": change["verdict"],
                "url": _drill_url(start, end, "all", "", figure.drill),
            }
        )
    return cards


# --- the table ------------------------------------------------------------------------------------


def _sort_params(request) -> tuple[str, bool]:
    sort = request.GET.get("sort", dashboard.DEFAULT_SORT)
    if sort not in dashboard.SORTABLE:
        sort = dashboard.DEFAULT_SORT
    return sort, request.GET.get("dir") == "desc"


def _table(rows, *, group_by, start, end, sort, descending) -> dict:
    headers = []
    for figure in table_figures.page_columns():
        column, heading, kind = figure.key, figure.label, KIND_OF[figure.key]
        current = column == sort
        # A click on the sorted column turns it round; another column starts ascending.
        next_desc = not descending if current else False
        query = _query(**_period_params(start, end), group_by=group_by, sort=column, dir="desc" if next_desc else "")
        headers.append(
            {
                "column": column,
                "heading": heading,
                "numeric": kind != "label",
                "url": f"?{query}#by-group",
                "aria_sort": ("descending" if descending else "ascending") if current else "",
                "next": _("降順に並べ替え") if next_desc else _("昇順に並べ替え"),
            }
        )
    body = []
    for row in rows:
        cells = []
        for figure in table_figures.page_columns():
            column, kind = figure.key, KIND_OF[figure.key]
            text = row["label"] if kind == "label" else _number(row[column], kind)
            cells.append(
                {
                    "text": text,
                    "numeric": kind != "label",
                    "url": _drill_url(start, end, group_by, row["key"], figure.drill),
                    "empty": row[column] is None,
                }
            )
        body.append({"key": row["key"], "cells": cells, "meets_minimum_sample": row["meets_minimum_sample"]})
    csv_query = _query(**_period_params(start, end), group_by=group_by, sort=sort, dir="desc" if descending else "")
    return {"headers": headers, "rows": body, "csv_url": f"{reverse('dashboard-table-csv')}?{csv_query}"}


# --- the page --------------------------------------------------------------------------------------


@page_for("secretariat")
def dashboard_page(request):
    now = timezone.now()
    form, start, end, group_by = _period(request)
    sort, descending = _sort_params(request)
    found = dashboard.page_figures(start=start, end=end, group_by=group_by)
    figures, trend, prefectures = found["headline"], found["trend"], found["prefectures"]
    rows = dashboard.sort_rows(found["table"], sort=sort, descending=descending)
    overdue_ids = found["overdue"]
    period_end = dashboard.selectors.period_end(start, end, found["as_of"])
    overdue_rows = consult_selectors.rows_in_order(request.user, overdue_ids[:OVERDUE_LIMIT])
    maps = routing_selectors.reference_maps()
    for row in overdue_rows:
        office = maps.offices.get(row.primary_office_id)
        row.office_name = office.name if office else _("振り分け待ち（部局未定）")
        # Which deadline it had passed: the first response's until answered, else the resolution's.
        row.passed = "first" if row.first_responded_at is None and rules.passed(
            row.first_response_due_at, found["as_of"]
        ) else "resolution"  # fmt: skip
    for week in trend:
        week["percent"] = None if week["sla_met_ratio"] is None else round(week["sla_met_ratio"] * 100, 1)
        week["attainment_text"] = _number(week["sla_met_ratio"], "ratio")
        week["urls"] = {f: _drill_url(start, end, "week", week["key"], f) for f in ("filed", "answered", "judged")}
    for prefecture in prefectures:
        prefecture["attainment_text"] = (
            _number(prefecture["sla_met_ratio"], "ratio")
            if prefecture["sla_met_ratio"] is not None
            else _("データなし")
        )
        prefecture["url"] = _drill_url(start, end, "prefecture", prefecture["key"], "judged")
        prefecture["filed_url"] = _drill_url(start, end, "prefecture", prefecture["key"], "filed")
    chart = {
        "labels": [week["iso_week"] for week in trend],
        "filed": [week["filed"] for week in trend],
        "answered": [week["answered"] for week in trend],
        "attainment": [week["percent"] for week in trend],
        "names": {"filed": _("受付件数"), "answered": _("回答件数"), "attainment": _("SLA達成率（%）")},
    }
    context = {
        "form": form,
        "start": start,
        "end": end,
        "group_by": group_by,
        "previous": figures["previous_period"],
        "refreshed_at": found["refreshed_at"],
        "now": now,
        "quick": [
            {**q, "url": "?" + _query(**_period_params(q["start"], q["end"]), group_by=group_by)}
            for q in _quick_periods(timezone.localdate())
        ],
        "cards": _headline_cards(figures, start, end),
        "trend": trend,
        "chart": chart,
        "table": _table(rows, group_by=group_by, start=start, end=end, sort=sort, descending=descending),
        "prefectures": prefectures,
        "regions": dashboard.by_region(prefectures),
        "bands": [(name, words) for _low, name, words in dashboard.BANDS] + [dashboard.NO_DATA_BAND],
        "overdue_rows": overdue_rows,
        "overdue_more": len(overdue_ids) > OVERDUE_LIMIT,
        "overdue_url": _drill_url(start, end, "all", "", "overdue_now"),
        "holding_csv_url": f"{reverse('dashboard-office-holding-csv')}?{_query(**_period_params(start, end))}",
        # Open and overdue are counted at the end of the period (now, while it lasts).
        "period_end": period_end,
        "period_ended": period_end < found["as_of"],
        "next": request.get_full_path(),
        "minimum_sample": dashboard.core.MINIMUM_SAMPLE,
    }
    return render(request, "frontend/dashboard/page.html", context)


@page_for("secretariat")
def table_csv(request):
    """The table as the API's CSV (same columns), in the order the page shows it."""
    form, start, end, group_by = _period(request)
    if form.is_bound and form.errors:
        raise Http404
    sort, descending = _sort_params(request)
    found = dashboard.page_figures(start=start, end=end, group_by=group_by)
    rows = dashboard.sort_rows(found["table"], sort=sort, descending=descending)
    response = HttpResponse(MetricsCSVRenderer().render(rows), content_type="text/csv; charset=utf-8")
    name = f"response-times-{group_by}-{start}-{end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    refreshed = found["refreshed_at"]
    response["X-Banso-Figures-As-Of"] = refreshed.isoformat() if refreshed else ""
    return response


# --- the consultations behind a cell --------------------------------------------------------------


def _group_label(group_by: str, key: str) -> str | None:
    if group_by == "all":
        return _("全体")
    if key == "triage" and group_by in ("office", "ministry"):
        return _("振り分け待ち（部局未定）")
    if group_by == "office":
        from routing.models import Office

        found = Office.objects.filter(slug=key).values_list("name", "name_en").first()
    elif group_by == "ministry":
        from routing.models import Ministry

        found = Ministry.objects.filter(slug=key).values_list("name", "name_en").first()
    elif group_by == "prefecture":
        from routing.models import Prefecture

        found = Prefecture.objects.filter(code=key).values_list("name", "name_en").first()
    else:  # week
        try:
            monday = dashboard.iso_monday(datetime.date.fromisoformat(key))
        except ValueError:
            return None
        year, number, _day = monday.isocalendar()
        return _("%(week)s（%(monday)s の週）") % {"week": f"{year}-W{number:02d}", "monday": monday.isoformat()}
    if found is None:
        return None
    return localised(*found)


def _cell(request) -> tuple[dashboard.Cell, str]:
    form, start, end, _group = _period(request, table=False)
    if form.is_bound and form.errors:
        raise Http404
    group_by, key, figure = (request.GET.get(n, "") for n in ("group_by", "key", "figure"))
    group_by = group_by or "all"
    if group_by not in dashboard.DRILL_GROUPS or figure not in dashboard.FIGURES:
        raise Http404
    label = _group_label(group_by, key)
    if label is None:
        raise Http404
    return dashboard.Cell(group_by=group_by, key=key, figure=figure, start=start, end=end), label


def _list_rows(user, figure_rows: list[tuple], now) -> list:
    """List rows for rollup rows ``(consultation_id, first_hours, target, due, withdrawn)``."""
    maps = routing_selectors.reference_maps()
    by_id = {row[0]: row for row in figure_rows}
    rows = consult_selectors.rows_in_order(user, [row[0] for row in figure_rows])
    for row in rows:
        _pk, hours, target, due, withdrawn = by_id[row.id]
        office = maps.offices.get(row.primary_office_id)
        row.office_name = office.name if office else _("振り分け待ち（部局未定）")
        row.filer_name = maps.local_governments.get(row.filer_id, {}).get("name", row.filer_id)
        row.policy_area_name = maps.policy_areas.get(row.policy_area_id, ("", ""))[1]
        row.first_hours = None if hours is None else round(hours, 1)
        row.outcome, row.outcome_words = dashboard.outcome(hours, target, due, withdrawn, now)
    return rows


@page_for("secretariat")
def cell_page(request):
    # Judged as of the rollup's refresh, like the page's numbers: the list is what a cell counted.
    refreshed = selectors.figures_as_of()
    now = refreshed or timezone.now()
    cell, label = _cell(request)
    rows = dashboard.cell_consultations(cell, now=now)
    if rows is None:
        raise Http404
    if request.GET.get("format") == "csv":
        return _cell_csv(request.user, cell, rows, now)
    paginator = CachedCountPaginator(rows.values_list(*dashboard.LIST_FIGURES), PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    params = {k: v for k, v in request.GET.items() if k not in ("page", "format")}
    query = _query(**params)
    context = {
        "cell": cell,
        "label": label,
        "figure_label": dashboard.FIGURES[cell.figure],
        "page_obj": page_obj,
        "rows": _list_rows(request.user, list(page_obj.object_list), now),
        "query_without_page": f"{query}&" if query else "",
        "csv_url": f"?{_query(**params, format='csv')}",
        "back_url": f"{reverse('dashboard')}?{_query(**_period_params(cell.start, cell.end))}",
        "figures": [
            {
                "name": name,
                "label": words,
                "url": _drill_url(cell.start, cell.end, cell.group_by, cell.key, name),
                "current": name == cell.figure,
            }
            for name, words in dashboard.FIGURES.items()
        ],
        "refreshed_at": refreshed,
        "now": timezone.now(),
    }
    return render(request, "frontend/dashboard/consultations.html", context)


CSV_COLUMNS = ["reference", "title", "filer", "office", "policy_area", "filed_at", "first_response_hours", "sla"]


def _cell_csv(user, cell, rows, now) -> StreamingHttpResponse:
    """Every consultation behind the cell (not one page), streamed in chunks so a
    large cell never sits in memory; UTF-8 with a BOM like the table's CSV."""
    ids_and_figures = rows.values_list(*dashboard.LIST_FIGURES)

    def lines():
        out = io.StringIO()
        writer = csv_export.writer(out)
        writer.writerow(CSV_COLUMNS)
        yield "\ufeff" + out.getvalue()
        offset = 0
        while True:
            chunk = list(ids_and_figures[offset : offset + CSV_CHUNK])
            if not chunk:
                break
            offset += CSV_CHUNK
            out = io.StringIO()
            writer = csv_export.writer(out)
            for row in _list_rows(user, chunk, now):
                writer.writerow([
                    row.reference, row.title, row.filer_name, row.office_name, row.policy_area_name,
                    timezone.localtime(row.created_at).isoformat(), "" if row.first_hours is None else row.first_hours,
                    row.outcome,
                ])  # fmt: skip
            yield out.getvalue()

    response = StreamingHttpResponse((line.encode("utf-8") for line in lines()), content_type="text/csv; charset=utf-8")
    key = f"-{cell.key}" if cell.key else ""
    name = f"consultations-{cell.group_by}{key}-{cell.figure}-{cell.start}-{cell.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


HOLDING_COLUMNS = ["reference", "office", "started_at", "ended_at", "business_hours"]


@page_for("secretariat")
def office_holding_csv(request):
    """For the consultations filed in the period: one row per consultation and office
    holding, with the business hours the office held it (``metrics.core.held_hours``),
    so that an office that received a consultation late is not charged for the time
    before. Streamed in chunks, UTF-8 with a BOM like the other CSVs."""
    form, start, end, _group = _period(request, table=False)
    if form.is_bound and form.errors:
        raise Http404
    now = timezone.now()
    low, high = selectors.period_bounds(start, end)
    filed = (
        consult_selectors.visible_consultations(request.user)
        .filter(created_at__gte=low, created_at__lt=high)
        .order_by("id")
        .values_list("id", "reference", "created_at", "routed_office_id")
    )

    def lines():
        out = io.StringIO()
        csv_export.writer(out).writerow(HOLDING_COLUMNS)
        yield "\ufeff" + out.getvalue()
        maps = routing_selectors.reference_maps()
        after = 0
        while True:
            chunk = list(filed.filter(id__gt=after)[:CSV_CHUNK])
            if not chunk:
                break
            after = chunk[-1][0]
            held = metrics_history.held_by_office_of([(pk, at, office) for pk, _ref, at, office in chunk], now=now)
            out = io.StringIO()
            writer = csv_export.writer(out)
            for pk, reference, _at, _office in chunk:
                for row in held[pk]:
                    writer.writerow([
                        reference, maps.office_name(row.office), timezone.localtime(row.started_at).isoformat(),
                        timezone.localtime(row.ended_at).isoformat() if row.ended_at else "", round(row.hours, 2),
                    ])  # fmt: skip
            yield out.getvalue()

    response = StreamingHttpResponse((line.encode("utf-8") for line in lines()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="office-holding-{start}-{end}.csv"'
    return response


# --- escalation -----------------------------------------------------------------------------------


@page_for("secretariat")
@require_POST
def escalate(request, pk: int):
    consultation = consult_selectors.access_consultation(request.user, pk)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = reverse("dashboard")
    try:
        consult_services.escalate(actor=request.user, consultation=consultation)
    except (ValidationError, PermissionDenied, IllegalTransition) as error:  # a merged one: closed to work
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, _("%(reference)s をエスカレーションできませんでした: %(reason)s")
                       % {"reference": consultation.reference, "reason": text})  # fmt: skip
        return redirect(target)
    messages.success(
        request,
        _("%(reference)s をエスカレーションしました。担当者・部局の責任者・事務局に通知しました。")
        % {"reference": consultation.reference},
    )
    return redirect(target)


urlpatterns: list = [
    path("dashboard/", dashboard_page, name="dashboard"),
    path("dashboard/table.csv", table_csv, name="dashboard-table-csv"),
    path("dashboard/office-holding.csv", office_holding_csv, name="dashboard-office-holding-csv"),
    path("dashboard/consultations/", cell_page, name="dashboard-consultations"),
    path("dashboard/consultations/<int:pk>/escalate/", escalate, name="dashboard-escalate"),
]
