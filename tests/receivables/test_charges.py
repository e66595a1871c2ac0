"""Dunning fees and interest as receivable items of their own (issue 12): written with their
reminder, settled by payments after the invoice, reversed with the payment, matched from a bank
statement with the invoice, waived with a reason; the invoice never changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from faktura.receivables.inputs import BankStatementUpload, DunningRunStart
from faktura.receivables.invariants import check_invariants
from faktura.receivables.models import ChargeAllocation, ReceivableCharge, Reminder
from faktura.receivables.services.bank import bank_statement_import, bank_statement_receive
from faktura.receivables.services.dunning import dunning_run
from tests.receivables.bank_files import camt

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = START

        def days(self, n: int) -> None:
            self.now = START + dt.timedelta(days=n)

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


def _ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()


@pytest.fixture
def dunned(world, clock):
    """An invoice of 119.00 reminded three times: fees 5.00 and 10.00, interest 1.17."""
    invoice = world.issued()
    for days in (7, 21, 35):
        clock.days((invoice.due_date - START.date()).days + days)
        dunning_run(world.ctx, data=DunningRunStart())
    return invoice


def test_a_reminder_writes_its_fee_and_interest_as_charges(world, api, dunned):
    charges = _ok(api.get("charges", invoice_id=dunned.pk))["items"]
    assert [(c["kind"], c["amount"], c["open_amount"]) for c in charges] == [
        ("fee", "5.00", "5.00"),
        ("fee", "10.00", "10.00"),
        ("interest", "1.17", "1.17"),
    ]
    third = Reminder.objects.get(invoice=dunned, level=3)
    assert [c["reminder_id"] for c in charges] == [
        Reminder.objects.get(invoice=dunned, level=2).pk, third.pk, third.pk,
    ]  # fmt: skip
    # the reminders list them; the receivables view shows what is open beside the invoice
    [last] = _ok(api.get("reminders", invoice_id=dunned.pk))["items"][:1]
    assert [(c["kind"], c["amount"]) for c in last["charges"]] == [
        ("fee", "10.00"), ("interest", "1.17"),
    ]  # fmt: skip
    [row] = _ok(api.get("receivables"))["overdue"]
    assert (row["open_amount"], row["charges_open"]) == ("119.00", "16.17")
    # the invoice is as it was issued
    body = _ok(api.get(f"invoices/{dunned.pk}"))
    assert (body["totals"]["gross"], body["open_amount"]) == ("119.00", "119.00")


def test_a_payment_settles_the_invoice_first_then_its_charges(world, api, dunned):
    # given 119.00 open and 16.17 of charges
    # when the customer pays more than the invoice
    too_much = api.post(f"invoices/{dunned.pk}/payments", {"amount": "140.00"})
    assert too_much.status_code == 422 and "amount" in too_much.json()["error"]["fields"]
    assert "135.17" in too_much.json()["error"]["message"]
    payment = _ok(api.post(f"invoices/{dunned.pk}/payments", {"amount": "125.00"}), 201)

    # then the invoice is paid and the oldest charge (the first fee) settled, then part of
    # the next
    body = _ok(api.get(f"invoices/{dunned.pk}"))
    assert (body["status"], body["open_amount"], body["paid_amount"]) == ("paid", "0.00", "119.00")
    charges = _ok(api.get("charges", invoice_id=dunned.pk))["items"]
    assert [c["open_amount"] for c in charges] == ["0.00", "9.00", "1.17"]
    # a paid invoice with charges open stays in the receivables as charges
    view = _ok(api.get("receivables"))
    assert view["overdue"] == [] and [c["open_amount"] for c in view["charges"]] == [
        "9.00", "1.17",
    ]  # fmt: skip
    assert view["totals"][0]["charges_open"] == "10.17"
    csv = api.get("receivables", format="csv").content.decode().splitlines()
    assert [line.rsplit(",", 1)[1] for line in csv[1:]] == ["fee", "interest"]

    # when the payment is reversed, the invoice and the charges are open again
    _ok(api.post(f"payments/{payment['id']}/reverse", {"reason": "bounced"}))
    charges = _ok(api.get("charges", invoice_id=dunned.pk))["items"]
    assert [c["open_amount"] for c in charges] == ["5.00", "10.00", "1.17"]
    assert _ok(api.get(f"invoices/{dunned.pk}"))["open_amount"] == "119.00"
    assert check_invariants(tenant=world.tenant) == []


def test_charges_are_waived_with_a_reason_once(world, api, other_api, dunned):
    fee = ReceivableCharge.objects.filter(invoice=dunned).order_by("id").first()

    assert api.post(f"charges/{fee.pk}/waive", {"reason": " "}).status_code == 400
    assert other_api.post(f"charges/{fee.pk}/waive", {"reason": "goodwill"}).status_code == 404
    waived = _ok(api.post(f"charges/{fee.pk}/waive", {"reason": "goodwill"}))

    assert (waived["waived"], waived["open_amount"]) == ("5.00", "0.00")
    again = api.post(f"charges/{fee.pk}/waive", {"reason": "goodwill"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "charge_not_open"
    row = ChargeAllocation.objects.get(charge=fee)
    assert (row.kind, row.amount, row.reason) == ("waiver", Decimal("5.00"), "goodwill")
    # a payment of the invoice and the rest of the charges now settles everything
    _ok(api.post(f"invoices/{dunned.pk}/payments", {"amount": "130.17"}), 201)
    assert [c["open_amount"] for c in _ok(api.get("charges", invoice_id=dunned.pk))["items"]] == [
        "0.00", "0.00", "0.00",
    ]  # fmt: skip
    assert check_invariants(tenant=world.tenant) == []


def test_a_bank_credit_of_invoice_and_charges_is_matched(world, api, dunned, clock):
    day = timezone.now().date().isoformat()
    content = camt(
        [{"amount": "135.17", "date": day, "ref": "R1", "name": "Kunde", "text": dunned.number}]
    )
    statement = bank_statement_receive(
        world.ctx, data=BankStatementUpload(filename="s.xml", content=content)
    )
    statement = bank_statement_import(world.ctx, statement_id=statement.pk)

    assert statement.matched == 1
    dunned.refresh_from_db()
    assert dunned.status == "paid"
    charges = _ok(api.get("charges", invoice_id=dunned.pk, open=True))["items"]
    assert charges == []
    assert check_invariants(tenant=world.tenant) == []


def test_a_bank_credit_between_invoice_and_charges_is_only_suggested(world, dunned, clock):
    day = timezone.now().date().isoformat()
    content = camt(
        [{"amount": "125.00", "date": day, "ref": "R2", "name": "Kunde", "text": dunned.number}]
    )
    statement = bank_statement_receive(
        world.ctx, data=BankStatementUpload(filename="s.xml", content=content)
    )
    statement = bank_statement_import(world.ctx, statement_id=statement.pk)

    assert (statement.matched, statement.suggested) == (0, 1)


def _text(pdf: bytes) -> str:
    import io

    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(page.extract_text() for page in reader.pages)


def test_one_letter_per_customer_for_its_invoices_at_the_same_level(world, api, clock):
    # given two invoices of one customer and one of another, all a week overdue
    customer = world.contact(name="Müller Maschinenbau GmbH")
    first = world.issued(contact=customer)
    second = world.issued(contact=customer, minutes=(30,))
    other = world.issued(contact=world.contact(name="Schmidt Logistik AG"))
    clock.days((first.due_date - START.date()).days + 7)

    # when the run writes the reminders (the company combines letters by default)
    assert _ok(api.get("dunning/settings"))["combine"] is True
    reminders = dunning_run(world.ctx, data=DunningRunStart())

    # then each invoice has its reminder; the customer's two share one letter
    by_invoice = {r.invoice_id: r for r in reminders}
    assert set(by_invoice) == {first.pk, second.pk, other.pk}
    letter = by_invoice[first.pk].letter
    assert letter is not None and by_invoice[second.pk].letter == letter
    assert by_invoice[other.pk].letter is None
    assert letter.total_due == Decimal("119.00") + Decimal("59.50")
    listed = _ok(api.get("reminders", invoice_id=second.pk))["items"]
    assert [r["letter_id"] for r in listed] == [letter.pk]
    # the PDF of either reminder is the letter, listing both invoices and one total
    one = api.get(f"reminders/{by_invoice[first.pk].pk}/pdf")
    two = api.get(f"reminders/{by_invoice[second.pk].pk}/pdf")
    assert one.status_code == 200 and one.content == two.content
    text = _text(one.content)
    assert first.number in text and second.number in text and "178,50" in text


def test_without_combining_each_invoice_gets_its_own_letter(world, api, clock):
    customer = world.contact(name="Müller Maschinenbau GmbH")
    first = world.issued(contact=customer)
    world.issued(contact=customer, minutes=(30,))
    _ok(api.put("dunning/settings", {"combine": False}))
    clock.days((first.due_date - START.date()).days + 7)

    reminders = dunning_run(world.ctx, data=DunningRunStart())

    assert len(reminders) == 2 and all(r.letter is None for r in reminders)


def test_the_invoice_api_shows_what_is_open_of_its_charges(world, api, dunned):
    # given an invoice with 16.17 of fees and interest open beside its 119.00
    other = world.issued()
    assert _ok(api.get(f"invoices/{dunned.pk}"))["charges_open"] == "16.17"
    listed = {row["id"]: row for row in _ok(api.get("invoices"))["items"]}
    assert (listed[dunned.pk]["charges_open"], listed[other.pk]["charges_open"]) == (
        "16.17", "0.00",
    )  # fmt: skip

    # when the first fee is waived, then it no longer counts
    fee = ReceivableCharge.objects.filter(invoice=dunned).order_by("id").first()
    _ok(api.post(f"charges/{fee.pk}/waive", {"reason": "goodwill"}))
    body = _ok(api.get(f"invoices/{dunned.pk}"))
    assert (body["charges_open"], body["open_amount"]) == ("11.17", "119.00")
