# The integration feed (ApiEvent) moves from the api app to the audit app (one event layer on a low floor,
# written in the same transaction as the audit row). Its table `api_apievent` stays as it is: only Django's model state moves here; the api app
# drops the model from its state in api/0006 (after pointing WebhookDelivery.event at this one).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("organizations", "0003_invitations"),
        ("api", "0005_merge_20261128_0447"),  # the table exists
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("registration.awaiting", "Registration awaiting approval"),
                                    ("appeal.created", "Request sent"),
                                    ("appeal.answered", "Client answered a request"),
                                    ("appeal.status", "Request status changed"),
                                    ("support.message", "Support message"),
                                    ("document.uploaded", "Document uploaded by a client"),
                                ],
                                max_length=32,
                                verbose_name="kind",
                            ),
                        ),
                        ("payload", models.JSONField(default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        (
                            "organization",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="organizations.organization",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "API event",
                        "verbose_name_plural": "API events",
                        "db_table": "api_apievent",
                        "ordering": ["id"],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
