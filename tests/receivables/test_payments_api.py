"""Payments through the API: recording, reversing, overpayment and credit, write-off, credit
notes settling their invoice, bad input, idempotency, roles and tenants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from faktura.billing.inputs import CreditNoteCreate
from faktura.billing.models import Invoice
from faktura.billing.services.credit_notes import credit_note_create
from faktura.common.models import AuditEvent
from faktura.receivables.models import Allocation, Payment, PaymentReversal
from faktura.receivables.selectors import invoice_balance
from faktura.tenancy.selectors import tenant_today


def _pay(api, invoice, amount: str, **kw):
    return api.post(f"invoices/{invoice.pk}/payments", {"amount": amount, **kw})


def _state(invoice) -> tuple[str, str, str]:
    invoice.refresh_from_db()
    balance = invoice_balance(invoice)
    return invoice.status, str(balance.open), balance.state


def test_partial_then_full_payment_makes_the_invoice_paid(world, api):
    invoice = world.issued()  # gross 119.00

    first = _pay(api, invoice, "50.00", method="bank_transfer", reference="RE 1")

    assert first.status_code == 201, first.json()
    body = first.json()
    assert body == {
        **body,
        "invoice_id": invoice.pk,
        "amount": "50.00",
        "date": tenant_today(world.tenant).isoformat(),
        "method": "bank_transfer",
        "reference": "RE 1",
        "reversed": False,
    }
    assert _state(invoice) == ("issued", "69.00", "partially_paid")

    second = _pay(api, invoice, "69.00", method="cash")

    assert second.status_code == 201, second.json()
    assert _state(invoice) == ("paid", "0.00", "paid")
    assert AuditEvent.objects.filter(action="payment_record").count() == 2


def test_reversal_opens_the_invoice_again_and_cannot_be_reversed_twice(world, api):
    invoice = world.issued()
    api.post(f"invoices/{invoice.pk}/mark-sent", {"channel": "post"})
    payment = _pay(api, invoice, "119.00").json()
    assert _state(invoice) == ("paid", "0.00", "paid")

    reversed_ = api.post(f"payments/{payment['id']}/reverse", {"reason": "Bounced"})

    assert reversed_.status_code == 200, reversed_.json()
    assert reversed_.json()["reversed"] is True
    assert reversed_.json()["reversal_reason"] == "Bounced"
    # sent before it was paid: back to sent, the whole amount open, the payment kept
    assert _state(invoice) == ("sent", "119.00", "unpaid")
    assert Payment.objects.filter(pk=payment["id"]).exists()
    kinds = list(Allocation.objects.filter(invoice=invoice).values_list("kind", "amount"))
    assert kinds == [("payment", Decimal("119.00")), ("payment_reversal", Decimal("-119.00"))]

    again = api.post(f"payments/{payment['id']}/reverse", {"reason": "Twice"})

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "payment_already_reversed"
    assert PaymentReversal.objects.count() == 1


def test_reversal_needs_a_reason(world, api):
    invoice = world.issued()
    payment = _pay(api, invoice, "10.00").json()

    response = api.post(f"payments/{payment['id']}/reverse", {"reason": "   "})

    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]
    assert not PaymentReversal.objects.exists()


def test_overpayment_is_refused_unless_allowed_then_becomes_credit_for_another_invoice(world, api):
    customer = world.contact(name="Kunde Kredit")
    first = world.issued(contact=customer)  # 119.00
    second = world.issued(contact=customer, minutes=(30,))  # 59.50

    refused = _pay(api, first, "150.00")

    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "overpayment_not_allowed"
    assert "amount" in refused.json()["error"]["fields"]
    assert not Payment.objects.exists()

    allowed = _pay(api, first, "150.00", allow_overpayment=True)

    assert allowed.status_code == 201, allowed.json()
    assert _state(first) == ("paid", "-31.00", "overpaid")
    assert api.get("credit-balances").json() == [
        {
            "contact_id": customer.pk,
            "contact_name": "Kunde Kredit",
            "currency": "EUR",
            "amount": "31.00",
        }
    ]

    applied = api.post(f"invoices/{second.pk}/apply-credit", {})

    assert applied.status_code == 201, applied.json()
    assert [(a["kind"], a["amount"]) for a in applied.json()] == [("credit_applied", "31.00")]
    assert _state(first) == ("paid", "0.00", "paid")
    assert _state(second) == ("issued", "28.50", "partially_paid")
    assert api.get("credit-balances").json() == []
    nothing_left = api.post(f"invoices/{second.pk}/apply-credit", {})
    assert nothing_left.status_code == 422
    assert nothing_left.json()["error"]["code"] == "no_credit_balance"


def test_reversing_an_overpayment_whose_credit_was_used_leaves_it_owed(world, api):
    customer = world.contact(name="Kunde Rückbuchung")
    first = world.issued(contact=customer)  # 119.00
    second = world.issued(contact=customer, minutes=(30,))  # 59.50
    payment = _pay(api, first, "150.00", allow_overpayment=True).json()
    api.post(f"invoices/{second.pk}/apply-credit", {})

    api.post(f"payments/{payment['id']}/reverse", {"reason": "Chargeback"})

    # the 31.00 that paid part of the second invoice came from this payment: owed here now
    assert _state(first) == ("issued", "150.00", "unpaid")
    assert _state(second) == ("issued", "28.50", "partially_paid")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "10.00", "method": "cheque"}, "method"),
        ({"amount": "10.00", "reference": "x" * 141}, "reference"),
        ({"amount": "10.00", "date": "2026-13-01"}, "date"),
        ({"amount": "10.00", "colour": "red"}, "colour"),
    ],
)
def test_bad_payment_input_is_a_400_naming_the_field(world, api, body, field):
    invoice = world.issued()

    response = api.post(f"invoices/{invoice.pk}/payments", body)

    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert not Payment.objects.exists()


def test_dates_before_the_invoice_or_in_the_future_are_refused(world, api):
    today = tenant_today(world.tenant)
    invoice = world.issued(day=today - dt.timedelta(days=3))

    early = _pay(api, invoice, "10.00", date=(today - dt.timedelta(days=4)).isoformat())
    future = _pay(api, invoice, "10.00", date=(today + dt.timedelta(days=1)).isoformat())

    for response in (early, future):
        assert response.status_code == 400, response.json()
        assert response.json()["error"]["code"] == "date_out_of_range"
        assert "date" in response.json()["error"]["fields"]
    assert not Payment.objects.exists()
    assert _pay(api, invoice, "10.00", date=invoice.issue_date.isoformat()).status_code == 201


def test_no_payments_on_drafts_void_invoices_or_credit_notes(world, api):
    draft = Invoice.objects.create(tenant=world.tenant, contact=world.contact(), currency="EUR")
    voided = world.issued()
    note = credit_note_create(world.ctx, invoice_id=voided.pk)

    for target in (draft, voided, note):
        response = _pay(api, target, "10.00")
        assert response.status_code == 409, response.json()
        assert response.json()["error"]["code"] == "invoice_not_payable"
    assert not Payment.objects.exists()


def test_currency_without_minor_unit_takes_the_document_decimals(world, api):
    """Invoice amounts have 2 decimals in every currency (EN 16931), JPY included: a payment
    takes the same decimals, no more."""
    invoice = world.issued(contact=world.contact(name="Tokyo KK", currency="JPY"))

    assert _pay(api, invoice, "10.50").status_code == 201
    response = _pay(api, invoice, "10.505")

    assert response.status_code == 400
    assert "amount" in response.json()["error"]["fields"]
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_idempotency_key_replays_the_same_payment(world, api):
    invoice = world.issued()
    headers = {"HTTP_IDEMPOTENCY_KEY": "pay-1"}

    first = api.post(f"invoices/{invoice.pk}/payments", {"amount": "60.00"}, **headers)
    replay = api.post(f"invoices/{invoice.pk}/payments", {"amount": "60.00"}, **headers)
    other = api.post(f"invoices/{invoice.pk}/payments", {"amount": "61.00"}, **headers)

    assert first.status_code == replay.status_code == 201
    assert replay.json()["id"] == first.json()["id"]
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Payment.objects.count() == 1
    assert _state(invoice)[1] == "59.00"


def test_credit_notes_settle_their_invoice(world, api):
    invoice = world.issued(minutes=(60, 30))  # 119.00 + 59.50 = 178.50
    half_hour = invoice.lines.get(quantity="0.5")

    credit_note_create(
        world.ctx, invoice_id=invoice.pk, data=CreditNoteCreate(line_ids=[half_hour.pk])
    )

    assert _state(invoice) == ("issued", "119.00", "unpaid")
    _pay(api, invoice, "119.00")
    assert _state(invoice) == ("paid", "0.00", "paid")
    # crediting the rest of a paid invoice voids it; what was paid is the customer's credit
    credit_note_create(world.ctx, invoice_id=invoice.pk)
    assert _state(invoice) == ("void", "-119.00", "overpaid")
    [balance] = api.get("credit-balances").json()
    assert balance["amount"] == "119.00"


def test_write_off_settles_the_remainder_with_a_reason(world, api):
    invoice = world.issued()
    _pay(api, invoice, "118.50")

    response = api.post(f"invoices/{invoice.pk}/write-off", {"reason": "Bank fees"})

    assert response.status_code == 201, response.json()
    assert (response.json()["kind"], response.json()["amount"]) == ("write_off", "0.50")
    assert _state(invoice) == ("paid", "0.00", "paid")
    again = api.post(f"invoices/{invoice.pk}/write-off", {"reason": "Again"})
    assert again.status_code == 409
    ledger = api.get(f"invoices/{invoice.pk}/allocations").json()
    assert [(row["kind"], row["amount"], row["reason"]) for row in ledger] == [
        ("payment", "118.50", ""),
        ("write_off", "0.50", "Bank fees"),
    ]


def test_payment_list_filters_and_paginates(world, api):
    a, b = world.contact(name="A GmbH"), world.contact(name="B GmbH")
    first, second = world.issued(contact=a), world.issued(contact=b)
    for amount in ("1.00", "2.00", "3.00"):
        _pay(api, first, amount)
    _pay(api, second, "4.00")

    by_invoice = api.get("payments", invoice_id=first.pk).json()
    by_contact = api.get("payments", contact_id=b.pk).json()
    page = api.get("payments", limit=2, offset=0).json()

    assert by_invoice["count"] == 3
    assert {p["amount"] for p in by_invoice["items"]} == {"1.00", "2.00", "3.00"}
    assert [p["amount"] for p in by_contact["items"]] == ["4.00"]
    assert page["count"] == 4 and len(page["items"]) == 2


def test_mark_sent_records_the_channel_and_date(world, api):
    today = tenant_today(world.tenant)
    invoice = world.issued(day=today - dt.timedelta(days=2))

    response = api.post(
        f"invoices/{invoice.pk}/mark-sent",
        {"channel": "portal", "date": (today - dt.timedelta(days=1)).isoformat()},
    )

    assert response.status_code == 200, response.json()
    assert response.json()["channel"] == "portal"
    invoice.refresh_from_db()
    assert invoice.status == "sent"
    bad = api.post(f"invoices/{invoice.pk}/mark-sent", {"channel": "pigeon"})
    assert bad.status_code == 400 and "channel" in bad.json()["error"]["fields"]


def test_members_cannot_pay_and_other_tenants_see_nothing(world, api, api_as, other_api):
    invoice = world.issued()
    payment = _pay(api, invoice, "10.00").json()

    member = api_as("member")
    assert _pay(member, invoice, "10.00").status_code == 403
    assert member.get("payments").status_code == 403
    assert _pay(other_api, invoice, "10.00").status_code == 404
    assert other_api.post(f"payments/{payment['id']}/reverse", {"reason": "x"}).status_code == 404
    assert other_api.get(f"payments/{payment['id']}").status_code == 404
    assert other_api.get("payments").json()["count"] == 0
    assert other_api.get(f"invoices/{invoice.pk}/allocations").status_code == 404
    assert Payment.objects.count() == 1
