from django.db.models import QuerySet

from .models import OfficeMembership, User


def office_ids_of(user: User) -> list[int]:
    """The offices a liaison belongs to (empty for other roles)."""
    return list(OfficeMembership.objects.filter(user=user).values_list("office_id", flat=True))


def users_with_organisation() -> QuerySet[User]:
    return User.objects.select_related("local_government__prefecture").prefetch_related("memberships__office")
