"""Every write to consultations. Each service checks permission, changes state,
records the event and commits in one transaction; nothing else writes.

Notifications are queued by ``notifications`` from the events recorded here.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from notifications import services as notifications
from routing import decisions
from routing import selectors as routing_selectors
from routing.business_time import DEFAULT_CALENDAR
from routing.models import LocalGovernment, Office, PolicyArea, SlaPolicy

from . import selectors
from .attachments import AttachmentRefused, check_upload
from .lifecycle import IllegalTransition, Status, next_status
from .models import (
    Attachment,
    CoFiler,
    Collaborator,
    Consultation,
    Event,
    Message,
    MessageKind,
    OfficeHandling,
    ReferenceCounter,
    Urgency,
)

MAX_TITLE = 200
MAX_BODY = 100_000
MAX_CO_FILERS = 50
AUTO_CLOSE_BUSINESS_DAYS = 5


def calendar_of(consultation: Consultation):
    """The business calendar of the office holding the consultation."""
    office = routing_selectors.reference_maps().offices.get(consultation.primary_office_id)
    return routing_selectors.office_calendar(office.slug if office else None)


@dataclass
class Upload:
    name: str
    content: bytes


@dataclass
class Result:
    consultation: Consultation
    attachment_errors: list[str] = field(default_factory=list)
    message: Message | None = None


# --- who the actor is for this consultation ---------------------------------------------


def parties(user: User, consultation: Consultation) -> set[str]:
    """The actor's standing: filer, office (the current one), collaborator, secretariat."""
    standing: set[str] = set()
    if user.role == Role.SECRETARIAT:
        standing.add("secretariat")
    elif user.role == Role.STAFF:
        codes = {consultation.filer_id, *consultation.co_filer_codes}
        if user.local_government_id in codes:
            standing.add("filer")
    elif user.role == Role.LIAISON:
        offices = set(selectors._office_ids(user, consultation))
        if consultation.primary_office_id in offices:
            standing.add("office")
        if offices.intersection(consultation.collaborator_office_ids):
            standing.add("collaborator")
    return standing


PERMISSIONS = {
    "accept": {"office"},
    "request_info": {"office", "secretariat"},
    "resume": {"filer", "office", "secretariat"},
    "resolve": {"office", "secretariat"},
    "confirm": {"filer"},
    "reopen": {"filer", "secretariat"},
    "withdraw": {"filer", "secretariat"},
    "transfer": {"office", "secretariat"},
    "invite": {"office", "secretariat"},
    "reply": {"filer", "office", "collaborator", "secretariat"},
    "rate": {"filer"},
    "note": {"office", "collaborator", "secretariat"},
}


def _require(user: User, consultation: Consultation, action: str) -> set[str]:
    standing = parties(user, consultation)
    if not standing & PERMISSIONS[action]:
        raise PermissionDenied(_("この操作（%(action)s）は権限がありません") % {"action": action})
    return standing


def _office_of(user: User, consultation: Consultation) -> int | None:
    """The id of the office on whose behalf a liaison acts here (the holding one first)."""
    if user.role != Role.LIAISON:
        return None
    offices = set(selectors._office_ids(user, consultation))  # the same lookup parties() made
    for office_id in (consultation.primary_office_id, *consultation.collaborator_office_ids):
        if office_id in offices:
            return office_id
    return None


def _record(consultation, kind, *, actor=None, now, from_status="", to_status="", from_office=None,
            to_office=None, to_office_id=None, reason="", data=None, internal=False) -> Event:  # fmt: skip
    """Append the event and write its notifications (the outbox) in the same transaction."""
    event = Event.objects.create(
        consultation=consultation,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        from_office=from_office,
        to_office_id=to_office.pk if to_office is not None else to_office_id,
        reason=reason,
        data=data or {},
        internal=internal,
        created_at=now,
    )
    notifications.notify(consultation=consultation, event=event)
    return event


