"""Reading the measure catalogue. Every list is a fixed number of queries
whatever its length (windows, KPIs and areas are prefetched)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Role
from routing.models import Ministry, PolicyArea
from search.backend import Query as SearchQuery
from search.backend import backend as search_backend

from . import windows as window_rules
from .models import Follow, Introduction, Kpi, Measure, Milestone, Revision, Window


def _with_details(queryset: QuerySet[Measure], day: datetime.date) -> QuerySet[Measure]:
    return (
        queryset.select_related("ministry", "office")
        .defer("search_vector")
        .prefetch_related(
            Prefetch(
                "policy_areas", queryset=PolicyArea.objects.only("id", "slug", "name_ja", "name_en", "sort_order")
            ),
            Prefetch("windows", queryset=Window.objects.order_by("opens_on", "id")),
            Prefetch("kpis", queryset=Kpi.objects.order_by("position", "id")),
        )
        .annotate(is_open=window_rules.open_exists(day))
    )


def _filtered(
    *,
    q: str = "",
    policy_area: str = "",
    ministry: str = "",
    kind: str = "",
    open_only: bool = False,
    day: datetime.date | None = None,
    include_inactive: bool = False,
) -> tuple[QuerySet[Measure], datetime.date]:
    day = day or window_rules.today()
    queryset = Measure.objects.all() if include_inactive else Measure.objects.filter(is_active=True)
    if policy_area:
        queryset = queryset.filter(policy_areas__slug=policy_area)
    if ministry:
        queryset = queryset.filter(Q(ministry__slug=ministry) | Q(ministry__parent__slug=ministry))
    if kind:
        queryset = queryset.filter(kind=kind)
    if open_only:
        queryset = queryset.filter(window_rules.open_exists(day))
    if q.strip():
        # The Japanese search of the consultations (search.backend): words, their
        # readings' folding, synonyms and bigrams; best matches first after open windows.
        query = SearchQuery(q)
        if not query:
            return queryset.none(), day
        engine = search_backend()
        vector = F("search_vector")
        queryset = queryset.filter(engine.matches(vector, query)).annotate(rank=engine.rank(vector, query))
    return queryset, day


def _ordered(queryset: QuerySet[Measure], day: datetime.date) -> QuerySet[Measure]:
    if "is_open" not in queryset.query.annotations:
        queryset = queryset.annotate(is_open=window_rules.open_exists(day))
    if "rank" in queryset.query.annotations:
        return queryset.order_by("-is_open", "-rank", "name", "id")
    return queryset.order_by("-is_open", "name", "id")


def catalogue(**filters) -> QuerySet[Measure]:
    """The measures matching the filters (those of :func:`_filtered`), open windows first, then by name.

    ``ministry`` matches the ministry in charge or its parent (``meti`` includes
    中小企業庁); ``q`` words of the name, summary, eligibility or ministry name
    (the Japanese search; the best matches first after the open windows)."""
    queryset, day = _filtered(**filters)
    return _ordered(_with_details(queryset, day), day)


def catalogue_ids(**filters) -> QuerySet:
    """The ids of :func:`catalogue`, in its order: what a paginated list slices.

    Sorting thousands of narrow rows and then reading the 30 or 50 of the page
    (:func:`in_order`) is cheaper than sorting the joined, full rows."""
    queryset, day = _filtered(**filters)
    return _ordered(queryset, day).values_list("pk", flat=True)


def in_order(ids, *, day: datetime.date | None = None) -> list[Measure]:
    """The measures of a page of :func:`catalogue_ids`, with their details, in that order."""
    ids = list(ids)
    found = {
        measure.pk: measure
        for measure in _with_details(Measure.objects.filter(pk__in=ids), day or window_rules.today())
    }
    return [found[pk] for pk in ids if pk in found]


def ministries_in_charge() -> QuerySet[Ministry]:
    """The ministries with a measure, for the catalogue's filter (a semi-join: cheaper than DISTINCT over a join)."""
    return Ministry.objects.filter(Exists(Measure.objects.filter(ministry=OuterRef("pk")))).order_by(
        "sort_order", "slug"
    )


