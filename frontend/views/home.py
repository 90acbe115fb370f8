"""Pages: home. Signed out, a short landing; municipal staff, their local
government's consultations by status (what waits for them first); liaisons go
to their queue; the secretariat gets a small overview."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from config.api import remembered
from consult import selectors
from consult.lifecycle import Status

from .listing import Names, named, page_of_ids, query_without, with_highlights

WAITING_PER_PAGE = 50
ACTIVE_PER_PAGE = 50
FINISHED_PER_PAGE = 10  # only the recent ones; older ones a page further
SECRETARIAT_NEWEST = 10
RESULTS_PER_PAGE = 50
MAX_QUERY = 200

WAITING = (Status.AWAITING_FILER,)
ACTIVE = (Status.OPEN, Status.IN_PROGRESS, Status.TRIAGE)
FINISHED = (Status.RESOLVED, Status.CLOSED, Status.WITHDRAWN)


# --- the pages ---------------------------------------------------------------------------------


def _search(request) -> dict | None:
    """With ``q``, the consultations found, best match first, a page of them with highlights
    (consult.selectors.consultation_list, as on the queue and the API)."""
    q = (request.GET.get("q") or "").strip()[:MAX_QUERY]
    if not q:
        return None
    ids = selectors.consultation_list(request.user, selectors.ListFilters(q=q, ordering=selectors.RANKED))
    page = page_of_ids(ids, RESULTS_PER_PAGE, request.GET.get("page"))
    rows = with_highlights(request.user, named(selectors.page_of(request.user, page.ids)), q)
    return {"q": q, "page": page, "rows": rows, "query": query_without(request, "page")}


def home(request):
    user = request.user
    if not user.is_authenticated:
        return render(request, "frontend/home/landing.html")
    if user.is_liaison:
        return redirect("queue")
    if user.is_secretariat:
        return secretariat_home(request)
    if user.is_municipal_staff:
        return staff_home(request)
    return render(request, "frontend/home/landing.html")


def staff_home(request):
    """The local government's consultations (as filer or co-filer), in three groups; with
    a keyword, those found instead."""
    user = request.user
    search = _search(request)
    if search is not None:
        return render(
            request,
            "frontend/home/staff.html",
            {
                "local_government": Names().local_government(user.local_government_id),
                "search": search,
                "now": timezone.now(),
            },
        )
    sections = []
    for key, statuses, order, per_page in (
        # Longest waiting first: the filer is the one holding things up.
        ("waiting", WAITING, ("updated_at", "id"), WAITING_PER_PAGE),
        ("active", ACTIVE, ("-id",), ACTIVE_PER_PAGE),
        ("finished", FINISHED, ("-updated_at", "-id"), FINISHED_PER_PAGE),
    ):
        ids = selectors.consultation_list(user, selectors.ListFilters(status=statuses, ordering=order))
        page = page_of_ids(ids, per_page, request.GET.get(key))
        sections.append({"key": key, "page": page, "query": query_without(request, key)})
    # The rows of all three groups in one read.
    rows = {row.id: row for row in named(selectors.page_of(user, [pk for s in sections for pk in s["page"].ids]))}
    for section in sections:
        section["rows"] = [rows[pk] for pk in section["page"].ids if pk in rows]
    waiting, active, finished = sections
    return render(
        request,
        "frontend/home/staff.html",
        {
            "local_government": Names().local_government(user.local_government_id),
            "waiting": waiting,
            "active": active,
            "finished": finished,
            "now": timezone.now(),
        },
    )


def secretariat_home(request):
    """How many wait for routing, the counts by status and the newest consultations
    (with a keyword, those found)."""
    user = request.user
    search = _search(request)
    visible = selectors.visible_consultations(user)
    by_status = visible.order_by().values_list("status").annotate(n=Count("id"))
    counts = remembered(by_status, lambda: dict(by_status), empty={})
    by_status = [{"status": status, "label": label, "count": counts.get(status, 0)} for status, label in Status.CHOICES]
    newest = list(selectors.consultation_list(user, selectors.ListFilters())[:SECRETARIAT_NEWEST])
    return render(
        request,
        "frontend/home/secretariat.html",
        {
            "triage_count": counts.get(Status.TRIAGE, 0),
            "by_status": by_status,
            "rows": named(selectors.page_of(user, newest)),
            "search": search,
            "now": timezone.now(),
        },
    )


urlpatterns = [path("", home, name="home")]
