"""Who may see a consultation now, for notifications: consult's answer to
``notifications.audience``, registered in ``ConsultConfig.ready``. It asks the
visibility rule of ``consult.selectors`` (and its rule for internal notes); it
does not restate them."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.db import connection
from django.db.models import BigIntegerField, Value

from accounts.models import OfficeMembership, Role, User
from accounts.selectors import OFFICE_IDS_ATTRIBUTE
from notifications import directory

from .models import Consultation
from .selectors import attach_parties, internal_cutoff, sees_internal, visible_consultations

# Stand-ins for the consultation's id and the profile's number in a compiled
# check (ids are positive), replaced by the real ones at each check.
_PK = object()
_PROFILE = object()
_PK_PLACEHOLDER = -(2**62)
_PROFILE_PLACEHOLDER = -(2**62) + 1


@functools.lru_cache(maxsize=4096)
def _visibility_check(key: tuple) -> tuple[str, tuple] | None:
    """The visibility rule narrowed to one consultation, compiled by the ORM once
    per kind of person (``key``: role, local government, offices) rather than on
    every event: the SQL and its parameters, with ``_PK`` and ``_PROFILE`` where
    the consultation's id and the profile's number go. None: the rule lets this
    kind of person see nothing. Building the query costs far more than running it
    (a few ms per event, a fifth of a filing)."""
    role, local_government, offices = key
    person = User(role=role, local_government_id=local_government, is_active=True)
    setattr(person, OFFICE_IDS_ATTRIBUTE, list(offices))
    visible = visible_consultations(person, pk=_PK_PLACEHOLDER)
    if visible.query.is_empty():
        return None
    profile = Value(_PROFILE_PLACEHOLDER, output_field=BigIntegerField())
    sql, params = visible.order_by().annotate(profile=profile).values_list("profile").query.sql_with_params()
    # The profile's number comes typed (psycopg's Int8), the id as a plain int.
    stand_ins = {_PK_PLACEHOLDER: _PK, _PROFILE_PLACEHOLDER: _PROFILE}
    return sql, tuple(stand_ins.get(int(p), p) if isinstance(p, int) else p for p in params)


def who_sees(consultation: Consultation, user_ids, *, internal_at=None) -> set[int]:
    """Of ``user_ids``, the active people whom the visibility rule lets see
    ``consultation`` now; with ``internal_at``, only those who also see an internal
    note or event written at that instant (``sees_internal`` / ``internal_cutoff``).

    The rule itself is not restated: ``visible_to`` is asked once for each
    distinct set of inputs it reads (role, local government, offices), all in one
    UNION query, so the queries stay constant however many people are asked."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return set()
    # Active liaisons and the secretariat are known to the notification
    # directory (kept per process, renewed when memberships or accounts change);
    # only the others (municipal staff) are read here.
    secretariat, liaison_offices = directory.secretariat(), directory.liaison_offices()
    users = [User(pk=pk, role=Role.SECRETARIAT, is_active=True) for pk in ids & secretariat]
    offices: dict[int, list[int]] = {pk: list(liaison_offices[pk]) for pk in ids - secretariat if pk in liaison_offices}
    users += [User(pk=pk, role=Role.LIAISON, is_active=True) for pk in offices]
    others = ids - secretariat - offices.keys()
    if others:
        read = list(
            User.objects.filter(pk__in=others, is_active=True).only("id", "role", "local_government_id", "is_active")
        )
        users += read
        liaisons = [user.pk for user in read if user.role == Role.LIAISON]  # no membership: sees nothing
        offices.update({pk: [] for pk in liaisons})
        if liaisons:
            for user_id, office_id in (
                OfficeMembership.objects.active().filter(user_id__in=liaisons).values_list("user_id", "office_id")
            ):
                offices[user_id].append(office_id)
    profiles: dict[tuple, list] = {}
    for user in users:
        if user.pk in offices:
            setattr(user, OFFICE_IDS_ATTRIBUTE, sorted(offices[user.pk]))
        key = (user.role, user.local_government_id, tuple(getattr(user, OFFICE_IDS_ATTRIBUTE, ())))
        profiles.setdefault(key, []).append(user)
    groups = list(profiles.values())
    parts, params = [], []
    for index, key in enumerate(profiles):
        check = _visibility_check(key)
        if check is None:
            continue  # the rule lets this kind of person see nothing
        sql, template = check
        parts.append(sql)
        params += [consultation.pk if p is _PK else index if p is _PROFILE else p for p in template]
    if not parts:
        return set()
    compound = "({})" if connection.features.supports_parentheses_in_compound else "{}"
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(compound.format(sql) for sql in parts), params)
        seen = {row[0] for row in cursor.fetchall()}
    allowed = [people for index, people in enumerate(groups) if index in seen]
    if internal_at is None:
        return {user.pk for people in allowed for user in people}
    if not hasattr(consultation, "collaborator_office_ids"):
        attach_parties([consultation])
    result: set[int] = set()
    for people in allowed:
        scope = sees_internal(people[0], consultation)
        if scope is None:
            cutoff = internal_cutoff(people[0], consultation)
            scope = cutoff is not None and internal_at <= cutoff
        if scope:
            result.update(user.pk for user in people)
    return result


class ConsultationAudience:
    """``notifications.audience.Audience`` for consultations."""

    def who_sees(self, subject: Consultation, user_ids: Iterable[int], *, internal_at=None) -> set[int]:
        return who_sees(subject, user_ids, internal_at=internal_at)

    def subjects(self, ids: Iterable[int]) -> dict[int, Consultation]:
        return Consultation.objects.in_bulk(list(ids))
