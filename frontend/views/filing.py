"""Pages: filing a new consultation — the form, the check page with where it
will go and by when, and the confirmation with the reference number.

What has been entered lives in a server-side draft (frontend.drafts) from the
first POST on, so that uploaded files survive searches, errors and the check
page; filing consumes the draft once."""

from __future__ import annotations

from contextlib import ExitStack

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import Role
from config.i18n import localised
from consult import selectors, services
from consult.attachments import max_files
from consult.models import Urgency
from frontend import drafts
from frontend.forms.filing import (
    URGENCY_LABELS,
    FilingForm,
    area_name,
    local_government_label,
    search_choices,
)
from routing import decisions
from routing.models import Office, SlaUnit

from .common import add_service_errors, page_for

REFUSED_KEY = "filing_refused"  # session: attachment refusals to show on the confirmation page
FIELDS = ("filer", "policy_area", "title", "body", "desired_by", "urgency", "co_filers")
SEARCH_BUTTONS = {"search_co_filers": "co_filers", "search_filer": "filer", "show_measures": "measures"}
SEARCH_ANCHORS = {"co_filers": "#co-filer-choices", "filer": "#filer-choices", "measures": "#area-measures"}
FILE_ERRORS_KEY = "filing_file_errors"  # session: files refused during a search, shown once


def _kept_data(form: FilingForm) -> dict:
    """The form's values as typed, to keep in the draft."""
    data = {name: form.data.get(name, "") for name in FIELDS if name != "co_filers"}
    data["co_filers"] = list(dict.fromkeys(code for code in form.data.getlist("co_filers") if code))
    data["filer_q"] = form.data.get("filer_q", "")
    data["co_filer_q"] = form.data.get("co_filer_q", "")
    return data


def _render_form(request, form: FilingForm, draft: drafts.Draft | None, *, file_errors=()):
    user = request.user
    co_filer_query = form.value("co_filer_q")
    filer_query = form.value("filer_q")
    context = {
        "form": form,
        "draft": draft,
        "kept_files": draft.files if draft else [],
        "policy_area_groups": form.policy_area_groups(),
        "co_filer_choices": search_choices(
            kind="co_filers", query=co_filer_query, chosen=form.value("co_filers") or [], user=user
        ),
        "filer_choices": (
            search_choices(kind="filer", query=filer_query, chosen=[form.value("filer")], user=user)
            if user.role == Role.SECRETARIAT
            else None
        ),
        "own_local_government": user.local_government if user.role == Role.STAFF else None,
        "max_files": max_files(),
        "file_errors": list(file_errors),
    }
    return render(request, "frontend/filing/form.html", context)


@page_for("staff", "secretariat")
@require_http_methods(["GET", "POST"])
def new(request):
    """The form. Every POST keeps what was entered (and any files) in the draft;
    a search button re-shows the form with matches, the main button checks it."""
    user = request.user
    if request.method == "GET":
        draft = drafts.Draft.of_session(request)
        initial = dict(draft.data) if draft else {}
        form = FilingForm(user=user, initial=initial, kept_files=draft.files if draft else ())
        return _render_form(request, form, draft, file_errors=request.session.pop(FILE_ERRORS_KEY, ()))

    if "discard" in request.POST:
        draft = drafts.Draft.of_session(request)
        if draft:
            draft.delete()
        request.session.pop(drafts.SESSION_KEY, None)
        messages.success(request, _("入力内容を消去しました。"))
        return redirect("consultation-new")

    draft = drafts.Draft.for_request(request)
    draft.remove_files(request.POST.getlist("remove_files"))
    uploads = [upload for upload in request.FILES.getlist("attachments") if upload.name]
    form = FilingForm(request.POST, request.FILES, user=user, kept_files=draft.files)
    file_errors = form.file_errors(uploads)
    if not file_errors:
        for upload in uploads:
            draft.add_file(upload)
    draft.data = _kept_data(form)
    searched = next((kind for button, kind in SEARCH_BUTTONS.items() if button in request.POST), "")
    if searched:
        # A search keeps what was typed without judging it yet (no errors but the
        # files'), and brings the person back to the matches.
        draft.checked = False
        draft.save()
        if file_errors:
            request.session[FILE_ERRORS_KEY] = file_errors
        return redirect(reverse("consultation-new") + SEARCH_ANCHORS[searched])
    valid = form.is_valid()
    for message in file_errors:
        form.add_error("attachments", message)
    draft.checked = valid and not file_errors
    draft.save()
    if not draft.checked:
        return _render_form(request, form, draft)
    return redirect("consultation-new-check")


