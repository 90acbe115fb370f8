from django.db import migrations, models

INDEX = "measures_measure_search_trgm"


def fill(apps, schema_editor):
    Measure = apps.get_model("measures", "Measure")
    for measure in Measure.objects.select_related("ministry"):
        parts = (measure.name, measure.summary, measure.eligibility, measure.ministry.name)
        measure.search_text = "\n".join(part for part in parts if part)
        measure.save(update_fields=["search_text"])


def trigram_index(apps, schema_editor):
    # Keyword search is icontains, which PostgreSQL runs as UPPER(column) LIKE UPPER(%s):
    # the trigram index is on that expression. Other databases scan (small catalogues).
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON measures_measure USING gin (UPPER(search_text) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="measure",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(trigram_index, drop_index),
    ]
