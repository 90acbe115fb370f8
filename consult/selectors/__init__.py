"""Every scoped read of consultations. Visibility is decided here, once.

* secretariat: everything;
* municipal staff: consultations whose filer or co-filer is their local government, and
  the consultations those were merged into (the parties of a merged one follow the kept one);
* liaisons: consultations their offices hold or held (OfficeHandling) or collaborate on.

Outside it a consultation does not exist: ``access_consultation`` raises Http404.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BigIntegerField, CharField, F, IntegerField, Q, QuerySet
from django.db.models.expressions import Case, OuterRef, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import OFFICE_IDS_ATTRIBUTE, office_ids_of

from .. import rules, text_search
from ..models import CoFiler, Collaborator, Consultation, OfficeHandling


def _office_ids(user, consultation: Consultation | None = None) -> list[int]:
    """The user's offices; remembered on the consultation object for the rest of the request."""
    cache = getattr(consultation, "_viewer_offices", None) if consultation is not None else None
    if cache is not None and user.pk in cache:
        return cache[user.pk]
    offices = office_ids_of(user)
    if consultation is not None:
        consultation._viewer_offices = {**(cache or {}), user.pk: offices}
    return offices


class _IdSet:
    """One of the small, index-backed sets of consultation ids that make up what a
    user may see: ``queryset`` holds the ids in ``column``; ``repeats`` when one id
    can appear in it more than once (an office may have held a consultation twice)."""

    __slots__ = ("column", "queryset", "repeats")

    def __init__(self, queryset: QuerySet, column: str, *, repeats: bool):
        self.queryset = queryset
        self.column = column
        self.repeats = repeats


EVERYTHING = "everything"