@page_for("staff", "secretariat")
@require_http_methods(["GET"])
def search(request):
    """htmx: the local-government choices as the person types (chosen ones kept)."""
    kind = request.GET.get("kind", "co_filers")
    if kind not in ("co_filers", "filer") or (kind == "filer" and request.user.role != Role.SECRETARIAT):
        raise Http404
    query = request.GET.get("co_filer_q" if kind == "co_filers" else "filer_q", "")
    chosen = request.GET.getlist(kind)
    choices = search_choices(kind=kind, query=query, chosen=chosen, user=request.user)
    return render(request, "frontend/filing/_choices.html", {"choices": choices, "oob": True})


def _checked_draft(request):
    """The session's checked draft and its form, validated again (a day may have
    passed since): (None, None) when there is nothing to check."""
    draft = drafts.Draft.of_session(request)
    if draft is None or not draft.checked:
        return None, None
    form = FilingForm(_as_querydict(draft.data), user=request.user, kept_files=draft.files)
    form.is_valid()
    return draft, form


def _as_querydict(data: dict) -> QueryDict:
    """A draft's kept values as the form POST they came from."""
    query = QueryDict(mutable=True)
    for name, value in data.items():
        if isinstance(value, list):
            query.setlist(name, value)
        elif value is not None:
            query[name] = value
    return query


def _now():
    """The moment the check page routes for (tests move it)."""
    return timezone.now()


def _simulate(form: FilingForm):
    """Where filing would send it and by when: the routing simulation
    (routing/api/simulate.py), from the same facts filing will use."""
    title, area, filer_lg, others = form.validated
    facts = decisions.consultation_facts(
        local_government=filer_lg,
        policy_area=area,
        co_filers=[lg.code for lg in others],
        urgency=form.cleaned_data["urgency"],
        title=title,
        body=form.cleaned_data["body"],
    )
    return decisions.route(facts, at=_now())


def _targets(policy) -> str:
    """「初回回答 2開庁日以内・解決 10開庁日以内」"""

    def amount(value) -> str:
        number = f"{float(value):g}"
        if policy.unit == SlaUnit.BUSINESS_DAYS:
            return _("%(n)s開庁日") % {"n": number}
        return _("%(n)s開庁時間") % {"n": number}

    return _("初回回答 %(first)s以内・解決 %(resolution)s以内") % {
        "first": amount(policy.first_response_target),
        "resolution": amount(policy.resolution_target),
    }


def _office_names(infos) -> list[dict]:
    return [{"name": localised(info.name, info.name_en), "ministry": info.ministry_name} for info in infos]


@page_for("staff", "secretariat")
@require_http_methods(["GET", "POST"])
def check(request):
    """Check your answers: the answers, where it will go and why, by when; then file."""
    if request.method == "POST":
        return _file(request)
    draft, form = _checked_draft(request)
    if draft is None:
        return redirect("consultation-new")
    if form.errors:
        # Something that was fine is not any more (e.g. the desired date has passed).
        return _render_form(request, form, draft)
    title, area, filer_lg, others = form.validated
    routing = _simulate(form)
    decision = routing.decision
    context = {
        "draft": draft,
        "token": draft.token,
        "title": title,
        "body": form.cleaned_data["body"],
        "area": area,
        "area_name": area_name(area),
        "desired_by": form.cleaned_data.get("desired_by"),
        "urgency": URGENCY_LABELS.get(form.cleaned_data["urgency"], form.cleaned_data["urgency"]),
        "urgent": form.cleaned_data["urgency"] == Urgency.URGENT,
        "filer": local_government_label(filer_lg),
        "co_filers": [local_government_label(lg) for lg in others],
        "files": draft.files,
        "secretariat": request.user.role == Role.SECRETARIAT,
        "primary": _office_names([decision.primary_office])[0] if decision.primary_office else None,
        "collaborators": _office_names(decision.collaborators),
        "rule": decision.rule,
        "rule_set_version": decision.rule_set_version,
        "explanation": localised(decision.explanation_ja, decision.explanation_en),
        "triage_reason": decision.triage_reason,
        "sla_policy": routing.sla_policy,
        "deadlines": routing.deadlines,
        "targets": _targets(routing.sla_policy),
    }
    return render(request, "frontend/filing/check.html", context)


