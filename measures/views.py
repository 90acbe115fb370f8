"""Pages: the catalogue, a measure (and its printable one-page view), the
filing form's panel for a policy area (htmx), following, and the measures an
office introduces on a consultation."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role
from config.api import CachedCountPaginator
from consult import selectors as consult_selectors
from frontend.views.common import add_service_errors, page_for
from routing.models import PolicyArea

from . import csv_export, selectors, services
from . import windows as window_rules
from .forms import KpiForm, MeasureForm, MilestoneForm, WindowForm
from .models import Kind, Kpi, Milestone, Window
from .templatetags.measures_tags import area_measures

PAGE_SIZE = 30


def _filters(request) -> dict:
    get = request.GET
    kind = get.get("kind", "")
    return {
        "q": get.get("q", "").strip()[:200],
        "policy_area": get.get("policy_area", "")[:64],
        "ministry": get.get("ministry", "")[:64],
        "kind": kind if kind in Kind.values else "",
        "open_only": get.get("open") in ("1", "true", "on"),
    }


@page_for()
@require_GET
def catalogue(request):
    filters = _filters(request)
    page = CachedCountPaginator(selectors.catalogue_ids(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.in_order(page.object_list)
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    context = {
        "filters": filters,
        "page": page,
        "rows": rows,
        "followed": selectors.followed_ids(request.user, [m.pk for m in rows]),
        "query": urlencode(query) + "&" if query else "",
        "ministries": selectors.ministries_in_charge(),
        "policy_areas": PolicyArea.objects.order_by("sort_order"),
        "kinds": Kind.choices,
        "today": window_rules.today(),
    }
    return render(request, "measures/catalogue.html", context)


def _measure_context(request, pk) -> dict:
    measure = selectors.access_measure(request.user, pk)
    context = {
        "measure": measure,
        "window": selectors.current_window(measure),
        "following": bool(selectors.followed_ids(request.user, [measure.pk])),
        "today": window_rules.today(),
        "may_record_kpi": services.may_record_kpi(request.user, measure),
    }
    if request.user.role == Role.SECRETARIAT:
        context["usage"] = selectors.usage_by_fiscal_year(measure)
    if context["may_record_kpi"]:
        # The secretariat and the ministry in charge see who changed what.
        context["history"] = selectors.history(measure)
    return context


@page_for()
@require_GET
def measure_page(request, pk: int):
    return render(request, "measures/measure.html", _measure_context(request, pk))


@page_for()
@require_GET
def measure_print(request, pk: int):
    """One printable page: no navigation, the facts a clerk takes to a meeting."""
    return render(request, "measures/print.html", _measure_context(request, pk))


@page_for()
@require_POST
def follow(request, pk: int):
    measure = selectors.access_measure(request.user, pk)
    following = request.POST.get("follow") != "0"
    services.set_following(user=request.user, measure=measure, follow=following)
    if following:
        messages.success(request, _("この施策をフォローしました。公募の開始と締切1週間前にお知らせします。"))
    else:
        messages.success(request, _("この施策のフォローを解除しました。"))
    return redirect("measure", pk=measure.pk)


@page_for()
@require_POST
def record_kpi(request, pk: int, kpi_pk: int):
    measure = selectors.access_measure(request.user, pk)
    kpi = measure.kpis.filter(pk=kpi_pk).select_related("measure__ministry").first()
    if kpi is None:
        return redirect("measure", pk=measure.pk)
    try:
        as_of = datetime.date.fromisoformat(request.POST.get("as_of", ""))
        services.record_kpi_value(actor=request.user, kpi=kpi, value=request.POST.get("value", ""), as_of=as_of)
        messages.success(request, _("最新値を記録しました。"))
    except ValueError:
        messages.error(request, _("時点を YYYY-MM-DD の形で入力してください。"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        messages.error(request, str(error))
    return redirect(reverse("measure", args=[measure.pk]) + "#kpis")


# --- the secretariat's edit page -----------------------------------------------------------


def _edit_url(measure, anchor: str = "") -> str:
    return reverse("measure-edit", args=[measure.pk]) + anchor


def _edit_context(measure, form=None) -> dict:
    return {
        "measure": measure,
        "form": form or MeasureForm.of(measure),
        "windows": [
            (window, WindowForm(prefix=f"window-{window.pk}",
                                initial={"opens_on": window.opens_on, "closes_on": window.closes_on, "note": window.note}))
            for window in measure.windows.all()
        ],
        "new_window": WindowForm(prefix="window-new"),
        "kpis": [
            (kpi, KpiForm(prefix=f"kpi-{kpi.pk}", initial={name: getattr(kpi, name) for name in services.KPI_FIELDS}))
            for kpi in measure.kpis.all()
        ],
        "new_kpi": KpiForm(prefix="kpi-new"),
        "milestones": [
            (step, MilestoneForm(prefix=f"milestone-{step.pk}",
                                 initial={"fiscal_year": step.fiscal_year, "description": step.description}))
            for step in measure.milestones.all()
        ],
        "new_milestone": MilestoneForm(prefix="milestone-new"),
        "history": selectors.history(measure),
    }  # fmt: skip


@page_for("secretariat")
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    """The secretariat edits a measure: its text here, its windows, KPIs and roadmap below; every save is history."""
    measure = selectors.access_measure(request.user, pk)
    form = None
    if request.method == "POST":
        form = MeasureForm.of(measure, request.POST)
        if form.is_valid():
            try:
                services.update_measure(actor=request.user, measure=measure, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("施策を更新しました。"))
                return redirect(_edit_url(measure))
    return render(request, "measures/edit.html", _edit_context(measure, form))


def _form_errors(form) -> str:
    return " ".join(f"{form[name].label}: {' '.join(errors)}" for name, errors in form.errors.items())


def _save_row(request, measure, form, write, done: str, anchor: str):
    """A row form of the edit page: the service writes it, a message says how it went."""
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            write(form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done)
    return redirect(_edit_url(measure, anchor))


# The rows of a measure that its edit page adds, corrects and removes: one table, one pair of views.
ROWS = {
    "window": {
        "model": Window, "form": WindowForm, "anchor": "#windows",
        "add": services.add_window, "update": services.update_window, "remove": services.remove_window,
        "added": gettext_lazy("公募期間を登録しました。"), "updated": gettext_lazy("公募期間を更新しました。"),
        "removed": gettext_lazy("公募期間を削除しました。"),
    },
    "kpi": {
        "model": Kpi, "form": KpiForm, "anchor": "#kpis",
        "add": services.add_kpi, "update": services.update_kpi, "remove": services.remove_kpi,
        "added": gettext_lazy("KPIを追加しました。"), "updated": gettext_lazy("KPIを更新しました。"),
        "removed": gettext_lazy("KPIを削除しました。"),
    },
    "milestone": {
        "model": Milestone, "form": MilestoneForm, "anchor": "#milestones",
        "add": services.add_milestone, "update": services.update_milestone, "remove": services.remove_milestone,
        "added": gettext_lazy("工程表に追加しました。"), "updated": gettext_lazy("工程表の項目を更新しました。"),
        "removed": gettext_lazy("工程表の項目を削除しました。"),
    },
}  # fmt: skip


@page_for("secretariat")
@require_POST
def add_row(request, pk: int, kind: str):
    """The secretariat adds a window (公募期間 given by the ministry), a KPI or a roadmap step."""
    row = ROWS[kind]
    measure = selectors.access_measure(request.user, pk)
    form = row["form"](request.POST, prefix=f"{kind}-new")
    write = lambda data: row["add"](actor=request.user, measure=measure, **data)  # noqa: E731
    return _save_row(request, measure, form, write, row["added"], row["anchor"])


@page_for("secretariat")
@require_POST
def edit_row(request, pk: int, kind: str, row_pk: int):
    """Correct one window, KPI or roadmap step of the measure, or remove it (the "delete" button)."""
    row = ROWS[kind]
    measure = selectors.access_measure(request.user, pk)
    instance = get_object_or_404(row["model"], pk=row_pk, measure=measure)
    if request.POST.get("delete"):
        row["remove"](actor=request.user, **{kind: instance})
        messages.success(request, row["removed"])
        return redirect(_edit_url(measure, row["anchor"]))
    form = row["form"](request.POST, prefix=f"{kind}-{instance.pk}")
    write = lambda data: row["update"](actor=request.user, **{kind: instance}, **data)  # noqa: E731
    return _save_row(request, measure, form, write, row["updated"], row["anchor"])


@page_for("staff", "secretariat")
@require_GET
def area_panel(request):
    """htmx: the filing form's panel for the chosen policy area."""
    return render(request, "measures/_area_panel.html", area_measures(request.GET.get("policy_area", "")))


@page_for("liaison", "secretariat")
@require_POST
def introduce(request, pk: int):
    """The consultation page's form: the measures introduced in the answer."""
    consultation = consult_selectors.access_consultation(request.user, pk)
    ids = [value for value in request.POST.getlist("measures") if value.isdigit()]
    try:
        services.set_introduced_measures(actor=request.user, consultation=consultation, measure_ids=ids)
        messages.success(request, _("紹介した施策を更新しました。"))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect(reverse("consultation", args=[consultation.pk]) + "#introduced-measures")


@page_for("secretariat")
@require_GET
def figures(request):
    return render(
        request,
        "measures/figures.html",
        {
            "kpis": list(selectors.kpi_table()),
            "milestones": list(selectors.roadmap()),
            "most_introduced": selectors.most_introduced(),
        },
    )


@page_for("secretariat")
@require_GET
def figures_csv(request, table: str):
    if table == "kpis":
        content = csv_export.kpi_csv(selectors.kpi_table())
    elif table == "usage":
        content = csv_export.usage_csv(selectors.usage_table())
    elif table == "roadmap":
        content = csv_export.roadmap_csv(selectors.roadmap())
    else:
        raise Http404
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="measures-{table}.csv"'
    return response
