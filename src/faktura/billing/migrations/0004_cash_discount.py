"""Cash discount terms on invoices (issue 12). On PostgreSQL the issued-invoice trigger freezes
them like the payment terms: the trigger function is replaced with the longer column list."""

import importlib

from django.db import migrations, models

_frozen = importlib.import_module("faktura.billing.migrations.0003_issued_immutable_triggers")
_OLD_FUNCTION = _frozen.CREATE.split("CREATE TRIGGER faktura_invoice_immutable")[0]
_COLUMNS = _frozen.INVOICE_FROZEN + ", cash_discount_percent, cash_discount_days"
_NEW_FUNCTION = _OLD_FUNCTION.replace(
    "ROW(" + _frozen._NEW + ")",
    "ROW(" + ", ".join(f"NEW.{c.strip()}" for c in _COLUMNS.split(",")) + ")",
).replace(
    "ROW(" + _frozen._OLD + ")",
    "ROW(" + ", ".join(f"OLD.{c.strip()}" for c in _COLUMNS.split(",")) + ")",
)
assert _NEW_FUNCTION != _OLD_FUNCTION


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_issued_immutable_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="cash_discount_days",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="invoice",
            name="cash_discount_percent",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=4, null=True),
        ),
        migrations.RunPython(
            _frozen._on_postgres(_NEW_FUNCTION),
            _frozen._on_postgres(_OLD_FUNCTION),
            elidable=False,
        ),
    ]
