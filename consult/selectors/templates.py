"""Reply templates as their owners and users may read them (rights: consult.reply_templates)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Role

from .. import reply_templates
from ..models import Consultation, ReplyTemplate
from . import _is_liaison, _office_ids
from .inside import sees_internal


def template_viewer(user) -> reply_templates.Viewer:
    """The person as the template rights see them (a liaison's offices and their ministries)."""
    if not _is_liaison(user):
        role = user.role if user is not None and user.is_authenticated and user.is_active else ""
        return reply_templates.Viewer(role=role)
    from routing import selectors as routing_selectors

    offices = frozenset(_office_ids(user))
    known = routing_selectors.reference_maps().offices
    ministries = frozenset(known[pk].ministry_id for pk in offices if pk in known)
    return reply_templates.Viewer(role=user.role, offices=offices, ministries=ministries)


def reply_templates_of(user, right: str = reply_templates.USE, *, viewer=None) -> QuerySet[ReplyTemplate]:
    """The templates on which ``user`` has ``right`` (``use`` or ``edit``), by name."""
    condition = reply_templates.rights_q(viewer or template_viewer(user), right)
    if condition is None:
        return ReplyTemplate.objects.none()
    return ReplyTemplate.objects.filter(condition).order_by("name", "id")


def access_reply_template(user, pk, right: str = reply_templates.USE) -> ReplyTemplate:
    """The template if ``user`` has ``right`` on it, else 404 (as if it did not exist)."""
    try:
        return reply_templates_of(user, right).select_related("office", "ministry").get(pk=int(pk))
    except (ReplyTemplate.DoesNotExist, TypeError, ValueError):
        raise Http404(_("返信テンプレートが見つかりません")) from None


def answers_with_templates(user, consultation: Consultation) -> bool:
    """Whether ``user`` answers ``consultation`` for its office side (the holding office,
    a collaborator or the secretariat), where reply templates are used."""
    answering = _is_liaison(user) or (user.is_authenticated and user.role == Role.SECRETARIAT)
    return answering and sees_internal(user, consultation) is True


def templates_for(user, consultation: Consultation) -> list[ReplyTemplate]:
    """The templates ``user`` may use to answer ``consultation`` (none for the filer side)."""
    if not answers_with_templates(user, consultation):
        return []
    return list(reply_templates_of(user).only("id", "name", "scope", "office_id", "ministry_id"))


def template_values(user, consultation: Consultation) -> dict[str, str]:
    """The variables of a template for ``consultation``, as ``user`` would send it."""
    from routing import selectors as routing_selectors

    maps = routing_selectors.reference_maps()
    filer = maps.local_governments.get(consultation.filer_id)
    office = maps.offices.get(consultation.primary_office_id)
    person = consultation.assignee.display_name if consultation.assignee_id else user.display_name
    return reply_templates.values_for(
        local_government=filer["name"] if filer else "",
        reference=consultation.reference,
        office=office.name if office else "",
        resolution_due=consultation.resolution_due_at,
        person=person,
    )


def rendered_template(user, consultation: Consultation, template: ReplyTemplate) -> str:
    return reply_templates.render(template.body, template_values(user, consultation))
