"""Every write of the measure catalogue: the measures an office introduced in
its answer, following a measure, the secretariat's edits (with a revision),
the latest KPI values, and the window notices (once per window and person)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import office_ids_of
from consult import permissions
from consult import selectors as consult_selectors
from consult.models import Consultation, Event
from notifications import directory
from notifications import services as notifications
from notifications.kinds import Delivery, Kind
from notifications.models import EmailStatus, Notification
from routing.models import Office

from . import windows as window_rules
from .models import Follow, Introduction, Kpi, Measure, Milestone, Notice, NoticeKind, Revision, Window

MAX_INTRODUCED = 30
# Who may say which measures were introduced: the offices answering the consultation.
INTRODUCING_STANDINGS = {"office", "collaborator"}
EDITABLE_FIELDS = (
    "name", "summary", "kind", "ministry", "office", "eligibility", "budget_line", "contact", "url", "source",
    "is_active",
)  # fmt: skip


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


def _shown(value):
    """A value as the history keeps it: JSON text (a related row by its name)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def record_revision(*, measure: Measure, actor: User | None, origin: str, changes: dict, now=None) -> Revision:
    return Revision.objects.create(
        measure_id=measure.pk, actor=actor, origin=origin, created_at=now or timezone.now(),
        changes={key: [_shown(before), _shown(after)] for key, (before, after) in changes.items()},
    )  # fmt: skip


def _require_secretariat(actor: User) -> None:
    if actor.role != Role.SECRETARIAT:
        raise PermissionDenied(_("施策を編集できるのは事務局です"))


@transaction.atomic
def update_measure(*, actor: User, measure: Measure, origin: str = "page", now=None, **values) -> Measure:
    """The secretariat's edit of a measure's text, kept as a revision (who, when, before and after)."""
    _require_secretariat(actor)
    unknown = set(values) - set(EDITABLE_FIELDS) - {"policy_areas"}
    if unknown:
        raise ValidationError({sorted(unknown)[0]: [_("この項目は編集できません")]})
    measure = Measure.objects.select_for_update(of=("self",)).select_related("ministry").get(pk=measure.pk)
    changes = {}
    areas = values.pop("policy_areas", None)
    for name, value in values.items():
        if getattr(measure, name) != value:
            changes[name] = [getattr(measure, name), value]
            setattr(measure, name, value)
    measure.full_clean(exclude=["policy_areas"])
    if changes:
        measure.save(update_fields=[*changes, "updated_at"])
    if areas is not None:
        before = sorted(measure.policy_areas.values_list("slug", flat=True))
        after = sorted(area.slug for area in areas)
        if before != after:
            measure.policy_areas.set(areas)
            changes["policy_areas"] = ["、".join(before), "、".join(after)]
    if changes:
        record_revision(measure=measure, actor=actor, origin=origin, changes=changes, now=now)
    return measure


def _remove(row, *, actor: User, now, key: str, text: str) -> None:
    """Delete a window, KPI or roadmap step of a measure (locked by the caller), kept in its history."""
    record_revision(measure=row.measure, actor=actor, origin="page", now=now, changes={key: [text, None]})
    row.delete()


def _window_text(opens_on, closes_on, note="") -> str:
    text = f"{opens_on}〜{closes_on or ''}"
    return f"{text}（{note}）" if note else text


def _check_window(measure_id: int, opens_on, closes_on, *, exclude: int | None = None) -> None:
    if closes_on is not None and closes_on < opens_on:
        raise ValidationError({"closes_on": [_("締切日は開始日以降にしてください")]})
    if Window.objects.filter(measure_id=measure_id, opens_on=opens_on).exclude(pk=exclude).exists():
        raise ValidationError({"opens_on": [_("この日に始まる公募期間は登録済みです")]})


@transaction.atomic
def add_window(*, actor: User, measure: Measure, opens_on: datetime.date, closes_on: datetime.date | None,
               note: str = "", now=None) -> Window:  # fmt: skip
    _require_secretariat(actor)
    _check_window(measure.pk, opens_on, closes_on)
    window = Window.objects.create(
        measure=measure,
        fiscal_year=window_rules.fiscal_year_of(opens_on),
        opens_on=opens_on,
        closes_on=closes_on,
        note=note,
    )
    record_revision(
        measure=measure, actor=actor, origin="page", now=now,
        changes={"window_added": [None, _window_text(opens_on, closes_on, note)]},
    )  # fmt: skip
    return window


