"""Every scoped read of consultations. Visibility is decided here, once.

* secretariat: everything;
* municipal staff: consultations whose filer or co-filer is their local government;
* liaisons: consultations their offices hold or held (OfficeHandling) or collaborate on.

Outside it a consultation does not exist: ``access_consultation`` raises Http404.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BigIntegerField, CharField, OuterRef, Prefetch, Q, QuerySet, Value
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import office_ids_of

from .models import Attachment, CoFiler, Collaborator, Consultation, Event, Message, OfficeHandling


def _office_ids(user, consultation: Consultation | None = None) -> list[int]:
    """The user's offices; remembered on the consultation object for the rest of the request."""
    cache = getattr(consultation, "_viewer_offices", None) if consultation is not None else None
    if cache is not None and user.pk in cache:
        return cache[user.pk]
    offices = office_ids_of(user)
    if consultation is not None:
        consultation._viewer_offices = {**(cache or {}), user.pk: offices}
    return offices


def visibility_filter(user, pk: int | None = None) -> Q | None:
    """The condition on Consultation rows that ``user`` may see (None: nothing).

    Written as ``id IN (… UNION …)`` rather than ORs of EXISTS, so that
    PostgreSQL answers it from the small index-backed set of visible ids instead
    of testing every consultation (a list over a million rows stays fast).
    With ``pk``, the same rule narrowed to one consultation (for detail views).
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    one = {"pk": pk} if pk is not None else {}
    if user.role == Role.SECRETARIAT:
        return Q(**one)
    if user.role == Role.STAFF:
        code = user.local_government_id
        filed = Consultation.objects.filter(filer_id=code, **one).order_by().values("id")
        co_filed = CoFiler.objects.filter(local_government_id=code, **_about(pk)).order_by().values("consultation_id")
        return Q(pk__in=filed.union(co_filed, all=True))
    if user.role == Role.LIAISON:
        # The offices as a list, so that the database looks them up by index.
        offices = _office_ids(user)
        if not offices:
            return None
        handled = (
            OfficeHandling.objects.filter(office_id__in=offices, **_about(pk)).order_by().values("consultation_id")
        )
        collaborating = (
            Collaborator.objects.filter(office_id__in=offices, **_about(pk)).order_by().values("consultation_id")
        )
        return Q(pk__in=handled.union(collaborating, all=True))
    return None


def _about(pk: int | None) -> dict:
    return {"consultation_id": pk} if pk is not None else {}


def visible_ids_newest_first(user, newest: int | None = None):
    """The ids of the consultations ``user`` may see, newest filed first, read
    from the small id sets of the visibility rule alone (no scan of the
    consultation table). The same rule as ``visibility_filter``.

    With ``newest``, only the first ``newest`` ids of the result are right, and
    cheaper: an office's id sets are each cut to their own newest ``newest``
    before they are merged, so the database reads that many index entries per
    set instead of every id the office has ever handled."""
    offices = _office_ids(user) if _is_liaison(user) else []
    return _ids_newest_first(user, offices, newest)


def _is_liaison(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active and user.role == Role.LIAISON


def _ids_newest_first(user, offices: list[int], newest: int | None):
    if user is None or not user.is_authenticated or not user.is_active:
        return Consultation.objects.none().values_list("id", flat=True)
    if user.role == Role.SECRETARIAT:
        return Consultation.objects.order_by("-id").values_list("id", flat=True)
    if user.role == Role.STAFF:
        code = user.local_government_id
        filed = Consultation.objects.filter(filer_id=code).order_by().values_list("id", flat=True)
        co_filed = CoFiler.objects.filter(local_government_id=code).order_by().values_list("consultation_id", flat=True)
        if newest and connection.features.supports_slicing_ordering_in_compound:
            # As for offices below: each part cut to its newest ids, read in order from
            # the (filer, -id) and (local government, consultation) indexes.
            filed = filed.order_by("-id")[:newest]
            co_filed = co_filed.order_by("-consultation_id")[:newest]
        return filed.union(co_filed).order_by("-id")
    if user.role == Role.LIAISON:
        handled = (
            OfficeHandling.objects.filter(office_id__in=offices).order_by().values_list("consultation_id", flat=True)
        )
        collaborating = (
            Collaborator.objects.filter(office_id__in=offices).order_by().values_list("consultation_id", flat=True)
        )
        if newest and connection.features.supports_slicing_ordering_in_compound:
            # The first ``newest`` of a union are among the first ``newest``
            # distinct ids of each part (an office may hold one consultation
            # twice); the (office, consultation) indexes give each part in order.
            handled = handled.distinct().order_by("-consultation_id")[:newest]
            collaborating = collaborating.distinct().order_by("-consultation_id")[:newest]
        return handled.union(collaborating).order_by("-consultation_id")
    return Consultation.objects.none().values_list("id", flat=True)


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


def access_consultation(user, pk) -> Consultation:
    """Fetch and authorise in one call: the consultation if ``user`` may see it, else 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(_("相談が見つかりません")) from None
    # The visibility rule narrowed to this one consultation: index lookups only.
    queryset = with_list_details(visible_consultations(user, pk=pk).select_related("sla_policy"))
    parties_inline = _parties_in_sql()
    if parties_inline:
        queryset = queryset.annotate(**_party_arrays())
    try:
        consultation = queryset.get()
    except Consultation.DoesNotExist:
        raise Http404(_("相談が見つかりません")) from None
    return consultation if parties_inline else attach_parties([consultation])[0]


