"""The project templates SupportPM ships (projects/shipped_templates.py), editable afterwards."""

from django.db import migrations


def ship(apps, schema_editor):
    from projects.shipped_templates import ensure_shipped

    ensure_shipped(apps.get_model("projects", "ProjectTemplate"))


class Migration(migrations.Migration):
    dependencies = [("projects", "0005_project_templates")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