@transaction.atomic
def update_window(*, actor: User, window: Window, opens_on: datetime.date, closes_on: datetime.date | None,
                  note: str = "", now=None) -> Window:  # fmt: skip
    """Correct a window. Its notices stay: a follower already told of this window is not told again."""
    _require_secretariat(actor)
    window = Window.objects.select_for_update().get(pk=window.pk)
    _check_window(window.measure_id, opens_on, closes_on, exclude=window.pk)
    before = _window_text(window.opens_on, window.closes_on, window.note)
    after = _window_text(opens_on, closes_on, note)
    if before != after:
        window.opens_on, window.closes_on, window.note = opens_on, closes_on, note
        window.fiscal_year = window_rules.fiscal_year_of(opens_on)
        window.save(update_fields=["opens_on", "closes_on", "note", "fiscal_year"])
        record_revision(measure=window.measure, actor=actor, origin="page", now=now,
                        changes={"window_changed": [before, after]})  # fmt: skip
    return window


@transaction.atomic
def remove_window(*, actor: User, window: Window, now=None) -> None:
    _require_secretariat(actor)
    window = Window.objects.select_for_update().select_related("measure").get(pk=window.pk)
    _remove(window, actor=actor, now=now, key="window_removed",
            text=_window_text(window.opens_on, window.closes_on, window.note))  # fmt: skip


KPI_FIELDS = ("name", "target", "unit", "target_year", "source")


def _next_position(rows) -> int:
    """After the last of ``rows`` (a measure's KPIs, or its roadmap steps of one year)."""
    return (rows.order_by("-position").values_list("position", flat=True).first() or 0) + 1


def _kpi_text(kpi: Kpi) -> str:
    year = f"（{kpi.target_year}年度）" if kpi.target_year else ""
    return f"{kpi.name}: {kpi.target or '—'} {kpi.unit}{year}".strip()


@transaction.atomic
def add_kpi(*, actor: User, measure: Measure, name: str, target: str = "", unit: str = "",
            target_year: int | None = None, source: str = "", now=None) -> Kpi:  # fmt: skip
    _require_secretariat(actor)
    Measure.objects.select_for_update().filter(pk=measure.pk).first()  # positions are taken in turn
    kpi = Kpi(measure_id=measure.pk, position=_next_position(Kpi.objects.filter(measure_id=measure.pk)), name=name, target=target, unit=unit,
              target_year=target_year, source=source)  # fmt: skip
    kpi.full_clean(exclude=["measure", "latest_by"])
    kpi.save()
    record_revision(measure=measure, actor=actor, origin="page", now=now, changes={"kpi_added": [None, _kpi_text(kpi)]})
    return kpi


@transaction.atomic
def update_kpi(*, actor: User, kpi: Kpi, now=None, **values) -> Kpi:
    """The secretariat corrects a KPI as its source states it (the latest value is the ministry's)."""
    _require_secretariat(actor)
    unknown = set(values) - set(KPI_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: [_("この項目は編集できません")]})
    kpi = Kpi.objects.select_for_update().get(pk=kpi.pk)
    before = _kpi_text(kpi)
    changed = [name for name, value in values.items() if getattr(kpi, name) != value]
    for name in changed:
        setattr(kpi, name, values[name])
    kpi.full_clean(exclude=["measure", "latest_by"])
    if changed:
        kpi.save(update_fields=changed)
        record_revision(measure=kpi.measure, actor=actor, origin="page", now=now,
                        changes={f"kpi_changed:{kpi.position}": [before, _kpi_text(kpi)]})  # fmt: skip
    return kpi


@transaction.atomic
def remove_kpi(*, actor: User, kpi: Kpi, now=None) -> None:
    _require_secretariat(actor)
    kpi = Kpi.objects.select_for_update().select_related("measure").get(pk=kpi.pk)
    _remove(kpi, actor=actor, now=now, key=f"kpi_removed:{kpi.position}", text=_kpi_text(kpi))


