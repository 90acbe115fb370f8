"""Reads of accounts."""

from .models import OfficeMembership

# Where API authentication leaves the offices it read with the user (that user
# object lives for one request); see accounts.authentication.
OFFICE_IDS_ATTRIBUTE = "_banso_office_ids"


def office_ids_of(user) -> list[int]:
    """The offices a liaison belongs to (empty for other roles)."""
    known = getattr(user, OFFICE_IDS_ATTRIBUTE, None)
    if known is not None:
        return list(known)
    # Memberships in force today only: a person moved on 1 April no longer sees
    # the old office's consultations from that day.
    return list(OfficeMembership.objects.active().filter(user_id=user.pk).values_list("office_id", flat=True))


def tokens_of(user):
    """The user's API tokens, newest first (their keys are not stored: digests only)."""
    from .models import ApiToken

    return ApiToken.objects.filter(user_id=user.pk).order_by("-created")


def offices_led_by(user):
    """The offices ``user`` leads today (``is_lead`` on a membership in force)."""
    from routing.models import Office

    led = OfficeMembership.objects.active().filter(user_id=user.pk, is_lead=True, user__is_active=True)
    return Office.objects.filter(pk__in=led.values("office_id")).order_by("name")


def staying_members(office_ids):
    """office id → the active liaisons who belong to it today with no end date
    set: the people a leaving member's work can go to. One query."""
    from .models import Role

    rows = (
        OfficeMembership.objects.active()
        .filter(office_id__in=list(office_ids), ended_on__isnull=True, user__is_active=True, user__role=Role.LIAISON)
        .select_related("user")
        .order_by("user__display_name", "user_id")
    )
    members: dict[int, list] = {pk: [] for pk in office_ids}
    for membership in rows:
        members[membership.office_id].append(membership.user)
    return members


def memberships_of(user_ids, office_ids) -> dict[tuple[int, int], OfficeMembership]:
    """(user id, office id) → the membership, for these people and offices. One query."""
    rows = OfficeMembership.objects.filter(user_id__in=list(user_ids), office_id__in=list(office_ids))
    return {(m.user_id, m.office_id): m for m in rows}


def liaisons_of(office_ids: list[int]) -> list[tuple[int, str]]:
    """(id, display name) of the active liaisons of these offices today (memberships in
    force), each once, by name."""
    from .models import Role, User

    members = OfficeMembership.objects.active().filter(office_id__in=office_ids).values("user_id")
    return list(
        User.objects.filter(role=Role.LIAISON, is_active=True, pk__in=members)
        .order_by("display_name", "id")
        .values_list("id", "display_name")
    )
