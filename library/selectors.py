"""Reading the good-answer library. Every signed-in person reads published
entries; drafts and withdrawn entries are the secretariat's (404 to others).
An entry names its source consultation only to those whom the visibility rule
(``consult.selectors.visible_consultations``) lets see it, and the filer only
when the filer agreed (``Consultation.library_consent``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from consult import selectors as consult_selectors
from measures import selectors as measures_selectors
from measures.models import Measure
from routing import selectors as routing_selectors

from .models import Entry, EntryStatus, EntryVersion

MAX_QUERY = 200


def _measures_shown() -> QuerySet[Measure]:
    """An entry's measures as its page and rows show them: a name, a link and the ministry."""
    return (
        Measure.objects.select_related("ministry")
        .only("id", "name", "is_active", "ministry__name")
        .order_by("name", "id")
    )


def _with_details(queryset: QuerySet[Entry]) -> QuerySet[Entry]:
    """What a list row or a detail shows, in a constant number of queries."""
    return (
        queryset.select_related("published", "current")
        .annotate(filer_code=F("source__filer_id"), filer_consent=F("source__library_consent"))
        .prefetch_related(Prefetch("measures", queryset=_measures_shown()))
    )


def search(queryset: QuerySet[Entry], q: str) -> QuerySet[Entry]:
    """``q`` over the published text with the project's analyzer, ranked (``rank``)."""
    from search.backend import backend

    return backend().filter_ranked(queryset, q, vector_field="search_vector")


def published_entries(*, q: str = "", policy_area: str = "") -> QuerySet[Entry]:
    """The published entries, newest first, or ranked by relevance with ``q``."""
    return _entries(EntryStatus.PUBLISHED, q=q, policy_area=policy_area)


def library_entries(user, *, q: str = "", policy_area: str = "", status: str = "") -> QuerySet[Entry]:
    """The API list: published entries for everyone; the secretariat may ask for
    drafts or withdrawn ones. Anyone else naming another status is refused (400),
    so that a reader is never left to believe a list of drafts was empty.
    ``q`` searches the published text only (what ``search_vector`` holds), so it
    goes with published entries only."""
    from .services import may_review

    status = status or EntryStatus.PUBLISHED
    if status not in EntryStatus.values:
        raise ValidationError({"status": [_("状態は draft、published、withdrawn のいずれかです")]})
    if status != EntryStatus.PUBLISHED and not may_review(user):
        raise ValidationError({"status": [_("公開中以外の回答事例を一覧できるのは事務局です")]})
    if status != EntryStatus.PUBLISHED and (q or "").strip():
        raise ValidationError({"q": [_("語による検索は公開中の回答事例だけが対象です")]})
    return _entries(status, q=q, policy_area=policy_area)


def _entries(status: str, *, q: str = "", policy_area: str = "") -> QuerySet[Entry]:
    queryset = Entry.objects.filter(status=status)
    if policy_area:
        areas = [pk for pk, (slug, _name) in routing_selectors.reference_maps().policy_areas.items()
                 if slug == policy_area]  # fmt: skip
        queryset = queryset.filter(policy_area_id__in=areas)
    q = (q or "").strip()[:MAX_QUERY]
    if q:
        return _with_details(search(queryset, q))
    if status == EntryStatus.PUBLISHED:
        return _with_details(queryset).order_by("-published_at", "-id")
    return _with_details(queryset).order_by("-updated_at", "-id")


def review_entries(*, status: str = "") -> QuerySet[Entry]:
    """The secretariat's list: every entry, those waiting for review first
    (drafts, and published ones with a newer version), then by last change."""
    queryset = Entry.objects.all()
    if status in EntryStatus.values:
        queryset = queryset.filter(status=status)
    waiting = Q(status=EntryStatus.DRAFT) | (Q(status=EntryStatus.PUBLISHED) & ~Q(current=F("published")))
    return (
        _with_details(queryset)
        .annotate(waiting=ExpressionWrapper(waiting, output_field=BooleanField()))
        .order_by("-waiting", "-updated_at", "-id")
    )


def access_entry(user, pk) -> Entry:
    """A published entry for any signed-in person; any entry for the secretariat; else 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(_("回答事例が見つかりません")) from None
    queryset = Entry.objects.filter(pk=pk)
    if not (user.is_authenticated and user.is_active):
        raise Http404(_("回答事例が見つかりません"))
    from .services import may_review

    if not may_review(user):
        queryset = queryset.filter(status=EntryStatus.PUBLISHED)
    entry = _with_details(queryset).first()
    if entry is None:
        raise Http404(_("回答事例が見つかりません"))
    return entry


def entry_with_details(pk: int) -> Entry:
    """One entry as a row shows it, whatever its status (the caller authorised it)."""
    return _with_details(Entry.objects.filter(pk=pk)).get()


def shown_version(user, entry: Entry) -> EntryVersion | None:
    """What this person reads: the published version; the secretariat reviews the latest."""
    from .services import may_review

    if may_review(user):
        return entry.current or entry.published
    return entry.published


def versions(entry: Entry) -> list[EntryVersion]:
    """Every version, newest first, with its editor (the secretariat's history)."""
    return list(entry.versions.select_related("editor").order_by("-number"))


def linkable_sources(user, entries) -> set[int]:
    """Of these entries' source consultations, those ``user`` may open (one query)."""
    ids = {entry.source_id for entry in entries}
    if not ids:
        return set()
    return set(consult_selectors.visible_consultations(user).filter(pk__in=ids).values_list("pk", flat=True))


def local_government_of(entry: Entry) -> dict | None:
    """The filer as the library shows it: only when the filer agreed."""
    if not getattr(entry, "filer_consent", False):
        return None
    found = routing_selectors.reference_maps().local_governments.get(entry.filer_code)
    if found is None:
        return None
    name = found["name"] if found["name"] == found["prefecture"] else f"{found['prefecture']}{found['name']}"
    return {"code": found["code"], "name": name}


def policy_area_of(entry: Entry) -> tuple[str, str]:
    """(slug, name) of the entry's policy area, from the reference maps."""
    maps = routing_selectors.reference_maps()
    slug, _name = maps.policy_areas.get(entry.policy_area_id, ("", ""))
    return slug, maps.policy_area_name(entry.policy_area_id)


def policy_area_named(slug: str):
    """The policy area with this slug (for an edit), or None."""
    return routing_selectors.policy_areas().filter(slug=slug).first() if slug else None


def policy_area_slug(policy_area_id: int) -> str:
    return routing_selectors.reference_maps().policy_areas.get(policy_area_id, ("", ""))[0]


def measure_choices(*, policy_area_id: int, chosen_ids) -> list[dict]:
    """The edit and proposal forms' measures to tick: the area's, and those chosen (``chosen_ids``)."""
    chosen = _measures_shown().filter(pk__in=[int(pk) for pk in chosen_ids])
    return measures_selectors.choices(policy_area_id=policy_area_id, chosen=chosen)


def introduced_measure_ids(consultation) -> list[int]:
    """The measures introduced in the answer: a proposal's first choice of related measures."""
    return [row.measure_id for row in measures_selectors.introduced(consultation)]


def entries_of(consultation) -> list[Entry]:
    """The entries made from one consultation (the caller authorised it)."""
    return list(Entry.objects.filter(source=consultation).select_related("current").order_by("-id"))
