"""The catalogue's version stamp and the triggers that change it with every write to the
catalogue tables (see ``credits.models.CatalogueStamp``)."""

from django.db import migrations, models

TABLES = ("credits_credititem", "credits_capgroup")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION credits_catalogue_stamp_bump() RETURNS trigger AS $$
BEGIN
    INSERT INTO credits_cataloguestamp (id, stamp) VALUES (1, gen_random_uuid()::text)
    ON CONFLICT (id) DO UPDATE SET stamp = EXCLUDED.stamp;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


def _sqlite_trigger(table: str, event: str) -> str:
    return (f"CREATE TRIGGER {table}_stamp_{event.lower()} AFTER {event} ON {table} BEGIN "
            "INSERT OR REPLACE INTO credits_cataloguestamp (id, stamp) VALUES (1, lower(hex(randomblob(16)))); END;")


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION credits_catalogue_stamp_bump();")
        schema_editor.execute("INSERT INTO credits_cataloguestamp (id, stamp) VALUES (1, gen_random_uuid()::text)")
    elif vendor == "sqlite":
        for table in TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(_sqlite_trigger(table, event))
        schema_editor.execute("INSERT INTO credits_cataloguestamp (id, stamp) VALUES (1, lower(hex(randomblob(16))))")
    else:  # no trigger: credits.catalogue reads the catalogue on every call when the row is missing
        return


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_stamp ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS credits_catalogue_stamp_bump()")
    elif vendor == "sqlite":
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_stamp_{event}")


class Migration(migrations.Migration):

    dependencies = [
        ('credits', '0007_entry_school_list_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='CatalogueStamp',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ('stamp', models.CharField(max_length=36, verbose_name='目录版本')),
            ],
            options={
                'verbose_name': '学分项目目录版本',
                'verbose_name_plural': '学分项目目录版本',
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
