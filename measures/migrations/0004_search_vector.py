"""The catalogue's keyword search moves to the Japanese full-text search of the
search app: a weighted terms vector per measure (GIN-indexed on PostgreSQL)
replaces the folded text and its trigram index."""

from django.db import migrations

import search.backend

OLD_INDEX = "measures_measure_search_folded_trgm"


def fill(apps, schema_editor):
    # The same weights as measures.models.search_vector_of (a migration keeps its own copy).
    from search.analyzer import document_terms
    from search.backend import vector_literal

    Measure = apps.get_model("measures", "Measure")
    for measure in Measure.objects.select_related("ministry"):
        measure.search_vector = vector_literal([
            (document_terms(measure.name), "A"),
            (document_terms(f"{measure.summary}\n{measure.eligibility}"), "B"),
            (document_terms(measure.ministry.name), "C"),
        ])  # fmt: skip
        measure.save(update_fields=["search_vector"])


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0003_folded_search_text"),
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="measure",
            name="search_vector",
            field=search.backend.TermsVectorField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        search.backend.gin_index("measures.Measure", "search_vector", "measures_measure_search_vector"),
        migrations.RunPython(drop_trigram_index, migrations.RunPython.noop),
        migrations.RemoveField(model_name="measure", name="search_text"),
    ]
