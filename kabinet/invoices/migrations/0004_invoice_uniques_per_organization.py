from django.db import migrations, models


class Migration(migrations.Migration):
    """The one-invoice-per-payment-and-amount rule starts with organization (docs/scaling.md)."""

    dependencies = [
        ("invoices", "0003_snapshot_and_stored_pdf"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="invoice",
            name="invoice_one_per_payment_amount",
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "payment")),
                fields=("organization", "payment", "amount"),
                name="invoice_one_per_payment_amount",
            ),
        ),
    ]