def _file(request):
    """File the checked draft, once: the draft is consumed before the service runs."""
    token = request.POST.get("draft", "")
    consumed = drafts.consume(token, request.user)
    if consumed is None:
        current = drafts.Draft.of_session(request)
        if current is not None and current.checked and token.partition(":")[0] == current.id:
            messages.success(request, _("入力内容が変更されました。内容をもう一度確認してください。"))
            return redirect("consultation-new-check")
        messages.success(
            request,
            _(
                "この入力内容は既に提出されたか、有効期限が切れています。相談一覧をご確認いただくか、改めて入力してください。"
            ),
        )
        return redirect("consultation-new")
    draft = consumed.draft
    form = FilingForm(_as_querydict(draft.data), user=request.user, kept_files=draft.files)
    try:
        with ExitStack() as opened:
            valid = form.is_valid()
            if valid:
                data = form.cleaned_data
                # Streamed from the draft's storage in chunks; closed once filed or refused.
                uploads = [
                    services.Upload(name=entry["raw_name"], content=opened.enter_context(draft.open_file(entry)))
                    for entry in draft.files
                ]
                result = services.file_consultation(
                    actor=request.user,
                    title=data["title"],
                    body=data["body"],
                    policy_area=form.validated[1],
                    co_filers=data["co_filers"],
                    desired_by=data["desired_by"],
                    urgency=data["urgency"],
                    filer=data.get("filer") or None,
                    attachments=uploads,
                )
    except ValidationError as error:
        add_service_errors(form, error)
        valid = False
    except BaseException:
        consumed.restore()  # nothing was filed (one transaction): the person can try again
        raise
    if not valid:
        # Refused after all (something changed since the check): back to the form, files kept.
        consumed.restore()
        draft.checked = False
        draft.save()
        return _render_form(request, form, draft)
    consumed.delete()
    if request.session.get(drafts.SESSION_KEY) == draft.id:
        del request.session[drafts.SESSION_KEY]
    consultation = result.consultation
    if result.attachment_errors:
        refused = request.session.get(REFUSED_KEY, {})
        refused[str(consultation.pk)] = result.attachment_errors
        request.session[REFUSED_KEY] = refused
    return redirect("consultation-filed", pk=consultation.pk)


@page_for("staff", "secretariat")
@require_http_methods(["GET"])
def filed(request, pk: int):
    """The confirmation: the reference number, where it went, what happens next."""
    consultation = selectors.access_consultation(request.user, pk)
    office_ids = [consultation.primary_office_id, *consultation.collaborator_office_ids]
    offices = {office.pk: office for office in Office.objects.filter(pk__in=[i for i in office_ids if i])}

    def office_name(office_id):
        office = offices.get(office_id)
        if office is None:
            return ""
        return localised(office.name, office.name_en)

    refused = request.session.get(REFUSED_KEY, {})
    attachment_errors = refused.pop(str(consultation.pk), [])
    if attachment_errors:
        request.session[REFUSED_KEY] = refused
    context = {
        "consultation": consultation,
        "primary": office_name(consultation.primary_office_id),
        "collaborators": [office_name(i) for i in consultation.collaborator_office_ids],
        "explanation": localised(consultation.routing_explanation, consultation.routing_explanation_en),
        "attachment_errors": attachment_errors,
        "now": timezone.now(),
    }
    return render(request, "frontend/filing/filed.html", context)


urlpatterns: list = [
    path("consultations/new/", new, name="consultation-new"),
    path("consultations/new/local-governments/", search, name="consultation-new-search"),
    path("consultations/new/check/", check, name="consultation-new-check"),
    path("consultations/<int:pk>/filed/", filed, name="consultation-filed"),
]
