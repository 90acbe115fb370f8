"""Reads for search: consultations matching ``q`` for one person, ranked, and their highlights.

Which vector a person's query reads is the visibility rule's (``consult.selectors``):
internal notes and their attachments are searched only where ``sees_internal`` is True;
municipal staff, and former offices, search the public text only."""

from __future__ import annotations

import re

from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When

from accounts.models import Role

from .backend import Query, backend, highlight
from .models import ConsultationText

# A reference number (BNS-2026-000123), or its number part alone: that consultation first.
_REFERENCE = re.compile(r"^\s*(?:bns-(\d{4})-)?(\d{1,6})\s*$", re.IGNORECASE)
_REFERENCE_BOOST = 100.0
PUBLIC_VECTOR = "search_text__public_vector"
FULL_VECTOR = "search_text__full_vector"


def _reference_boost(text: str):
    match = _REFERENCE.match(text)
    if not match:
        return Value(0.0)
    year, number = match.groups()
    condition = Q(reference=f"BNS-{year}-{int(number):06d}") if year else Q(reference__endswith=f"-{int(number):06d}")
    return Case(When(condition, then=Value(_REFERENCE_BOOST)), default=Value(0.0), output_field=FloatField())


def search_consultations(queryset: QuerySet, user, text: str) -> QuerySet:
    """``queryset`` (already the consultations ``user`` may see) narrowed to those matching
    ``text``, annotated with ``rank`` (higher first). A query without terms finds nothing."""
    from consult import selectors as consult_selectors

    query = Query(text)
    if not query:
        return queryset.none().annotate(rank=Value(0.0, output_field=FloatField()))
    engine = backend()
    public, full = F(PUBLIC_VECTOR), F(FULL_VECTOR)
    if user.role == Role.SECRETARIAT:
        matches, rank = Q(engine.matches(full, query)), engine.rank(full, query)
    elif user.role == Role.LIAISON:
        internal = consult_selectors.sees_internal_q(user)
        # The full vector holds the public one: one index scan, then the public text
        # where this liaison does not see the internal notes.
        matches = Q(engine.matches(full, query)) & (internal | Q(engine.matches(public, query)))
        rank = Case(
            When(internal, then=engine.rank(full, query)),
            default=engine.rank(public, query),
            output_field=FloatField(),
        )
    else:
        matches, rank = Q(engine.matches(public, query)), engine.rank(public, query)
    return queryset.filter(matches).annotate(rank=rank + _reference_boost(text))


def highlights(user, rows, text: str) -> dict[int, str]:
    """Each row's highlight for ``text`` (escaped, matches marked), from the text ``user``
    may read: internal notes only where ``sees_internal`` is True. Rows are list rows or
    consultations (``primary_office_id`` and ``collaborator_office_ids`` read)."""
    from consult import selectors as consult_selectors

    rows = list(rows)
    if not rows or not text.strip():
        return {}
    texts = {
        pk: (public, internal)
        for pk, public, internal in ConsultationText.objects.filter(pk__in=[row.pk for row in rows]).values_list(
            "consultation_id", "public_text", "internal_text"
        )
    }
    result = {}
    for row in rows:
        public, internal = texts.get(row.pk, ("", ""))
        if not public:
            public = f"{row.reference}\n{row.title}\n{row.body}"
        if internal and consult_selectors.sees_internal(user, row) is True:
            public = f"{public}\n{internal}"
        result[row.pk] = highlight(public, text)
    return result
