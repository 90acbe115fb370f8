"""Pages: a liaison's queue. The consultations their offices hold (or, as a
separate choice, collaborate on), late and nearly late ones first, with a bulk
accept for the ones waiting to be accepted."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.selectors import liaisons_of, office_ids_of
from consult import selectors, services
from consult.lifecycle import IllegalTransition, Status
from frontend import saved_views
from frontend.forms.lists import (
    SCOPE_COLLABORATING,
    SORT_DUE,
    SORT_NEWEST,
    SORT_OLDEST,
    SORT_RESOLUTION,
    WORKING,
    list_filters,
)

from . import saved
from .common import page_for
from .listing import Names, named, page_of_ids, query_without, with_highlights

PER_PAGE = 50
BULK_CHOICES = [
    (services.ACCEPT, gettext_lazy("受け付ける")),
    (services.ASSIGN, gettext_lazy("担当者を割り当てる")),
    (services.TRANSFER, gettext_lazy("別の部局へ移送する")),
    (services.COLLABORATE, gettext_lazy("協力部局を追加する")),
]
REPORT_KEY = "banso_queue_accept_report"


def sort_links(request, current: str) -> dict:
    """Each sortable column's link (keeping the filters) and its aria-sort."""
    base = reverse("queue") + "?" + query_without(request, "sort", "page")
    created_next = SORT_OLDEST if current == SORT_NEWEST else SORT_NEWEST
    return {
        "created": {
            "href": f"{base}sort={created_next}",
            "aria": {SORT_NEWEST: "descending", SORT_OLDEST: "ascending"}.get(current, ""),
        },
        "due": {"href": f"{base}sort={SORT_DUE}", "aria": "ascending" if current == SORT_DUE else ""},
        "resolution": {
            "href": f"{base}sort={SORT_RESOLUTION}",
            "aria": "ascending" if current == SORT_RESOLUTION else "",
        },
    }


@page_for("liaison")
def queue(request):
    user = request.user
    offices = office_ids_of(user)
    names = Names()
    form = saved_views.queue_form(user, request.GET or None, offices=offices)
    filters = form.filters()
    now = timezone.now()
    ids = selectors.consultation_list(user, list_filters(offices, filters), now=now)
    page = page_of_ids(ids, PER_PAGE, request.GET.get("page"))
    rows = with_highlights(user, named(selectors.page_of(user, page.ids), names), filters["q"])
    views = list(saved_views.visible_views(user, offices=offices))
    current = saved_views.current_params(user, request.GET, offices=offices) if views else None
    leads = saved_views.lead_office_ids(user) if views else set()
    for view, count in zip(views, saved_views.counts(user, views, offices=offices, now=now), strict=True):
        view.count, view.url = count, saved_views.url_of(view)
        view.current = view.params == current
        view.editable = saved_views.may_edit(user, view, leads)
    holding = set(offices)
    for row in rows:
        # The bulk actions are the holding office's, on what is still being worked on (a merged
        # one is closed to work: consult.rules.allowed_actions offers it unmerge only).
        open_to_work = row.merged_into_id is None
        row.selectable = open_to_work and row.status in WORKING and row.primary_office_id in holding
        row.unassigned = open_to_work and row.assignee is None and row.status in WORKING
    return render(
        request,
        "frontend/queue/queue.html",
        {
            "form": form,
            "filters": filters,
            "several_offices": len(offices) > 1,
            "show_office": len(offices) > 1 or filters["scope"] == SCOPE_COLLABORATING,
            "page_obj": page,
            "rows": rows,
            # Accepting is for the holding office: the collaborating view has no bulk action.
            "accepting": filters["scope"] != SCOPE_COLLABORATING,
            "sort": sort_links(request, filters["sort"]),
            "query_without_page": query_without(request, "page"),
            "report": request.session.pop(REPORT_KEY, None),
            "saved_views": views,
            "bulk_actions": BULK_CHOICES,
            "members": _assignable(user) if filters["scope"] != SCOPE_COLLABORATING else [],
            "bulk_offices": sorted(
                ((office.slug, names.office(office.id)) for office in names.maps.offices.values()),
                key=lambda choice: choice[1],
            ),
            "save_form": request.session.pop(saved.SAVE_FORM_KEY, None) or {},
            "share_choices": [(pk, names.office(pk)) for pk in offices],
            "query": request.GET.urlencode(),
            "now": now,
        },
    )


def _assignable(user) -> list[tuple[int, str]]:
    """Whom the bulk bar offers to assign to (consult.rules.may_assign): an office lead,
    anyone of the offices they lead; every liaison, themself."""
    members = liaisons_of(sorted(saved_views.lead_office_ids(user)))
    if user.pk not in {pk for pk, _name in members}:
        members.insert(0, (user.pk, user.display_name))
    return members


def _refusal(user, pk: int, error: Exception) -> str:
    """Why one consultation could not be accepted, in words for the liaison."""
    if isinstance(error, IllegalTransition):
        try:
            current = selectors.access_consultation(user, pk)
        except Http404:
            return _("この相談は表示できなくなりました")
        if current.status == Status.IN_PROGRESS and current.assignee is not None:
            if current.assignee_id == user.pk:
                return _("既にあなたが受け付けています")
            return _("既に %(name)s さんが受け付けています") % {"name": current.assignee.display_name}
        return str(error)
    if isinstance(error, PermissionDenied):
        return _("担当部局として受けている相談ではないため、受け付けられません")
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


