"""Bank statement import: CAMT.053 and MT940, automatic matches, suggestions, the unmatched
list, duplicates, and files that are refused as a whole."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from bank_files import camt, mt940
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from faktura.receivables.inputs import BankStatementUpload, BankTransactionMatch
from faktura.receivables.models import BankStatement, BankTransaction, Payment
from faktura.receivables.selectors import invoice_balance
from faktura.receivables.services.bank import (
    bank_statement_import,
    bank_statement_receive,
    bank_transaction_match,
)
from faktura.tenancy.selectors import tenant_today


def _import(world, content: bytes) -> BankStatement:
    statement = bank_statement_receive(
        world.ctx, data=BankStatementUpload(filename="s.xml", content=content)
    )
    return bank_statement_import(world.ctx, statement_id=statement.pk)


def _open(invoice) -> str:
    invoice.refresh_from_db()
    return str(invoice_balance(invoice).open)


@pytest.fixture
def book(world):
    """Three open invoices of two customers, ten days old, and the booking day."""
    today = tenant_today(world.tenant)
    issued = today - dt.timedelta(days=10)
    mueller = world.contact(name="Müller Maschinenbau GmbH")
    schmidt = world.contact(name="Schmidt Logistik AG")
    first = world.issued(contact=mueller, day=issued)  # 119.00
    second = world.issued(contact=mueller, day=issued, minutes=(30,))  # 59.50
    third = world.issued(contact=schmidt, day=issued, minutes=(120,))  # 238.00
    return {
        "first": first,
        "second": second,
        "third": third,
        "day": (today - dt.timedelta(days=2)).isoformat(),
    }


def test_camt_matches_partial_payments_and_two_invoices_in_one_transfer(world, book):
    first, second, third, day = book["first"], book["second"], book["third"], book["day"]
    content = camt(
        [
            {"amount": "50.00", "date": day, "ref": "R1", "name": "Schmidt Logistik",
             "text": f"Teilzahlung {third.number}"},
            {"amount": "178.50", "date": day, "ref": "R2", "name": "Mueller Maschinenbau",
             "text": f"RE {first.number} und {second.number}"},
        ]
    )  # fmt: skip

    statement = _import(world, content)

    assert (statement.transactions, statement.matched, statement.suggested) == (2, 2, 0)
    assert (_open(first), _open(second), _open(third)) == ("0.00", "0.00", "188.00")
    assert first.status == second.status == "paid"
    partial = Payment.objects.get(invoice=third)
    assert (partial.amount, partial.date.isoformat()) == (Decimal("50.00"), day)
    assert partial.bank_transaction.bank_reference == "R1"


def test_importing_the_same_or_an_overlapping_statement_applies_nothing_twice(world, book):
    first, third, day = book["first"], book["third"], book["day"]
    one = {"amount": "119.00", "date": day, "ref": "R1", "text": f"RE {first.number}"}
    two = {"amount": "10.00", "date": day, "text": f"RE {third.number}"}  # no bank reference
    _import(world, camt([one, two]))

    again = _import(world, camt([one, two]))
    overlapping = _import(
        world, camt([two, {"amount": "20.00", "date": day, "ref": "R3", "text": third.number}])
    )

    assert (again.duplicates, again.matched) == (2, 0)
    assert (overlapping.duplicates, overlapping.matched) == (1, 1)
    assert Payment.objects.count() == 3
    assert _open(third) == "208.00"


def test_typo_name_only_and_amount_beyond_open_become_suggestions(world, book):
    first, second, third, day = book["first"], book["second"], book["third"], book["day"]
    typo = first.number.replace("0", "O", 1)  # a letter O for a zero
    content = camt(
        [
            {"amount": "119.00", "date": day, "ref": "T1", "text": f"Rechnung {typo}x"},
            {"amount": "238.00", "date": day, "ref": "T2", "name": "SCHMIDT LOGISTIK AG",
             "text": "Vielen Dank"},
            {"amount": "500.00", "date": day, "ref": "T3", "text": f"RE {second.number}"},
            {"amount": "77.00", "date": day, "ref": "T4", "name": "Unbekannt", "text": "Spende"},
        ]
    )  # fmt: skip

    statement = _import(world, content)

    assert (statement.matched, statement.suggested, statement.unmatched) == (0, 3, 1)
    rows = {tx.bank_reference: tx for tx in BankTransaction.objects.all()}
    assert (rows["T1"].status, rows["T1"].reason) == ("suggested", "similar_number")
    assert first.pk in rows["T1"].suggested_invoice_ids
    assert (rows["T2"].suggested_invoice_ids, rows["T2"].reason) == ([third.pk], "payer_name")
    assert (rows["T3"].suggested_invoice_ids, rows["T3"].reason) == ([second.pk], "amount_differs")
    assert rows["T4"].status == "unmatched"
    assert not Payment.objects.exists()


def test_debits_and_foreign_currency_are_listed_never_matched(world, book):
    first, day = book["first"], book["day"]
    content = camt(
        [
            {"amount": "119.00", "date": day, "ref": "D1", "debit": True,
             "text": f"RE {first.number}"},
            {"amount": "119.00", "ccy": "USD", "date": day, "ref": "F1",
             "text": f"RE {first.number}"},
        ]
    )  # fmt: skip

    statement = _import(world, content)

    assert (statement.unmatched, statement.matched) == (2, 0)
    reasons = sorted(BankTransaction.objects.values_list("reason", "amount"))
    assert reasons == [("debit", Decimal("-119.00")), ("foreign_currency", Decimal("119.00"))]
    assert _open(first) == "119.00"


def test_mt940_matches_by_number(world, book):
    first = book["first"]
    day = dt.date.fromisoformat(book["day"]).strftime("%y%m%d")
    content = mt940([(day, "C", "119,00", f"RE {first.number}"), (day, "D", "20,00", "Miete")])

    statement = _import(world, content)

    assert (statement.format, statement.matched, statement.unmatched) == ("mt940", 1, 1)
    assert _open(first) == "0.00"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"hello, this is a letter",
        b"%PDF-1.7 not a statement",
        b"<html><body>not camt</body></html>",
        camt([{"amount": "1.00", "date": "2026-03-01", "text": "x"}])[:-40],  # truncated XML
        mt940([("260301", "C", "1,00", "x")]).split(b":62F:")[0],  # no closing balance
        camt([{"amount": "abc", "date": "2026-03-01", "text": "x"}]),
        camt([{"amount": "1000000000000.00", "date": "2026-03-01", "text": "x"}]),
        camt([{"amount": "1.005", "date": "2026-03-01", "text": "x"}]),
        camt([{"amount": "1.00", "date": "2026-02-30", "text": "x"}]),
        mt940([("260301", "C", "9999999999999,00", "x")]),
    ],
)
def test_wrong_or_truncated_files_are_400_and_nothing_is_imported(world, api, content):
    response = api.client.post(
        "/api/v1/bank-statements",
        {"file": SimpleUploadedFile("statement.xml", content)},
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in ("statement_invalid", "invalid")
    assert "file" in response.json()["error"]["fields"]
    assert not BankStatement.objects.exists() and not BankTransaction.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_upload_through_the_api_then_confirm_and_ignore(world, api, book, run_queued_tasks):
    first, second, third, day = book["first"], book["second"], book["third"], book["day"]
    content = camt(
        [
            {"amount": "178.50", "date": day, "ref": "U1", "name": "Müller", "text": "Danke"},
            {"amount": "12.00", "date": day, "ref": "U2", "name": "Bank", "text": "Gebühren"},
        ]
    )  # fmt: skip
    upload = api.client.post(
        "/api/v1/bank-statements",
        {"file": SimpleUploadedFile("camt.xml", content)},
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    assert upload.status_code == 202, upload.json()
    run_queued_tasks()
    op = api.get(f"operations/{upload.json()['id']}").json()
    assert op["status"] == "succeeded", op
    assert op["result"]["unmatched"] == 2

    [transfer] = api.get("bank-transactions", status="unmatched").json()["items"][1:]
    assert transfer["amount"] == "178.50"
    one = api.post(f"bank-transactions/{transfer['id']}/match", {"invoice_id": first.pk})
    assert one.status_code == 200 and one.json()["status"] == "unmatched"  # 59.50 left
    two = api.post(f"bank-transactions/{transfer['id']}/match", {"invoice_id": second.pk})
    assert two.json()["status"] == "matched"
    assert (_open(first), _open(second)) == ("0.00", "0.00")
    done = api.post(f"bank-transactions/{transfer['id']}/match", {"invoice_id": third.pk})
    assert done.status_code == 409

    fees = api.get("bank-transactions", status="unmatched").json()["items"][0]
    ignored = api.post(f"bank-transactions/{fees['id']}/ignore", {"note": "Kontoführung"})
    assert ignored.json()["status"] == "ignored"
    assert api.get("bank-transactions", status="unmatched").json()["count"] == 0
    [statement] = api.get("bank-statements").json()["items"]
    assert statement["account_iban"] == "DE89370400440532013000"


def test_an_upload_replayed_with_its_idempotency_key_stores_nothing_twice(world, api, book):
    content = camt([{"amount": "12.00", "date": book["day"], "ref": "R1", "text": "Gebühren"}])

    def upload(body: bytes, key: str = "stmt-1"):
        return api.client.post(
            "/api/v1/bank-statements",
            {"file": SimpleUploadedFile("camt.xml", body)},
            HTTP_AUTHORIZATION=f"Bearer {api.token}",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    first, replay = upload(content), upload(content)

    assert (first.status_code, replay.status_code) == (202, 202)
    assert replay.json()["id"] == first.json()["id"]
    assert BankStatement.objects.count() == 1
    other = upload(content.replace(b"Geb", b"Fee"))
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert BankStatement.objects.count() == 1


def test_manual_match_refuses_debits_and_more_than_is_left(world, book):
    day = book["day"]
    _import(world, camt([{"amount": "5.00", "date": day, "ref": "M1", "debit": True}]))
    _import(world, camt([{"amount": "5.00", "date": day, "ref": "M2", "text": "?"}]))
    debit, credit = BankTransaction.objects.order_by("bank_reference")

    from faktura.common.errors import FakturaError

    with pytest.raises(FakturaError) as refused:
        bank_transaction_match(
            world.ctx, transaction_id=debit.pk,
            data=BankTransactionMatch(invoice_id=book["first"].pk),
        )  # fmt: skip
    assert refused.value.code == "bank_transaction_not_credit"
    with pytest.raises(FakturaError) as too_much:
        bank_transaction_match(
            world.ctx, transaction_id=credit.pk,
            data=BankTransactionMatch(invoice_id=book["first"].pk, amount=Decimal("6.00")),
        )  # fmt: skip
    assert too_much.value.code == "overpayment_not_allowed"
    assert not Payment.objects.exists()


def test_bank_import_command(world, book, tmp_path, capsys):
    path = tmp_path / "camt.xml"
    path.write_bytes(camt([{"amount": "119.00", "date": book["day"], "ref": "C1",
                            "text": book["first"].number}]))  # fmt: skip

    call_command("bank_import", str(path), "--tenant", world.tenant.slug)
    call_command("bank_import", str(path), "--tenant", world.tenant.slug)

    out = capsys.readouterr().out
    assert "matched" in out
    assert Payment.objects.count() == 1
    assert _open(book["first"]) == "0.00"


def test_a_credit_booked_before_the_invoice_date_is_only_suggested(world, book):
    first = book["first"]
    early = (first.issue_date - dt.timedelta(days=3)).isoformat()

    statement = _import(
        world, camt([{"amount": "119.00", "date": early, "ref": "E1", "text": first.number}])
    )

    assert (statement.matched, statement.suggested) == (0, 1)
    assert BankTransaction.objects.get().suggested_invoice_ids == [first.pk]
    assert _open(first) == "119.00" and first.status == "issued"
