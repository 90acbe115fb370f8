"""The conversation: replies, internal notes, mentions and stored attachments."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from routing.models import Office

from .. import audience
from ..attachments import AttachmentRefused, check_upload, max_files, too_many_files_message
from ..lifecycle import IllegalTransition, Status
from ..models import Attachment, Consultation, Message, MessageKind
from ..permissions import office_of, require
from .common import MAX_BODY, Result, Upload, _locked, _open_to_work, _record, _schedule, _search_text
from .lifecycle import transition
from .templates import record_template_use

MENTION = re.compile(r"@([\w.+-]+@[\w-]+(?:\.[\w-]+)+|[a-z0-9][a-z0-9-]+)")


def _mentions(body: str, consultation: Consultation, *, internal_at=None) -> dict:
    """People (@e-mail) and offices (@office-slug) mentioned in ``body``. Only
    people who may see the consultation (for an internal note, its internal
    notes) count as mentioned: naming anyone else resolves to nobody, so the
    message records no one it could leak to."""
    found = MENTION.findall(body or "")
    emails = [token.lower() for token in found if "@" in token]
    slugs = [token for token in found if "@" not in token]
    named = list(User.objects.filter(email__in=emails).values_list("pk", flat=True)) if emails else []
    seeing = audience.who_sees(consultation, named, internal_at=internal_at)
    return {
        "users": [pk for pk in named if pk in seeing],
        "offices": list(Office.objects.filter(slug__in=slugs).values_list("slug", flat=True)) if slugs else [],
    }


@transaction.atomic
def post_message(*, actor: User, consultation: Consultation, body: str, internal: bool = False,
                 attachments: Iterable[Upload] = (), now: datetime.datetime | None = None,
                 template_id: int | None = None) -> Result:  # fmt: skip
    """A public reply or an internal note. A reply from the filer side while the
    consultation waits for them resumes it. ``template_id``: the reply template the
    text started from, whose use is counted here, once the message is stored."""
    now = now or timezone.now()
    body = body or ""
    if not body.strip():
        raise ValidationError({"body": [_("本文を入力してください")]})
    if len(body) > MAX_BODY:
        raise ValidationError({"body": [_("本文は%(max)s文字以内です") % {"max": f"{MAX_BODY:,}"}]})
    consultation = _locked(consultation)
    _open_to_work(consultation, "note" if internal else "reply")
    if consultation.status == Status.WITHDRAWN:
        raise IllegalTransition("reply", consultation.status)
    if internal and actor.role == Role.STAFF:
        raise ValidationError({"internal": [_("内部メモは府省庁と事務局のみ書けます")]})
    standing = require(actor, consultation, "note" if internal else "reply")
    office = office_of(actor, consultation)
    message = Message.objects.create(
        consultation=consultation,
        author=actor,
        author_office_id=office,
        kind=MessageKind.NOTE if internal else MessageKind.REPLY,
        internal=internal,
        body=body,
        mentions=_mentions(body, consultation, internal_at=now if internal else None),
        created_at=now,
    )
    from_office_side = bool(standing & {"office", "collaborator", "secretariat"})
    used = template_id is not None and from_office_side and record_template_use(actor=actor, template_id=template_id)
    if not internal and from_office_side and consultation.first_responded_at is None:
        consultation.first_responded_at = now
    consultation.updated_at = now
    consultation.save()
    _record(consultation, "note_added" if internal else "replied", actor=actor, now=now, internal=internal,
            data={"message": message.pk, "mentions": message.mentions, "by": sorted(standing),
                  **({"template": template_id} if used else {})})  # fmt: skip
    errors = _store_attachments(consultation, message, actor, attachments, internal=internal, now=now)
    _search_text(consultation)
    result = Result(consultation=consultation, message=message, attachment_errors=errors)
    if not internal and "filer" in standing and consultation.status == Status.AWAITING_FILER:
        transition(actor=actor, consultation=consultation, action="resume", now=now, via_reply=True)
        consultation.refresh_from_db()
    elif not internal and from_office_side:
        _schedule(consultation)  # the first response disarms its alarms
    return result


def _store_attachments(consultation, message, actor, uploads, *, internal, now) -> list[str]:
    """Store the accepted uploads and record their events; returns the refusals."""
    stored, errors = _save_attachments(consultation, message, actor, uploads, internal=internal, now=now)
    _record_attachments(consultation, stored, actor=actor, now=now)
    return errors


def _save_attachments(consultation, message, actor, uploads, *, internal, now) -> tuple[list[Attachment], list[str]]:
    """Check and store the uploads, without their events: the accepted ones and the refusals."""
    uploads = list(uploads)
    if len(uploads) > max_files():
        raise ValidationError({"attachments": [too_many_files_message()]})
    stored, errors = [], []
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
        attachment.file.save(f"{uuid.uuid4().hex}.bin", checked.file, save=False)  # copied in chunks
        attachment.save()
        stored.append(attachment)
    return stored, errors


def _record_attachments(consultation, attachments, *, actor, now) -> None:
    for attachment in attachments:
        _record(consultation, "attachment_added", actor=actor, now=now, internal=attachment.internal,
                data={"attachment": attachment.pk, "name": attachment.name})  # fmt: skip
