"""Reads of notifications: a person only ever reads their own."""

from django.core.cache import cache
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from .delivery import unread_cache_key
from .kinds import MANDATORY, Delivery, Kind, label
from .models import Notification, Preference, Profile


def inbox(user, *, unread_only: bool = False):
    rows = Notification.objects.filter(recipient_id=user.pk).select_related("actor").order_by("-id")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows


def access_notification(user, pk: int) -> Notification:
    """The person's own notification; anyone else's does not exist (404)."""
    found = inbox(user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("通知が見つかりません"))
    return found


def unread_count(user) -> int:
    """Cached until a delivery or a read changes it (the header shows it on every page)."""
    key = unread_cache_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()
        cache.set(key, count, timeout=300)
    return count


def preferences_of(user) -> dict:
    from .services import receives_escalations

    chosen = dict(Preference.objects.filter(user_id=user.pk).values_list("kind", "delivery"))
    protected = receives_escalations(user)
    language = Profile.objects.filter(user_id=user.pk).values_list("language", flat=True).first() or "ja"
    with translation.override(language):  # named as in the person's e-mails
        preferences = [
            {
                "kind": kind,
                "label": label(kind),
                "delivery": chosen.get(kind, Delivery.IMMEDIATE),
                "can_turn_off": not (protected and kind in MANDATORY),
            }
            for kind in Kind.values
        ]
    return {"language": language, "preferences": preferences}


def language_of_address(email: str) -> str:
    """The e-mail language of the person with this address, or Japanese (unknown address)."""
    found = Profile.objects.filter(user__email__iexact=(email or "").strip()).values_list("language", flat=True).first()
    return found or "ja"
