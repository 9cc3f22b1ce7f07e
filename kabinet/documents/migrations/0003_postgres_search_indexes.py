"""PostgreSQL-only search indexes: GIN on the full-text vector, trigram GIN for numbers in names.

SQLite (the embedded default) has neither; the search there uses its portable fallback.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS doc_search_vector_gin ON documents_document USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS doc_title_trgm ON documents_document USING gin (UPPER(title) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contract_number_trgm ON contracts_contract USING gin (UPPER(number) gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS doc_search_vector_gin",
    "DROP INDEX IF EXISTS doc_title_trgm",
    "DROP INDEX IF EXISTS contract_number_trgm",
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
    dependencies = [
        ("documents", "0002_search_vector"),
        ("contracts", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
