"""The search text of an entry: its published version through the project's analyzer."""

from __future__ import annotations

from search.analyzer import document_terms
from search.backend import vector_literal

from .models import Entry, EntryStatus


def entry_vector(version) -> str:
    """The title weighs most (A), then the question and answer (B), then the tags (C)."""
    return vector_literal(
        [
            (document_terms(version.title), "A"),
            (document_terms(f"{version.question}\n{version.answer}"), "B"),
            (document_terms(" ".join(version.tags)), "C"),
        ]
    )


def index_entry(entry_id: int) -> bool:
    """Write (or clear) the entry's search vector from its published version. Idempotent."""
    entry = Entry.objects.select_related("published").filter(pk=entry_id).first()
    if entry is None:
        return False
    version = entry.published if entry.status == EntryStatus.PUBLISHED else None
    Entry.objects.filter(pk=entry_id).update(search_vector=entry_vector(version) if version else "")
    return True
