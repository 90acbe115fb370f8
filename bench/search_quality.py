"""Search quality: precision@5 and recall@20 of the analyzer against plain icontains, on the
labelled set (``bench/search_labels``: 150 topics' documents, 170 hand-written queries).

    .venv/bin/python -m bench search_quality       (PostgreSQL: ts_rank on the real literals)

The analyzer side is what Banso runs: the documents' tsvector literals (title A, body B,
conversation C) matched by the queries' tsquery and ordered by ts_rank, in a temporary table
of the database; without PostgreSQL, the embedded scan's ranking. The baseline is the search
Banso had: the whole query as a substring of the title or body (case-insensitive), newest first.
precision@5 counts the relevant documents among the first five, divided by five or by the
number of relevant documents when fewer (most queries here have one to five).
"""

import sys

from bench.search_labels.corpus import CORPUS
from bench.search_labels.queries import QUERIES


def documents() -> list[tuple[str, str, str, str]]:
    """(key, title, body, reply) in id order: "topic/index" keys."""
    return [
        (f"{topic}/{index}", title, body, reply)
        for topic, items in CORPUS.items()
        for index, (title, body, reply) in enumerate(items)
    ]


def relevant_keys(labels: tuple[str, ...]) -> set[str]:
    keys: set[str] = set()
    for label in labels:
        if "/" in label:
            keys.add(label)
        else:
            keys.update(f"{label}/{index}" for index in range(len(CORPUS[label])))
    return keys


def _icontains(docs, q: str, limit: int) -> list[str]:
    needle = q.casefold()
    found = [key for key, title, body, _reply in docs if needle in title.casefold() or needle in body.casefold()]
    return list(reversed(found))[:limit]


class _Analyzer:
    """The analyzer's ranking: PostgreSQL when the default database is, else the scan."""

    def __init__(self, docs):
        from django.db import connection

        from search import analyzer
        from search.backend import vector_literal

        self.keys = [doc[0] for doc in docs]
        self.literals = [
            vector_literal(
                [
                    (analyzer.document_terms(title), "A"),
                    (analyzer.document_terms(body), "B"),
                    (analyzer.document_terms(reply), "C"),
                ]
            )
            for _key, title, body, reply in docs
        ]
        self.postgres = connection.vendor == "postgresql"
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("CREATE TEMPORARY TABLE bench_search_docs (id int PRIMARY KEY, vector tsvector)")
                cursor.executemany(
                    "INSERT INTO bench_search_docs VALUES (%s, %s::tsvector)", list(enumerate(self.literals))
                )

    def search(self, q: str, limit: int) -> list[str]:
        import json

        from search.backend import Query, scan_rank

        query = Query(q)
        if not query:
            return []
        if not self.postgres:
            groups = json.dumps(query.groups)
            ranked = [(scan_rank(literal, groups), -index) for index, literal in enumerate(self.literals)]
            return [self.keys[-index] for rank, index in sorted(ranked, reverse=True) if rank > 0][:limit]
        from django.db import connection

        from search.selectors import RANK_CANDIDATES, RANK_WINDOW

        # As search.selectors ranks: the newest RANK_CANDIDATES matches among the newest
        # RANK_WINDOW documents by ts_rank, older ones after, newest first (its fallback for
        # fewer matches in the window changes nothing while the set is smaller than the window).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM bench_search_docs WHERE vector @@ %(q)s::tsquery"
                " ORDER BY CASE WHEN id >= COALESCE((SELECT id FROM bench_search_docs WHERE vector @@ %(q)s::tsquery"
                " AND id > (SELECT max(id) FROM bench_search_docs) - %(window)s ORDER BY id DESC OFFSET %(n)s LIMIT 1),"
                " GREATEST((SELECT max(id) FROM bench_search_docs) - %(window)s, 0))"
                " THEN ts_rank(vector, %(q)s::tsquery) ELSE 0 END DESC, id DESC LIMIT %(limit)s",
                {"q": query.tsquery(), "n": RANK_CANDIDATES - 1, "window": RANK_WINDOW, "limit": limit},
            )
            return [self.keys[row[0]] for row in cursor.fetchall()]

    def close(self) -> None:
        if self.postgres:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS bench_search_docs")


def _scores(found_for, queries) -> dict:
    precision = recall = plain_precision = 0.0
    misses = []
    for q, labels in queries:
        relevant = relevant_keys(labels)
        found = found_for(q)
        hits5 = len(relevant.intersection(found[:5]))
        precision += hits5 / min(5, len(relevant))
        plain_precision += hits5 / 5
        recall += len(relevant.intersection(found[:20])) / len(relevant)
        if hits5 < min(5, len(relevant)):
            misses.append((q, sorted(relevant - set(found[:5])), found[:5]))
    count = len(queries)
    return {
        "precision@5": precision / count,
        "recall@20": recall / count,
        "hits@5/5": plain_precision / count,
        "misses": misses,
    }


def run(verbose: bool = False) -> dict:
    docs = documents()
    keys = {doc[0] for doc in docs}
    unknown = [q for q, labels in QUERIES if not relevant_keys(labels) <= keys]
    if unknown:
        raise ValueError(f"labels name documents that do not exist: {unknown}")
    analyzer = _Analyzer(docs)
    try:
        ours = _scores(lambda q: analyzer.search(q, 20), QUERIES)
    finally:
        analyzer.close()
    baseline = _scores(lambda q: _icontains(docs, q, 20), QUERIES)
    backend = "PostgreSQL ts_rank" if analyzer.postgres else "embedded scan"
    print(f"  {len(QUERIES)} queries over {len(docs)} documents ({backend})")
    print(f"  {'':24} {'precision@5':>12} {'recall@20':>10} {'hits@5/5':>9}")
    for name, scores in (("analyzer", ours), ("icontains (baseline)", baseline)):
        print(f"  {name:24} {scores['precision@5']:12.3f} {scores['recall@20']:10.3f} {scores['hits@5/5']:9.3f}")
    if verbose:
        for q, missing, top in ours["misses"]:
            print(f"  miss {q!r}: not in the first five {missing}; found {top}")
    return {"analyzer": ours, "baseline": baseline}


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    django.setup()
    run(verbose="-v" in sys.argv)
