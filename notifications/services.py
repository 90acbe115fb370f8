"""Every write of notifications. ``notify`` is called by the consultation
services inside their transaction (the outbox); delivery is queued after commit."""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OfficeMembership, Role, User
from config import memo
from routing import selectors as routing_selectors

from . import audience, directory, texts
from .kinds import MANDATORY, Delivery, Kind
from .models import (
    Alarm,
    EmailStatus,
    Follow,
    Notification,
    Preference,
    Profile,
    WebhookDelivery,
    WebhookEndpoint,
)
from .recipients import EVENT_KINDS, SECRETARIAT_EVENTS, EventFacts, Parties, recipients, with_deputies

log = logging.getLogger(__name__)
JST = datetime.timezone(datetime.timedelta(hours=9))


# --- the outbox ---------------------------------------------------------------------------------


def _parties(consultation, event, *, new: bool) -> Parties:
    follows = [] if new else list(
        Follow.objects.filter(consultation_id=consultation.pk).values_list("user_id", "active", "user__role")
    )  # fmt: skip
    filer_followers = _filer_side(follows, consultation.filed_by_id)
    liaison_followers = {user for user, active, role in follows if active and role == Role.LIAISON}

    primary = consultation.primary_office_id
    collaborating = set(getattr(consultation, "collaborator_office_ids", ()) or ()) - {primary}
    invited = event.to_office_id if event.kind == "collaborator_invited" else None
    mentioned = event.data.get("mentions") or {} if event.kind in ("replied", "note_added") else {}
    office_ids = routing_selectors.reference_maps().office_ids
    mentioned_offices = {office_ids[slug] for slug in mentioned.get("offices") or () if slug in office_ids}
    members = {office: directory.office_members(office) for office in {primary, invited, *collaborating} if office}
    office_liaisons = {u for u, _ in members.get(primary, ())}
    leads = {u for u, lead in members.get(primary, ()) if lead}
    collaborator_liaisons = {u for office in collaborating for u, _ in members[office]}
    invited_liaisons = {u for u, _ in members.get(invited, ())}
    secretariat = directory.secretariat() if event.kind in SECRETARIAT_EVENTS else frozenset()
    candidates = set(mentioned.get("users") or ()) | {
        u for o in mentioned_offices for u, _ in directory.office_members(o)
    }
    return Parties(
        filer_followers=frozenset(filer_followers),
        liaison_followers=frozenset(liaison_followers),
        assignee=consultation.assignee_id,
        office_liaisons=frozenset(office_liaisons),
        office_leads=frozenset(leads),
        collaborator_liaisons=frozenset(collaborator_liaisons),
        secretariat=frozenset(secretariat),
        invited_liaisons=frozenset(invited_liaisons),
        mentioned=frozenset(candidates),  # who may see it is decided with everyone else in notify()
        deputies=directory.deputies(),
    )


def _filer_side(follows, filed_by_id: int) -> set[int]:
    """The filer-side followers among (user, active, role) follow rows: staff who follow
    it, and the staff member who filed it unless they stopped following."""
    stopped = {user for user, active, _ in follows if not active}
    people = {user for user, active, role in follows if active and role == Role.STAFF}
    if filed_by_id not in stopped:
        people.add(filed_by_id)
    return people


def carried_followers(*, source, target) -> list[int]:
    """A merge: the filer-side followers of ``source`` who do not yet follow ``target``
    (``add_followers`` makes them follow it; an unmerge removes exactly them again)."""
    follows = list(Follow.objects.filter(consultation_id=source.pk).values_list("user_id", "active", "user__role"))
    people = _filer_side(follows, source.filed_by_id) - {target.filed_by_id}
    present = set(
        Follow.objects.filter(consultation_id=target.pk, user_id__in=people).values_list("user_id", flat=True)
    )
    return sorted(people - present)


def add_followers(*, consultation_id: int, user_ids, now: datetime.datetime) -> None:
    """These people follow the consultation from now on (inside the caller's transaction)."""
    Follow.objects.bulk_create(
        [Follow(user_id=pk, consultation_id=consultation_id, created_at=now) for pk in user_ids], ignore_conflicts=True
    )


def stop_following_instead(*, consultation_id: int, user_ids) -> None:
    """An unmerge: those whom the merge made follow the kept consultation stop (rows a
    person has changed since, by stopping, stay as they are)."""
    Follow.objects.filter(consultation_id=consultation_id, user_id__in=list(user_ids), active=True).delete()


