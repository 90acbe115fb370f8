"""Pages: home. Signed out, a short landing; municipal staff, their local
government's consultations by status (what waits for them first); liaisons go
to their queue; the secretariat gets a small overview.

The list helpers here (names from the in-memory reference maps, pages of ids)
are shared by the queue and triage pages."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language

from consult import selectors
from consult.lifecycle import Status
from routing import selectors as routing_selectors

WAITING_PER_PAGE = 50
ACTIVE_PER_PAGE = 50
FINISHED_PER_PAGE = 10  # only the recent ones; older ones a page further
SECRETARIAT_NEWEST = 10

WAITING = (Status.AWAITING_FILER,)
ACTIVE = (Status.OPEN, Status.IN_PROGRESS, Status.TRIAGE)
FINISHED = (Status.RESOLVED, Status.CLOSED, Status.WITHDRAWN)


# --- shared by the list pages ------------------------------------------------------------------


class Names:
    """Names of offices, policy areas and local governments for list rows, from the
    in-memory reference maps (no query per row). English names where they exist and
    the page is in English."""

    def __init__(self):
        self.maps = routing_selectors.reference_maps()
        english = (get_language() or "ja").startswith("en")
        # The snapshot holds the English names; it is cached like the maps.
        self.snapshot = routing_selectors.reference_snapshot() if english else None

    def office(self, office_id: int | None) -> str:
        ref = self.maps.offices.get(office_id) if office_id else None
        if ref is None:
            return ""
        if self.snapshot is not None:
            info = self.snapshot.offices.get(ref.slug)
            if info is not None and info.name_en:
                return info.name_en
        return ref.name

    def policy_area(self, pk: int | None) -> str:
        slug, name = self.maps.policy_areas.get(pk, ("", ""))
        if self.snapshot is not None:
            names = self.snapshot.policy_areas.get(slug)
            if names and names[1]:
                return names[1]
        return name

    def local_government(self, code: str | None) -> str:
        found = self.maps.local_governments.get(code) if code else None
        if found is None:
            return code or ""
        if found["name"] == found["prefecture"]:
            return found["name"]
        return f"{found['prefecture']}{found['name']}"


def named(rows, names: Names | None = None):
    """Give each list row the names it shows."""
    names = names or Names()
    for row in rows:
        row.office_name = names.office(row.primary_office_id)
        row.policy_area_name = names.policy_area(row.policy_area_id)
        row.filer_name = names.local_government(row.filer_id)
    return rows


def page_of_ids(ids, per_page: int, number):
    """One page of an id query (a count and a slice: two queries whatever the length)."""
    page = Paginator(ids, per_page).get_page(number)
    page.ids = list(page.object_list)
    return page


def query_without(request, *names: str) -> str:
    """The current query string without ``names``, ready for ``?{{ it }}page=2``."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    encoded = query.urlencode()
    return f"{encoded}&" if encoded else ""


# --- the pages ---------------------------------------------------------------------------------


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
    """The local government's consultations (as filer or co-filer), in three groups."""
    user = request.user
    visible = selectors.visible_consultations(user)
    sections = []
    for key, statuses, order, per_page in (
        # Longest waiting first: the filer is the one holding things up.
        ("waiting", WAITING, ("updated_at", "id"), WAITING_PER_PAGE),
        ("active", ACTIVE, ("-id",), ACTIVE_PER_PAGE),
        ("finished", FINISHED, ("-updated_at", "-id"), FINISHED_PER_PAGE),
    ):
        ids = visible.filter(status__in=statuses).order_by(*order).values_list("id", flat=True)
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
    """How many wait for routing, the counts by status and the newest consultations."""
    user = request.user
    visible = selectors.visible_consultations(user)
    counts = dict(visible.order_by().values_list("status").annotate(n=Count("id")))
    by_status = [{"status": status, "label": label, "count": counts.get(status, 0)} for status, label in Status.CHOICES]
    newest = list(selectors.visible_ids_newest_first(user, SECRETARIAT_NEWEST)[:SECRETARIAT_NEWEST])
    return render(
        request,
        "frontend/home/secretariat.html",
        {
            "triage_count": counts.get(Status.TRIAGE, 0),
            "by_status": by_status,
            "rows": named(selectors.page_of(user, newest)),
            "now": timezone.now(),
        },
    )


urlpatterns = [path("", home, name="home")]
