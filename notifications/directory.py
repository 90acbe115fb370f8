"""Who belongs to which office, who is in the secretariat, and who chose what,
kept in each process and renewed when they change: every consultation event
needs them, and they change far less often than consultations do.

Each map is re-read when its version in the shared cache changes (checked at
most every ``RECHECK_SECONDS`` per process; at once in the process that made the
change). The versions are bumped on commit by the signals below, for edits
through the services and the admin alike.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

RECHECK_SECONDS = 2.0
MEMBERS, PREFERENCES = "members", "preferences"
_memo: dict[str, tuple[str, float, object]] = {}  # name → (version, recheck at, value)


def _version_key(name: str) -> str:
    return f"notifications:directory:{name}"


def _current(name: str, load):
    now = time.monotonic()
    held = _memo.get(name)
    if held is not None and now < held[1]:
        return held[2]
    version = cache.get(_version_key(name)) or "0"
    if held is not None and held[0] == version:
        _memo[name] = (version, now + RECHECK_SECONDS, held[2])
        return held[2]
    value = load()
    _memo[name] = (version, now + RECHECK_SECONDS, value)
    return value


def changed(name: str) -> None:
    """Forget the map here at once, and everywhere when the transaction commits."""
    _memo.pop(name, None)

    def bump():
        cache.set(_version_key(name), uuid.uuid4().hex, timeout=None)
        _memo.pop(name, None)

    transaction.on_commit(bump)


def forget_all() -> None:
    _memo.clear()


def _load_members():
    from accounts.models import OfficeMembership, Role, User

    offices: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for user_id, office_id, is_lead in OfficeMembership.objects.filter(user__is_active=True).values_list(
        "user_id", "office_id", "is_lead"
    ):
        offices[office_id].append((user_id, is_lead))
    secretariat = frozenset(User.objects.filter(role=Role.SECRETARIAT, is_active=True).values_list("pk", flat=True))
    return dict(offices), secretariat


def office_members(office_id: int | None) -> list[tuple[int, bool]]:
    """(user id, is lead) of the active liaisons of an office."""
    return _current(MEMBERS, _load_members)[0].get(office_id, []) if office_id else []


def secretariat() -> frozenset[int]:
    return _current(MEMBERS, _load_members)[1]


def _load_preferences():
    from .models import Preference

    return {
        (user, kind): delivery for user, kind, delivery in Preference.objects.values_list("user_id", "kind", "delivery")
    }


def preference(user_id: int, kind: str) -> str | None:
    return _current(PREFERENCES, _load_preferences).get((user_id, kind))


def _members_changed(sender, **kwargs):
    fields = kwargs.get("update_fields")
    if fields and not {"is_active", "role"} & set(fields):
        return  # e.g. the last login time: nothing the directory holds
    changed(MEMBERS)


def _preferences_changed(sender, **kwargs):
    changed(PREFERENCES)


def connect() -> None:
    from accounts.models import OfficeMembership, User

    from .models import Preference

    for signal in (post_save, post_delete):
        signal.connect(_members_changed, sender=OfficeMembership, dispatch_uid=f"directory-membership-{signal}")
        signal.connect(_members_changed, sender=User, dispatch_uid=f"directory-user-{signal}")
        signal.connect(_preferences_changed, sender=Preference, dispatch_uid=f"directory-preference-{signal}")
    m2m_changed.connect(_members_changed, sender=User.offices.through, dispatch_uid="directory-offices")
