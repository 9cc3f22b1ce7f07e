from django.db import migrations


def link_clients_to_creditors(apps, schema_editor):
    """Every organization is a client of each creditor whose products it has contracts with (what the
    creditor's API tokens reach). The first backfill ran when creditors got clients; contracts made since
    by staff, the demo or an import were not linked, so an upgraded installation's tokens saw none of
    those clients. Idempotent: links that exist are kept, none is removed."""
    Contract = apps.get_model("contracts", "Contract")
    Through = apps.get_model("creditors", "Creditor").clients.through
    pairs = set(Contract.objects.values_list("product__creditor_id", "organization_id").distinct())
    Through.objects.bulk_create(
        [Through(creditor_id=c, organization_id=o) for c, o in sorted(pairs)], batch_size=2000, ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0007_payments_from_paid_amounts"),
        ("creditors", "0004_merge_20261128_0445"),
    ]

    operations = [migrations.RunPython(link_clients_to_creditors, migrations.RunPython.noop)]
