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


@pytest.mark.invariants_broken
def test_find_a_cash_discount_whose_shares_do_not_add_up(world):
    from faktura.receivables.models import CashDiscountShare
    from faktura.tenancy.models import Tenant

    Tenant.objects.filter(pk=world.tenant.pk).update(
        cash_discount_percent=Decimal("2.00"), cash_discount_days=10
    )
    invoice = world.issued()
    payment_record(world.ctx, invoice_id=invoice.pk, data=PaymentRecord(amount=Decimal("116.62")))
    assert check_invariants(tenant=world.tenant) == []

    CashDiscountShare.objects.filter(tenant=world.tenant).update(vat=Decimal("0.40"))

    codes = [p.code for p in check_invariants(tenant=world.tenant)]
    assert codes == ["cash_discount_unbalanced"]
