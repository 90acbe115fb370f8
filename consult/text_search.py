"""What ``q`` finds on every list of consultations, and what happens when a
consultation's text changes.

The search itself is the search app's (its analyzer, vectors and index), and it reads
consult's models and visibility rule; it registers its answers here when Django starts
(``search.apps.SearchConfig.ready``), so that consult asks without importing it and
imports run one way: search → consult. Without a registration a search refuses to
guess: lists with ``q`` raise ImproperlyConfigured rather than silently find nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet


@dataclass(frozen=True)
class TextSearch:
    # ``queryset`` (already what ``user`` may see) narrowed to ``text``, annotated with ``rank``
    # and ``rank_cutoff`` (the id from which matches are ranked; older ones rank 0), which
    # ``selectors.RankedIds`` pages by; with ``rank=False`` only narrowed.
    matching: Callable[..., QuerySet]
    # Each row's highlight for ``text``, escaped, from the text ``user`` may read.
    highlights: Callable[[Any, Iterable[Any], str], dict[int, str]]
    # The consultation's text changed: its search text is rebuilt after commit.
    text_changed: Callable[[int], None]


_registered: list[TextSearch] = []


def register(search: TextSearch) -> None:
    _registered[:] = [search]


def _search() -> TextSearch:
    if not _registered:
        raise ImproperlyConfigured(
            "No consultation search registered: install the search app (SearchConfig.ready registers it)."
        )
    return _registered[0]


def matching(queryset: QuerySet, user, text: str, *, rank: bool = True) -> QuerySet:
    return _search().matching(queryset, user, text, rank=rank)


def highlights(user, rows, text: str) -> dict[int, str]:
    return _search().highlights(user, rows, text)


def text_changed(*, consultation_id: int) -> None:
    _search().text_changed(consultation_id)
