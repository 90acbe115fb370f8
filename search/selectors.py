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
# ts_rank reads every match's vector, and for a common word (補助金: one consultation in
# eight) that was the whole cost of a page. Only the newest RANK_CANDIDATES matches are
# ranked (the id is a cheap key: no vector read to order by it); older matches follow
# them, newest first. The count is exact: counting ranks nothing.
RANK_CANDIDATES = 1000
RANK_WINDOW = 10_000
RANK_ALL_UP_TO = 5000


def _reference_boost(text: str):
    match = _REFERENCE.match(text)
    if not match:
        return Value(0.0)
    year, number = match.groups()
    condition = Q(reference=f"BNS-{year}-{int(number):06d}") if year else Q(reference__endswith=f"-{int(number):06d}")
    return Case(When(condition, then=Value(_REFERENCE_BOOST)), default=Value(0.0), output_field=FloatField())


def search_consultations(queryset: QuerySet, user, text: str, *, rank: bool = True) -> QuerySet:
    """``queryset`` (already the consultations ``user`` may see) narrowed to those matching
    ``text``, annotated with ``rank`` (higher first) unless ``rank`` is False (a count, or a
    list in another order, needs no ranking). A query without terms finds nothing."""
    from consult import selectors as consult_selectors

    query = Query(text)
    if not query:
        return queryset.none().annotate(rank=Value(0.0, output_field=FloatField()))
    engine = backend()
    public, full = F(PUBLIC_VECTOR), ConsultationText.insider_vector("search_text__")
    if user.role == Role.SECRETARIAT:
        matches, score = Q(engine.matches(full, query)), engine.rank(full, query)
    elif user.role == Role.LIAISON:
        internal = consult_selectors.sees_internal_q(user)
        # The full vector holds the public one: one index scan, then the public text
        # where this liaison does not see the internal notes.
        matches = Q(engine.matches(full, query)) & (internal | Q(engine.matches(public, query)))
        score = Case(
            When(internal, then=engine.rank(full, query)),
            default=engine.rank(public, query),
            output_field=FloatField(),
        )
    else:
        matches, score = Q(engine.matches(public, query)), engine.rank(public, query)
    # An inner join to the texts (COALESCE is not null-rejecting: without this the planner
    # keeps the outer join and cannot use the index of the insiders' vector).
    found = queryset.filter(Q(search_text__isnull=False) & matches)
    if not rank:
        return found
    # A reference number matches a handful of texts, and its boost must reach the oldest.
    cutoff = 0 if _REFERENCE.match(text) else _rank_cutoff(found)
    capped = Case(When(pk__gte=cutoff, then=score), default=Value(0.0), output_field=FloatField())
    # ``rank_cutoff`` tells the list (consult.selectors.RankedIds) where the ranked ids end.
    return found.annotate(rank=capped + _reference_boost(text), rank_cutoff=Value(cutoff))


def _rank_cutoff(found: QuerySet) -> int:
    """The id from which matches are ranked (0: all of them). That of the ``RANK_CANDIDATES``-th
    newest match among the newest ``RANK_WINDOW`` consultations; when fewer match there (a
    rarer word, or a narrow view such as a town's staff), every match if the window's share
    promises at most ``RANK_ALL_UP_TO`` in all, else those of the window. Looking no further
    back keeps this read short however rare the word. A literal, so that the planner reads a
    page of ranked ids by their range."""
    from consult.models import Consultation

    newest = Consultation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    window_start = max(newest - RANK_WINDOW, 0)
    recent = list(found.filter(pk__gt=window_start).order_by("-pk").values_list("pk", flat=True)[:RANK_CANDIDATES])
    if len(recent) == RANK_CANDIDATES:
        return recent[-1]
    expected = len(recent) * newest / max(newest - window_start, 1)
    return 0 if expected <= RANK_ALL_UP_TO else window_start


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
