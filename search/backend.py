"""Where search runs: an interface, with PostgreSQL full text and an embedded fallback.

A model keeps a ``TermsVectorField`` filled with ``vector_literal([(document_terms(...), "A"), ...])``
(PostgreSQL: a ``tsvector`` with a GIN index, see ``gin_index``; SQLite: the same text, scanned).
``backend().filter_ranked(queryset, q, vector_field=...)`` finds and ranks; ``highlight(text, q)``
marks the matching passage. Terms are analysed in Python (``search.analyzer``) and written as
tsvector and tsquery literals, so PostgreSQL's own parsers (the ``simple`` configuration's) never
re-cut Japanese words; ranking is ``ts_rank`` with its standard weights (A title, B body,
C conversation, D attachments).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQueryField
from django.db import connection, migrations, models
from django.db.models import F, FloatField, Func, Value
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThan

from . import analyzer

WEIGHTS = ("A", "B", "C", "D")
# ts_rank's default weights for D, C, B, A; the embedded backend ranks with the same.
_RANK_WEIGHT = {"A": 1.0, "B": 0.4, "C": 0.2, "D": 0.1}
# PostgreSQL keeps at most 256 positions per lexeme and positions up to 16383.
_MAX_POSITIONS = 64
_MAX_POSITION = 16383


def _quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def vector_literal(parts: Iterable[tuple[str, str]]) -> str:
    """A tsvector literal of ``(terms, weight)`` parts: terms as ``document_terms`` gives them
    (space-separated), weight one of A, B, C, D. Positions run on across the parts."""
    positions: dict[str, list[str]] = {}
    position = 0
    for terms, weight in parts:
        if weight not in WEIGHTS:
            raise ValueError(f"unknown weight {weight!r}")
        for term in terms.split():
            position = min(position + 1, _MAX_POSITION)
            places = positions.setdefault(term, [])
            if len(places) < _MAX_POSITIONS:
                places.append(f"{position}{weight}")
    return " ".join(f"{_quote(term)}:{','.join(places)}" for term, places in positions.items())


class TermsVectorField(models.Field):
    """A search vector: ``tsvector`` on PostgreSQL, the same literal as text elsewhere."""

    description = "Search terms (tsvector)"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"

    def get_placeholder(self, value, compiler, connection):
        return "%s::tsvector" if connection.vendor == "postgresql" else "%s"


def gin_index(model: str, column: str, name: str) -> migrations.RunPython:
    """A migration operation: the GIN index on ``column`` of ``app_label.Model`` on PostgreSQL
    (other databases scan)."""
    app_label, model_name = model.split(".")

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            table = apps.get_model(app_label, model_name)._meta.db_table
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{column}")')

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(create, drop)


class Query:
    """A parsed query: the analyzer's groups, and whether it has any term at all."""

    def __init__(self, text: str):
        self.text = text
        self.groups = [group for group in analyzer.query_terms(text) if group]

    def __bool__(self) -> bool:
        return bool(self.groups)

    def tsquery(self) -> str:
        return " & ".join(
            "(" + " | ".join("(" + " & ".join(_quote(term) for term in alt.split()) + ")" for alt in group) + ")"
            for group in self.groups
        )


class SearchBackend:
    """Finds and ranks rows by a vector column. Subclasses say how, per database."""

    def matches(self, vector, query: Query):
        """A boolean expression: ``vector`` (an expression) matches ``query``."""
        raise NotImplementedError

    def rank(self, vector, query: Query):
        """A float expression: how well ``vector`` matches ``query`` (higher is better)."""
        raise NotImplementedError

    def filter_ranked(self, queryset, q: str, *, vector_field: str = "search_vector"):
        """``queryset`` narrowed to rows matching ``q``, annotated with ``rank``, best first
        (newest first among equals). A query with no terms finds nothing."""
        query = q if isinstance(q, Query) else Query(q)
        if not query:
            return queryset.none()
        vector = F(vector_field)
        return (
            queryset.filter(self.matches(vector, query))
            .annotate(rank=self.rank(vector, query))
            .order_by("-rank", "-pk")
        )


class _TsQuery(Cast):
    def __init__(self, query: Query):
        super().__init__(Value(query.tsquery()), output_field=SearchQueryField())


class _Matches(Func):
    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = models.BooleanField()


class PostgresSearchBackend(SearchBackend):
    """PostgreSQL full text: ``@@`` on the GIN-indexed tsvector, ``ts_rank`` for order."""

    def matches(self, vector, query: Query):
        return _Matches(vector, _TsQuery(query))

    def rank(self, vector, query: Query):
        return Func(vector, _TsQuery(query), function="ts_rank", output_field=FloatField())


# --- the embedded default ---------------------------------------------------------------------

RANK_FUNCTION = "banso_search_rank"
_LEXEME = re.compile(r"'((?:[^']|'')*)':([0-9A-D,]+)")


