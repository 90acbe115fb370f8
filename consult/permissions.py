"""Who the actor is for a consultation, and what that standing may do.

The one permission model: services refuse with it, pages and the API show the
actions it allows.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import Role, User

from . import selectors
from .models import Consultation
from .rules import PERMISSIONS


def parties(user: User, consultation: Consultation) -> set[str]:
    """The actor's standing: filer, office (the current one), collaborator, secretariat."""
    standing: set[str] = set()
    if user.role == Role.SECRETARIAT:
        standing.add("secretariat")
    elif user.role == Role.STAFF:
        codes = {consultation.filer_id, *consultation.co_filer_codes}
        if user.local_government_id in codes:
            standing.add("filer")
    elif user.role == Role.LIAISON:
        offices = set(selectors._office_ids(user, consultation))
        if consultation.primary_office_id in offices:
            standing.add("office")
        if offices.intersection(consultation.collaborator_office_ids):
            standing.add("collaborator")
    return standing


def require(user: User, consultation: Consultation, action: str) -> set[str]:
    standing = parties(user, consultation)
    if not standing & PERMISSIONS[action]:
        raise PermissionDenied(_("この操作（%(action)s）は権限がありません") % {"action": action})
    return standing


def office_of(user: User, consultation: Consultation) -> int | None:
    """The id of the office on whose behalf a liaison acts here (the holding one first)."""
    if user.role != Role.LIAISON:
        return None
    offices = set(selectors._office_ids(user, consultation))  # the same lookup parties() made
    for office_id in (consultation.primary_office_id, *consultation.collaborator_office_ids):
        if office_id in offices:
            return office_id
    return None


def kept_standing(user: User, consultation: Consultation) -> set[str]:
    """For a merged consultation: the actor's standing toward the one it was merged
    into, as far as merging asks (``office``: its current office; ``secretariat``),
    from the kept one's office alone (``access_consultation`` reads it with the row)."""
    if user.role == Role.SECRETARIAT:
        return {"secretariat"}
    if user.role != Role.LIAISON or consultation.merged_into_id is None:
        return set()
    if not hasattr(consultation, "merged_into_office_id"):
        kept = Consultation.objects.filter(pk=consultation.merged_into_id).values_list("primary_office_id", flat=True)
        consultation.merged_into_office_id = kept.first()
    offices = set(selectors._office_ids(user, consultation))
    return {"office"} if consultation.merged_into_office_id in offices else set()
