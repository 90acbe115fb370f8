"""Reads of accounts."""

from .models import OfficeMembership


def office_ids_of(user) -> list[int]:
    """The offices a liaison belongs to (empty for other roles)."""
    return list(OfficeMembership.objects.filter(user_id=user.pk).values_list("office_id", flat=True))
