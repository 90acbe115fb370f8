"""Who handles a consultation: transfers (and ping-pong bounces), invited
collaborators, and the person assigned. (Not named `parties`: that is the standing function re-exported here.)"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import OfficeMembership, Role, User
from accounts.selectors import offices_led_by
from notifications import services as notifications
from notifications.kinds import Kind
from routing.models import Office

from .. import rules
from ..lifecycle import IllegalTransition, Status, next_status
from ..models import Collaborator, Consultation, Event, HandoverNotice, OfficeHandling
from ..permissions import parties, require
from ..selectors import open_work_of, ownerless_work
from .common import Result, _locked, _open_to_work, _record, _schedule, _target_seconds, calendar_of


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
    _open_to_work(consultation, "transfer")
    require(actor, consultation, "transfer")
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
    _open_to_work(consultation, "invite")
    require(actor, consultation, "invite")
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


@transaction.atomic
def assign(*, actor: User, consultation: Consultation, assignee: User,
           now: datetime.datetime | None = None) -> Result:  # fmt: skip
    """Make ``assignee``, a liaison of the holding office today, the person who handles the
    consultation (consult.rules.may_assign says who may: the office's lead, or a member
    taking it themself, and the secretariat). The status does not change: an open
    consultation still waits to be accepted, by the assignee now."""
    now = now or timezone.now()
    consultation = _locked(consultation)
    _open_to_work(consultation, "assign")
    standing = parties(actor, consultation)
    office_id = consultation.primary_office_id
    lead = offices_led_by(actor).filter(pk=office_id).exists() if office_id else False
    if not rules.may_assign(standing, lead=lead, to_self=assignee.pk == actor.pk):
        raise PermissionDenied(_("担当者を割り当てられるのは、担当部局の責任者と事務局です"))
    if consultation.status not in rules.ASSIGNABLE or office_id is None:
        raise IllegalTransition("assign", consultation.status)
    member = OfficeMembership.objects.active().filter(
        user_id=assignee.pk, office_id=office_id, user__is_active=True, user__role=Role.LIAISON
    )
    if not member.exists():
        raise ValidationError(
            {"assignee": [_("%(name)s さんは担当部局の担当者ではありません") % {"name": assignee.display_name}]}
        )
    if consultation.assignee_id == assignee.pk:
        raise ValidationError({"assignee": [_("既に %(name)s さんが担当しています") % {"name": assignee.display_name}]})
    previous = consultation.assignee_id
    consultation.assignee = assignee
    consultation.updated_at = now
    consultation.save(update_fields=["assignee", "updated_at"])
    _record(consultation, "assigned", actor=actor, now=now, to_office_id=office_id,
            data={"assignee": assignee.pk, "previous_assignee": previous})  # fmt: skip
    return Result(consultation=consultation)


@dataclass
class Reassigned:
    """What a bulk reassignment did: the consultations now with the new assignee,
    and the ones refused, each with the reason."""

    done: list[Consultation] = field(default_factory=list)
    failed: list[tuple[Consultation, str]] = field(default_factory=list)


def reassign_open_work(*, actor: User, from_user: User, to_user: User, office: Office,
                       now: datetime.datetime | None = None) -> Reassigned:  # fmt: skip
    """Give every open consultation ``from_user`` holds in ``office`` to ``to_user``,
    in one step, for the office's lead (the person moved or left). Each goes through
    ``assign`` (its permission, its event), in its own transaction: one refused
    (changed meanwhile) leaves the others done and is reported."""
    now = now or timezone.now()
    if not offices_led_by(actor).filter(pk=office.pk).exists():
        raise PermissionDenied(_("担当替えはその部局の所属長・責任者のみ行えます"))
    result = Reassigned()
    for consultation in open_work_of(actor, office_id=office.pk, assignee_id=from_user.pk):
        try:
            result.done.append(assign(actor=actor, consultation=consultation, assignee=to_user, now=now).consultation)
        except (ValidationError, PermissionDenied, IllegalTransition) as error:
            result.failed.append((consultation, " ".join(getattr(error, "messages", None) or [str(error)])))
    return result


def notify_ownerless_work(*, now: datetime.datetime | None = None) -> int:
    """Tell the leads of each office whose open work is still assigned to someone
    no longer in it (a membership ended, an account closed), once per person,
    office and end of membership; returns how many people were reported. Run
    daily by beat; running it again tells nobody twice (``HandoverNotice``)."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    found = ownerless_work(day)
    if not found:
        return 0
    ended = {
        (user_id, office_id): ended_on
        for user_id, office_id, ended_on in OfficeMembership.objects.filter(
            user_id__in={user for user, _office, _count in found}, ended_on__lte=day
        ).values_list("user_id", "office_id", "ended_on")
    }
    names = dict(User.objects.filter(pk__in={user for user, _o, _c in found}).values_list("pk", "display_name"))
    reported = 0
    for user_id, office_id, count in found:
        with transaction.atomic():
            _notice, created = HandoverNotice.objects.get_or_create(
                user_id=user_id, office_id=office_id, ended_on=ended.get((user_id, office_id)),
                defaults={"notified_at": now},
            )  # fmt: skip
            if not created:
                continue
            detail = ngettext("担当中の未完了の相談 %(count)d件", "担当中の未完了の相談 %(count)d件", count) % {
                "count": count
            }
            notifications.notify_office_lead(
                office_id=office_id,
                kind=Kind.HANDOVER,
                data={"title": names.get(user_id, ""), "detail": detail, "path": reverse("handover")},
                now=now,
            )
            reported += 1
    return reported
