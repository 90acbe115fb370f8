"""Similar entries and consultations to a text being written (the filing form, a
liaison's consultation page): ranked full text from the project's analyzer
(``search.analyzer``: any of the draft's terms, ranked by ``ts_rank``) plus
trigram similarity of the titles (pg_trgm). Not an outside service.

Consultations are suggested to liaisons and the secretariat only, and only
those the visibility rule lets them see; municipal staff get library entries.
SQLite (the embedded default) has neither tsvector nor pg_trgm: the same terms
are compared in Python over a bounded number of recent rows.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQueryField, TrigramDistance, TrigramSimilarity
from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Case, F, FloatField, Func, Value, When
from django.db.models.functions import Cast, Coalesce

from accounts.models import Role
from consult import rules
from consult import selectors as consult_selectors
from routing import selectors as routing_selectors
from search.selectors import PUBLIC_VECTOR

from .models import Entry, EntryStatus

LIMIT = 5
# The draft is cut: its beginning says what it is about, and a long tsquery costs more than it adds.
MAX_TEXT_CHARS = 1500
MAX_TERMS = 24
# Below this, a title's trigrams are noise (pg_trgm's own default threshold).
TITLE_THRESHOLD = 0.3
# The embedded default compares this many of the newest rows.
SCAN_ROWS = 2000
# Terms in more than this share of the newest documents are left out of a draft's query.
COMMON_SHARE = 0.05
COMMON_SAMPLE = 5000
_SAMPLE_SQL = (
    "(SELECT public_vector FROM search_consultationtext ORDER BY consultation_id DESC LIMIT 5000)"
    " UNION ALL (SELECT search_vector::tsvector FROM library_entry WHERE status = 'published'"
    " ORDER BY id DESC LIMIT 5000)"
)
COMMON_MIN_DOCUMENTS = 200
COMMON_TERMS_KEY = "library:common-terms"
COMMON_TERMS_SECONDS = 2 * 24 * 3600


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "library" or "consultation"
    id: int
    title: str
    score: float
    reference: str = ""

    def as_json(self) -> dict:
        return {"kind": self.kind, "id": self.id, "title": self.title, "score": round(self.score, 4)}


def sees_consultations(user) -> bool:
    """Similar past consultations are for those who answer: liaisons and the secretariat."""
    return user.is_authenticated and user.role in (Role.LIAISON, Role.SECRETARIAT)


def draft_terms(title: str, body: str) -> list[str]:
    """The draft's distinctive terms by the analyzer, the most frequent first (title counted
    twice), without the desk's common terms (``common_terms``): a term in most documents says
    nothing about similarity, and would make every row a candidate."""
    from search.analyzer import terms_of

    text = f"{title or ''}\n{title or ''}\n{(body or '')[:MAX_TEXT_CHARS]}"
    common = common_terms()
    counts = Counter(term for term in terms_of(text) if (len(term) > 1 or not term.isascii()) and term not in common)
    return [term for term, _count in counts.most_common(MAX_TERMS)]


def compute_common_terms() -> frozenset[str]:
    """The terms in more than ``COMMON_SHARE`` of the newest ``COMMON_SAMPLE`` consultations'
    public search text and library entries (PostgreSQL's ts_stat); none elsewhere."""
    if connection.vendor != "postgresql":
        return frozenset()
    from search.models import ConsultationText

    consultations = ConsultationText.objects.order_by("-consultation_id")[:COMMON_SAMPLE].count()
    entries = Entry.objects.filter(status=EntryStatus.PUBLISHED).order_by("-id")[:COMMON_SAMPLE].count()
    if consultations + entries < COMMON_MIN_DOCUMENTS:
        return frozenset()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word FROM ts_stat(%s) WHERE ndoc > %s", [_SAMPLE_SQL, (consultations + entries) * COMMON_SHARE]
        )
        return frozenset(word for (word,) in cursor.fetchall())


def common_terms() -> frozenset[str]:
    """``compute_common_terms``, kept in the shared cache (renewed by ``library.refresh_common_terms``)."""
    found = cache.get(COMMON_TERMS_KEY)
    if found is None:
        found = refresh_common_terms()
    return frozenset(found)


def refresh_common_terms() -> frozenset[str]:
    found = compute_common_terms()
    cache.set(COMMON_TERMS_KEY, sorted(found), COMMON_TERMS_SECONDS)
    return found


def _quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _any_of(terms: list[str]):
    """A tsquery matching a row with any of ``terms`` (already analysed: no parsing by PostgreSQL)."""
    return Cast(Value(" | ".join(_quote(term) for term in terms)), output_field=SearchQueryField())


class _Matches(Func):
    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def _score(*, terms: list[str], title: str, vector: str | None, area_id: int | None):
    """ts_rank (length-normalised, weighted 4: it is small) plus the titles' trigram
    similarity, plus a little for the same policy area."""
    score = Value(0.0, output_field=FloatField())
    if terms and vector:
        rank = Func(F(vector), _any_of(terms), Value(1), function="ts_rank", output_field=FloatField())
        # A consultation whose search text is not built yet has no vector (NULL): rank 0.
        score = score + Coalesce(rank, Value(0.0)) * 4.0
    if title:
        score = score + TrigramSimilarity("title", title)
    if area_id is not None:
        score = score + Case(When(policy_area_id=area_id, then=Value(0.1)), default=Value(0.0))
    return score