def _schedule(consultation: Consultation, *, new: bool = False) -> None:
    """Re-arm the deadline alarms after a change that may move a deadline."""
    notifications.schedule_alarms(consultation=consultation, calendar=calendar_of(consultation), new=new)


def _locked(consultation: Consultation) -> Consultation:
    """Re-read the consultation under a row lock, with what permission checks need."""
    locked = (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("sla_policy", "primary_office")
        .get(pk=consultation.pk)
    )
    return selectors.attach_parties([locked])[0]


# --- filing ----------------------------------------------------------------------------------


def validate_filing(actor, title, body, policy_area, co_filers, urgency, filer, desired_by, now):
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors.setdefault("title", []).append(_("件名を入力してください"))
    elif len(title) > MAX_TITLE:
        errors.setdefault("title", []).append(_("件名は%(max)d文字以内です") % {"max": MAX_TITLE})
    if not (body or "").strip():
        errors.setdefault("body", []).append(_("相談内容を入力してください"))
    elif len(body) > MAX_BODY:
        errors.setdefault("body", []).append(
            _("相談内容は%(max)s文字以内です（%(length)s文字）") % {"max": f"{MAX_BODY:,}", "length": f"{len(body):,}"}
        )
    areas, local_governments = routing_selectors.filing_references()
    area = policy_area if isinstance(policy_area, PolicyArea) else areas.get(policy_area)
    if area is None:
        errors.setdefault("policy_area", []).append(_("施策分野 %(slug)s はありません") % {"slug": repr(policy_area)})
    if urgency not in Urgency.values:
        errors.setdefault("urgency", []).append(
            _("緊急度は %(choices)s のいずれかです") % {"choices": ", ".join(Urgency.values)}
        )
    if desired_by is not None and desired_by < timezone.localdate(now):
        errors.setdefault("desired_by", []).append(_("回答希望日は今日以降の日付です"))
    if actor.role == Role.SECRETARIAT:
        filer_lg = filer if isinstance(filer, LocalGovernment) else local_governments.get(filer or "")
        if filer_lg is None or not filer_lg.can_file:
            errors.setdefault("filer", []).append(_("事務局が提出するときは提出団体（団体コード）を指定してください"))
    elif actor.role == Role.STAFF:
        filer_lg = local_governments.get(actor.local_government_id) or LocalGovernment.objects.select_related(
            "prefecture"
        ).get(code=actor.local_government_id)  # added a moment ago in another process
        if filer and filer != filer_lg.code and getattr(filer, "code", None) != filer_lg.code:
            errors.setdefault("filer", []).append(_("自分の団体としてのみ提出できます"))
    else:
        raise PermissionDenied(_("相談を提出できるのは自治体職員と事務局です"))
    codes = list(dict.fromkeys(co_filers or []))
    if len(codes) > MAX_CO_FILERS:
        errors.setdefault("co_filers", []).append(_("共同提出団体は%(max)d団体までです") % {"max": MAX_CO_FILERS})
    found = {
        code: local_governments[code]
        for code in codes
        if code in local_governments and local_governments[code].can_file
    }
    unknown = [code for code in codes if code not in found]
    if unknown:
        errors.setdefault("co_filers", []).append(
            _("団体コード %(codes)s の地方公共団体はありません") % {"codes": ", ".join(map(str, unknown))}
        )
    if errors:
        raise ValidationError(errors)
    others = [found[code] for code in codes if code != filer_lg.code]
    return title, area, filer_lg, others


def _assign_reference(consultation: Consultation, now: datetime.datetime) -> None:
    """Gapless per calendar year (JST): the counter row stays locked until
    commit, so it is taken as late as possible in the filing transaction."""
    year = timezone.localtime(now).year
    if connection.vendor == "postgresql":
        # One statement creates or increments the year's counter.
        table = ReferenceCounter._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO "{table}" (year, last) VALUES (%s, 1) '  # noqa: S608 — the table name is ours
                f'ON CONFLICT (year) DO UPDATE SET last = "{table}".last + 1 RETURNING last',
                [year],
            )
            number = cursor.fetchone()[0]
    else:
        ReferenceCounter.objects.bulk_create([ReferenceCounter(year=year, last=0)], ignore_conflicts=True)
        counter = ReferenceCounter.objects.select_for_update().get(year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
        number = counter.last
    consultation.reference = f"BNS-{year}-{number:06d}"


def _next_consultation_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Consultation._meta.db_table])
        return cursor.fetchone()[0]


