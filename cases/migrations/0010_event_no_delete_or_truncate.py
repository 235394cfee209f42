"""Database-level guard, continued: rows in cases_event can never be deleted nor the table
truncated on PostgreSQL (0002 refuses UPDATE).

Only a database session that sets `app.allow_event_purge = 'on'` may DELETE or TRUNCATE:
test database flushes, `manage.py demo` and the benchmarks do (cases.maintenance). The
application never does. SQLite has no session settings; there the ORM and the admin refuse
deletes (cases.models.history), as before.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION cases_event_no_purge() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('app.allow_event_purge', true), '') = 'on' THEN
        IF TG_LEVEL = 'ROW' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION USING MESSAGE = 'cases_event is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_event_no_delete BEFORE DELETE ON cases_event
    FOR EACH ROW EXECUTE FUNCTION cases_event_no_purge();
CREATE TRIGGER cases_event_no_truncate BEFORE TRUNCATE ON cases_event
    FOR EACH STATEMENT EXECUTE FUNCTION cases_event_no_purge();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS cases_event_no_truncate ON cases_event;
DROP TRIGGER IF EXISTS cases_event_no_delete ON cases_event;
DROP FUNCTION IF EXISTS cases_event_no_purge();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_postcode_letter_pairs")]

    operations = [migrations.RunPython(forwards, backwards)]
