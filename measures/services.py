"""Every write of the measure catalogue: the measures an office introduced in
its answer, following a measure, the secretariat's edits (with a revision),
the latest KPI values, and the window notices (once per window and person)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from consult import permissions
from consult import selectors as consult_selectors
from consult.models import Consultation, Event
from notifications import directory
from notifications import services as notifications
from notifications.kinds import Delivery, Kind
from notifications.models import EmailStatus, Notification

from . import windows as window_rules
from .models import Follow, Introduction, Kpi, Measure, Notice, NoticeKind, Revision, Window

MAX_INTRODUCED = 30
# Who may say which measures were introduced: the offices answering the consultation.
INTRODUCING_STANDINGS = {"office", "collaborator"}
EDITABLE_FIELDS = ("name", "summary", "kind", "eligibility", "budget_line", "contact", "url", "source", "is_active")


def may_introduce(user: User, consultation: Consultation) -> bool:
    return bool(permissions.parties(user, consultation) & INTRODUCING_STANDINGS)


@transaction.atomic
def set_introduced_measures(
    *, actor: User, consultation: Consultation, measure_ids: Iterable[int], now: datetime.datetime | None = None
) -> list[Introduction]:
    """Make ``measure_ids`` the measures introduced in the answer to
    ``consultation`` (adding and removing), as one event in its history.
    The caller fetched the consultation through its visibility (404 outside)."""
    now = now or timezone.now()
    wanted = list(dict.fromkeys(int(pk) for pk in measure_ids))
    if len(wanted) > MAX_INTRODUCED:
        raise ValidationError({"measures": [_("紹介できる施策は%(n)d件までです") % {"n": MAX_INTRODUCED}]})
    consultation = Consultation.objects.select_for_update(of=("self",)).get(pk=consultation.pk)
    consultation = consult_selectors.attach_parties([consultation])[0]
    if not may_introduce(actor, consultation):
        raise PermissionDenied(_("紹介した施策を登録できるのは、この相談を担当する部局です"))
    found = set(Measure.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True))
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ValidationError({"measures": [_("施策 %(id)s はありません") % {"id": missing[0]}]})
    current = set(Introduction.objects.filter(consultation=consultation).values_list("measure_id", flat=True))
    added = [pk for pk in wanted if pk not in current]
    removed = sorted(current - set(wanted))
    if added or removed:
        office_id = permissions.office_of(actor, consultation)
        Introduction.objects.filter(consultation=consultation, measure_id__in=removed).delete()
        Introduction.objects.bulk_create(
            Introduction(consultation=consultation, measure_id=pk, office_id=office_id, introduced_by=actor,
                         created_at=now)
            for pk in added
        )  # fmt: skip
        event = Event.objects.create(
            consultation=consultation,
            kind="measures_introduced",
            actor=actor,
            to_office_id=office_id,
            data={"added": added, "removed": removed},
            created_at=now,
        )
        notifications.notify(consultation=consultation, event=event)
    return list(Introduction.objects.filter(consultation=consultation).order_by("created_at", "id"))


@transaction.atomic
def set_following(*, user: User, measure: Measure, follow: bool, now: datetime.datetime | None = None) -> bool:
    """Follow (or stop following) a measure; idempotent. Returns whether the person follows it now."""
    if follow:
        Follow.objects.get_or_create(user=user, measure=measure, defaults={"created_at": now or timezone.now()})
    else:
        Follow.objects.filter(user=user, measure=measure).delete()
    return follow


def record_revision(*, measure: Measure, actor: User | None, origin: str, changes: dict, now=None) -> Revision:
    return Revision.objects.create(
        measure=measure, actor=actor, origin=origin, changes=changes, created_at=now or timezone.now()
    )


def _require_secretariat(actor: User) -> None:
    if actor.role != Role.SECRETARIAT:
        raise PermissionDenied(_("施策を編集できるのは事務局です"))


@transaction.atomic
def update_measure(*, actor: User, measure: Measure, origin: str = "page", now=None, **values) -> Measure:
    """The secretariat's edit of a measure's text, kept as a revision (who, when, before and after)."""
    _require_secretariat(actor)
    now = now or timezone.now()
    unknown = set(values) - set(EDITABLE_FIELDS) - {"policy_areas"}
    if unknown:
        raise ValidationError({sorted(unknown)[0]: [_("この項目は編集できません")]})
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    changes = {}
    areas = values.pop("policy_areas", None)
    for name, value in values.items():
        if getattr(measure, name) != value:
            changes[name] = [getattr(measure, name), value]
            setattr(measure, name, value)
    measure.full_clean(exclude=["ministry", "office"])
    if changes:
        measure.save(update_fields=[*changes, "updated_at"])
    if areas is not None:
        before = sorted(measure.policy_areas.values_list("slug", flat=True))
        after = sorted(area.slug for area in areas)
        if before != after:
            measure.policy_areas.set(areas)
            changes["policy_areas"] = [before, after]
    if changes:
        Revision.objects.create(measure=measure, actor=actor, origin=origin, changes=changes, created_at=now)
    return measure


@transaction.atomic
def add_window(*, actor: User, measure: Measure, opens_on: datetime.date, closes_on: datetime.date | None,
               note: str = "", now=None) -> Window:  # fmt: skip
    _require_secretariat(actor)
    if closes_on is not None and closes_on < opens_on:
        raise ValidationError({"closes_on": [_("締切日は開始日以降にしてください")]})
    if Window.objects.filter(measure=measure, opens_on=opens_on).exists():
        raise ValidationError({"opens_on": [_("この日に始まる公募期間は登録済みです")]})
    window = Window.objects.create(
        measure=measure,
        fiscal_year=window_rules.fiscal_year_of(opens_on),
        opens_on=opens_on,
        closes_on=closes_on,
        note=note,
    )
    Revision.objects.create(
        measure=measure, actor=actor, origin="page", created_at=now or timezone.now(),
        changes={"window_added": [None, f"{opens_on}〜{closes_on or ''}"]},
    )  # fmt: skip
    return window


def may_record_kpi(user: User, measure: Measure) -> bool:
    """The ministry in charge (its liaisons, of the ministry or its parent) and the secretariat."""
    if user.role == Role.SECRETARIAT:
        return True
    if user.role != Role.LIAISON:
        return False
    ministries = set(user.offices.values_list("ministry_id", flat=True))
    return bool(ministries & {measure.ministry_id, measure.ministry.parent_id})


@transaction.atomic
def record_kpi_value(*, actor: User, kpi: Kpi, value: str, as_of: datetime.date, now=None) -> Kpi:
    if not may_record_kpi(actor, kpi.measure):
        raise PermissionDenied(_("最新値を入力できるのは担当府省庁です"))
    value = (value or "").strip()
    if not value or len(value) > 64:
        raise ValidationError({"value": [_("最新値を64文字以内で入力してください")]})
    kpi = Kpi.objects.select_for_update().get(pk=kpi.pk)
    before = kpi.latest_value
    kpi.latest_value, kpi.latest_as_of, kpi.latest_by = value, as_of, actor
    kpi.save(update_fields=["latest_value", "latest_as_of", "latest_by"])
    Revision.objects.create(
        measure_id=kpi.measure_id, actor=actor, origin="page", created_at=now or timezone.now(),
        changes={f"kpi:{kpi.position}": [before, f"{value} ({as_of})"]},
    )  # fmt: skip
    return kpi


# --- window notices --------------------------------------------------------------------------

NOTICE_KINDS = {NoticeKind.OPENED: Kind.MEASURE_WINDOW_OPENED, NoticeKind.CLOSING: Kind.MEASURE_WINDOW_CLOSING}


def due_windows(day: datetime.date) -> dict[str, list[int]]:
    """Windows with something to tell today: opened (and still open), closing within a week."""
    open_now = Window.objects.filter(window_rules.open_on(day), measure__is_active=True)
    closing = open_now.filter(
        closes_on__isnull=False, closes_on__lte=day + datetime.timedelta(days=window_rules.CLOSING_NOTICE_DAYS)
    )
    return {
        NoticeKind.OPENED: list(open_now.values_list("pk", flat=True)),
        NoticeKind.CLOSING: list(closing.values_list("pk", flat=True)),
    }


@transaction.atomic
def notify_window(*, window_id: int, kind: str, now: datetime.datetime | None = None) -> int:
    """Tell each follower of the window's measure once (the Notice row makes it so,
    however often beat runs). Returns how many were told."""
    now = now or timezone.now()
    # The row lock makes concurrent runs take turns: the second sees the first's notices.
    window = Window.objects.select_for_update(of=("self",)).select_related("measure").filter(pk=window_id).first()
    if window is None or not window_rules.is_open(window.opens_on, window.closes_on, window_rules.today(now)):
        return 0
    followers = set(
        Follow.objects.filter(measure_id=window.measure_id, user__is_active=True).values_list("user_id", flat=True)
    )
    told = set(Notice.objects.filter(window=window, kind=kind).values_list("user_id", flat=True))
    new = sorted(followers - told)
    if not new:
        return 0
    Notice.objects.bulk_create([Notice(window=window, user_id=user_id, kind=kind, created_at=now) for user_id in new])
    notification_kind = NOTICE_KINDS[kind]
    quiet_until = notifications.end_of_quiet_hours(now) if notifications.in_quiet_hours(now) else None
    closes = window.closes_on.isoformat() if window.closes_on else ""
    detail = f"{window.opens_on.isoformat()}〜{closes}" if kind == NoticeKind.OPENED else f"締切 {closes}"
    data = {"title": window.measure.name, "detail": detail, "measure_id": window.measure_id, "window_id": window.pk}
    rows = []
    for user_id in new:
        delivery = directory.preference(user_id, notification_kind) or Delivery.IMMEDIATE
        if delivery == Delivery.OFF:
            continue
        digest = delivery == Delivery.DIGEST
        rows.append(
            Notification(
                recipient_id=user_id,
                kind=notification_kind,
                data=data,
                created_at=now,
                email_status=EmailStatus.DIGEST if digest else EmailStatus.PENDING,
                email_not_before=None if digest else quiet_until,
            )
        )
    created_rows = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created_rows]
    emails = [n.pk for n in created_rows if n.email_status == EmailStatus.PENDING and n.email_not_before is None]
    transaction.on_commit(lambda: notifications.enqueue_delivery(ids, emails))
    return len(new)