@transaction.atomic
def file_consultation(
    *,
    actor: User,
    title: str,
    body: str,
    policy_area: str | PolicyArea,
    co_filers: Iterable[str] = (),
    desired_by: datetime.date | None = None,
    urgency: str = Urgency.NORMAL,
    filer: str | LocalGovernment | None = None,
    attachments: Iterable[Upload] = (),
    now: datetime.datetime | None = None,
) -> Result:
    """File a consultation: validate, route at once, set deadlines, record the
    decision and the events, store accepted attachments. Refused attachments are
    reported; the consultation is kept."""
    now = now or timezone.now()
    title, area, filer_lg, others = validate_filing(
        actor, title, body, policy_area, list(co_filers), urgency, filer, desired_by, now
    )
    facts = decisions.consultation_facts(
        local_government=filer_lg,
        policy_area=area,
        co_filers=[lg.code for lg in others],
        urgency=urgency,
        title=title,
        body=body,
    )
    routing = decisions.route(facts, at=now)
    decision = routing.decision
    maps = routing_selectors.reference_maps()
    office_id = maps.office_ids[decision.primary_office.slug] if decision.primary_office else None
    status = Status.OPEN if office_id else Status.TRIAGE
    consultation = Consultation(
        title=title,
        body=body,
        status=status,
        policy_area=area,
        filer=filer_lg,
        filed_by=actor,
        urgency=urgency,
        priority=decision.priority,
        desired_by=desired_by,
        primary_office_id=office_id,
        routed_office_id=office_id,
        rule_set=routing.rule_set,
        rule_id=decision.rule.id if decision.rule else None,
        rule_name=decision.rule.name if decision.rule else "",
        routing_explanation=decision.explanation_ja,
        routing_explanation_en=decision.explanation_en,
        triage_reason=decision.triage_reason,
        sla_policy=routing.sla_policy,
        clock_started_at=routing.deadlines.clock_starts_at,
        first_response_due_at=routing.deadlines.first_response_due_at,
        resolution_due_at=routing.deadlines.resolution_due_at,
        created_at=now,
        updated_at=now,
    )
    # On PostgreSQL the row is written once, with its reference, at the end; its
    # parts reference the id taken here (foreign keys are checked at commit).
    # Writing it first and its reference later would write every index twice.
    written_last = connection.vendor == "postgresql"
    if written_last:
        consultation.pk = _next_consultation_id()
    else:
        consultation.reference = f"TMP-{uuid.uuid4().hex[:16]}"
        consultation.save(force_insert=True)
    CoFiler.objects.bulk_create([CoFiler(consultation=consultation, local_government=lg) for lg in others])
    if office_id:
        OfficeHandling.objects.create(consultation=consultation, office_id=office_id, started_at=now)
    collaborator_ids = [maps.office_ids[c.slug] for c in decision.collaborators]
    Collaborator.objects.bulk_create(
        [
            Collaborator(consultation=consultation, office_id=o, invited_at=now, by_routing=True)
            for o in collaborator_ids
        ]
    )
    # What the 201 answer shows, without reading back what was just written.
    consultation.co_filer_codes = [lg.code for lg in others]
    consultation.collaborator_office_ids = collaborator_ids
    _filed, routed = Event.objects.bulk_create(
        [
            Event(consultation=consultation, kind="filed", actor=actor, to_status=status, created_at=now,
                  data={"co_filers": [lg.code for lg in others]}),
            Event(
                consultation=consultation,
                kind="routed" if office_id else "triaged",
                to_office_id=office_id,
                reason=decision.explanation_ja,
                created_at=now,
                data={
                    "rule": decision.rule.as_json() if decision.rule else None,
                    "rule_set_version": decision.rule_set_version,
                    "collaborators": [c.slug for c in decision.collaborators],
                    "sla_policy": routing.sla_policy.slug,
                    "triage_reason": decision.triage_reason,
                },
            ),
        ]
    )  # fmt: skip
    errors = _store_attachments(consultation, None, actor, attachments, internal=False, now=now)
    _assign_reference(consultation, now)
    if written_last:
        consultation.save(force_insert=True)
    else:
        Consultation.objects.filter(pk=consultation.pk).update(reference=consultation.reference)
    notifications.notify(consultation=consultation, event=routed, new=True)
    _schedule(consultation, new=True)
    return Result(consultation=consultation, attachment_errors=errors)


