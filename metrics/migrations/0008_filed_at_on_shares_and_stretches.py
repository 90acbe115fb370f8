from django.db import migrations, models

# Both dialects (PostgreSQL and the embedded SQLite) accept this correlated form.
FILL = """
UPDATE metrics_{table} SET filed_at = (
    SELECT f.filed_at FROM metrics_consultationfigures f WHERE f.consultation_id = metrics_{table}.figures_id
)
"""


class Migration(migrations.Migration):
    """The filing instant repeated on each resolution share and open stretch, so that a
    period's rows are read by an index of their own instead of a join with the rollup."""

    dependencies = [
        ("metrics", "0007_stretches_replace_state_columns"),
    ]

    operations = [
        migrations.AddField(model_name="resolutionshare", name="filed_at", field=models.DateTimeField(null=True)),
        migrations.AddField(model_name="openstretch", name="filed_at", field=models.DateTimeField(null=True)),
        migrations.RunSQL(FILL.format(table="resolutionshare"), migrations.RunSQL.noop),
        migrations.RunSQL(FILL.format(table="openstretch"), migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="resolutionshare", name="filed_at", field=models.DateTimeField(db_index=True)
        ),
        migrations.AlterField(model_name="openstretch", name="filed_at", field=models.DateTimeField(db_index=True)),
    ]
