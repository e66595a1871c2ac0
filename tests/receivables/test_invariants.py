"""The receivables invariants find what they promise to find."""

from __future__ import annotations

from decimal import Decimal

import pytest

from faktura.billing.models import Invoice
from faktura.receivables.inputs import PaymentRecord
from faktura.receivables.invariants import check_invariants
from faktura.receivables.models import Payment
from faktura.receivables.services import payment_record


def test_hold_after_payments(world):
    invoice = world.issued()
    payment_record(world.ctx, invoice_id=invoice.pk, data=PaymentRecord(amount=Decimal("119")))

    assert check_invariants(tenant=world.tenant) == []


@pytest.mark.invariants_broken
def test_find_a_payment_without_allocation_and_a_wrong_status(world):
    invoice = world.issued()
    Payment.objects.create(
        tenant=world.tenant, invoice=invoice, contact=invoice.contact, amount=Decimal("5.00"),
        currency="EUR", date=invoice.issue_date, method="cash",
    )  # fmt: skip
    Invoice.objects.filter(pk=invoice.pk).update(status="paid")

    codes = sorted(p.code for p in check_invariants(tenant=world.tenant))

    assert codes == ["payment_not_allocated_once", "status_disagrees_with_balance"]
