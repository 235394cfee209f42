"""Database-level guard: rows in cases_event can never be updated.

Deletes are refused by the ORM and the admin; they are not blocked here because test
databases are flushed between tests.
"""

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER cases_event_no_update BEFORE UPDATE ON cases_event
BEGIN
    SELECT RAISE(ABORT, 'cases_event is append-only');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS cases_event_no_update;"

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION cases_event_no_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'cases_event is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_event_no_update BEFORE UPDATE ON cases_event
    FOR EACH ROW EXECUTE FUNCTION cases_event_no_update();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS cases_event_no_update ON cases_event;
DROP FUNCTION IF EXISTS cases_event_no_update();
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
