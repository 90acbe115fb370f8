"""One action on a selection of consultations (the queue's bulk actions, the API's
``consultations/bulk/``): each item goes through the same visibility rule, service and
permission as one at a time, in its own transaction, so that one refusal rolls back
nothing else; the result says per item what happened and why."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from routing.models import Office

from .. import selectors
from ..lifecycle import IllegalTransition
from .handling import assign, invite_collaborator, transfer
from .lifecycle import transition

ACCEPT, ASSIGN, TRANSFER, COLLABORATE = "accept", "assign", "transfer", "collaborate"
BULK_ACTIONS = (ACCEPT, ASSIGN, TRANSFER, COLLABORATE)
MAX_BULK = 200  # per request: each item is its own transaction


@dataclass
class ItemResult:
    id: int
    ok: bool
    status: int | None = None  # as the one-at-a-time API would answer: 404, 403, 409 or 400
    error: str = ""
    reference: str = ""  # empty when not found: nothing is told of what one may not see
    title: str = ""
    exception: Exception | None = None  # the refusal itself, for callers that word it further


def _one(*, actor: User, consultation, action: str, assignee: User | None, office: Office | None, reason: str):
    if action == ACCEPT:
        return transition(actor=actor, consultation=consultation, action="accept")
    if action == ASSIGN:
        return assign(actor=actor, consultation=consultation, assignee=assignee)
    if action == TRANSFER:
        return transfer(actor=actor, consultation=consultation, office=office, reason=reason)
    return invite_collaborator(actor=actor, consultation=consultation, office=office)


def _needs(action: str, assignee: User | int | None, office: Office | str | None, reason: str):
    """What ``action`` needs, resolved once for the whole selection, or a ValidationError naming each field."""
    errors: dict[str, list[str]] = {}
    person = place = None
    if action not in BULK_ACTIONS:
        errors["action"] = [_("操作を選んでください")]
    if action == ASSIGN:
        person = (
            assignee if isinstance(assignee, User) else User.objects.filter(pk=assignee).first() if assignee else None
        )
        if person is None:
            errors["assignee"] = [_("担当者を選んでください")]
    if action in (TRANSFER, COLLABORATE):
        place = office if isinstance(office, Office) else Office.objects.filter(slug=office or "").first()
        if place is None:
            errors["office"] = [_("部局を選んでください")]
    if action == TRANSFER and not (reason or "").strip():
        errors["reason"] = [_("移送の理由を入力してください")]
    if errors:
        raise ValidationError(errors)
    return person, place


def apply_to_each(*, actor: User, action: str, ids: list[int], assignee: User | int | None = None,
                  office: Office | str | None = None, reason: str = "") -> list[ItemResult]:  # fmt: skip
    """Apply ``action`` to each of ``ids`` (duplicates once, in the given order).

    ``assignee`` (a person or their id) is needed for assign, ``office`` (or its slug) for
    transfer and collaborate, ``reason`` for transfer: a ValidationError naming the field
    before any item is touched, as for more than ``MAX_BULK`` ids."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ValidationError({"ids": [_("相談を選んでください")]})
    if len(ids) > MAX_BULK:
        raise ValidationError({"ids": [_("一度に選べるのは%(max)d件までです") % {"max": MAX_BULK}]})
    person, place = _needs(action, assignee, office, reason)
    # Deliberately no transaction here: each service opens its own, so an item
    # commits or rolls back alone (inside a caller's, each is its own savepoint).
    results: list[ItemResult] = []
    for pk in ids:
        try:
            consultation = selectors.access_consultation(actor, pk)
        except Http404 as error:
            results.append(ItemResult(id=pk, ok=False, status=404, error=str(error), exception=error))
            continue
        found = {"reference": consultation.reference, "title": consultation.title}
        try:
            _one(actor=actor, consultation=consultation, action=action, assignee=person, office=place,
                 reason=reason)  # fmt: skip
        except PermissionDenied as error:
            results.append(ItemResult(id=pk, ok=False, status=403, error=str(error), exception=error, **found))
        except IllegalTransition as error:
            results.append(ItemResult(id=pk, ok=False, status=409, error=str(error), exception=error, **found))
        except ValidationError as error:
            results.append(
                ItemResult(id=pk, ok=False, status=400, error=" ".join(error.messages), exception=error, **found)
            )
        else:
            results.append(ItemResult(id=pk, ok=True, **found))
    return results
