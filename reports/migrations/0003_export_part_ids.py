from django.db import migrations, models


class Migration(migrations.Migration):
    """A part is a batch of schools (the district exports) or a chunk of teachers (the 审证
    package's statements): the field is renamed, its rows kept."""

    dependencies = [
        ('reports', '0002_export_parts'),
    ]

    operations = [
        migrations.RenameField(model_name='exportpart', old_name='school_ids', new_name='ids'),
        migrations.AlterField(
            model_name='exportpart',
            name='ids',
            field=models.JSONField(default=list, verbose_name='学校或教师'),
        ),
    ]
