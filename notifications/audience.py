"""Who may still be told about a consultation.

The rule is not notifications' own: it is the visibility rule (and the rule for
internal notes) of the app that keeps consultations. That app registers its
answer here when Django starts (``consult.apps.ConsultConfig.ready``), so that
notifications asks without importing it and imports run one way: consult →
notifications. Without a registration nobody is told anything: notifications
refuses to guess.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured


class Audience(Protocol):
    def who_sees(
        self, subject: Any, user_ids: Iterable[int], *, internal_at: datetime.datetime | None = None
    ) -> set[int]:
        """Of ``user_ids``, the active people who may see ``subject`` now; with
        ``internal_at``, only those who also see an internal event written at that instant."""

    def subjects(self, ids: Iterable[int]) -> dict[int, Any]:
        """The subjects (consultations) of these ids that still exist, by id."""


_registered: dict[str, Audience] = {}


def register(audience: Audience) -> None:
    _registered["consultations"] = audience


def _audience() -> Audience:
    try:
        return _registered["consultations"]
    except KeyError:
        raise ImproperlyConfigured(
            "No audience registered for consultations: install the consult app (ConsultConfig.ready registers it)."
        ) from None


def who_sees(subject, user_ids: Iterable[int], *, internal_at: datetime.datetime | None = None) -> set[int]:
    return _audience().who_sees(subject, user_ids, internal_at=internal_at)


def subjects(ids: Iterable[int]) -> dict[int, Any]:
    return _audience().subjects(ids)
