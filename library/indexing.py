"""The search text of an entry: its published version through the project's analyzer."""

from __future__ import annotations

from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import Value

from .models import Entry, EntryStatus


def index_entry(entry_id: int) -> bool:
    """Write (or clear) the entry's search vector from its published version. Idempotent."""
    from search.analyzer import document_terms

    entry = Entry.objects.select_related("published").filter(pk=entry_id).first()
    if entry is None:
        return False
    version = entry.published if entry.status == EntryStatus.PUBLISHED else None
    if version is None:
        Entry.objects.filter(pk=entry_id).update(search_vector=None)
        return True
    title = document_terms(version.title)
    rest = document_terms("\n".join([version.question, version.answer, " ".join(version.tags)]))
    if connection.vendor == "postgresql":
        vector = SearchVector(Value(title), weight="A", config="simple") + SearchVector(
            Value(rest), weight="B", config="simple"
        )
    else:
        vector = Value(f"{title} {rest}")
    Entry.objects.filter(pk=entry_id).update(search_vector=vector)
    return True
