from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS doc_name_trgm ON documents_document USING gin (UPPER(original_name) gin_trgm_ops)"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS doc_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("documents", "0004_list_indexes")]
    operations = [migrations.RunPython(forward, backward)]
