"""Pages: a liaison's queue. The consultations their offices hold (or, as a
separate choice, collaborate on), late and nearly late ones first, with a bulk
accept for the ones waiting to be accepted."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.selectors import office_ids_of
from consult import rules, selectors, services
from consult.lifecycle import IllegalTransition, Status
from consult.models import Collaborator
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
from routing import selectors as routing_selectors

from .common import page_for
from .listing import Names, named, page_of_ids, query_without

PER_PAGE = 50
WORKING = (Status.OPEN, Status.IN_PROGRESS, Status.AWAITING_FILER)
REPORT_KEY = "banso_queue_accept_report"


def filtered(user, offices: list[int], filters: dict, names: Names, now):
    """The ids of the queue's consultations, filtered and in the chosen order."""
    queryset = selectors.visible_consultations(user)
    chosen = [filters["office"]] if filters["office"] in offices else offices
    if filters["scope"] == SCOPE_COLLABORATING:
        queryset = queryset.filter(
            pk__in=Collaborator.objects.filter(office_id__in=chosen).order_by().values("consultation_id")
        )
    else:
        queryset = queryset.filter(primary_office_id__in=chosen)
    if filters["status"] == STATUS_ACTIVE:
        queryset = queryset.filter(status__in=WORKING)
    elif filters["status"] != STATUS_ALL:
        queryset = queryset.filter(status=filters["status"])
    if filters["policy_area"]:
        ids = [pk for pk, (slug, _name) in names.maps.policy_areas.items() if slug == filters["policy_area"]]
        queryset = queryset.filter(policy_area_id__in=ids)
    if filters["overdue"]:
        queryset = queryset.filter(rules.overdue_q(now))
    if filters["unassigned"]:
        queryset = queryset.filter(assignee__isnull=True)
    if filters["q"]:
        queryset = queryset.filter(Q(title__icontains=filters["q"]) | Q(reference__icontains=filters["q"]))

    sort = filters["sort"]
    if sort == SORT_NEWEST:
        order = ["-created_at", "-id"]
    elif sort == SORT_OLDEST:
        order = ["created_at", "id"]
    elif sort == SORT_RESOLUTION:
        order = [F("resolution_due_at").asc(nulls_last=True), "created_at", "id"]
    else:
        # Due soon = at most half a business day left, as the deadline tag says it
        # (on the default calendar: office closures differ by a few days a year at most).
        calendar = routing_selectors.office_calendar(None)
        soon_at = calendar.instant_at(calendar.position(now) + rules.DUE_SOON_SECONDS)
        queryset = queryset.annotate(
            urgency_rank=Case(
                When(rules.overdue_q(now), then=Value(0)),
                When(rules.overdue_q(soon_at), then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        order = ["urgency_rank", F("first_response_due_at").asc(nulls_last=True), "created_at", "id"]
    return queryset.order_by(*order).values_list("id", flat=True)


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
    page = page_of_ids(filtered(user, offices, filters, names, now), PER_PAGE, request.GET.get("page"))
    rows = named(selectors.page_of(user, page.ids), names)
    holding = set(offices)
    for row in rows:
        # Only the holding office accepts, and only what waits to be accepted.
        row.selectable = row.status == Status.OPEN and row.primary_office_id in holding
        row.unassigned = row.assignee is None and row.status in WORKING
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