def _store_attachments(consultation, message, actor, uploads, *, internal, now) -> list[str]:
    errors = []
    for upload in uploads:
        try:
            checked = check_upload(upload.name, upload.content)
        except AttachmentRefused as exc:
            errors.append(str(exc))
            continue
        attachment = Attachment(
            consultation=consultation,
            message=message,
            internal=internal,
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=actor,
            created_at=now,
        )
        # The stored name is random: the person-given name is only displayed.
        attachment.file.save(f"{uuid.uuid4().hex}.bin", ContentFile(checked.content), save=False)
        attachment.save()
        _record(consultation, "attachment_added", actor=actor, now=now, internal=internal,
                data={"attachment": attachment.pk, "name": checked.name})  # fmt: skip
    return errors


# --- the lifecycle ---------------------------------------------------------------------------


def _end_pause(consultation: Consultation, now) -> dict:
    """Leaving awaiting_filer: deadlines move by the business time spent waiting."""
    if consultation.paused_since is None:
        return {}
    calendar = calendar_of(consultation)
    paused = calendar.elapsed(consultation.paused_since, now)
    if consultation.first_responded_at is None and consultation.first_response_due_at:
        consultation.first_response_due_at = calendar.add(consultation.first_response_due_at, paused)
    if consultation.resolution_due_at:
        consultation.resolution_due_at = calendar.add(consultation.resolution_due_at, paused)
    interval = {
        "paused_from": consultation.paused_since.isoformat(),
        "paused_to": now.isoformat(),
        "paused_seconds": paused,
    }
    consultation.paused_since = None
    return interval


def _target_seconds(policy: SlaPolicy, which: str) -> int:
    target = policy.first_response_target if which == "first" else policy.resolution_target
    return decisions.target_seconds(target, policy.unit, DEFAULT_CALENDAR)


