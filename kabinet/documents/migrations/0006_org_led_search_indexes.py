"""PostgreSQL: the search indexes lead with `organization_id` (btree_gin), so a search reads one
organization's entries, not every organization's matches of a common word (at 5,000,000
documents «договор» matches millions of rows of other organizations). Replaces the global ones."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX IF NOT EXISTS doc_org_search_gin ON documents_document USING gin (organization_id, search_vector)",
    "CREATE INDEX IF NOT EXISTS doc_org_title_trgm ON documents_document "
    "USING gin (organization_id, UPPER(title) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS doc_org_name_trgm ON documents_document "
    "USING gin (organization_id, UPPER(original_name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contract_org_number_trgm ON contracts_contract "
    "USING gin (organization_id, UPPER(number) gin_trgm_ops)",
    "DROP INDEX IF EXISTS doc_search_vector_gin",
    "DROP INDEX IF EXISTS doc_title_trgm",
    "DROP INDEX IF EXISTS doc_name_trgm",
    "DROP INDEX IF EXISTS contract_number_trgm",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS doc_search_vector_gin ON documents_document USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS doc_title_trgm ON documents_document USING gin (UPPER(title) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS doc_name_trgm ON documents_document USING gin (UPPER(original_name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contract_number_trgm ON contracts_contract USING gin (UPPER(number) gin_trgm_ops)",
    "DROP INDEX IF EXISTS doc_org_search_gin",
    "DROP INDEX IF EXISTS doc_org_title_trgm",
    "DROP INDEX IF EXISTS doc_org_name_trgm",
    "DROP INDEX IF EXISTS contract_org_number_trgm",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("documents", "0005_postgres_name_trigram")]

    operations = [migrations.RunPython(forward, backward)]
