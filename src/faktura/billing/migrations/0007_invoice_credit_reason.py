"""The reason of a credit note (issue 15), printed on it. On PostgreSQL the issued-invoice
trigger freezes it like the other texts: the trigger function is replaced with the longer
column list (after 0004's)."""

import importlib

from django.db import migrations, models

_frozen = importlib.import_module("faktura.billing.migrations.0003_issued_immutable_triggers")
_OLD_FUNCTION = _frozen.CREATE.split("CREATE TRIGGER faktura_invoice_immutable")[0]
_BEFORE = _frozen.INVOICE_FROZEN + ", cash_discount_percent, cash_discount_days"
_AFTER = _BEFORE + ", credit_reason"


def _function(columns: str) -> str:
    return _OLD_FUNCTION.replace(
        "ROW(" + _frozen._NEW + ")",
        "ROW(" + ", ".join(f"NEW.{c.strip()}" for c in columns.split(",")) + ")",
    ).replace(
        "ROW(" + _frozen._OLD + ")",
        "ROW(" + ", ".join(f"OLD.{c.strip()}" for c in columns.split(",")) + ")",
    )


_PREVIOUS, _NEW_FUNCTION = _function(_BEFORE), _function(_AFTER)
assert _NEW_FUNCTION != _PREVIOUS != _OLD_FUNCTION


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0006_invoice_frame_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="credit_reason",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.RunPython(
            _frozen._on_postgres(_NEW_FUNCTION),
            _frozen._on_postgres(_PREVIOUS),
            elidable=False,
        ),
    ]
