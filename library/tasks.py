"""Keeping the library's search text current (ids in, idempotent)."""

from celery import shared_task

from config.celery import RETRYING

from . import indexing, similarity


@shared_task(name="library.index_entry", **RETRYING)
def index_entry(entry_id: int) -> bool:
    """Write the search text of the entry's published version (the same result however often it runs)."""
    return indexing.index_entry(entry_id)


@shared_task(name="library.refresh_common_terms", **RETRYING)
def refresh_common_terms() -> int:
    """Renew the desk's common terms that similar suggestions leave out (idempotent)."""
    return len(similarity.refresh_common_terms())
