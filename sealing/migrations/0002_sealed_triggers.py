"""PostgreSQL triggers that refuse every write to a sealed 学年 (see sealing/sql.py).
Nothing on SQLite: there the services are the only guard."""

from django.db import migrations


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from sealing.sql import install_sql

    for statement in install_sql():
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from sealing.sql import uninstall_sql

    for statement in uninstall_sql():
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("sealing", "0001_initial"),
        ("credits", "0003_teacher_year_totals"),
        ("reviews", "0004_close_late"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