def in_quiet_hours(now: datetime.datetime) -> bool:
    """E-mail waits from 20:00 to 08:00 JST (unless urgent)."""
    hour = now.astimezone(JST).hour
    return not (settings.BANSO_QUIET_HOURS_END <= hour < settings.BANSO_QUIET_HOURS_START)


def end_of_quiet_hours(now: datetime.datetime) -> datetime.datetime:
    """The next 08:00 JST (quiet hours end) at or after ``now``."""
    local = now.astimezone(JST)
    morning = local.replace(hour=settings.BANSO_QUIET_HOURS_END, minute=0, second=0, microsecond=0)
    if local >= morning:
        morning += datetime.timedelta(days=1)
    return morning.astimezone(datetime.UTC)


def notify(*, consultation, event, new: bool = False) -> list[Notification]:
    """Write the notifications of one consultation event (inside the caller's
    transaction) and queue their delivery for after commit. ``new``: the
    consultation was filed in this transaction (nobody follows it yet)."""
    _queue_webhooks(consultation, event)
    if event.kind not in EVENT_KINDS:
        return []
    facts = EventFacts(kind=event.kind, actor=event.actor_id, internal=event.internal, data=event.data or {})
    parties = _parties(consultation, event, new=new)
    told = recipients(facts, parties)
    # Follow rows, office lists and mentions say who is interested, not who may
    # still see it: a transfer, a membership ended or an account closed since
    # changes that. One batched check by the visibility rule (and, for an
    # internal event, the rule for internal notes) at the moment of the event.
    allowed = audience.who_sees(consultation, told, internal_at=event.created_at if event.internal else None)
    told = {person: kind for person, kind in told.items() if person in allowed}
    # Escalations reach office leads and the secretariat whatever they chose.
    protected = parties.office_leads | parties.secretariat
    return _write(consultation=consultation, event=event, told=told, now=event.created_at, protected=protected)


def _write(*, consultation, event, told: dict[int, Kind], now, protected: frozenset[int] = frozenset()) -> list:
    if not told:
        return []
    urgent = getattr(consultation, "urgency", "") == "urgent"
    quiet_until = None if urgent or not in_quiet_hours(now) else end_of_quiet_hours(now)
    data = texts.snapshot(consultation, event)
    rows = []
    for user_id, kind in told.items():
        delivery = directory.preference(user_id, kind) or Delivery.IMMEDIATE
        if delivery == Delivery.OFF:
            if not (kind in MANDATORY and user_id in protected):
                continue
            delivery = Delivery.IMMEDIATE
        rows.append(
            Notification(
                recipient_id=user_id,
                kind=kind,
                consultation=consultation,
                event=event,
                actor_id=event.actor_id,
                data=data,
                urgent=urgent,
                created_at=now,
                email_status=EmailStatus.DIGEST if delivery == Delivery.DIGEST else EmailStatus.PENDING,
                email_not_before=quiet_until if delivery != Delivery.DIGEST else None,
            )
        )
    created = Notification.objects.bulk_create(rows, ignore_conflicts=False)
    ids = [n.pk for n in created]
    emails = [n.pk for n in created if n.email_status == EmailStatus.PENDING and n.email_not_before is None]
    transaction.on_commit(lambda: enqueue_delivery(ids, emails))
    return created


def enqueue_delivery(inbox_ids: list[int], email_ids: list[int]) -> None:
    """Hand the new rows to the workers (after commit). Never fails the caller:
    if the broker is away, the outbox sweep sends them later."""
    try:
        if settings.BANSO_OUTBOX_RELAY_SECONDS and not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
            from .relay import relay

            relay.add(inbox_ids, email_ids)
        else:
            publish_deliveries(inbox_ids, email_ids)
    except Exception:  # the change is committed: never fail it now
        log.exception("could not hand %d deliveries over; the outbox sweep will", len(inbox_ids) + len(email_ids))


def publish_deliveries(inbox_ids: list[int], email_ids: list[int]) -> None:
    from . import tasks

    if set(email_ids) <= set(inbox_ids) and len(inbox_ids) <= tasks.BATCH:
        # The usual case: one message for both channels.
        _publish(tasks.deliver, inbox_ids, email_ids)
        return
    for task, ids in ((tasks.deliver_inbox, inbox_ids), (tasks.send_emails, email_ids)):
        for start in range(0, len(ids), tasks.BATCH):
            _publish(task, ids[start : start + tasks.BATCH])