@transaction.atomic
def transition(
    *,
    actor: User | None,
    consultation: Consultation,
    action: str,
    comment: str = "",
    now: datetime.datetime | None = None,
    via_reply: bool = False,
) -> Result:
    """Apply one lifecycle action (accept, request_info, resume, resolve, confirm,
    reopen, withdraw, auto_close). Raises IllegalTransition (409) or PermissionDenied.
    ``via_reply``: the filer's reply resumed it (that reply is what people are told)."""
    now = now or timezone.now()
    consultation = _locked(consultation)
    if actor is not None:
        _require(actor, consultation, action)
    elif action != "auto_close":
        raise PermissionDenied("system actions only")
    before = consultation.status
    after = next_status(action, before)
    comment = (comment or "").strip()
    data: dict = {}
    message = None
    office = _office_of(actor, consultation) if actor else None

    if action == "request_info" and not comment:
        raise ValidationError({"comment": [_("依頼する内容を入力してください")]})
    if before == Status.AWAITING_FILER and after != Status.AWAITING_FILER:
        data.update(_end_pause(consultation, now))

    if action == "accept":
        consultation.assignee = actor
    elif action == "request_info":
        if consultation.assignee is None and actor.role == Role.LIAISON:
            consultation.assignee = actor
        consultation.paused_since = now
        consultation.first_responded_at = consultation.first_responded_at or now
        message = Message.objects.create(consultation=consultation, author=actor, author_office_id=office,
                                         kind=MessageKind.INFO_REQUEST, body=comment, created_at=now)  # fmt: skip
    elif action == "resolve":
        consultation.resolved_at = now
        consultation.first_responded_at = consultation.first_responded_at or now
        if comment:
            message = Message.objects.create(consultation=consultation, author=actor, author_office_id=office,
                                             kind=MessageKind.RESOLUTION, body=comment, created_at=now)  # fmt: skip
    elif action in ("confirm", "auto_close"):
        consultation.closed_at = now
    elif action == "reopen":
        consultation.closed_at = None
        consultation.resolution_due_at = calendar_of(consultation).add(
            now, _target_seconds(consultation.sla_policy, "resolution")
        )
    elif action == "withdraw":
        consultation.withdrawn_at = now

    if message is None and comment and action not in ("request_info", "resolve"):
        message = Message.objects.create(consultation=consultation, author=actor, author_office_id=office,
                                         kind=MessageKind.COMMENT, body=comment, created_at=now)  # fmt: skip
    consultation.status = after
    consultation.updated_at = now
    consultation.save()
    kinds = {"accept": "accepted", "request_info": "info_requested", "resume": "resumed", "resolve": "resolved",
             "confirm": "closed", "auto_close": "closed", "reopen": "reopened", "withdraw": "withdrawn"}  # fmt: skip
    if message:
        data["message"] = message.pk
    if action == "auto_close":
        data["automatic"] = True
    if via_reply:
        data["via_reply"] = True
    _record(consultation, kinds[action], actor=actor, now=now, from_status=before, to_status=after,
            reason=comment, data=data)  # fmt: skip
    _schedule(consultation)
    return Result(consultation=consultation, message=message)


