from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from search.backend import gin_index

INDEXES = {"library_entry_title_trgm": "ON library_entry USING gist (title gist_trgm_ops)"}


def create(apps, schema_editor):
    # Title trigrams are PostgreSQL's; other databases scan (library.similarity).
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0001_initial"),
    ]

    operations = [
        TrigramExtension(),
        gin_index("library.Entry", "search_vector", "library_entry_search"),
        migrations.RunPython(create, drop),
    ]
