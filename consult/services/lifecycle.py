"""The lifecycle: transitions, automatic closing, escalation, deadline
reminders and the filer's rating."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from routing import selectors as routing_selectors

from .. import rules, selectors
from ..lifecycle import IllegalTransition, Status, next_status
from ..models import Consultation, Event, Message, MessageKind
from ..permissions import office_of, parties, require
from ..rules import RATABLE
from .common import Result, _locked, _open_to_work, _record, _schedule, _search_text, _target_seconds, calendar_of

AUTO_CLOSE_BUSINESS_DAYS = 5


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
    _open_to_work(consultation, action)
    if actor is not None:
        require(actor, consultation, action)
    elif action != "auto_close":
        raise PermissionDenied("system actions only")
    before = consultation.status
    after = next_status(action, before)
    comment = (comment or "").strip()
    data: dict = {}
    message = None
    office = office_of(actor, consultation) if actor else None

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
    if message is not None:
        _search_text(consultation)
    return Result(consultation=consultation, message=message)


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
    # A merged one stays as it was merged (closed to new work) until it is unmerged.
    due = Consultation.objects.filter(
        status=Status.RESOLVED, resolved_at__lte=threshold, merged_into__isnull=True
    ).order_by("resolved_at")
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
    _open_to_work(consultation, "escalate")
    if "secretariat" not in parties(actor, consultation):
        raise PermissionDenied(_("エスカレーションは事務局のみ行えます"))
    if consultation.status in Status.FINISHED or consultation.paused_since is not None:
        raise ValidationError(_("完了した相談や相談者の回答待ちの相談はエスカレーションできません"))
    if rules.late(consultation, rules.FIRST, now):
        deadline_kind, deadline = "first_response", consultation.first_response_due_at
    elif rules.late(consultation, rules.RESOLUTION, now):
        deadline_kind, deadline = "resolution", consultation.resolution_due_at
    else:
        raise ValidationError(_("期限を過ぎていない相談はエスカレーションできません"))
    data = {"deadline_kind": deadline_kind, "deadline": deadline.isoformat(), "by": "secretariat"}
    return _record(consultation, "escalated", actor=actor, now=now, data=data)


@transaction.atomic
def rate(*, actor: User, consultation: Consultation, rating: int, comment: str = "",
         now: datetime.datetime | None = None) -> Result:  # fmt: skip
    """The filer rates the answer from 1 (not satisfied) to 5 (very satisfied), once the
    consultation is resolved or closed; a later rating replaces the earlier one."""
    now = now or timezone.now()
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": [_("満足度は1から5で選んでください")]})
    consultation = _locked(consultation)
    _open_to_work(consultation, "rate")
    require(actor, consultation, "rate")
    if consultation.status not in RATABLE:
        raise IllegalTransition("rate", consultation.status)
    consultation.rating, consultation.rated_at, consultation.updated_at = rating, now, now
    consultation.save(update_fields=["rating", "rated_at", "updated_at"])
    _record(consultation, "rated", actor=actor, now=now, reason=(comment or "").strip(), data={"rating": rating})
    return Result(consultation=consultation)