def _milestone_text(milestone: Milestone) -> str:
    return f"{milestone.fiscal_year}年度: {milestone.description}"


@transaction.atomic
def add_milestone(*, actor: User, measure: Measure, fiscal_year: int, description: str, now=None) -> Milestone:
    _require_secretariat(actor)
    Measure.objects.select_for_update().filter(pk=measure.pk).first()  # positions are taken in turn
    steps = Milestone.objects.filter(measure_id=measure.pk, fiscal_year=fiscal_year)
    milestone = Milestone(measure_id=measure.pk, fiscal_year=fiscal_year, position=_next_position(steps),
                          description=description)  # fmt: skip
    milestone.full_clean(exclude=["measure"])
    milestone.save()
    record_revision(measure=measure, actor=actor, origin="page", now=now,
                    changes={"milestone_added": [None, _milestone_text(milestone)]})  # fmt: skip
    return milestone


@transaction.atomic
def update_milestone(*, actor: User, milestone: Milestone, fiscal_year: int, description: str, now=None) -> Milestone:
    _require_secretariat(actor)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    before = _milestone_text(milestone)
    if (milestone.fiscal_year, milestone.description) == (fiscal_year, description):
        return milestone
    fields = ["description"]
    if milestone.fiscal_year != fiscal_year:
        # Moving to another year puts it last there (positions are unique per year).
        steps = Milestone.objects.filter(measure_id=milestone.measure_id, fiscal_year=fiscal_year)
        milestone.fiscal_year, milestone.position = fiscal_year, _next_position(steps)
        fields += ["fiscal_year", "position"]
    milestone.description = description
    milestone.full_clean(exclude=["measure"])
    milestone.save(update_fields=fields)
    record_revision(measure=milestone.measure, actor=actor, origin="page", now=now,
                    changes={"milestone_changed": [before, _milestone_text(milestone)]})  # fmt: skip
    return milestone


@transaction.atomic
def remove_milestone(*, actor: User, milestone: Milestone, now=None) -> None:
    _require_secretariat(actor)
    milestone = Milestone.objects.select_for_update().select_related("measure").get(pk=milestone.pk)
    _remove(milestone, actor=actor, now=now, key="milestone_removed", text=_milestone_text(milestone))


def may_record_kpi(user: User, measure: Measure) -> bool:
    """The ministry in charge (liaisons of its offices, or of its parent ministry's) and the secretariat."""
    if user.role == Role.SECRETARIAT:
        return True
    if user.role != Role.LIAISON or not user.is_active:
        return False
    ministries = set(Office.objects.filter(pk__in=office_ids_of(user)).values_list("ministry_id", flat=True))
    return bool(ministries & {measure.ministry_id, measure.ministry.parent_id})


@transaction.atomic
def record_kpi_value(*, actor: User, kpi: Kpi, value: str, as_of: datetime.date, now=None) -> Kpi:
    if not may_record_kpi(actor, kpi.measure):
        raise PermissionDenied(_("最新値を入力できるのは担当府省庁です"))
    value = (value or "").strip()
    if not value or len(value) > 64:
        raise ValidationError({"value": [_("最新値を64文字以内で入力してください")]})
    kpi = Kpi.objects.select_for_update().get(pk=kpi.pk)
    before = f"{kpi.latest_value} ({kpi.latest_as_of})" if kpi.latest_value else ""
    kpi.latest_value, kpi.latest_as_of, kpi.latest_by = value, as_of, actor
    kpi.save(update_fields=["latest_value", "latest_as_of", "latest_by"])
    record_revision(measure=kpi.measure, actor=actor, origin="page", now=now,
                    changes={f"kpi:{kpi.position}": [before, f"{value} ({as_of})"]})  # fmt: skip
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
    data = {
        "title": window.measure.name, "detail": detail, "measure_id": window.measure_id, "window_id": window.pk,
        "path": reverse("measure", args=[window.measure_id]),  # the notice links to the measure's page
    }  # fmt: skip
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
