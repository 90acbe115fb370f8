"""Pages of the good-answer library (mounted at the site root by config/urls.py):
the list and search, an entry (with the secretariat's review: versions, edits,
publishing, withdrawal, views and usefulness), the proposal and consent forms
of the consultation page, and the similar-entries panel of the filing form."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consult import selectors as consult_selectors
from consult import services as consult_services
from consult.lifecycle import IllegalTransition
from frontend.views.common import page_for
from routing.models import PolicyArea

from . import selectors, services, similarity
from .models import EntryStatus

PAGE_SIZE = 20


def _error_text(error) -> str:
    return " ".join(getattr(error, "messages", None) or [str(error)])


def _tags(text: str) -> list[str]:
    return [tag.strip() for tag in text.replace("、", ",").split(",") if tag.strip()]


def _measure_ids(post) -> list[int] | None:
    """The ticked measures, or None when the form had no measures to tick (keep them as they are)."""
    if not post.get("measures_form"):
        return None
    return list(dict.fromkeys(int(value) for value in post.getlist("measures") if value.isdigit()))


@page_for()
@require_GET
def library(request):
    q = request.GET.get("q", "").strip()[:200]
    area = request.GET.get("policy_area", "")[:64]
    page = Paginator(selectors.published_entries(q=q, policy_area=area), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    if q:
        from search.backend import highlight

        for entry in rows:
            version = entry.published
            entry.passage = highlight(f"{version.question}\n{version.answer}", q) if version else ""
    for entry in rows:
        entry.local_government = selectors.local_government_of(entry)
        entry.area_name = selectors.policy_area_of(entry)[1]
    query = {key: value for key, value in (("q", q), ("policy_area", area)) if value}
    context = {
        "q": q,
        "policy_area": area,
        "policy_areas": PolicyArea.objects.order_by("sort_order"),
        "page": page,
        "rows": rows,
        "query": urlencode(query) + "&" if query else "",
        "reviewer": services.may_review(request.user),
    }
    return render(request, "library/list.html", context)


@page_for("secretariat")
@require_GET
def review(request):
    """The secretariat's list: every entry with its state, views and usefulness."""
    status = request.GET.get("status", "")
    page = Paginator(selectors.review_entries(status=status), PAGE_SIZE * 2).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for entry in rows:
        entry.area_name = selectors.policy_area_of(entry)[1]
    context = {
        "page": page,
        "rows": rows,
        "status": status if status in EntryStatus.values else "",
        "statuses": EntryStatus.choices,
        "query": urlencode({"status": status}) + "&" if status in EntryStatus.values else "",
    }
    return render(request, "library/review.html", context)


def _entry_context(request, entry, *, form_values=None, form_errors=None) -> dict:
    user = request.user
    version = selectors.shown_version(user, entry)
    context = {
        "entry": entry,
        "version": version,
        "local_government": selectors.local_government_of(entry),
        "area_name": selectors.policy_area_of(entry)[1],
        "measures": list(entry.measures.all()),
        "linked": entry.source_id in selectors.linkable_sources(user, [entry]),
        "reviewer": services.may_review(user),
        "marked": entry.useful_marks.filter(user=user).exists(),
    }
    if context["reviewer"]:
        current = entry.current
        context.update(
            {
                "versions": selectors.versions(entry),
                "unpublished_changes": entry.published_id != entry.current_id,
                "policy_areas": PolicyArea.objects.order_by("sort_order"),
                "form": form_values
                or {
                    "title": current.title if current else "",
                    "question": current.question if current else "",
                    "answer": current.answer if current else "",
                    "tags": "、".join(current.tags) if current else "",
                    "policy_area": entry.policy_area_id,
                },
                "form_errors": form_errors or {},
            }
        )
        chosen = context["form"].get("measures")
        context["measure_choices"] = selectors.measure_choices(
            policy_area_id=entry.policy_area_id,
            chosen_ids=[measure.pk for measure in context["measures"]] if chosen is None else chosen,
        )
    return context


@page_for()
@require_GET
def entry_page(request, pk: int):
    entry = selectors.access_entry(request.user, pk)
    if entry.status == EntryStatus.PUBLISHED and not services.may_review(request.user):
        services.record_view(entry=entry)
    return render(request, "library/entry.html", _entry_context(request, entry))