def _visible_sets(user, offices: list[int], pk: int | None = None) -> list[_IdSet] | str | None:
    """The visibility rule, once: ``EVERYTHING`` (the secretariat), None (nothing),
    or the id sets whose union the user may see; ``offices`` are a liaison's.
    With ``pk``, each set narrowed to that one consultation."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.role == Role.SECRETARIAT:
        return EVERYTHING
    if user.role == Role.STAFF:
        code = user.local_government_id
        sets = [
            _IdSet(Consultation.objects.filter(filer_id=code), "id", repeats=False),
            _IdSet(CoFiler.objects.filter(local_government_id=code), "consultation_id", repeats=False),
            # The kept consultations their merged ones point to (partial indexes: few are merged).
            _IdSet(
                Consultation.objects.filter(filer_id=code, merged_into__isnull=False), "merged_into_id", repeats=True
            ),
            _IdSet(
                CoFiler.objects.filter(local_government_id=code, consultation__merged_into__isnull=False),
                "consultation__merged_into_id",
                repeats=True,
            ),
        ]
    elif user.role == Role.LIAISON:
        if not offices:
            return None
        # The offices as a list, so that the database looks them up by index.
        sets = [
            _IdSet(OfficeHandling.objects.filter(office_id__in=offices), "consultation_id", repeats=True),
            _IdSet(Collaborator.objects.filter(office_id__in=offices), "consultation_id", repeats=True),
        ]
    else:
        return None
    if pk is not None:
        for id_set in sets:
            id_set.queryset = id_set.queryset.filter(**{id_set.column: pk})
    return sets


def visibility_filter(user, pk: int | None = None) -> Q | None:
    """The condition on Consultation rows that ``user`` may see (None: nothing).

    Written as ``id IN (… UNION …)`` rather than ORs of EXISTS, so that
    PostgreSQL answers it from the small index-backed set of visible ids instead
    of testing every consultation (a list over a million rows stays fast).
    With ``pk``, the same rule narrowed to one consultation (for detail views).
    """
    sets = _visible_sets(user, _office_ids(user) if _is_liaison(user) else [], pk)
    if sets is None:
        return None
    if sets == EVERYTHING:
        return Q(pk=pk) if pk is not None else Q()
    first, *others = (id_set.queryset.order_by().values(id_set.column) for id_set in sets)
    return Q(pk__in=first.union(*others, all=True))


def visible_ids_newest_first(user, newest: int | None = None):
    """The ids of the consultations ``user`` may see, newest filed first, read
    from the small id sets of the visibility rule alone (no scan of the
    consultation table).

    With ``newest``, only the first ``newest`` ids of the result are right, and
    cheaper: an office's id sets are each cut to their own newest ``newest``
    before they are merged, so the database reads that many index entries per
    set instead of every id the office has ever handled."""
    offices = _office_ids(user) if _is_liaison(user) else []
    return _ids_newest_first(user, offices, newest)


def _is_liaison(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active and user.role == Role.LIAISON


def _ids_newest_first(user, offices: list[int], newest: int | None):
    sets = _visible_sets(user, offices)
    if sets is None:
        return Consultation.objects.none().values_list("id", flat=True)
    if sets == EVERYTHING:
        return Consultation.objects.order_by("-id").values_list("id", flat=True)
    parts = []
    for id_set in sets:
        part = id_set.queryset.order_by().values_list(id_set.column, flat=True)
        if newest and connection.features.supports_slicing_ordering_in_compound:
            # The first ``newest`` of a union are among the first ``newest``
            # distinct ids of each part; the (filer, -id), (local government,
            # consultation) and (office, consultation) indexes give each in order.
            part = (part.distinct() if id_set.repeats else part).order_by(f"-{id_set.column}")[:newest]
        parts.append(part)
    first, *others = parts
    return first.union(*others).order_by(f"-{sets[0].column}")


class NewestVisibleIds:
    """``visible_ids_newest_first`` for a paginator: counted over every visible
    id (``query`` is that count's), while a page reads only the newest ids down
    to its own end."""

    ordered = True

    def __init__(self, user):
        self._user = user
        self._offices = _office_ids(user) if _is_liaison(user) else []
        self._all = _ids_newest_first(user, self._offices, None)
        self.query = self._all.query

    def count(self) -> int:
        return self._all.count()

    def __getitem__(self, index):
        if isinstance(index, slice) and index.stop is not None and index.stop > (index.start or 0) >= 0:
            return _ids_newest_first(self._user, self._offices, index.stop)[index]
        return self._all[index]


class RankedIds:
    """The ids ``q`` finds, best first (``RANKED``), for a paginator. The search ranks only
    its newest matches, from the id ``rank_cutoff`` on (``text_search``), and older ones
    follow newest first: so a page within the ranked ones reads those alone, by a range
    of ids, and never the vectors of every match of a common word. Counted over every match."""

    ordered = True

    def __init__(self, ids: QuerySet):
        self._all = ids
        self.query = ids.query
        self._cutoff = getattr(ids.query.annotations.get("rank_cutoff"), "value", 0) or 0

    def count(self) -> int:
        return self._all.count()

    def __iter__(self):
        return iter(self._all)

    def __getitem__(self, index):
        if not self._cutoff or not isinstance(index, slice) or index.stop is None or index.step:
            return self._all[index]
        start, stop = index.start or 0, index.stop
        ranked = self._all.filter(pk__gte=self._cutoff)
        page = list(ranked[start:stop])
        if len(page) == stop - start:
            return page
        ranked_count = start + len(page) if page else ranked.count()
        older = self._all.filter(pk__lt=self._cutoff)
        return page + list(older[max(start - ranked_count, 0) : stop - ranked_count])


def visible_consultations(user, pk: int | None = None) -> QuerySet[Consultation]:
    return Consultation.objects.visible_to(user, pk=pk)


def with_list_details(queryset: QuerySet[Consultation]) -> QuerySet[Consultation]:
    """What a list row shows, in a constant number of queries."""
    # Reference data (offices, local governments, policy areas) comes from
    # routing.selectors.reference_maps, not from joins.
    return queryset.select_related("assignee")


def _parties_of(ids: list[int]) -> tuple[dict[int, list[str]], dict[int, list[int]]]:
    """Co-filer codes and collaborating office ids of these consultations, in
    one query (each in the order the links were made)."""
    co_filers: dict[int, list[str]] = {pk: [] for pk in ids}
    collaborators: dict[int, list[int]] = {pk: [] for pk in ids}
    if not ids:
        return co_filers, collaborators
    no_office = Value(None, output_field=BigIntegerField())
    no_code = Value(None, output_field=CharField())
    links = (
        CoFiler.objects.filter(consultation_id__in=ids)
        .order_by()
        .values_list("id", "consultation_id", "local_government_id", no_office)
        .union(
            Collaborator.objects.filter(consultation_id__in=ids)
            .order_by()
            .values_list("id", "consultation_id", no_code, "office_id"),
            all=True,
        )
        .order_by("id")
    )
    for _link, consultation_id, code, office_id in links:
        if code is not None:
            co_filers[consultation_id].append(code)
        else:
            collaborators[consultation_id].append(office_id)
    return co_filers, collaborators


def _parties_in_sql() -> bool:
    # PostgreSQL returns the co-filers and collaborators with the consultation
    # row itself (ARRAY subqueries), saving a round trip per list or detail.
    return connection.vendor == "postgresql"


def _party_arrays() -> dict:
    """``co_filer_codes`` and ``collaborator_office_ids`` as annotations (PostgreSQL)."""
    from django.contrib.postgres.expressions import ArraySubquery

    return {
        "co_filer_codes": ArraySubquery(
            CoFiler.objects.filter(consultation_id=OuterRef("pk")).order_by("id").values("local_government_id")
        ),
        "collaborator_office_ids": ArraySubquery(
            Collaborator.objects.filter(consultation_id=OuterRef("pk")).order_by("id").values("office_id")
        ),
    }


def attach_parties(consultations: list[Consultation]) -> list[Consultation]:
    """Give each consultation ``co_filer_codes`` and ``collaborator_office_ids``,
    in one query for the whole list (plain lists: cheaper than prefetching)."""
    co_filers, collaborators = _parties_of([c.pk for c in consultations])
    for consultation in consultations:
        consultation.co_filer_codes = co_filers[consultation.pk]
        consultation.collaborator_office_ids = collaborators[consultation.pk]
    return consultations


# The columns a list row shows (consult.api.serializers.consultation_row).
LIST_COLUMNS = (
    "id", "reference", "title", "body", "status", "policy_area_id", "filer_id", "urgency", "priority",
    "desired_by", "primary_office_id", "rule_id", "rule_name", "rule_set_id", "routing_explanation",
    "routing_explanation_en", "triage_reason", "first_response_due_at", "resolution_due_at",
    "first_responded_at", "resolved_at", "closed_at", "withdrawn_at", "transfer_count", "created_at", "updated_at",
    "merged_into_id",
)  # fmt: skip


class UserRef:
    """The two fields of a person that a list row shows."""

    __slots__ = ("display_name", "id")

    def __init__(self, pk: int, display_name: str):
        self.id = pk
        self.display_name = display_name

    @property
    def pk(self) -> int:
        return self.id


class ConsultationRow:
    """One list row: the columns of ``LIST_COLUMNS`` as attributes, plus
    ``assignee``, ``co_filer_codes`` and ``collaborator_office_ids``. Read as
    plain values rather than model instances: building fifty Consultation and
    User objects costs more than the rest of the page."""

    def __init__(self, values: dict):
        self.__dict__.update(values)

    @property
    def pk(self) -> int:
        return self.id


def page_of(user, ids: list[int]) -> list[ConsultationRow]:
    """The rows of a page of ids already taken from ``visible_consultations``, in that order.

    Lists page over the narrow visible-id query first, so that the database
    reads details for one page only, never for every visible row."""
    queryset = Consultation.objects.filter(pk__in=ids)
    parties_inline = _parties_in_sql()
    if parties_inline:
        names = (*LIST_COLUMNS, "co_filer_codes", "collaborator_office_ids")
        queryset = queryset.annotate(**_party_arrays())
    else:
        names = LIST_COLUMNS
    rows = {}
    for values in queryset.values_list(*names, "assignee_id", "assignee__display_name"):
        row = ConsultationRow(dict(zip(names, values[:-2], strict=True)))
        assignee_id, assignee_name = values[-2:]
        row.assignee = UserRef(assignee_id, assignee_name) if assignee_id is not None else None
        rows[row.id] = row
    page = [rows[pk] for pk in ids if pk in rows]
    if not parties_inline:
        co_filers, collaborators = _parties_of([row.id for row in page])
        for row in page:
            row.co_filer_codes = co_filers[row.id]
            row.collaborator_office_ids = collaborators[row.id]
    return page


# --- lists ---------------------------------------------------------------------------------

# The columns a list may be ordered by (API.md ``ordering``), each also descending with "-".
ORDERINGS = ("created_at", "updated_at", "first_response_due_at", "resolution_due_at", "reference", "status")
# Further terms for the pages: ``id`` (the tie-break) and ``lateness`` (overdue
# first, then due within half a business day, then the rest).
_PAGE_ORDERINGS = ("id", "lateness", "rank")
NEWEST_FIRST = ("-id",)
RANKED = ("-rank", "-id")  # best match first (``rank`` exists with ``q`` only; else ignored)


@dataclass(frozen=True)
class ListFilters:
    """What a list of consultations asks for. Every field is optional: an empty
    value sets no condition. Slugs and codes are those of the API (API.md)."""

    status: tuple[str, ...] = ()  # any of these statuses
    office: str = ""  # the holding office's slug
    held_by: tuple[int, ...] | None = None  # held by one of these offices (ids)
    collaborating: tuple[int, ...] | None = None  # these offices (ids) collaborate on it
    policy_area: str = ""  # slug
    prefecture: str = ""  # the filer's prefecture code
    overdue: bool | None = None  # only overdue (True) or only not overdue (False); consult.rules
    unassigned: bool = False  # only those nobody is assigned to
    q: str = ""  # words to search (``text_search.matching``): ranked, with ordering RANKED
    ids: tuple[int, ...] | None = None  # only these consultations
    ordering: tuple[str, ...] = NEWEST_FIRST  # terms of ORDERINGS (or "id", "lateness"), "-" descending

    def conditions_only_visibility(self) -> bool:
        return self == ListFilters(ordering=self.ordering)


def _ordered(queryset: QuerySet, ordering: tuple[str, ...], now, *, ranked: bool = False) -> QuerySet:
    terms = []
    for term in ordering:
        name = term.removeprefix("-")
        if name not in ORDERINGS and name not in _PAGE_ORDERINGS:
            raise ValueError(f"unknown ordering {term!r}")
        if name == "rank" and not ranked:
            continue
        if name == "lateness":
            from routing import selectors as routing_selectors

            # Due soon on the default calendar (office closures differ by a few days a year at most).
            calendar = routing_selectors.office_calendar(None)
            soon_at = calendar.instant_at(calendar.position(now) + rules.DUE_SOON_SECONDS)
            queryset = queryset.annotate(
                lateness=Case(
                    When(rules.overdue_q(now), then=Value(0)),
                    When(rules.overdue_q(soon_at), then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                )
            )
        terms.append(term)
    return queryset.order_by(*terms)


def consultation_list(user, filters: ListFilters, *, now=None):
    """The ids of the consultations ``user`` may see that match ``filters``, in
    ``filters.ordering``: a countable, sliceable sequence for a paginator, whose
    pages go to ``page_of``. Every list (the API, the queue, home, triage, the
    dashboard's lists) reads through here, so a filter means the same everywhere.

    Without conditions and newest first, the ids come from the visibility rule's
    own id sets (``NewestVisibleIds``): the list a person opens most often."""
    if filters.ordering == NEWEST_FIRST and filters.conditions_only_visibility():
        return NewestVisibleIds(user)
    from routing import selectors as routing_selectors

    now = now or timezone.now()
    queryset = visible_consultations(user)
    if filters.ids is not None:
        queryset = queryset.filter(pk__in=filters.ids)
    if filters.status:
        queryset = queryset.filter(status__in=filters.status)
    if filters.office or filters.policy_area:
        # Slugs to ids from the in-memory maps (no join); an unknown slug by the
        # join, which finds nothing.
        maps = routing_selectors.reference_maps()
        office_id = maps.office_ids.get(filters.office) if filters.office else None
        if office_id is not None:
            queryset = queryset.filter(primary_office_id=office_id)
        elif filters.office:
            queryset = queryset.filter(primary_office__slug=filters.office)
        areas = [pk for pk, (slug, _name) in maps.policy_areas.items() if slug == filters.policy_area]
        if areas:
            queryset = queryset.filter(policy_area_id__in=areas)
        elif filters.policy_area:
            queryset = queryset.filter(policy_area__slug=filters.policy_area)
    if filters.held_by is not None:
        queryset = queryset.filter(primary_office_id__in=filters.held_by)
    if filters.collaborating is not None:
        collaborating = Collaborator.objects.filter(office_id__in=filters.collaborating)
        queryset = queryset.filter(pk__in=collaborating.order_by().values("consultation_id"))
    if filters.prefecture:
        queryset = queryset.filter(filer__prefecture_id=filters.prefecture)
    if filters.overdue is True:
        queryset = queryset.filter(rules.overdue_q(now))
    elif filters.overdue is False:
        queryset = queryset.exclude(rules.overdue_q(now))
    if filters.unassigned:
        queryset = queryset.filter(assignee__isnull=True)
    searched = bool(filters.q.strip())
    # Ranked only where the order asks for it: a count, or a list by date, needs no ranking.
    ranked = searched and "rank" in {term.lstrip("-") for term in filters.ordering}
    if searched:
        queryset = text_search.matching(queryset, user, filters.q.strip(), rank=ranked)
    ids = _ordered(queryset, filters.ordering, now, ranked=ranked).values_list("id", flat=True)
    return RankedIds(ids) if ranked and filters.ordering == RANKED else ids


def list_counts(user, lists: list[ListFilters], *, now=None) -> list[int]:
    """How many consultations each of ``lists`` holds for ``user``, in one query
    whatever their number: each count is taken over ``consultation_list`` itself
    (a scalar subquery per list), so that it equals that list's own count. Counts
    are remembered as the API's list pages remember theirs
    (``BANSO_LIST_COUNT_CACHE_SECONDS``, under the same keys)."""
    from django.conf import settings
    from django.core.cache import cache

    from config.api import list_count_key

    if not lists:
        return []
    now = now or timezone.now()
    counts: list[int | None] = []
    compiled: dict[int, tuple[str, tuple]] = {}
    # The person's offices are read once for every list, as API authentication
    # leaves them on the user for a request (accounts.selectors), then forgotten.
    remembered = _is_liaison(user) and getattr(user, OFFICE_IDS_ATTRIBUTE, None) is None
    if remembered:
        setattr(user, OFFICE_IDS_ATTRIBUTE, office_ids_of(user))
    try:
        for index, filters in enumerate(lists):
            # Counted in no particular order, so a search is not ranked for it.
            ids = consultation_list(user, dataclasses.replace(filters, ordering=NEWEST_FIRST), now=now)
            # The order changes no count (and "lateness" would put ``now`` in every key).
            query = ids.order_by().query if hasattr(ids, "order_by") else ids.query
            try:
                compiled[index] = query.sql_with_params()
            except EmptyResultSet:  # e.g. a ``q`` without any term: nothing to count
                counts.append(0)
                continue
            counts.append(None)
    finally:
        if remembered:
            delattr(user, OFFICE_IDS_ATTRIBUTE)
    seconds = getattr(settings, "BANSO_LIST_COUNT_CACHE_SECONDS", 30)
    keys = {index: list_count_key(sql, params) for index, (sql, params) in compiled.items()}
    known = cache.get_many(list(keys.values())) if seconds and keys else {}
    missing = [index for index in compiled if keys[index] not in known]
    for index in compiled:
        if index not in missing:
            counts[index] = known[keys[index]]
    if missing:
        columns, params = [], []
        for index in missing:
            sql, list_params = compiled[index]
            # Django compiled ``sql`` itself; every value travels in ``params``.
            columns.append(f"(SELECT COUNT(*) FROM ({sql}) AS list_{index})")  # noqa: S608
            params.extend(list_params)
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(columns), params)
            fresh = [int(count) for count in cursor.fetchone()]
        for index, count in zip(missing, fresh, strict=True):
            counts[index] = count
        if seconds:
            cache.set_many({keys[index]: counts[index] for index in missing}, seconds)
    return [int(count) for count in counts]


def rows_in_order(user, ids: list[int]) -> list[ConsultationRow]:
    """List rows of these ids (chosen elsewhere, e.g. by the metrics) that ``user``
    may see, in this order."""
    if not ids:
        return []
    visible = set(consultation_list(user, ListFilters(ids=tuple(ids), ordering=())))
    return page_of(user, [pk for pk in ids if pk in visible])


def access_consultation(user, pk) -> Consultation:
    """Fetch and authorise in one call: the consultation if ``user`` may see it, else 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(_("相談が見つかりません")) from None
    # The visibility rule narrowed to this one consultation: index lookups only.
    queryset = with_list_details(visible_consultations(user, pk=pk).select_related("sla_policy")).annotate(
        # A merged one points to the kept one (the banner, the API's ``merged_into``, who may unmerge).
        merged_into_reference=F("merged_into__reference"),
        merged_into_office_id=F("merged_into__primary_office_id"),
    )
    parties_inline = _parties_in_sql()
    if parties_inline:
        queryset = queryset.annotate(**_party_arrays())
    try:
        consultation = queryset.get()
    except Consultation.DoesNotExist:
        raise Http404(_("相談が見つかりません")) from None
    return consultation if parties_inline else attach_parties([consultation])[0]


def access_by_reference(user, reference: str) -> Consultation:
    """``access_consultation`` by reference number (as people type it: spaces and case ignored)."""
    normalised = "".join((reference or "").split()).upper()
    pk = visible_consultations(user).filter(reference=normalised).values_list("pk", flat=True).first()
    if pk is None:
        raise Http404(_("相談が見つかりません"))
    return access_consultation(user, pk)


# Reads inside one consultation, of the work people leave behind, and of reply templates:
# modules beside this one, by concern, over the visibility rule above; imported here so
# that every caller keeps one name (``consult.selectors``).
from .inside import (
    access_attachment,
    conversation,
    internal_cutoff,
    sees_internal,
    sees_internal_q,
    visible_attachments,
    visible_events,
    visible_messages,
)
from .templates import (
    access_reply_template,
    answers_with_templates,
    rendered_template,
    reply_templates_of,
    template_values,
    template_viewer,
    templates_for,
)
from .work import handover_work, open_work_of, ownerless_work
