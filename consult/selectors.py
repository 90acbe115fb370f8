"""Every scoped read of consultations. Visibility is decided here, once.

* secretariat: everything;
* municipal staff: consultations whose filer or co-filer is their local government;
* liaisons: consultations their offices hold or held (OfficeHandling) or collaborate on.

Outside it a consultation does not exist: ``access_consultation`` raises Http404.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
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


def visible_ids_newest_first(user):
    """The ids of the consultations ``user`` may see, newest filed first, read
    from the small id sets of the visibility rule alone (no scan of the
    consultation table). The same rule as ``visibility_filter``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Consultation.objects.none().values_list("id", flat=True)
    if user.role == Role.SECRETARIAT:
        return Consultation.objects.order_by("-id").values_list("id", flat=True)
    if user.role == Role.STAFF:
        code = user.local_government_id
        filed = Consultation.objects.filter(filer_id=code).order_by().values_list("id", flat=True)
        co_filed = CoFiler.objects.filter(local_government_id=code).order_by().values_list("consultation_id", flat=True)
        return filed.union(co_filed).order_by("-id")
    if user.role == Role.LIAISON:
        offices = _office_ids(user)
        handled = (
            OfficeHandling.objects.filter(office_id__in=offices).order_by().values_list("consultation_id", flat=True)
        )
        collaborating = (
            Collaborator.objects.filter(office_id__in=offices).order_by().values_list("consultation_id", flat=True)
        )
        return handled.union(collaborating).order_by("-consultation_id")
    return Consultation.objects.none().values_list("id", flat=True)


def visible_consultations(user, pk: int | None = None) -> QuerySet[Consultation]:
    return Consultation.objects.visible_to(user, pk=pk)


def with_list_details(queryset: QuerySet[Consultation]) -> QuerySet[Consultation]:
    """What a list row shows, in a constant number of queries."""
    # Reference data (offices, local governments, policy areas) comes from
    # routing.selectors.reference_maps, not from joins.
    return queryset.select_related("assignee")


def attach_parties(consultations: list[Consultation]) -> list[Consultation]:
    """Give each consultation ``co_filer_codes`` and ``collaborator_office_ids``,
    in two queries for the whole list (plain lists: cheaper than prefetching)."""
    ids = [c.pk for c in consultations]
    co_filers: dict[int, list[str]] = {pk: [] for pk in ids}
    collaborators: dict[int, list[int]] = {pk: [] for pk in ids}
    for consultation_id, code in (
        CoFiler.objects.filter(consultation_id__in=ids)
        .order_by("id")
        .values_list("consultation_id", "local_government_id")
    ):
        co_filers[consultation_id].append(code)
    for consultation_id, office_id in (
        Collaborator.objects.filter(consultation_id__in=ids).order_by("id").values_list("consultation_id", "office_id")
    ):
        collaborators[consultation_id].append(office_id)
    for consultation in consultations:
        consultation.co_filer_codes = co_filers[consultation.pk]
        consultation.collaborator_office_ids = collaborators[consultation.pk]
    return consultations


def page_of(user, ids: list[int]) -> list[Consultation]:
    """The full rows of a page of ids already taken from ``visible_consultations``, in that order.

    Lists page over the narrow visible-id query first, so that the database
    joins details for one page only, never for every visible row."""
    rows = {c.pk: c for c in with_list_details(Consultation.objects.filter(pk__in=ids))}
    return attach_parties([rows[pk] for pk in ids if pk in rows])


def access_consultation(user, pk) -> Consultation:
    """Fetch and authorise in one call: the consultation if ``user`` may see it, else 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(_("相談が見つかりません")) from None
    # The visibility rule narrowed to this one consultation: index lookups only.
    try:
        consultation = with_list_details(visible_consultations(user, pk=pk).select_related("sla_policy")).get()
    except Consultation.DoesNotExist:
        raise Http404(_("相談が見つかりません")) from None
    return attach_parties([consultation])[0]


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
