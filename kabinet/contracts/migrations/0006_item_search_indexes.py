"""PostgreSQL: trigram indexes led by `organization_id` (btree_gin) for the contract search by a leased
item's VIN or registration plate, like `contract_org_number_trgm` for the number (the search
read every item and every contract of the organization)."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX IF NOT EXISTS item_org_vin_trgm ON contracts_leaseditem "
    "USING gin (organization_id, UPPER(vin) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS item_org_plate_trgm ON contracts_leaseditem "
    "USING gin (organization_id, plate_key gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS item_org_vin_trgm", "DROP INDEX IF EXISTS item_org_plate_trgm"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("contracts", "0005_books_debt_ledger_copies")]

    operations = [migrations.RunPython(forward, backward)]
