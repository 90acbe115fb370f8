"""What the list pages (home, queue, triage) share: names from the in-memory
reference maps, pages of ids, and query strings for page links."""

from __future__ import annotations

from config.api import CachedCountPaginator
from routing import selectors as routing_selectors
from search import selectors as search_selectors


class Names:
    """Names of offices, policy areas and local governments for list rows, from the
    in-memory reference maps (no query per row), in English where they exist and
    the page is in English."""

    def __init__(self):
        self.maps = routing_selectors.reference_maps()

    def office(self, office_id: int | None) -> str:
        return self.maps.office_name(office_id)

    def policy_area(self, pk: int | None) -> str:
        return self.maps.policy_area_name(pk)

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
    """One page of an id query (a count and a slice: two queries whatever the length; the
    count remembered for a moment, as on the API)."""
    page = CachedCountPaginator(ids, per_page).get_page(number)
    page.ids = list(page.object_list)
    return page


def query_without(request, *names: str) -> str:
    """The current query string without ``names``, ready for ``?{{ it }}page=2``."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    encoded = query.urlencode()
    return f"{encoded}&" if encoded else ""


def with_highlights(user, rows: list, q: str) -> list:
    """With a keyword, each row's matching passage as ``row.highlight`` (escaped, matches
    marked, from what ``user`` may read: search.selectors)."""
    if q:
        marks = search_selectors.highlights(user, rows, q)
        for row in rows:
            row.highlight = marks.get(row.pk, "")
    return rows