# --- what a party sees inside a consultation ------------------------------------------------


def sees_internal(user, consultation: Consultation) -> bool | None:
    """Whether ``user`` sees internal notes: True (all), False (none), or None
    (a former office: only those written while it held the consultation)."""
    if user.role == Role.SECRETARIAT:
        return True
    if user.role != Role.LIAISON:
        return False
    offices = set(_office_ids(user, consultation))
    if consultation.primary_office_id in offices:
        return True
    if offices.intersection(consultation.collaborator_office_ids):
        return True
    return None


def internal_cutoff(user, consultation: Consultation):
    """For a former office: the end of its last period holding the consultation."""
    return (
        OfficeHandling.objects.filter(
            consultation=consultation, office_id__in=_office_ids(user), ended_at__isnull=False
        )
        .order_by("-ended_at")
        .values_list("ended_at", flat=True)
        .first()
    )


def _scoped(queryset, user, consultation):
    scope = sees_internal(user, consultation)
    if scope is True:
        return queryset
    if scope is False:
        return queryset.filter(internal=False)
    cutoff = internal_cutoff(user, consultation)
    if cutoff is None:
        return queryset.filter(internal=False)
    return queryset.filter(Q(internal=False) | Q(created_at__lte=cutoff))


def visible_messages(user, consultation: Consultation) -> QuerySet[Message]:
    attachments = Attachment.objects.order_by("created_at", "id")
    return _scoped(
        Message.objects.filter(consultation=consultation)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=attachments)),
        user,
        consultation,
    )


def conversation(user, consultation: Consultation) -> tuple[list[Message], list[Attachment]]:
    """The messages and attachments ``user`` may see, in two queries; each
    message carries its attachments as ``shown_attachments``."""
    messages = list(
        _scoped(Message.objects.filter(consultation=consultation).select_related("author"), user, consultation)
    )
    attachments = list(visible_attachments(user, consultation).order_by("created_at", "id"))
    by_message: dict[int, list[Attachment]] = {}
    for attachment in attachments:
        if attachment.message_id:
            by_message.setdefault(attachment.message_id, []).append(attachment)
    for message in messages:
        message.shown_attachments = by_message.get(message.pk, [])
    return messages, attachments


def visible_events(user, consultation: Consultation) -> QuerySet[Event]:
    return _scoped(
        Event.objects.filter(consultation=consultation).select_related("actor"),
        user,
        consultation,
    )


def visible_attachments(user, consultation: Consultation) -> QuerySet[Attachment]:
    return _scoped(Attachment.objects.filter(consultation=consultation), user, consultation)


def access_attachment(user, consultation_pk, attachment_pk) -> Attachment:
    consultation = access_consultation(user, consultation_pk)
    try:
        return visible_attachments(user, consultation).get(pk=attachment_pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404(_("添付ファイルが見つかりません")) from None


# --- who may see it now (notifications) ----------------------------------------------------


def who_sees(consultation: Consultation, user_ids, *, internal_at=None) -> set[int]:
    """Of ``user_ids``, the active people whom the visibility rule above lets see
    ``consultation`` now; with ``internal_at``, only those who also see an internal
    note or event written at that instant (``sees_internal`` / ``internal_cutoff``).

    The rule itself is not restated: ``visible_to`` is asked once for each
    distinct set of inputs it reads (role, local government, offices), all in one
    UNION query, so the queries stay constant however many people are asked."""
    from accounts.models import OfficeMembership, User
    from accounts.selectors import OFFICE_IDS_ATTRIBUTE

    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return set()
    users = list(User.objects.filter(pk__in=ids, is_active=True).only("id", "role", "local_government_id", "is_active"))
    liaisons = {user.pk: user for user in users if user.role == Role.LIAISON}
    offices: dict[int, list[int]] = {pk: [] for pk in liaisons}
    if liaisons:
        for user_id, office_id in OfficeMembership.objects.filter(user_id__in=list(liaisons)).values_list(
            "user_id", "office_id"
        ):
            offices[user_id].append(office_id)
    profiles: dict[tuple, list] = {}
    for user in users:
        if user.pk in offices:
            setattr(user, OFFICE_IDS_ATTRIBUTE, sorted(offices[user.pk]))
        key = (user.role, user.local_government_id, tuple(getattr(user, OFFICE_IDS_ATTRIBUTE, ())))
        profiles.setdefault(key, []).append(user)
    branches = []
    for index, people in enumerate(profiles.values()):
        visible = visible_consultations(people[0], pk=consultation.pk)
        if visible.query.is_empty():
            continue  # the rule lets this kind of person see nothing
        profile = Value(index, output_field=BigIntegerField())
        branches.append(visible.order_by().annotate(profile=profile).values_list("profile", flat=True))
    if not branches:
        return set()
    seen = set(branches[0].union(*branches[1:], all=True)) if len(branches) > 1 else set(branches[0])
    groups = list(profiles.values())
    allowed = [people for index, people in enumerate(groups) if index in seen]
    if internal_at is None:
        return {user.pk for people in allowed for user in people}
    if not hasattr(consultation, "collaborator_office_ids"):
        attach_parties([consultation])
    result: set[int] = set()
    for people in allowed:
        scope = sees_internal(people[0], consultation)
        if scope is None:
            cutoff = internal_cutoff(people[0], consultation)
            scope = cutoff is not None and internal_at <= cutoff
        if scope:
            result.update(user.pk for user in people)
    return result
