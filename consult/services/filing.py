"""Filing: validation, routing at once, deadlines, the gapless reference."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from notifications import services as notifications
from routing import decisions
from routing import selectors as routing_selectors
from routing.models import LocalGovernment, PolicyArea

from ..lifecycle import Status
from ..models import (
    DEADLINES,
    CoFiler,
    Collaborator,
    Consultation,
    Event,
    OfficeHandling,
    ReferenceCounter,
    Urgency,
    deadlines_record,
)
from .common import MAX_BODY, MAX_CO_FILERS, MAX_TITLE, Result, Upload, _schedule, _search_text
from .conversation import _record_attachments, _save_attachments


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
        co_filers=others,
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
                  data={"co_filers": [lg.code for lg in others], DEADLINES: deadlines_record(consultation)}),
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
    stored, errors = _save_attachments(consultation, None, actor, attachments, internal=False, now=now)
    # The alarms need no reference: armed before the year's counter is locked (until commit).
    _schedule(consultation, new=True)
    _assign_reference(consultation, now)
    if written_last:
        consultation.save(force_insert=True)
    else:
        Consultation.objects.filter(pk=consultation.pk).update(reference=consultation.reference)
    # Their events (and webhook payloads) carry the reference, so they follow it;
    # the files are stored before, to keep the year's counter locked briefly.
    _record_attachments(consultation, stored, actor=actor, now=now)
    notifications.notify(consultation=consultation, event=routed, new=True)
    _search_text(consultation)
    return Result(consultation=consultation, attachment_errors=errors)