def _parse_vector(literal: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for quoted, places in _LEXEME.findall(literal or ""):
        term = quoted.replace("''", "'").replace("\\\\", "\\")
        weights[term] = sum(_RANK_WEIGHT.get(place[-1:], _RANK_WEIGHT["D"]) for place in places.split(","))
    return weights


def scan_rank(literal: str | None, groups_json: str) -> float:
    """The embedded backend's rank, registered in SQLite as ``banso_search_rank``: 0 when a
    group has no alternative whose terms are all present, else the summed weighted counts."""
    if not literal:
        return 0.0
    weights = _parse_vector(literal)
    total = 0.0
    for group in json.loads(groups_json):
        best = 0.0
        for alternative in group:
            terms = alternative.split()
            if terms and all(term in weights for term in terms):
                best = max(best, min(weights[term] for term in terms))
        if not best:
            return 0.0
        total += best
    return total / (1.0 + total)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: the scan's rank function for each SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(RANK_FUNCTION, 2, scan_rank, deterministic=True)


class ScanSearchBackend(SearchBackend):
    """The embedded default (SQLite): every candidate row's vector read and ranked in Python
    by the same analyzer. Slower, for a first look and small desks; never a crash."""

    def rank(self, vector, query: Query):
        groups = json.dumps(query.groups, ensure_ascii=False)
        return Func(vector, Value(groups), function=RANK_FUNCTION, output_field=FloatField())

    def matches(self, vector, query: Query):
        return GreaterThan(self.rank(vector, query), 0.0)


def backend() -> SearchBackend:
    """The backend for the default database."""
    return PostgresSearchBackend() if connection.vendor == "postgresql" else ScanSearchBackend()


# --- highlights --------------------------------------------------------------------------------

HIGHLIGHT_CHARS = 160
_LEAD_CHARS = 40
_MAX_HIGHLIGHT_SOURCE = 50_000
_MAX_SPANS = 200
_SPACE = re.compile(r"\s+")


def _folded_with_map(text: str) -> tuple[str, list[int] | None]:
    """The folded text, and for each of its characters the index in ``text`` (None: the same)."""
    whole = analyzer.fold(text)
    if len(whole) == len(text):
        return whole, None
    pieces, origin = [], []
    for index, char in enumerate(text):
        folded = analyzer.fold(char)
        pieces.append(folded)
        origin.extend([index] * len(folded))
    return "".join(pieces), origin


def _needles(q: str) -> list[str]:
    terms = analyzer.match_terms(q)
    # One kana or letter alone would mark half the text; one kanji is a word.
    kept = [term for term in terms if len(term) > 1 or "\u4e00" <= term <= "\u9fff"]
    return sorted(kept, key=len, reverse=True)


def _spans(folded: str, origin: list[int] | None, needles: list[str]) -> list[tuple[int, int, str]]:
    spans = []
    for needle in needles:
        start = folded.find(needle)
        while start >= 0 and len(spans) < _MAX_SPANS:
            end = start + len(needle)
            if origin is None:
                spans.append((start, end, needle))
            else:
                spans.append((origin[start], origin[end - 1] + 1, needle))
            start = folded.find(needle, end)
    spans.sort()
    merged: list[tuple[int, int, str]] = []
    for start, end, needle in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), merged[-1][2] + " " + needle)
        else:
            merged.append((start, end, needle))
    return merged


def highlight(text: str, q: str, *, width: int = HIGHLIGHT_CHARS) -> str:
    """The passage of ``text`` that best matches ``q``, HTML-escaped, matches in ``<mark>``:
    safe to render as is. Without a match, the escaped beginning of the text."""
    text = _SPACE.sub(" ", (text or "")[:_MAX_HIGHLIGHT_SOURCE]).strip()
    if not text:
        return ""
    folded, origin = _folded_with_map(text)
    spans = _spans(folded, origin, _needles(q)) if q else []
    if not spans:
        return html.escape(text[:width]) + ("…" if len(text) > width else "")
    best, best_score = 0, -1
    for index, (start, _end, _needle) in enumerate(spans):
        found = set()
        for other_start, _other_end, needle in spans[index:]:
            if other_start >= start + width - _LEAD_CHARS:
                break
            found.update(needle.split())
        if len(found) > best_score:
            best, best_score = index, len(found)
    begin = max(0, spans[best][0] - _LEAD_CHARS)
    finish = min(len(text), begin + width)
    pieces = ["…"] if begin else []
    cursor = begin
    for start, end, _needle in spans:
        if end <= begin or start >= finish:
            continue
        start, end = max(start, begin), min(end, finish)
        pieces.append(html.escape(text[cursor:start]))
        pieces.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        cursor = end
    pieces.append(html.escape(text[cursor:finish]))
    if finish < len(text):
        pieces.append("…")
    return "".join(pieces)
