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
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.selectors import office_ids_of
from consult import selectors, services
from consult.lifecycle import IllegalTransition, Status
from frontend.forms.lists import (
    SCOPE_COLLABORATING,
    SORT_DUE,
    SORT_NEWEST,
    SORT_OLDEST,
    SORT_RESOLUTION,
    STATUS_ACTIVE,
    STATUS_ALL,
    QueueFilterForm,
)

from .common import page_for
from .listing import Names, named, page_of_ids, query_without, with_highlights

PER_PAGE = 50
WORKING = (Status.OPEN, Status.IN_PROGRESS, Status.AWAITING_FILER)
REPORT_KEY = "banso_queue_accept_report"

# The queue's orders as consultation_list's terms. The default puts what is late
# or nearly late first (consult.rules), then the earlier first-response deadline.
ORDERINGS = {
    SORT_NEWEST: ("-created_at", "-id"),
    SORT_OLDEST: ("created_at", "id"),
    SORT_RESOLUTION: ("resolution_due_at", "created_at", "id"),
    SORT_DUE: ("lateness", "first_response_due_at", "created_at", "id"),
}


def list_filters(offices: list[int], filters: dict) -> selectors.ListFilters:
    """The queue's form choices as the list selector's filters."""
    chosen = (filters["office"],) if filters["office"] in offices else tuple(offices)
    collaborating = filters["scope"] == SCOPE_COLLABORATING
    if filters["status"] == STATUS_ACTIVE:
        statuses = WORKING
    elif filters["status"] == STATUS_ALL:
        statuses = ()
    else:
        statuses = (filters["status"],)
    return selectors.ListFilters(
        status=statuses,
        held_by=None if collaborating else chosen,
        collaborating=chosen if collaborating else None,
        policy_area=filters["policy_area"],
        overdue=True if filters["overdue"] else None,
        unassigned=filters["unassigned"],
        q=filters["q"],
        ordering=selectors.RANKED if filters.get("ranked") else ORDERINGS.get(filters["sort"], ORDERINGS[SORT_DUE]),
    )


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
    form = QueueFilterForm(
        request.GET or None,
        offices=[(pk, names.office(pk)) for pk in offices],
        policy_areas=[(slug, names.policy_area(pk)) for pk, (slug, _name) in names.maps.policy_areas.items()],
    )
    filters = form.filters()
    now = timezone.now()
    ids = selectors.consultation_list(user, list_filters(offices, filters), now=now)
    page = page_of_ids(ids, PER_PAGE, request.GET.get("page"))
    rows = with_highlights(user, named(selectors.page_of(user, page.ids), names), filters["q"])
    holding = set(offices)
    for row in rows:
        # Only the holding office accepts, and only what waits to be accepted (a merged one
        # is closed to work: consult.rules.allowed_actions offers it unmerge only).
        open_to_work = row.merged_into_id is None
        row.selectable = open_to_work and row.status == Status.OPEN and row.primary_office_id in holding
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
            "now": now,
        },
    )


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


@page_for("liaison")
@require_POST
def accept(request):
    """Accept each chosen consultation through the service; report what failed and why."""
    user = request.user
    # Back to the same filters, re-encoded so that only a query string comes through.
    back = QueryDict(request.POST.get("back", "")).urlencode()
    target = reverse("queue") + (f"?{back}" if back else "")
    chosen: list[int] = []
    for raw in request.POST.getlist("consultation"):
        try:
            pk = int(raw)
        except ValueError:
            continue
        if pk not in chosen:
            chosen.append(pk)
    if not chosen:
        request.session[REPORT_KEY] = {"error": _("受け付ける相談を選んでください"), "failures": []}
        return redirect(target)

    accepted, failures = [], []
    for pk in chosen:
        try:
            consultation = selectors.access_consultation(user, pk)
        except Http404:
            failures.append({"reference": "", "title": "", "reason": _("相談が見つかりません")})
            continue
        try:
            services.transition(actor=user, consultation=consultation, action="accept")
        except (IllegalTransition, PermissionDenied, ValidationError) as error:
            failures.append(
                {"reference": consultation.reference, "title": consultation.title, "reason": _refusal(user, pk, error)}
            )
        else:
            accepted.append(consultation.reference)
    if accepted:
        messages.success(
            request,
            ngettext(
                "%(count)d件の相談を受け付けました（%(references)s）。",
                "%(count)d件の相談を受け付けました（%(references)s）。",
                len(accepted),
            )
            % {"count": len(accepted), "references": "、".join(accepted)},
        )
    if failures:
        request.session[REPORT_KEY] = {"error": "", "failures": failures}
    return redirect(target)


urlpatterns: list = [
    path("queue/", queue, name="queue"),
    path("queue/accept/", accept, name="queue-accept"),
]
