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
    return list(OfficeMembership.objects.filter(user_id=user.pk).values_list("office_id", flat=True))


def tokens_of(user):
    """The user's API tokens, newest first (their keys are not stored: digests only)."""
    from .models import ApiToken

    return ApiToken.objects.filter(user_id=user.pk).order_by("-created")


def liaisons_of(office_ids: list[int]) -> list[tuple[int, str]]:
    """(id, display name) of the active liaisons of these offices, each once, by name."""
    from .models import Role, User

    return list(
        User.objects.filter(role=Role.LIAISON, is_active=True, memberships__office_id__in=office_ids)
        .distinct()
        .order_by("display_name", "id")
        .values_list("id", "display_name")
    )
