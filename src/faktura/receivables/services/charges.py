"""Use cases of dunning charges (fees and default interest written with reminders): waiving
what is open of one. Payments settle charges in `payments` (`core.receivables.split_payment`).

A waiver is a row of the charge's ledger, never an edit: the charge keeps its amount, the
reminder and the invoice stay as they were.
"""

from __future__ import annotations

from django.db import transaction

from faktura.billing.services.drafts import invoice_locked
from faktura.common.context import CommandContext
from faktura.common.services import audit_record
from faktura.receivables.charge_selectors import charge_get
from faktura.receivables.errors import ChargeNotOpen
from faktura.receivables.inputs import ChargeWaive
from faktura.receivables.models import ChargeAllocation
from faktura.receivables.services.payments import _day


def charge_waive(ctx: CommandContext, *, charge_id: int, data: ChargeWaive) -> ChargeAllocation:
    """Waive what is still open of a charge, with the reason (the customer is let off a fee or
    the interest). The invoice row is locked, so a payment at the same moment settles the
    charge first or finds it waived.

    Errors: 404 for another company's charge; 409 `charge_not_open` (paid or waived already);
    400 `date_out_of_range` (before the charge's date, in the future)."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        found = charge_get(tenant=ctx.tenant, charge_id=charge_id)  # 404
        invoice_locked(ctx.tenant, found.invoice_id)
        charge = charge_get(tenant=ctx.tenant, charge_id=charge_id)  # read again under the lock
        if charge.open <= 0:
            raise ChargeNotOpen(f"Nothing is open of charge {charge.id}.")
        day = _day(ctx, data.date, not_before=charge.date, what="charge date")
        waiver = ChargeAllocation.objects.create(
            tenant=ctx.tenant,
            charge_id=charge.id,
            kind=ChargeAllocation.Kind.WAIVER,
            amount=charge.open,
            date=day,
            reason=data.reason,
        )
        audit_record(
            ctx,
            action="charge_waive",
            obj=waiver,
            data={"charge_id": charge.id, "invoice_id": charge.invoice_id,
                  "amount": str(charge.open), "reason": data.reason},
        )  # fmt: skip
    return waiver