@transaction.atomic
def transfer(*, actor: User, consultation: Consultation, office: Office | str, reason: str,
             now: datetime.datetime | None = None) -> Result:  # fmt: skip
    """Move the consultation to another office, with a required reason. The new
    office sees the whole history; a transfer out of triage routes it."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("移送の理由を入力してください")]
    target = office if isinstance(office, Office) else Office.objects.filter(slug=office or "").first()
    if target is None:
        errors["office"] = [_("部局 %(slug)s はありません") % {"slug": repr(office)}]
    if errors:
        raise ValidationError(errors)
    consultation = _locked(consultation)
    _require(actor, consultation, "transfer")
    if target.pk == consultation.primary_office_id:
        raise ValidationError({"office": [_("現在の担当部局と同じです")]})
    before = consultation.status
    after = next_status("transfer", before)
    previous = consultation.primary_office
    previous_assignee = consultation.assignee_id
    OfficeHandling.objects.filter(consultation=consultation, ended_at__isnull=True).update(ended_at=now)
    OfficeHandling.objects.create(consultation=consultation, office=target, started_at=now)
    Collaborator.objects.filter(consultation=consultation, office=target).delete()
    consultation.primary_office = target
    consultation.assignee = None
    calendar = calendar_of(consultation)
    consultation.status = after
    consultation.transfer_count += 1
    if consultation.first_responded_at is None:
        # The receiving office's first-response clock starts at the transfer.
        consultation.first_response_due_at = calendar.add(now, _target_seconds(consultation.sla_policy, "first"))
    consultation.updated_at = now
    kind = "routed_by_hand" if before == Status.TRIAGE else "transferred"
    _record(consultation, kind, actor=actor, now=now, from_status=before, to_status=after,
            from_office=previous, to_office=target, reason=reason.strip(),
            data={"previous_assignee": previous_assignee} if previous_assignee else None)  # fmt: skip
    if previous is not None and consultation.ping_pong_flagged_at is None and _bounces(consultation) >= 2:
        consultation.ping_pong_flagged_at = now
        _record(consultation, "ping_pong_flagged", actor=None, now=now, data={"transfers": consultation.transfer_count})
    consultation.save()
    _schedule(consultation)
    return Result(consultation=consultation)


def _bounces(consultation: Consultation) -> int:
    """Transfers that sent the consultation back to an office it had been sent away from."""
    left: set[int] = set()
    bounces = 0
    for from_office, to_office in Event.objects.filter(consultation=consultation, kind="transferred").values_list(
        "from_office_id", "to_office_id"
    ):
        if to_office in left:
            bounces += 1
        left.add(from_office)
    return bounces


@transaction.atomic
def invite_collaborator(*, actor: User, consultation: Consultation, office: Office | str,
                        now: datetime.datetime | None = None) -> Result:  # fmt: skip
    now = now or timezone.now()
    target = office if isinstance(office, Office) else Office.objects.filter(slug=office or "").first()
    if target is None:
        raise ValidationError({"office": [_("部局 %(slug)s はありません") % {"slug": repr(office)}]})
    consultation = _locked(consultation)
    _require(actor, consultation, "invite")
    if (
        target.pk == consultation.primary_office_id
        or Collaborator.objects.filter(consultation=consultation, office=target).exists()
    ):
        raise ValidationError({"office": [_("既に担当または協力部局です")]})
    Collaborator.objects.create(consultation=consultation, office=target, invited_by=actor, invited_at=now)
    consultation.updated_at = now
    consultation.save(update_fields=["updated_at"])
    _record(consultation, "collaborator_invited", actor=actor, now=now, to_office=target)
    return Result(consultation=consultation)


MENTION = re.compile(r"@([\w.+-]+@[\w-]+(?:\.[\w-]+)+|[a-z0-9][a-z0-9-]+)")


def _mentions(body: str, consultation: Consultation) -> dict:
    """People (@e-mail) and offices (@office-slug) mentioned in ``body``."""
    found = MENTION.findall(body or "")
    emails = [token.lower() for token in found if "@" in token]
    slugs = [token for token in found if "@" not in token]
    return {
        "users": list(User.objects.filter(email__in=emails).values_list("pk", flat=True)),
        "offices": list(Office.objects.filter(slug__in=slugs).values_list("slug", flat=True)),
    }


@transaction.atomic
def post_message(*, actor: User, consultation: Consultation, body: str, internal: bool = False,
                 attachments: Iterable[Upload] = (), now: datetime.datetime | None = None) -> Result:  # fmt: skip
    """A public reply or an internal note. A reply from the filer side while the
    consultation waits for them resumes it."""
    now = now or timezone.now()
    body = body or ""
    if not body.strip():
        raise ValidationError({"body": [_("本文を入力してください")]})
    if len(body) > MAX_BODY:
        raise ValidationError({"body": [_("本文は%(max)s文字以内です") % {"max": f"{MAX_BODY:,}"}]})
    consultation = _locked(consultation)
    if consultation.status == Status.WITHDRAWN:
        raise IllegalTransition("reply", consultation.status)
    if internal and actor.role == Role.STAFF:
        raise ValidationError({"internal": [_("内部メモは府省庁と事務局のみ書けます")]})
    standing = _require(actor, consultation, "note" if internal else "reply")
    office = _office_of(actor, consultation)
    message = Message.objects.create(
        consultation=consultation,
        author=actor,
        author_office_id=office,
        kind=MessageKind.NOTE if internal else MessageKind.REPLY,
        internal=internal,
        body=body,
        mentions=_mentions(body, consultation),
        created_at=now,
    )
    from_office_side = bool(standing & {"office", "collaborator", "secretariat"})
    if not internal and from_office_side and consultation.first_responded_at is None:
        consultation.first_responded_at = now
    consultation.updated_at = now
    consultation.save()
    _record(consultation, "note_added" if internal else "replied", actor=actor, now=now, internal=internal,
            data={"message": message.pk, "mentions": message.mentions, "by": sorted(standing)})  # fmt: skip
    errors = _store_attachments(consultation, message, actor, attachments, internal=internal, now=now)
    result = Result(consultation=consultation, message=message, attachment_errors=errors)
    if not internal and "filer" in standing and consultation.status == Status.AWAITING_FILER:
        transition(actor=actor, consultation=consultation, action="resume", now=now, via_reply=True)
        consultation.refresh_from_db()
    elif not internal and from_office_side:
        _schedule(consultation)  # the first response disarms its alarms
    return result


@transaction.atomic
def record_reminder(*, consultation: Consultation, kind: str, data: dict, now: datetime.datetime) -> Event:
    """A deadline event found by the beat sweep (due soon, overdue, escalated,
    waiting for the filer): recorded in the history and notified like any other."""
    if not hasattr(consultation, "collaborator_office_ids"):
        consultation = selectors.attach_parties([consultation])[0]
    return _record(consultation, kind, actor=None, now=now, data=data)


def auto_close_due(*, now: datetime.datetime | None = None, batch: int = 500) -> int:
    """Close consultations resolved 5 business days ago (run by beat). Returns how many."""
    now = now or timezone.now()
    # A resolution at or before this instant has had 5 full business days.
    calendar = routing_selectors.office_calendar(None)
    threshold = calendar.instant_at(calendar.position(now) - AUTO_CLOSE_BUSINESS_DAYS * calendar.day_seconds)
    closed = 0
    due = Consultation.objects.filter(status=Status.RESOLVED, resolved_at__lte=threshold).order_by("resolved_at")
    for consultation in list(due[:batch]):
        try:
            transition(actor=None, consultation=consultation, action="auto_close", now=now)
            closed += 1
        except IllegalTransition:
            continue  # confirmed or reopened meanwhile
    return closed


@transaction.atomic
def escalate(*, actor: User, consultation: Consultation, now: datetime.datetime | None = None) -> Event:
    """The secretariat escalates an overdue consultation by hand (from the dashboard):
    recorded as ``escalated``, as the deadline sweep records it, and so notified to
    the handlers, the office's leads and the secretariat."""
    now = now or timezone.now()
    consultation = _locked(consultation)
    if "secretariat" not in parties(actor, consultation):
        raise PermissionDenied(_("エスカレーションは事務局のみ行えます"))
    if consultation.status in Status.FINISHED or consultation.paused_since is not None:
        raise ValidationError(_("完了した相談や相談者の回答待ちの相談はエスカレーションできません"))
    first_due, resolution_due = consultation.first_response_due_at, consultation.resolution_due_at
    if consultation.first_responded_at is None and first_due is not None and first_due <= now:
        deadline_kind, deadline = "first_response", first_due
    elif resolution_due is not None and resolution_due <= now:
        deadline_kind, deadline = "resolution", resolution_due
    else:
        raise ValidationError(_("期限を過ぎていない相談はエスカレーションできません"))
    data = {"deadline_kind": deadline_kind, "deadline": deadline.isoformat(), "by": "secretariat"}
    return _record(consultation, "escalated", actor=actor, now=now, data=data)


RATABLE = frozenset({Status.RESOLVED, Status.CLOSED})


@transaction.atomic
def rate(*, actor: User, consultation: Consultation, rating: int, comment: str = "",
         now: datetime.datetime | None = None) -> Result:  # fmt: skip
    """The filer rates the answer from 1 (not satisfied) to 5 (very satisfied), once the
    consultation is resolved or closed; a later rating replaces the earlier one."""
    now = now or timezone.now()
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": [_("満足度は1から5で選んでください")]})
    consultation = _locked(consultation)
    _require(actor, consultation, "rate")
    if consultation.status not in RATABLE:
        raise IllegalTransition("rate", consultation.status)
    consultation.rating, consultation.rated_at, consultation.updated_at = rating, now, now
    consultation.save(update_fields=["rating", "rated_at", "updated_at"])
    _record(consultation, "rated", actor=actor, now=now, reason=(comment or "").strip(), data={"rating": rating})
    return Result(consultation=consultation)
