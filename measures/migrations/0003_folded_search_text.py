"""The search column holds width- and case-folded text (NFKC, casefold), searched
with a plain LIKE: the trigram index moves from UPPER(search_text) to the column."""

import unicodedata

from django.db import migrations

OLD_INDEX = "measures_measure_search_trgm"
INDEX = "measures_measure_search_folded_trgm"


def fill(apps, schema_editor):
    Measure = apps.get_model("measures", "Measure")
    for measure in Measure.objects.select_related("ministry"):
        parts = (measure.name, measure.summary, measure.eligibility, measure.ministry.name)
        text = "\n".join(part for part in parts if part)
        measure.search_text = unicodedata.normalize("NFKC", text).casefold()
        measure.save(update_fields=["search_text"])


def folded_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON measures_measure USING gin (search_text gin_trgm_ops)")


def upper_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON measures_measure USING gin (UPPER(search_text) gin_trgm_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0002_search_text"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(folded_index, upper_index),
    ]
