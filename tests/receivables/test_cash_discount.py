"""Cash discount (Skonto, issue 12): terms resolved and frozen at issue, a payment in time of
the discounted amount settles the invoice with a discount allocation split per VAT group, a
late one is partial, a reversal takes the discount back, and a bank import matches it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bank_files import camt

from faktura.receivables.inputs import BankStatementUpload
from faktura.receivables.models import Allocation, BankTransaction, CashDiscountShare, Payment
from faktura.receivables.selectors import invoice_balance
from faktura.receivables.services.bank import bank_statement_import, bank_statement_receive
from faktura.tenancy.models import Tenant
from faktura.tenancy.selectors import tenant_today

D = Decimal


def _terms(world, percent="2.00", days=10) -> None:
    Tenant.objects.filter(pk=world.tenant.pk).update(
        cash_discount_percent=D(percent), cash_discount_days=days
    )


def _state(invoice) -> tuple[str, str, str]:
    invoice.refresh_from_db()
    balance = invoice_balance(invoice)
    return invoice.status, str(balance.open), balance.state


def _ledger(invoice) -> list[tuple[str, Decimal]]:
    return list(
        Allocation.objects.filter(invoice=invoice).order_by("id").values_list("kind", "amount")
    )


def test_payment_in_time_of_the_discounted_amount_settles_the_invoice(world, api):
    # given: 2 % within 10 days, an invoice of 119.00 issued 10 days ago
    _terms(world)
    today = tenant_today(world.tenant)
    invoice = world.issued(day=today - dt.timedelta(days=10))
    assert (invoice.cash_discount_percent, invoice.cash_discount_days) == (D("2.00"), 10)

    # when: 116.62 arrives on the last day of the period
    response = api.post(
        f"invoices/{invoice.pk}/payments", {"amount": "116.62", "date": today.isoformat()}
    )

    # then: paid, the discount booked beside the payment, split into net and VAT
    assert response.status_code == 201, response.json()
    assert response.json()["cash_discount"] == "2.38"
    assert _state(invoice) == ("paid", "0.00", "paid")
    assert _ledger(invoice) == [("payment", D("116.62")), ("cash_discount", D("2.38"))]
    shares = list(CashDiscountShare.objects.values_list("vat_category", "vat_rate", "amount",
                                                        "net", "vat"))  # fmt: skip
    assert shares == [("S", D("19.00"), D("2.38"), D("2.00"), D("0.38"))]
    ledger = api.get(f"invoices/{invoice.pk}/allocations").json()
    discount = next(row for row in ledger if row["kind"] == "cash_discount")
    assert discount["shares"] == [
        {"vat_category": "S", "vat_rate": "19.00", "amount": "2.38", "net": "2.00", "vat": "0.38"}
    ]


def test_a_late_payment_of_the_discounted_amount_is_partial(world, api):
    _terms(world)
    today = tenant_today(world.tenant)
    invoice = world.issued(day=today - dt.timedelta(days=11))  # the period ended yesterday

    response = api.post(f"invoices/{invoice.pk}/payments", {"amount": "116.62"})

    assert response.status_code == 201, response.json()
    assert response.json()["cash_discount"] is None
    assert _state(invoice) == ("issued", "2.38", "partially_paid")
    assert _ledger(invoice) == [("payment", D("116.62"))]


def test_another_amount_in_time_earns_no_discount(world, api):
    _terms(world)
    invoice = world.issued()

    api.post(f"invoices/{invoice.pk}/payments", {"amount": "116.60"})

    assert _state(invoice) == ("issued", "2.40", "partially_paid")
    assert not CashDiscountShare.objects.exists()


def test_reversing_the_payment_takes_the_discount_back(world, api):
    _terms(world)
    invoice = world.issued()
    payment = api.post(f"invoices/{invoice.pk}/payments", {"amount": "116.62"}).json()

    response = api.post(f"payments/{payment['id']}/reverse", {"reason": "Bounced"})

    assert response.status_code == 200, response.json()
    assert _state(invoice) == ("issued", "119.00", "unpaid")
    assert _ledger(invoice) == [
        ("payment", D("116.62")),
        ("cash_discount", D("2.38")),
        ("payment_reversal", D("-116.62")),
        ("cash_discount_reversal", D("-2.38")),
    ]
    reversal = Allocation.objects.get(kind="cash_discount_reversal")
    assert list(reversal.shares.values_list("amount", "net", "vat")) == [
        (D("-2.38"), D("-2.00"), D("-0.38"))
    ]
    # paid again in time: the discount is earned again
    api.post(f"invoices/{invoice.pk}/payments", {"amount": "116.62"})
    assert _state(invoice) == ("paid", "0.00", "paid")


def test_customer_and_draft_override_the_company_terms(world, api):
    _terms(world)
    no_discount = world.contact(name="Ohne Skonto GmbH")
    response = api.patch(f"contacts/{no_discount.pk}", {"cash_discount_percent": "0"})
    assert response.status_code == 200, response.json()
    assert response.json()["cash_discount_percent"] == "0.00"
    plain = world.issued(contact=no_discount)
    assert plain.cash_discount_percent is None

    three = world.contact(name="Drei Prozent AG")
    api.patch(f"contacts/{three.pk}", {"cash_discount_percent": "3.00", "cash_discount_days": 14})
    invoice = world.issued(contact=three)
    assert (invoice.cash_discount_percent, invoice.cash_discount_days) == (D("3.00"), 14)
    body = api.get(f"invoices/{invoice.pk}").json()
    assert (body["cash_discount_percent"], body["cash_discount_days"]) == ("3.00", 14)


def test_terms_fields_refuse_bad_input_with_400_naming_the_field(world, api):
    for field, value in [
        ("cash_discount_percent", "100"),
        ("cash_discount_percent", "1.234"),
        ("cash_discount_percent", "-1"),
        ("cash_discount_percent", "abc"),
        ("cash_discount_days", -1),
        ("cash_discount_days", 366),
    ]:
        response = api.patch("tenant", {field: value})
        assert response.status_code == 400, (field, value, response.json())
        assert field in str(response.json()["error"]["fields"]), response.json()
    ok = api.patch("tenant", {"cash_discount_percent": "2.5", "cash_discount_days": 10})
    assert ok.status_code == 200, ok.json()
    assert (ok.json()["cash_discount_percent"], ok.json()["cash_discount_days"]) == ("2.50", 10)


def _import(world, content: bytes):
    statement = bank_statement_receive(
        world.ctx, data=BankStatementUpload(filename="s.xml", content=content)
    )
    return bank_statement_import(world.ctx, statement_id=statement.pk)


def test_camt_credit_of_the_discounted_amount_in_time_matches_and_settles(world):
    _terms(world)
    today = tenant_today(world.tenant)
    issued = today - dt.timedelta(days=12)
    in_time = world.issued(day=issued)  # 119.00
    late = world.issued(day=issued, minutes=(30,))  # 59.50, 2 %: 58.31
    statement = _import(
        world,
        camt(
            [
                {"amount": "116.62", "date": (issued + dt.timedelta(days=10)).isoformat(),
                 "ref": "S1", "text": f"Rechnung {in_time.number} abzgl. 2 % Skonto"},
                {"amount": "58.31", "date": (issued + dt.timedelta(days=11)).isoformat(),
                 "ref": "S2", "text": late.number},
            ]
        ),
    )  # fmt: skip

    assert (statement.matched, statement.suggested, statement.unmatched) == (2, 0, 0)
    assert _state(in_time) == ("paid", "0.00", "paid")
    assert _ledger(in_time) == [("payment", D("116.62")), ("cash_discount", D("2.38"))]
    assert BankTransaction.objects.get(key__contains="S1").reason == "cash_discount"
    assert list(CashDiscountShare.objects.values_list("amount", "net", "vat")) == [
        (D("2.38"), D("2.00"), D("0.38"))
    ]
    # booked a day after the period: a partial payment, the rest stays open
    assert _state(late) == ("issued", "1.19", "partially_paid")
    assert Payment.objects.count() == 2