def _publish(task, ids: list[int], *more) -> bool:
    if not ids:
        return True
    try:
        task.apply_async(args=[ids, *more], retry=False)
        return True
    except Exception:  # the broker is down: the rows wait for the sweep
        log.warning("could not queue %s for %d rows; the outbox sweep will", task.name, len(ids), exc_info=True)
        return False


def notify_office_lead(*, office_id: int, kind: Kind, data: dict, now: datetime.datetime) -> list[Notification]:
    """A notice to the leads of an office that is not about one consultation event."""
    leads = OfficeMembership.objects.active().filter(office_id=office_id, is_lead=True, user__is_active=True)
    told = with_deputies(dict.fromkeys(leads.values_list("user_id", flat=True), kind), directory.deputies())
    rows = [
        Notification(recipient_id=user_id, kind=kind, data=data, created_at=now, email_status=EmailStatus.PENDING)
        for user_id in told
    ]
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created]
    transaction.on_commit(lambda: enqueue_delivery(ids, ids))
    return created


# --- the inbox ------------------------------------------------------------------------------------


def mark_read(*, user: User, notification_ids: Iterable[int] | None = None, now=None) -> int:
    """Mark the person's own notifications read (all unread ones with None)."""
    now = now or timezone.now()
    from .delivery import unread_cache_key

    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    marked = unread.update(read_at=now)
    if marked:
        cache.delete(unread_cache_key(user.pk))
    return marked


# --- preferences and following ------------------------------------------------------------------


def receives_escalations(user: User) -> bool:
    """Office leads and the secretariat: escalations reach them whatever they chose."""
    return user.role == Role.SECRETARIAT or OfficeMembership.objects.active().filter(user=user, is_lead=True).exists()


@transaction.atomic
def set_preferences(*, user: User, choices: dict[str, str], language: str | None = None) -> None:
    errors: dict[str, list[str]] = {}
    for kind, delivery in choices.items():
        if kind not in Kind.values:
            errors.setdefault("kind", []).append(_("通知の種類 %(kind)s はありません") % {"kind": repr(kind)})
        elif delivery not in Delivery.values:
            errors.setdefault(kind, []).append(
                _("%(choices)s のいずれかを選んでください") % {"choices": ", ".join(Delivery.values)}
            )
        elif delivery == Delivery.OFF and kind in MANDATORY and receives_escalations(user):
            errors.setdefault(kind, []).append(
                _("所属長・責任者と事務局はこの通知を止められません（期限超過とエスカレーション）")
            )
    if language is not None and language not in ("ja", "en"):
        errors.setdefault("language", []).append(_("言語は ja か en です"))
    if errors:
        raise ValidationError(errors)
    for kind, delivery in choices.items():
        Preference.objects.update_or_create(user=user, kind=kind, defaults={"delivery": delivery})
    if language is not None:
        Profile.objects.update_or_create(user=user, defaults={"language": language})


@transaction.atomic
def set_following(*, user: User, consultation, follow: bool, now=None) -> Follow:
    """Follow or stop following a consultation the person can see (the caller checked)."""
    now = now or timezone.now()
    entry, _ = Follow.objects.update_or_create(
        user=user, consultation=consultation, defaults={"active": follow, "created_at": now}
    )
    return entry


# --- deadline alarms ------------------------------------------------------------------------------


def schedule_alarms(
    *, consultation_id: int, wanted: dict[str, tuple[datetime.datetime, datetime.datetime]], new: bool = False
) -> None:
    """Arm, move or disarm a consultation's alarms after a change (inside the
    caller's transaction, under its lock on the consultation): ``wanted`` is
    kind → (deadline, due at), as consult decides them (``consult.alarms``); the
    others are disarmed. An alarm fires once per deadline: one that already fired
    for the same deadline stays quiet."""
    table = Alarm._meta.db_table
    if wanted:
        values = []
        params: list = []
        for kind, (deadline, due_at) in wanted.items():
            values.append("(%s, %s, %s, %s)")
            params += [consultation_id, kind, deadline, due_at]
        if connection.vendor == "postgresql":
            sql = (
                f'INSERT INTO "{table}" (consultation_id, kind, deadline, due_at) VALUES {", ".join(values)} '  # noqa: S608
                f'ON CONFLICT (consultation_id, kind) DO UPDATE SET deadline = EXCLUDED.deadline, '
                f'due_at = CASE WHEN "{table}".fired_for IS NOT DISTINCT FROM EXCLUDED.deadline THEN NULL '
                f'ELSE EXCLUDED.due_at END, claimed_at = NULL'
            )  # fmt: skip
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
        else:
            for kind, (deadline, due_at) in wanted.items():
                alarm, _ = Alarm.objects.get_or_create(consultation_id=consultation_id, kind=kind)
                alarm.deadline = deadline
                alarm.due_at = None if alarm.fired_for == deadline else due_at
                alarm.claimed_at = None
                alarm.save()
    if not new:
        Alarm.objects.filter(consultation_id=consultation_id, due_at__isnull=False).exclude(kind__in=wanted).update(
            due_at=None, claimed_at=None
        )


