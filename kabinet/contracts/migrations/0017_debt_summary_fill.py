"""Fills the overdue debt's summary (`DebtRow`, `DebtTotal`) of every organization of an existing
database, as the ledger computes it today.

It runs the ledger's own code (`ledger.rebuild_debt_summary`), not historical models: the summary is
that code's outcome, and no formula is repeated here. Should a later migration change a table the ledger
reads, make this one a no-op: the summary rebuilds itself anyway (on an organization's first ledger write
of a day, and by the nightly `debt_summary_rebuild` job), and until then the page computes the figure
from the ledger.
"""

from django.db import migrations

from kabinet.contracts.ledger.summary import rebuild


def fill(apps, schema_editor):
    Organization = apps.get_model("organizations", "Organization")
    for org_id in (
        Organization.objects.using(schema_editor.connection.alias).order_by("pk").values_list("pk", flat=True)
    ):
        rebuild(org_id)


def empty(apps, schema_editor):
    DebtRow = apps.get_model("contracts", "DebtRow")
    DebtTotal = apps.get_model("contracts", "DebtTotal")
    DebtRow.objects.using(schema_editor.connection.alias).all().delete()
    DebtTotal.objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0016_debt_summary"), ("organizations", "0001_initial")]

    operations = [migrations.RunPython(fill, empty)]
