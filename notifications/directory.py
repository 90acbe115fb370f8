"""Who belongs to which office, who is in the secretariat, and who chose what,
kept in each process and renewed when they change: every consultation event
needs them, and they change far less often than consultations do.

Each map is a ``config.memo.Memo``: re-read when its version in the shared
cache changes (checked at most every ``RECHECK_SECONDS`` per process; at once in
the process that made the change). The versions are bumped on commit by the
signals below, for edits through the services and the admin alike.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models.signals import m2m_changed, post_delete, post_save

from config import memo

RECHECK_SECONDS = 2.0


def _load_members():
    from accounts.models import Absence, OfficeMembership, Role, User, today

    day = today()
    offices: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    liaison_offices: dict[int, list[int]] = defaultdict(list)
    memberships = OfficeMembership.objects.active(day).filter(user__is_active=True)
    for user_id, office_id, is_lead, role in memberships.values_list("user_id", "office_id", "is_lead", "user__role"):
        offices[office_id].append((user_id, is_lead))
        if role == Role.LIAISON:
            liaison_offices[user_id].append(office_id)
    secretariat = frozenset(User.objects.filter(role=Role.SECRETARIAT, is_active=True).values_list("pk", flat=True))
    liaisons = {user_id: tuple(sorted(ids)) for user_id, ids in liaison_offices.items()}
    away = Absence.objects.filter(starts_on__lte=day, ends_on__gte=day, deputy__is_active=True)
    deputies = dict(away.values_list("user_id", "deputy_id"))
    return dict(offices), secretariat, liaisons, deputies, day


_members = memo.Memo("notifications:directory:members", _load_members, recheck_seconds=RECHECK_SECONDS)


def _members_today():
    """The members map, loaded again in each process when the JST date has
    changed since: memberships end and absences start at midnight, without any
    row changing."""
    from accounts.models import today

    value = _members.get()
    if value[4] != today():
        _members.forget()
        value = _members.get()
    return value


def office_members(office_id: int | None) -> list[tuple[int, bool]]:
    """(user id, is lead) of the active liaisons of an office (memberships in force today)."""
    return _members_today()[0].get(office_id, []) if office_id else []


def secretariat() -> frozenset[int]:
    return _members_today()[1]


def liaison_offices() -> dict[int, tuple[int, ...]]:
    """Active liaisons and the offices they belong to today (user id → office ids)."""
    return _members_today()[2]


def deputies() -> dict[int, int]:
    """The people away today and the deputy who receives their notifications."""
    return _members_today()[3]


def _load_preferences():
    from .models import Preference

    return {
        (user, kind): delivery for user, kind, delivery in Preference.objects.values_list("user_id", "kind", "delivery")
    }


_preferences = memo.Memo("notifications:directory:preferences", _load_preferences, recheck_seconds=RECHECK_SECONDS)


def preference(user_id: int, kind: str) -> str | None:
    return _preferences.get().get((user_id, kind))


def _members_changed(sender, **kwargs):
    fields = kwargs.get("update_fields")
    if fields and not {"is_active", "role"} & set(fields):
        return  # e.g. the last login time: nothing the directory holds
    _members.changed()


def _preferences_changed(sender, **kwargs):
    _preferences.changed()


def connect() -> None:
    from accounts.models import Absence, OfficeMembership, User

    from .models import Preference

    for signal in (post_save, post_delete):
        signal.connect(_members_changed, sender=OfficeMembership, dispatch_uid=f"directory-membership-{signal}")
        signal.connect(_members_changed, sender=Absence, dispatch_uid=f"directory-absence-{signal}")
        signal.connect(_members_changed, sender=User, dispatch_uid=f"directory-user-{signal}")
        signal.connect(_preferences_changed, sender=Preference, dispatch_uid=f"directory-preference-{signal}")
    m2m_changed.connect(_members_changed, sender=User.offices.through, dispatch_uid="directory-offices")