def _best(queryset, *, terms: list[str], title: str, vector: str | None, area_id: int | None, limit: int,
          columns: tuple[str, ...]) -> list[tuple]:  # fmt: skip
    """PostgreSQL, in two bounded index-backed reads: the best rows matching any of the
    draft's distinctive ``terms`` (GIN on the vector), and the rows with the nearest titles
    (trigram distance, GiST, nearest first), scored alike; the best ``limit`` of both."""
    score = _score(terms=terms, title=title, vector=vector, area_id=area_id)
    rows: dict[int, tuple] = {}
    if terms and vector:
        matching = queryset.filter(_Matches(F(vector), _any_of(terms))).annotate(score=score)
        for row in matching.order_by("-score", "-pk").values_list(*columns, "score")[:limit]:
            rows[row[0]] = row
    if title:
        # The nearest ``limit`` titles, cut by distance here: a filter in SQL would make the
        # index scan go on past them through every title when fewer are near.
        nearest = queryset.annotate(distance=TrigramDistance("title", title), score=score).order_by("distance")
        for row in nearest.values_list(*columns, "score", "distance")[:limit]:
            if row[-1] < 1 - TITLE_THRESHOLD:
                rows.setdefault(row[0], row[:-1])
    return sorted(rows.values(), key=lambda row: (-row[-1], -row[0]))[:limit]


_LEXEME = re.compile(r"'((?:[^']|'')*)':")


def _pairs(text: str) -> set[str]:
    text = re.sub(r"\s+", "", text or "")
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _scan(rows, *, terms: list[str], title: str, area_id: int | None) -> list[tuple[int, str, float]]:
    """The embedded default: the share of the draft's terms each row's vector has, plus the
    titles' character-pair overlap (in place of trigrams)."""
    wanted, title_pairs = set(terms), _pairs(title)
    scored = []
    for pk, row_title, literal, row_area in rows:
        found = {term.replace("''", "'") for term in _LEXEME.findall(literal or "")}
        text_score = len(wanted & found) / len(wanted) if wanted else 0.0
        pairs = _pairs(row_title)
        title_score = len(title_pairs & pairs) / len(title_pairs | pairs) if title_pairs and pairs else 0.0
        if text_score or title_score >= TITLE_THRESHOLD:
            bonus = 0.1 if area_id is not None and row_area == area_id else 0.0
            scored.append((pk, row_title, text_score + title_score + bonus))
    scored.sort(key=lambda row: (-row[2], -row[0]))
    return scored


def _area_id(slug: str) -> int | None:
    if not slug:
        return None
    return next((pk for pk, (s, _name) in routing_selectors.reference_maps().policy_areas.items() if s == slug), None)


def similar_entries(*, terms: list[str], title: str, area_id: int | None = None,
                    limit: int = LIMIT) -> list[Suggestion]:  # fmt: skip
    """Published library entries like the draft."""
    queryset = Entry.objects.filter(status=EntryStatus.PUBLISHED)
    if connection.vendor == "postgresql":
        rows = _best(queryset, terms=terms, title=title, vector="search_vector", area_id=area_id, limit=limit,
                     columns=("pk", "title"))  # fmt: skip
    else:
        newest = queryset.order_by("-pk").values_list("pk", "title", "search_vector", "policy_area_id")
        rows = _scan(newest[:SCAN_ROWS], terms=terms, title=title, area_id=area_id)[:limit]
    return [Suggestion("library", pk, row_title, float(score)) for pk, row_title, score in rows]


def similar_consultations(user, *, terms: list[str], title: str, area_id: int | None = None,
                          exclude: int | None = None, limit: int = LIMIT) -> list[Suggestion]:  # fmt: skip
    """Answered (resolved or closed) consultations like the draft, of those ``user`` may see."""
    if not sees_consultations(user):
        return []
    queryset = consult_selectors.visible_consultations(user).filter(status__in=sorted(rules.ANSWERED))
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    # The public vector: what every party to a consultation may read (never internal notes).
    if connection.vendor == "postgresql":
        found = _best(queryset, terms=terms, title=title, vector=PUBLIC_VECTOR, area_id=area_id, limit=limit,
                      columns=("pk", "title", "reference"))  # fmt: skip
        rows = [(pk, row_title, score, reference) for pk, row_title, reference, score in found]
    else:
        newest = queryset.order_by("-pk").values_list("pk", "title", PUBLIC_VECTOR, "policy_area_id")[:SCAN_ROWS]
        references = dict(queryset.values_list("pk", "reference").filter(pk__in=[row[0] for row in newest]))
        scanned = _scan(newest, terms=terms, title=title, area_id=area_id)[:limit]
        rows = [(pk, row_title, score, references.get(pk, "")) for pk, row_title, score in scanned]
    return [Suggestion("consultation", pk, row_title, float(score), reference)
            for pk, row_title, score, reference in rows]  # fmt: skip


def suggestions(user, *, title: str = "", body: str = "", policy_area: str = "",
                limit: int = LIMIT) -> list[Suggestion]:  # fmt: skip
    """``consultations/similar/``: the best ``limit`` of entries and (for liaisons and the
    secretariat) the consultations they may see, by score."""
    found = grouped(user, title=title, body=body, policy_area=policy_area, limit=limit)
    both = [*found["entries"], *found["consultations"]]
    return sorted(both, key=lambda item: (-item.score, item.kind, -item.id))[:limit]


def grouped(user, *, title: str = "", body: str = "", policy_area: str = "", exclude: int | None = None,
            limit: int = LIMIT) -> dict[str, list[Suggestion]]:  # fmt: skip
    """The pages' panels: up to ``limit`` entries, and up to ``limit`` consultations for those who see them."""
    title = (title or "").strip()[:200]
    terms = draft_terms(title, body)
    if not terms and not title:
        return {"entries": [], "consultations": [], "asked": False}
    area_id = _area_id(policy_area)
    return {
        "entries": similar_entries(terms=terms, title=title, area_id=area_id, limit=limit),
        "consultations": similar_consultations(
            user, terms=terms, title=title, area_id=area_id, exclude=exclude, limit=limit
        ),
        "asked": True,
    }
