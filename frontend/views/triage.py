"""Pages: the secretariat's triage queue. Consultations no rule routed, oldest
first, each with a one-step form that routes it to an office (a transfer out
of triage, which opens it there)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.i18n import localised
from consult import selectors, services
from consult.lifecycle import IllegalTransition, Status
from frontend.forms.lists import RouteForm, route_choices
from routing import selectors as routing_selectors
from routing.models import OfficeKind

from .common import add_service_errors, page_for
from .listing import Names, named, page_of_ids

PER_PAGE = 20  # each row carries a form with every office: keep pages short

# The routing engine's triage reasons (English, as stored) in words for people.
TRIAGE_REASONS = {
    "no rule matched": gettext_noop("一致する振り分けルールがありません"),
    "the rule sends it to the secretariat": gettext_noop("振り分けルールにより事務局に送られました"),
}


def triage_reason(code: str) -> str:
    if not code:
        return ""
    if code in TRIAGE_REASONS:
        return _(TRIAGE_REASONS[code])
    if code.startswith("unknown policy area"):
        return _("施策分野が振り分けルールに登録されていません")
    return code


def office_choices() -> tuple[list, dict[int, str], dict[str, str]]:
    """The offices grouped by ministry (headquarters first in each), the
    headquarters office of each ministry (for suggestions), and names by slug."""
    groups: dict[int, tuple[str, list]] = {}
    headquarters: dict[int, str] = {}
    names: dict[str, str] = {}
    for office in routing_selectors.office_options():
        ministry = office.ministry
        label = localised(ministry.name, ministry.name_en)
        name = localised(office.name, office.name_en)
        is_hq = office.kind == OfficeKind.HEADQUARTERS
        groups.setdefault(ministry.pk, (label, []))[1].append((not is_hq, office.slug, name))
        names[office.slug] = name
        if is_hq:
            headquarters.setdefault(ministry.pk, office.slug)
    choices = [(label, [(slug, name) for _hq, slug, name in sorted(items)]) for label, items in groups.values()]
    return choices, headquarters, names


def suggestions(headquarters: dict[int, str]) -> dict[int, str]:
    """Policy area id → the headquarters of its lead ministry: a sensible first choice."""
    found = {}
    for area in routing_selectors.policy_areas():
        for ministry in area.lead_ministries.all():
            if ministry.pk in headquarters:
                found[area.pk] = headquarters[ministry.pk]
                break
    return found


@page_for("secretariat")
def triage(request):
    user = request.user
    office_groups, headquarters, office_names = office_choices()
    choices = route_choices(office_groups)
    bound_id, bound_form, errors = None, None, []
    if request.method == "POST":
        consultation = selectors.access_consultation(user, request.POST.get("consultation"))
        bound_id = consultation.pk
        bound_form = RouteForm(request.POST, office_choices=choices, consultation_id=consultation.pk)
        if bound_form.is_valid():
            if consultation.status != Status.TRIAGE:
                # Someone routed it a moment ago: a transfer now would move it again.
                bound_form.add_error(None, _("この相談は既に振り分けられています"))
            else:
                try:
                    services.transfer(
                        actor=user,
                        consultation=consultation,
                        office=bound_form.cleaned_data["office"],
                        reason=bound_form.cleaned_data["reason"],
                    )
                except ValidationError as error:
                    add_service_errors(bound_form, error)
                except (PermissionDenied, IllegalTransition) as error:
                    bound_form.add_error(None, str(error))
                else:
                    messages.success(
                        request,
                        _("%(reference)s「%(title)s」を%(office)sに振り分けました。")
                        % {
                            "reference": consultation.reference,
                            "title": consultation.title,
                            "office": office_names.get(bound_form.cleaned_data["office"], ""),
                        },
                    )
                    page = request.GET.get("page")
                    return redirect(reverse("triage") + (f"?page={page}" if page and page.isdigit() else ""))
        # The error summary names the consultation, each error linking to its field.
        for message in bound_form.non_field_errors():
            errors.append({"message": f"{consultation.reference}「{consultation.title}」: {message}", "anchor": ""})
        for field in bound_form:
            for message in field.errors:
                errors.append(
                    {
                        "message": f"{consultation.reference}「{consultation.title}」: {field.label}: {message}",
                        "anchor": field.auto_id,
                    }
                )

    ids = selectors.consultation_list(
        user, selectors.ListFilters(status=(Status.TRIAGE,), ordering=("created_at", "id"))
    )
    page = page_of_ids(ids, PER_PAGE, request.GET.get("page"))
    names = Names()
    rows = named(selectors.page_of(user, page.ids), names)
    suggested = suggestions(headquarters)
    for row in rows:
        row.co_filer_names = [names.local_government(code) for code in row.co_filer_codes]
        row.reason = triage_reason(row.triage_reason)
        row.explanation = localised(row.routing_explanation, row.routing_explanation_en)
        suggestion = suggested.get(row.policy_area_id, "")
        row.suggestion = office_names.get(suggestion, "")
        if row.id == bound_id:
            row.form = bound_form
        else:
            row.form = RouteForm(office_choices=choices, consultation_id=row.id, suggested=suggestion)
    bound_shown = any(row.id == bound_id for row in rows)
    if not bound_shown:
        # The consultation left the list meanwhile: its errors show on top, without links.
        errors = [{**error, "anchor": ""} for error in errors]
    status = 400 if errors else 200
    return render(
        request,
        "frontend/triage/triage.html",
        {
            "rows": rows,
            "page_obj": page,
            "query_without_page": "",
            "errors": errors,
            "now": timezone.now(),
        },
        status=status,
    )


urlpatterns: list = [path("triage/", triage, name="triage")]
