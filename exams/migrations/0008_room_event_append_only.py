"""The room audit log is append-only in the database too (issue 15): on PostgreSQL a trigger
refuses UPDATE and DELETE of exams_roomevent rows whatever the client (a QuerySet.update(),
raw SQL, psql). TRUNCATE (the test runner's flush) is a statement, not a row: not refused.
SQLite has no such trigger here; the model's queryset refuses update() and delete() on both."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION exams_roomevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'room events are never edited or deleted (exams_roomevent is append-only)'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS exams_roomevent_append_only ON exams_roomevent;
CREATE TRIGGER exams_roomevent_append_only
    BEFORE UPDATE OR DELETE ON exams_roomevent
    FOR EACH ROW EXECUTE FUNCTION exams_roomevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS exams_roomevent_append_only ON exams_roomevent;
DROP FUNCTION IF EXISTS exams_roomevent_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("exams", "0007_roster_import")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False)]
