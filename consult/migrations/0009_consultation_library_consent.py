from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

TITLE_INDEX = "consult_consultation_title_trgm"


def title_index(apps, schema_editor):
    # Similar consultations (library.similarity) read the nearest titles by trigram distance
    # (GiST answers ORDER BY distance LIMIT n); other databases scan.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TITLE_INDEX} ON consult_consultation USING gist (title gist_trgm_ops)"
    )


def drop_title_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TITLE_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("consult", "0008_attachment_storage_callable"),
    ]

    operations = [
        migrations.AddField(
            model_name="consultation",
            name="library_consent",
            field=models.BooleanField(blank=True, null=True, verbose_name="回答事例集での団体名の表示"),
        ),
        # CREATE EXTENSION only on PostgreSQL (the operation skips other databases).
        TrigramExtension(),
        migrations.RunPython(title_index, drop_title_index),
    ]
