"""Reply templates (返信テンプレート): who may use and edit one, and how its
variables are filled. Pure: plain data in, plain data out (``rights_q`` only
builds a condition).

* **Rights.** A template belongs to one office, one ministry or the secretariat.
  Its owners use and edit it: the liaisons of that office; the liaisons of any
  office of that ministry; the secretariat. The secretariat's templates are for
  everyone who answers, so every liaison may also *use* them (not edit them).
  Nobody else sees a template at all: outside these rights it is 404.
* **Variables.** ``{自治体名}`` ``{受付番号}`` ``{担当部局}`` ``{回答期限}`` ``{担当者}``
  are replaced; any other ``{…}`` is left as written, so that a typo shows in
  the text instead of vanishing.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Role
from routing.business_time import JST

from .models import TemplateScope

USE = "use"
EDIT = "edit"

LOCAL_GOVERNMENT = "自治体名"
REFERENCE = "受付番号"
OFFICE = "担当部局"
RESOLUTION_DUE = "回答期限"
PERSON = "担当者"
VARIABLES = (LOCAL_GOVERNMENT, REFERENCE, OFFICE, RESOLUTION_DUE, PERSON)

_PLACEHOLDER = re.compile(r"\{([^{}\s]+)\}")


@dataclass(frozen=True)
class Viewer:
    """Who asks: a role and, for a liaison, their offices and those offices' ministries."""

    role: str
    offices: frozenset[int] = frozenset()
    ministries: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Owner:
    """Whose a template is: ``scope`` and the office or ministry it names."""

    scope: str
    office_id: int | None = None
    ministry_id: int | None = None


def template_rights(viewer: Viewer, owner: Owner) -> frozenset[str]:
    """What ``viewer`` may do with a template owned by ``owner``: ``use``, ``edit``, both or nothing."""
    if viewer.role == Role.SECRETARIAT:
        return frozenset({USE, EDIT}) if owner.scope == TemplateScope.SECRETARIAT else frozenset()
    if viewer.role != Role.LIAISON:
        return frozenset()
    if owner.scope == TemplateScope.OFFICE and owner.office_id in viewer.offices:
        return frozenset({USE, EDIT})
    if owner.scope == TemplateScope.MINISTRY and owner.ministry_id in viewer.ministries:
        return frozenset({USE, EDIT})
    if owner.scope == TemplateScope.SECRETARIAT:
        return frozenset({USE})
    return frozenset()


def rights_q(viewer: Viewer, right: str) -> Q | None:
    """``template_rights`` as a condition on ReplyTemplate rows: the templates on which
    ``viewer`` has ``right`` (None: none at all)."""
    secretariat = Q(scope=TemplateScope.SECRETARIAT)
    if viewer.role == Role.SECRETARIAT:
        return secretariat
    if viewer.role != Role.LIAISON:
        return None
    own = Q(scope=TemplateScope.OFFICE, office_id__in=sorted(viewer.offices)) | Q(
        scope=TemplateScope.MINISTRY, ministry_id__in=sorted(viewer.ministries)
    )
    return own | secretariat if right == USE else own


def owners_for(viewer: Viewer) -> list[Owner]:
    """The owners ``viewer`` may create a template for (those they may edit)."""
    candidates = [Owner(TemplateScope.SECRETARIAT)]
    candidates += [Owner(TemplateScope.OFFICE, office_id=pk) for pk in sorted(viewer.offices)]
    candidates += [Owner(TemplateScope.MINISTRY, ministry_id=pk) for pk in sorted(viewer.ministries)]
    return [owner for owner in candidates if EDIT in template_rights(viewer, owner)]


# --- variables ------------------------------------------------------------------------------


def japanese_date(value: datetime.datetime | None) -> str:
    """A deadline as a Japanese reply writes it, in JST: 2026年12月4日."""
    if value is None:
        return ""
    day = value.astimezone(JST).date()
    return f"{day.year}年{day.month}月{day.day}日"


def values_for(*, local_government: str, reference: str, office: str,
               resolution_due: datetime.datetime | None, person: str) -> dict[str, str]:  # fmt: skip
    """The variables' values for one consultation, from plain data."""
    return {
        LOCAL_GOVERNMENT: local_government,
        REFERENCE: reference,
        OFFICE: office,
        RESOLUTION_DUE: japanese_date(resolution_due),
        PERSON: person,
    }


def render(body: str, values: Mapping[str, str]) -> str:
    """``body`` with each known ``{variable}`` replaced; unknown ones left as written."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), body)
