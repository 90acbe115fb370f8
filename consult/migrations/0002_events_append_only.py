"""On PostgreSQL the database itself refuses to change or delete history rows."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION banso_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'consult_event is append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER consult_event_append_only
    BEFORE UPDATE OR DELETE ON consult_event
    FOR EACH ROW EXECUTE FUNCTION banso_events_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS consult_event_append_only ON consult_event;
DROP FUNCTION IF EXISTS banso_events_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("consult", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
