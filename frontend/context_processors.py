from django.utils.functional import SimpleLazyObject


def banso(request):
    """The header's unread count, read only by pages that show it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread() -> int:
        from notifications.selectors import unread_count

        return unread_count(user)

    return {"unread_count": SimpleLazyObject(unread)}
