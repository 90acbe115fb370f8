"""Reply templates: their owners create, edit and delete them; a reply sent
with one counts its use (``post_message``), once, when the reply is stored."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .. import reply_templates, selectors
from ..models import ReplyTemplate
from ..reply_templates import EDIT, Owner
from .common import MAX_BODY

MAX_TEMPLATE_NAME = 100


def _validated(name: str, body: str) -> tuple[str, str]:
    name, body = (name or "").strip(), body or ""
    errors = {}
    if not name:
        errors["name"] = [_("名前を入力してください")]
    elif len(name) > MAX_TEMPLATE_NAME:
        errors["name"] = [_("名前は%(max)s文字以内です") % {"max": MAX_TEMPLATE_NAME}]
    if not body.strip():
        errors["body"] = [_("本文を入力してください")]
    elif len(body) > MAX_BODY:
        errors["body"] = [_("本文は%(max)s文字以内です") % {"max": f"{MAX_BODY:,}"}]
    if errors:
        raise ValidationError(errors)
    return name, body


def _require_edit(actor: User, owner: Owner) -> None:
    if EDIT not in reply_templates.template_rights(selectors.template_viewer(actor), owner):
        raise PermissionDenied(_("この返信テンプレートを編集する権限がありません"))


def _owner_of(template: ReplyTemplate) -> Owner:
    return Owner(template.scope, office_id=template.office_id, ministry_id=template.ministry_id)


@transaction.atomic
def create_reply_template(*, actor: User, owner: Owner, name: str, body: str,
                          now: datetime.datetime | None = None) -> ReplyTemplate:  # fmt: skip
    """A new template for ``owner``, which ``actor`` must be able to edit."""
    now = now or timezone.now()
    _require_edit(actor, owner)
    name, body = _validated(name, body)
    return ReplyTemplate.objects.create(
        scope=owner.scope,
        office_id=owner.office_id,
        ministry_id=owner.ministry_id,
        name=name,
        body=body,
        created_by=actor,
        updated_by=actor,
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def update_reply_template(*, actor: User, template: ReplyTemplate, name: str, body: str,
                          now: datetime.datetime | None = None) -> ReplyTemplate:  # fmt: skip
    """New name and body; the owner stays (a template moves by being written again)."""
    now = now or timezone.now()
    template = ReplyTemplate.objects.select_for_update().get(pk=template.pk)
    _require_edit(actor, _owner_of(template))
    template.name, template.body = _validated(name, body)
    template.updated_by, template.updated_at = actor, now
    template.save(update_fields=["name", "body", "updated_by", "updated_at"])
    return template


@transaction.atomic
def delete_reply_template(*, actor: User, template: ReplyTemplate) -> None:
    """Remove it; replies already sent with it keep their text (and their event its id)."""
    template = ReplyTemplate.objects.select_for_update().get(pk=template.pk)
    _require_edit(actor, _owner_of(template))
    template.delete()


@transaction.atomic
def record_template_use(*, actor: User, template_id: int) -> bool:
    """Count one use of the template, if ``actor`` may use it (a template deleted or out
    of reach since the form was shown is not counted, and does not stop the reply)."""
    counted = selectors.reply_templates_of(actor).filter(pk=template_id).update(use_count=F("use_count") + 1)
    return counted == 1
