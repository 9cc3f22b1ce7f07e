# ApiEvent now belongs to the audit app (audit/0002, same table `api_apievent`): the webhook deliveries
# point at it there, and the api app forgets the model — in Django's state only, no table is touched.
# The content type is renamed so admin permissions given on «API events» keep working.

import django.db.models.deletion
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="audit", model="apievent").exists():
        ContentType.objects.filter(app_label="api", model="apievent").update(app_label="audit")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="api", model="apievent").exists():
        ContentType.objects.filter(app_label="audit", model="apievent").update(app_label="api")


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0005_merge_20261128_0447"),
        ("audit", "0002_apievent"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="webhookdelivery",
                    name="event",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="audit.apievent", verbose_name="event"
                    ),
                ),
                migrations.DeleteModel(name="ApiEvent"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
