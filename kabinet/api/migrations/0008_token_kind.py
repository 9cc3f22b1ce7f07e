from django.db import migrations, models


def staff_wide_becomes_kind(apps, schema_editor):
    """The flag becomes the token's explicit kind: staff-wide tokens are back-office tokens, the rest
    belong to their creditor (the old constraint guaranteed each has one)."""
    ApiToken = apps.get_model("api", "ApiToken")
    ApiToken.objects.filter(staff_wide=True).update(kind="staff")
    ApiToken.objects.filter(staff_wide=False).update(kind="creditor")


def kind_becomes_staff_wide(apps, schema_editor):
    ApiToken = apps.get_model("api", "ApiToken")
    ApiToken.objects.filter(kind="staff").update(staff_wide=True)


class Migration(migrations.Migration):
    dependencies = [("api", "0007_webhook_outbox_lease")]

    # The old constraint goes first and comes back last, so a migration backwards meets it satisfied.
    operations = [
        migrations.RemoveConstraint(model_name="apitoken", name="api_token_creditor_or_staff_wide"),
        migrations.AddField(
            model_name="apitoken",
            name="kind",
            field=models.CharField(
                choices=[("creditor", "Creditor's system"), ("staff", "Back office (all creditors)")],
                default="creditor",
                help_text="A creditor's token reaches its creditor's clients only; a back-office token reaches all data.",
                max_length=16,
                verbose_name="kind",
            ),
        ),
        migrations.RunPython(staff_wide_becomes_kind, kind_becomes_staff_wide),
        migrations.RemoveField(model_name="apitoken", name="staff_wide"),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("creditor__isnull", False), ("kind", "creditor")),
                    models.Q(("creditor__isnull", True), ("kind", "staff")),
                    _connector="OR",
                ),
                name="api_token_kind_matches_creditor",
            ),
        ),
    ]