# --- webhooks -------------------------------------------------------------------------------------


def _queue_webhooks(consultation, event) -> None:
    offices = {consultation.primary_office_id, *(getattr(consultation, "collaborator_office_ids", ()) or ())}
    offices.discard(None)
    if event.kind == "collaborator_invited" and event.to_office_id:
        offices.add(event.to_office_id)
    if not offices or not _offices_with_webhooks().intersection(offices):
        return
    endpoints = list(WebhookEndpoint.objects.filter(office_id__in=offices, is_active=True))
    if not endpoints:
        return
    payload = texts.webhook_payload(consultation, event)
    now = timezone.now()
    created = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(endpoint=e, event=event, payload=payload, next_attempt_at=now, created_at=now)
            for e in endpoints
        ]
    )  # fmt: skip
    ids = [d.pk for d in created if d.pk]

    def queue():
        from . import tasks

        _publish(tasks.send_webhooks, ids)

    transaction.on_commit(queue)


def _load_webhook_offices() -> frozenset[int]:
    return frozenset(WebhookEndpoint.objects.filter(is_active=True).values_list("office_id", flat=True).distinct())


# Offices that have an active webhook (most have none), kept until an endpoint
# changes, so that most events need no webhook query at all. Another process's
# new endpoint is used within a few seconds (at once in the process that added it).
_webhook_offices = memo.Memo("notifications:webhook-offices-version", _load_webhook_offices, recheck_seconds=5.0)


def _offices_with_webhooks() -> frozenset[int]:
    return _webhook_offices.get()


def webhooks_changed() -> None:
    _webhook_offices.changed()


def validate_webhook_url(url: str) -> None:
    from .webhooks import UnsafeURL, check_url

    try:
        check_url(url, resolve=False)
    except UnsafeURL as exc:
        raise ValidationError({"url": [str(exc)]}) from exc


@transaction.atomic
def add_webhook(*, office, url: str, secret: str = "", now=None) -> WebhookEndpoint:
    validate_webhook_url(url)
    endpoint = WebhookEndpoint.objects.create(
        office=office, url=url, secret=secret or secrets.token_hex(32), created_at=now or timezone.now()
    )
    webhooks_changed()
    return endpoint


@transaction.atomic
def reenable_webhook(*, endpoint: WebhookEndpoint) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True, consecutive_failures=0, disabled_at=None, disabled_reason=""
    )
    webhooks_changed()


# --- retries from the admin -----------------------------------------------------------------------


def retry_emails(*, notification_ids: Iterable[int]) -> int:
    ids = list(
        Notification.objects.filter(pk__in=list(notification_ids), email_status=EmailStatus.FAILED).values_list(
            "pk", flat=True
        )
    )
    Notification.objects.filter(pk__in=ids).update(
        email_status=EmailStatus.PENDING, email_attempts=0, email_not_before=None
    )
    transaction.on_commit(lambda: enqueue_delivery([], ids))
    return len(ids)


def retry_webhooks(*, delivery_ids: Iterable[int], now=None) -> int:
    from .models import WebhookStatus

    now = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(pk__in=list(delivery_ids), status=WebhookStatus.FAILED).values_list(
            "pk", flat=True
        )
    )
    WebhookDelivery.objects.filter(pk__in=ids).update(status=WebhookStatus.PENDING, attempts=0, next_attempt_at=now)

    def queue():
        from . import tasks

        _publish(tasks.send_webhooks, ids)

    transaction.on_commit(queue)
    return len(ids)
