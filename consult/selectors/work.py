"""The work people leave behind when they move or leave an office (人事異動)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, QuerySet

from accounts.models import OfficeMembership

from ..lifecycle import Status
from ..models import Consultation
from . import visible_consultations


def open_work_of(user, *, office_id: int, assignee_id: int | None = None) -> QuerySet[Consultation]:
    """The open consultations (``Status.ACTIVE``) that ``office_id`` holds and
    someone is assigned, as ``user`` may see them; ``assignee_id``: one person's."""
    work = visible_consultations(user).filter(
        primary_office_id=office_id, status__in=sorted(Status.ACTIVE), assignee__isnull=False
    )
    if assignee_id is not None:
        work = work.filter(assignee_id=assignee_id)
    return work.select_related("assignee").order_by("assignee_id", "id")


def handover_work(user, *, office_id: int, day=None) -> QuerySet[Consultation]:
    """The open work of ``office_id`` assigned to people leaving it: whose membership
    has ended (or has an end date set), whose account is closed, or who no longer
    belong to it; for the lead to reassign (「異動・退職者の担当替え」)."""
    staying = OfficeMembership.objects.active(day).filter(
        office_id=office_id, ended_on__isnull=True, user__is_active=True
    )
    return open_work_of(user, office_id=office_id).exclude(assignee_id__in=staying.values("user_id"))


def ownerless_work(day=None) -> list[tuple[int, int, int]]:
    """(assignee, office, how many) of the open consultations whose assignee no
    longer belongs to the office holding them on ``day``: a membership ended, an
    account closed. For the daily sweep that tells the leads (a system read)."""
    belongs = OfficeMembership.objects.active(day).filter(
        user_id=OuterRef("assignee_id"), office_id=OuterRef("primary_office_id"), user__is_active=True
    )
    rows = (
        Consultation.objects.filter(status__in=sorted(Status.ACTIVE), assignee__isnull=False)
        .exclude(Exists(belongs))
        .values_list("assignee_id", "primary_office_id")
        .annotate(count=Count("id"))
        .order_by("primary_office_id", "assignee_id")
    )
    return [(assignee, office, count) for assignee, office, count in rows if office is not None]