# Per action: the success message (with the count and references) and the heading of the failures.
def _done_message(action: str, count: int, references: str, *, assignee: str, office: str) -> str:
    values = {"count": count, "references": references, "name": assignee, "office": office}
    if action == services.ASSIGN:
        return (
            ngettext(
                "%(count)d件の相談の担当者を %(name)s さんにしました（%(references)s）。",
                "%(count)d件の相談の担当者を %(name)s さんにしました（%(references)s）。",
                count,
            )
            % values
        )
    if action == services.TRANSFER:
        return (
            ngettext(
                "%(count)d件の相談を%(office)sに移送しました（%(references)s）。",
                "%(count)d件の相談を%(office)sに移送しました（%(references)s）。",
                count,
            )
            % values
        )
    if action == services.COLLABORATE:
        return (
            ngettext(
                "%(count)d件の相談に%(office)sを協力部局として追加しました（%(references)s）。",
                "%(count)d件の相談に%(office)sを協力部局として追加しました（%(references)s）。",
                count,
            )
            % values
        )
    return (
        ngettext(
            "%(count)d件の相談を受け付けました（%(references)s）。",
            "%(count)d件の相談を受け付けました（%(references)s）。",
            count,
        )
        % values
    )


def _failed_title(action: str, count: int) -> str:
    if action == services.ASSIGN:
        return ngettext("%(count)d件の相談は担当者を割り当てられませんでした",
                        "%(count)d件の相談は担当者を割り当てられませんでした", count) % {"count": count}  # fmt: skip
    if action == services.TRANSFER:
        return ngettext("%(count)d件の相談は移送できませんでした",
                        "%(count)d件の相談は移送できませんでした", count) % {"count": count}  # fmt: skip
    if action == services.COLLABORATE:
        return ngettext("%(count)d件の相談は協力部局を追加できませんでした",
                        "%(count)d件の相談は協力部局を追加できませんでした", count) % {"count": count}  # fmt: skip
    return ngettext("%(count)d件の相談は受け付けられませんでした",
                    "%(count)d件の相談は受け付けられませんでした", count) % {"count": count}  # fmt: skip


def _chosen(request) -> list[int]:
    chosen: list[int] = []
    for raw in request.POST.getlist("consultation"):
        try:
            pk = int(raw)
        except ValueError:
            continue
        if pk not in chosen:
            chosen.append(pk)
    return chosen


def _run(request, action: str):
    """Apply ``action`` to each chosen consultation through the services; report what failed and why."""
    user = request.user
    # Back to the same filters, re-encoded so that only a query string comes through.
    back = QueryDict(request.POST.get("back", "")).urlencode()
    target = reverse("queue") + (f"?{back}" if back else "")
    chosen = _chosen(request)
    if not chosen:
        error = _("受け付ける相談を選んでください") if action == services.ACCEPT else _("相談を選んでください")
        request.session[REPORT_KEY] = {"title": "", "error": error, "failures": []}
        return redirect(target)
    assignee = request.POST.get("assignee") or None
    try:
        results = services.apply_to_each(
            actor=user,
            action=action,
            ids=chosen,
            assignee=int(assignee) if assignee and assignee.isdigit() else None,
            office=request.POST.get("to_office", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        request.session[REPORT_KEY] = {"title": "", "error": " ".join(error.messages), "failures": []}
        return redirect(target)
    done = [item.reference for item in results if item.ok]
    failures = [
        {
            "reference": item.reference,
            "title": item.title,
            "reason": _refusal(user, item.id, item.exception) if action == services.ACCEPT else item.error,
        }
        for item in results
        if not item.ok
    ]
    if done:
        names = Names()
        office = request.POST.get("to_office", "")
        messages.success(
            request,
            _done_message(
                action,
                len(done),
                "、".join(done),
                assignee=_assignee_name(user, assignee) if action == services.ASSIGN else "",
                office=names.office(names.maps.office_ids.get(office)) if office else "",
            ),
        )
    if failures:
        request.session[REPORT_KEY] = {"title": _failed_title(action, len(failures)), "error": "", "failures": failures}
    return redirect(target)


def _assignee_name(user, raw: str | None) -> str:
    # Whoever was assigned is a liaison of the holding office, one of the user's (the service checked).
    return dict(liaisons_of(office_ids_of(user))).get(int(raw), "") if raw and raw.isdigit() else ""


@page_for("liaison")
@require_POST
def accept(request):
    """Accept each chosen consultation (the queue's first bulk action)."""
    return _run(request, services.ACCEPT)


@page_for("liaison")
@require_POST
def bulk(request):
    """Accept, assign, transfer or add a collaborator on each chosen consultation."""
    action = request.POST.get("action", "")
    if action not in services.BULK_ACTIONS:
        action = services.ACCEPT
    return _run(request, action)


urlpatterns: list = [
    path("queue/", queue, name="queue"),
    path("queue/accept/", accept, name="queue-accept"),
    path("queue/bulk/", bulk, name="queue-bulk"),
]