def access_measure(user, pk) -> Measure:
    """The measure for any signed-in person (retired ones for the secretariat only), else 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(_("施策が見つかりません")) from None
    queryset = Measure.objects.filter(pk=pk)
    if getattr(user, "role", None) != Role.SECRETARIAT:
        queryset = queryset.filter(is_active=True)
    measure = (
        _with_details(queryset, window_rules.today())
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("fiscal_year", "position")))
        .first()
    )
    if measure is None:
        raise Http404(_("施策が見つかりません"))
    return measure


def for_policy_area(slug: str, *, limit: int = 8, day: datetime.date | None = None) -> list[Measure]:
    """The filing form's panel: the area's measures, open windows first."""
    if not slug:
        return []
    return list(catalogue(policy_area=slug, day=day)[:limit])


def introduced(consultation) -> list[Introduction]:
    """The measures introduced in answers to ``consultation``. The caller has
    authorised the consultation (consult.selectors.access_consultation): these are
    seen only through it."""
    return list(
        Introduction.objects.filter(consultation=consultation, measure__is_active=True)
        .select_related("measure__ministry", "office")
        .order_by("created_at", "id")
    )


CHOICES_LIMIT = 30


def choices(*, policy_area_id: int, chosen: Iterable[Measure] = (), limit: int = CHOICES_LIMIT) -> list[dict]:
    """A form's measures to tick: the policy area's (open windows first, at most
    ``limit``) and then those already chosen from elsewhere, each ``{measure, checked}``.
    ``chosen`` are loaded measures (with their ministry), so this is one list query."""
    chosen = list(chosen)
    chosen_ids = {measure.pk for measure in chosen}
    area = list(catalogue().filter(policy_areas=policy_area_id)[:limit])
    shown = {measure.pk for measure in area}
    extra = [measure for measure in chosen if measure.pk not in shown]
    return [{"measure": measure, "checked": measure.pk in chosen_ids} for measure in [*area, *extra]]


def followed_ids(user, measure_ids) -> set[int]:
    return set(Follow.objects.filter(user=user, measure_id__in=list(measure_ids)).values_list("measure_id", flat=True))


def current_window(measure: Measure, day: datetime.date | None = None) -> Window | None:
    """The open window, else the next one to open (from the prefetched windows)."""
    day = day or window_rules.today()
    rows = list(measure.windows.all())
    for row in rows:
        if window_rules.is_open(row.opens_on, row.closes_on, day):
            return row
    upcoming = [row for row in rows if row.opens_on > day]
    return upcoming[0] if upcoming else None


# --- for the secretariat ---------------------------------------------------------------------


def _usage(introductions) -> dict[tuple[int, int], dict]:
    """Per (measure, fiscal year of the introduction): consultations and the local governments that asked."""
    rows: dict[tuple[int, int], dict] = {}
    for measure_id, name, created_at, consultation_id, filer_name in introductions.values_list(
        "measure_id", "measure__name", "created_at", "consultation_id", "consultation__filer__name"
    ).order_by("measure__name", "created_at"):
        year = window_rules.fiscal_year_of(window_rules.today(created_at))
        row = rows.setdefault(
            (measure_id, year),
            {"measure_id": measure_id, "measure": name, "fiscal_year": year, "ids": set(), "names": set()},
        )
        row["ids"].add(consultation_id)
        row["names"].add(filer_name)
    for row in rows.values():
        row["consultations"] = len(row.pop("ids"))
        row["local_governments"] = sorted(row.pop("names"))
    return rows


def usage_by_fiscal_year(measure: Measure) -> list[dict]:
    """One measure, newest fiscal year first: the consultations answered with it
    and the local governments that asked."""
    rows = _usage(Introduction.objects.filter(measure=measure))
    return sorted(rows.values(), key=lambda row: -row["fiscal_year"])


def usage_table() -> list[dict]:
    """Every measure's usage, in one query (the CSV)."""
    rows = _usage(Introduction.objects.all())
    return sorted(rows.values(), key=lambda row: (row["measure"], -row["fiscal_year"]))


def most_introduced(*, limit: int = 20) -> list[Measure]:
    """The measures most often introduced, for the dashboard."""
    return list(
        Measure.objects.annotate(
            consultations=Count("introductions__consultation", distinct=True),
            local_governments=Count("introductions__consultation__filer", distinct=True),
        )
        .filter(consultations__gt=0)
        .select_related("ministry")
        .order_by("-consultations", "name")[:limit]
    )


def kpi_table() -> QuerySet[Kpi]:
    """Every KPI with its measure: the target and the latest value the ministry entered."""
    return (
        Kpi.objects.filter(measure__is_active=True)
        .select_related("measure__ministry")
        .order_by("measure__ministry__sort_order", "measure__name", "position")
    )


def roadmap() -> QuerySet[Milestone]:
    return (
        Milestone.objects.filter(measure__is_active=True)
        .select_related("measure")
        .order_by("fiscal_year", "measure__name", "position")
    )


# --- history -------------------------------------------------------------------------------

ORIGINS = {"csv": _lazy("CSVの読み込み"), "page": _lazy("画面"), "admin": _lazy("管理画面")}
CHANGE_LABELS = {
    "created": _lazy("登録"),
    "policy_areas": _lazy("施策分野"),
    "window_added": _lazy("公募期間の追加"),
    "window_changed": _lazy("公募期間の修正"),
    "window_removed": _lazy("公募期間の削除"),
    "kpi": _lazy("KPIの最新値"),
    "kpi_added": _lazy("KPIの追加"),
    "kpi_changed": _lazy("KPIの修正"),
    "kpi_removed": _lazy("KPIの削除"),
    "milestone_added": _lazy("工程表の追加"),
    "milestone_changed": _lazy("工程表の修正"),
    "milestone_removed": _lazy("工程表の削除"),
}


def _change_label(key: str):
    base = key.split(":", 1)[0]
    if base in CHANGE_LABELS:
        return CHANGE_LABELS[base]
    try:
        return Measure._meta.get_field(base).verbose_name
    except FieldDoesNotExist:
        return key


def history(measure: Measure, *, limit: int = 50) -> list[dict]:
    """The measure's revisions, newest first: when, who, from where, and each change as before → after."""
    rows = []
    for revision in Revision.objects.filter(measure_id=measure.pk).select_related("actor")[:limit]:
        changes = []
        for key, value in revision.changes.items():
            before, after = value if isinstance(value, list) and len(value) == 2 else (None, None)
            changes.append({"label": _change_label(key), "before": before, "after": after})
        rows.append({"at": revision.created_at, "actor": revision.actor, "origin": ORIGINS.get(revision.origin, revision.origin),
                     "changes": changes})  # fmt: skip
    return rows
