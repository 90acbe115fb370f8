"""Saved and shared views of the liaison queue: a named filter and sort.

A view is private to its creator, or shared with one of the creator's offices: every
member of that office sees it, and only its creator or the office's lead changes or
deletes it. Anyone else finds no such view (404, as for a consultation outside one's
visibility). Its parameters are the queue page's own GET parameters, validated by the
queue's filter form, so that a view opens as the queue (``url``) and counts exactly
what the queue lists for the person looking (``frontend.forms.lists.list_filters``).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OfficeMembership, Role, User
from accounts.selectors import office_ids_of
from consult import selectors

from .forms.lists import QueueFilterForm, list_filters
from .models import SavedView
from .views.listing import Names

MAX_NAME = 100
MAX_VIEWS_PER_PERSON = 50  # the navigation lists them all: keep it a list one can read
# Parameters of the queue page that are not part of a view's filter and sort.
NOT_SAVED = frozenset({"page", "back", "csrfmiddlewaretoken"})
_UNCHANGED = object()


def queue_form(user: User, data: Mapping | None, *, offices: list[int] | None = None) -> QueueFilterForm:
    """The queue's filter form with ``user``'s choices (their offices, every policy area)."""
    names = Names()
    return QueueFilterForm(
        data,
        offices=[(pk, names.office(pk)) for pk in (office_ids_of(user) if offices is None else offices)],
        policy_areas=[(slug, names.policy_area(pk)) for pk, (slug, _name) in names.maps.policy_areas.items()],
    )


def clean_params(user: User, params: Mapping, *, offices: list[int] | None = None) -> dict[str, str]:
    """The queue parameters a view keeps: validated by the queue's form, empty ones
    left out. A ValidationError names each wrong field, or ``params`` for an unknown one."""
    if isinstance(params, QueryDict):
        params = {key: params.get(key) for key in params}
    if not isinstance(params, Mapping):
        raise ValidationError({"params": [_("条件はキーと値の組で指定してください")]})
    offices = office_ids_of(user) if offices is None else offices
    form = queue_form(user, {}, offices=offices)
    unknown = sorted(str(key) for key in params if key not in form.fields and key not in NOT_SAVED)
    if unknown:
        raise ValidationError({"params": [_("使えない条件です：%(names)s") % {"names": "、".join(unknown)}]})
    nested = sorted(str(key) for key, value in params.items() if isinstance(value, (list, dict)))
    if nested:
        raise ValidationError({f"params.{key}": [_("値は一つだけ指定してください")] for key in nested})
    data = {key: _as_query_value(value) for key, value in params.items() if key in form.fields}
    form = queue_form(user, data, offices=offices)
    if not form.is_valid():
        raise ValidationError({f"params.{name}": list(errors) for name, errors in form.errors.items()})
    kept = {}
    for name, value in form.cleaned_data.items():
        if value is True:
            kept[name] = "on"  # as the page's checkbox sends it
        elif value not in (None, "", False):
            kept[name] = str(value).strip()
    return {name: value for name, value in kept.items() if value}


def _as_query_value(value) -> str:
    """A value as the page's query string carries it (JSON's true and false as a checkbox would)."""
    if value is True:
        return "on"
    if value is None or value is False:
        return ""
    return str(value)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("ビューの名前を入力してください")]})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": [_("ビューの名前は%(max)d文字以内にしてください") % {"max": MAX_NAME}]})
    return name


def _shared_office(actor: User, office_id: int | None) -> int | None:
    if office_id is None:
        return None
    if office_id not in office_ids_of(actor):
        raise ValidationError({"office": [_("共有できるのは所属している部局だけです")]})
    return office_id


def lead_office_ids(user: User) -> set[int]:
    return set(OfficeMembership.objects.filter(user_id=user.pk, is_lead=True).values_list("office_id", flat=True))


def may_edit(user: User, view: SavedView, lead_offices: set[int] | None = None) -> bool:
    """The creator, or for a shared view the lead of its office."""
    if view.owner_id == user.pk:
        return True
    if view.office_id is None:
        return False
    return view.office_id in (lead_offices if lead_offices is not None else lead_office_ids(user))


# --- writes --------------------------------------------------------------------------------------


@transaction.atomic
def save_view(*, actor: User, name: str, params: Mapping, office_id: int | None = None,
              now: datetime.datetime | None = None) -> SavedView:  # fmt: skip
    """Save a view of the queue for ``actor`` (private), or shared with ``office_id``."""
    if actor.role != Role.LIAISON:
        raise PermissionDenied(_("ビューを保存できるのは部局の担当者です"))
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    values = {}
    for field, clean in (
        ("name", lambda: _clean_name(name)),
        ("params", lambda: clean_params(actor, params)),
        ("office", lambda: _shared_office(actor, office_id)),
    ):
        try:
            values[field] = clean()
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    # Counted under a lock on the person's row, so that two requests cannot both pass the cap.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    if SavedView.objects.filter(owner=actor).count() >= MAX_VIEWS_PER_PERSON:
        raise ValidationError({"name": [_("保存できるビューは%(max)d件までです") % {"max": MAX_VIEWS_PER_PERSON}]})
    return SavedView.objects.create(
        owner=actor,
        office_id=values["office"],
        name=values["name"],
        params=values["params"],
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def update_view(*, actor: User, view: SavedView, name: str | object = _UNCHANGED,
                params: Mapping | object = _UNCHANGED, office_id: int | object | None = _UNCHANGED,
                now: datetime.datetime | None = None) -> SavedView:  # fmt: skip
    """Change a view's name, parameters or sharing (only what is given)."""
    view = SavedView.objects.select_for_update().get(pk=view.pk)
    if not may_edit(actor, view):
        raise PermissionDenied(_("このビューを変更できるのは作成者と部局の責任者です"))
    errors: dict[str, list[str]] = {}
    changes = {}
    for field, value, clean in (
        ("name", name, _clean_name),
        ("params", params, lambda value: clean_params(actor, value)),
        # Only the creator decides with whom a view is shared.
        ("office", office_id, lambda value: _sharing_change(actor, view, value)),
    ):
        if value is _UNCHANGED:
            continue
        try:
            changes[field] = clean(value)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    if "name" in changes:
        view.name = changes["name"]
    if "params" in changes:
        view.params = changes["params"]
    if "office" in changes:
        view.office_id = changes["office"]
    view.updated_at = now or timezone.now()
    view.save()
    return view


