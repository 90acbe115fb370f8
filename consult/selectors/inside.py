"""What a party sees inside one consultation: messages, internal notes, events, attachments."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Role

from ..models import Attachment, Collaborator, Consultation, Event, Message, OfficeHandling
from . import _office_ids, access_consultation


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


def sees_internal_q(user) -> Q:
    """The queryset twin of ``sees_internal(...) is True`` (a former office's part left out)."""
    if user.role == Role.SECRETARIAT:
        return Q()
    offices = _office_ids(user) if user.role == Role.LIAISON else []
    collaborating = Collaborator.objects.filter(office_id__in=offices).order_by().values("consultation_id")
    return Q(primary_office_id__in=offices) | Q(pk__in=collaborating) if offices else Q(pk__in=[])


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