@page_for()
@require_POST
def useful(request, pk: int):
    entry = selectors.access_entry(request.user, pk)
    if entry.status == EntryStatus.PUBLISHED:
        counted, _count = services.mark_useful(user=request.user, entry=entry)
        messages.success(
            request, _("「役に立った」を記録しました。") if counted else _("既に「役に立った」を記録しています。")
        )
    return redirect("library-entry", pk=entry.pk)


@page_for("secretariat")
@require_POST
def edit(request, pk: int):
    entry = selectors.access_entry(request.user, pk)
    post = request.POST
    values = {name: post.get(name, "") for name in ("title", "question", "answer", "tags", "note")}
    area = (
        PolicyArea.objects.filter(pk=post.get("policy_area") or 0).first()
        if post.get("policy_area", "").isdigit()
        else None
    )
    measure_ids = _measure_ids(post)
    try:
        services.edit_entry(
            actor=request.user, entry=entry, title=values["title"], question=values["question"],
            answer=values["answer"], tags=_tags(values["tags"]), policy_area=area, measure_ids=measure_ids,
            note=values["note"],
        )  # fmt: skip
    except ValidationError as error:
        values["policy_area"] = area.pk if area else entry.policy_area_id
        values["measures"] = measure_ids
        context = _entry_context(request, entry, form_values=values, form_errors=error.message_dict)
        return render(request, "library/entry.html", context, status=400)
    messages.success(request, _("新しい版として保存しました。公開すると閲覧者に表示されます。"))
    return redirect("library-entry", pk=entry.pk)


@page_for("secretariat")
@require_POST
def publish(request, pk: int):
    entry = selectors.access_entry(request.user, pk)
    try:
        services.publish_entry(actor=request.user, entry=entry)
        messages.success(request, _("最新の版を公開しました。"))
    except (IllegalTransition, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    return redirect("library-entry", pk=entry.pk)


@page_for("secretariat")
@require_POST
def withdraw(request, pk: int):
    entry = selectors.access_entry(request.user, pk)
    try:
        services.withdraw_entry(actor=request.user, entry=entry, reason=request.POST.get("reason", ""))
        messages.success(request, _("公開を終了しました。"))
    except (IllegalTransition, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    return redirect("library-entry", pk=entry.pk)


@page_for("liaison", "secretariat")
@require_POST
def propose(request, pk: int):
    """The consultation page's form: propose the answer as a library entry."""
    consultation = consult_selectors.access_consultation(request.user, pk)
    post = request.POST
    measure_ids = _measure_ids(post)
    try:
        services.propose_entry(
            actor=request.user, consultation=consultation, title=post.get("title", ""),
            question=post.get("question", ""), answer=post.get("answer", ""), tags=_tags(post.get("tags", "")),
            measure_ids=measure_ids,
        )  # fmt: skip
        messages.success(request, _("回答事例として提案しました。事務局が確認して公開します。"))
    except (ValidationError, PermissionDenied, IllegalTransition) as error:
        messages.error(request, _error_text(error))
        request.session["library_proposal"] = {name: post.get(name, "")[:20_000] for name in
                                               ("title", "question", "answer", "tags")}  # fmt: skip
        request.session["library_proposal"]["measures"] = measure_ids
    return redirect(reverse("consultation", args=[consultation.pk]) + "#library")


@page_for("staff")
@require_POST
def consent(request, pk: int):
    """The filer's answer: may the library show our name with an entry from this consultation?"""
    consultation = consult_selectors.access_consultation(request.user, pk)
    try:
        consult_services.set_library_consent(
            actor=request.user, consultation=consultation, consent=request.POST.get("consent") == "yes"
        )
        messages.success(request, _("団体名の表示についての回答を保存しました。"))
    except PermissionDenied as error:
        messages.error(request, _error_text(error))
    return redirect(reverse("consultation", args=[consultation.pk]) + "#library")


@page_for("staff", "secretariat")
@require_GET
def similar_panel(request):
    """htmx: the filing form's similar entries (and consultations) as the title and body are typed."""
    found = similarity.grouped(
        request.user, title=request.GET.get("title", ""), body=request.GET.get("body", ""),
        policy_area=request.GET.get("policy_area", ""),
    )  # fmt: skip
    return render(request, "library/_similar.html", {"similar": found})