def _sharing_change(actor: User, view: SavedView, office_id: int | None) -> int | None:
    if office_id == view.office_id:
        return office_id
    if view.owner_id != actor.pk:
        raise ValidationError({"office": [_("共有の範囲を変えられるのは作成者だけです")]})
    return _shared_office(actor, office_id)


@transaction.atomic
def delete_view(*, actor: User, view: SavedView) -> None:
    view = SavedView.objects.select_for_update().get(pk=view.pk)
    if not may_edit(actor, view):
        raise PermissionDenied(_("このビューを削除できるのは作成者と部局の責任者です"))
    view.delete()


# --- reads ---------------------------------------------------------------------------------------


def visible_views(user: User, *, offices: list[int] | None = None) -> QuerySet[SavedView]:
    """The views ``user`` sees: their own, and those shared with one of their offices."""
    if user is None or not user.is_authenticated or not user.is_active:
        return SavedView.objects.none()
    offices = office_ids_of(user) if offices is None else offices
    condition = Q(owner_id=user.pk)
    if offices:
        condition |= Q(office_id__in=offices)
    return SavedView.objects.filter(condition).select_related("owner")


def access_view(user: User, pk) -> SavedView:
    try:
        return visible_views(user).get(pk=int(pk))
    except (SavedView.DoesNotExist, TypeError, ValueError):
        raise Http404(_("ビューが見つかりません")) from None


def view_filters(user: User, view: SavedView, *, offices: list[int] | None = None) -> selectors.ListFilters:
    """What the queue lists for ``user`` with the view's parameters. A parameter that no
    longer fits this person (an office they are not in) falls back as the queue does."""
    offices = office_ids_of(user) if offices is None else offices
    return list_filters(offices, queue_form(user, view.params, offices=offices).filters())


def counts(user: User, views: list[SavedView], *, offices: list[int] | None = None, now=None) -> list[int]:
    """Each view's count for ``user``, in one query for all of them (and one for the
    offices unless given)."""
    if not views:
        return []
    offices = office_ids_of(user) if offices is None else offices
    return selectors.list_counts(user, [view_filters(user, view, offices=offices) for view in views], now=now)


def url_of(view: SavedView) -> str:
    query = QueryDict(mutable=True)
    query.update(view.params)
    return reverse("queue") + (f"?{query.urlencode()}" if view.params else "")


def current_params(user: User, query: Mapping, *, offices: list[int]) -> dict[str, str] | None:
    """The queue parameters of ``query`` as a view would keep them (None: not valid)."""
    try:
        return clean_params(user, query, offices=offices)
    except ValidationError:
        return None
