"""Create the one health policy with SPEC §2's defaults."""

from django.db import migrations


def create_policy(apps, schema_editor):
    apps.get_model("health", "HealthPolicy").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("health", "0001_initial")]

    operations = [migrations.RunPython(create_policy, migrations.RunPython.noop)]
