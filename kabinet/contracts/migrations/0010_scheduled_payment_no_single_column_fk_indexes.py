"""Schedule lines: the single-column indexes of `organization_id` and `contract_id` go.

(organization, contract, number) and (contract, is_paid, due_date) lead with those columns, so every
lookup and cascade keeps an index; a schedule import writes two index entries less per line. Only the
indexes are dropped: Django's own AlterField would drop and re-add the foreign keys as well, checking
every row of the table again.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = [
    ("contracts_scheduledpayment_contract_id_886147f7", "contract_id"),
    ("contracts_scheduledpayment_organization_id_df6d7cc4", "organization_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0009_books_debt_roll_forward"),
        ("organizations", "0004_second_factor_required"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="scheduledpayment",
                    name="contract",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="payments",
                        to="contracts.contract",
                        verbose_name="contract",
                    ),
                ),
                migrations.AlterField(
                    model_name="scheduledpayment",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="organizations.organization",
                        verbose_name="organization",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}",
                    reverse_sql=f"CREATE INDEX IF NOT EXISTS {name} ON contracts_scheduledpayment ({column})",
                )
                for name, column in INDEXES
            ],
        )
    ]
