"""Dunning an invoice until the money is in, through the HTTP API only, with a frozen clock:
issue -> send -> partial payment -> overdue -> payment reminder -> dunning with fee and default
interest (receivable items of their own) -> payment of the invoice and its charges by bank
statement import (CAMT.053) -> paid, charges settled. On either database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = START

        def set(self, day: str) -> None:
            self.now = dt.datetime.fromisoformat(f"{day}T09:00:00+00:00")

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


def _ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()


def _run(api) -> dict:
    op = _ok(api.post("dunning/runs", {}), 202)
    call_command(
        "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
    )
    done = _ok(api.get(f"operations/{op['id']}"))
    assert done["status"] == "succeeded", done
    return done["result"]


def _camt(amount: str, day: str, text: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-04-30T18:00:00</CreDtTm></GrpHdr>"
        "<Stmt><Id>S1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy>"
        f'</Acct><Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK'
        f"</Cd></Sts><BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>"
        "<AcctSvcrRef>R-1</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>Müller"
        f"</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls>"
        "</NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>"
    ).encode()


@pytest.mark.django_db(transaction=True)
def test_an_invoice_is_dunned_until_paid_through_the_api(api, owner, clock):
    customer = _ok(
        api.post(
            "contacts",
            {"name": "Müller Maschinenbau GmbH", "street": "Industriestraße 5",
             "postal_code": "70173", "city": "Stuttgart", "payment_terms_days": 14,
             "email": "ap@mueller.test"},
        ),
        201,
    )  # fmt: skip

    # given an issued invoice of 1,190.00, due on 16 March, sent and paid in part
    invoice = _ok(api.post("invoices", {"contact_id": customer["id"]}), 201)
    iid = invoice["id"]
    line = {"title": "Support", "quantity": "10", "unit": "HUR", "unit_price": "100.00",
            "vat_rate": "19"}  # fmt: skip
    _ok(api.post(f"invoices/{iid}/lines", line), 201)
    invoice = _ok(api.post(f"invoices/{iid}/issue", {"issue_date": "2026-03-02"}))
    assert invoice["due_date"] == "2026-03-16"
    _ok(api.post(f"invoices/{iid}/mark-sent", {"channel": "post", "date": "2026-03-02"}))
    clock.set("2026-03-10")
    _ok(api.post(f"invoices/{iid}/payments", {"amount": "400.00"}), 201)

    # when it is overdue, but not yet a week: nothing to remind
    clock.set("2026-03-20")
    assert _ok(api.get(f"invoices/{iid}"))["overdue"] is True
    assert _ok(api.get("dunning/proposals")) == []

    # a week after the due date: the payment reminder for the open balance, no fee
    clock.set("2026-03-23")
    [proposal] = _ok(api.get("dunning/proposals"))
    assert (proposal["level"], proposal["open_amount"], proposal["fee"]) == (1, "790.00", "0.00")
    assert _run(api)["reminders"] == 1
    assert _run(api)["reminders"] == 0  # a second run writes nothing twice
    [reminder] = _ok(api.get("reminders", invoice_id=iid))["items"]
    assert (reminder["level"], reminder["total_due"], reminder["new_due_date"]) == (
        1, "790.00", "2026-04-02",
    )  # fmt: skip
    pdf = api.get(f"reminders/{reminder['id']}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # three weeks after the due date: the first dunning with its fee
    clock.set("2026-04-06")
    assert _run(api)["reminders"] == 1
    # five weeks: the second dunning with fee and default interest, base rate + 9 points
    clock.set("2026-04-20")
    assert _run(api)["reminders"] == 1
    second = _ok(api.get("reminders", invoice_id=iid))["items"][0]
    # 790.00 * (1.27 + 9) % * 35 days (17 March - 20 April) / 365 = 7.7802...
    assert (second["level"], second["fee"], second["interest"]) == (3, "10.00", "7.78")
    # the letter also claims the first dunning's fee, still open
    assert (second["earlier_charges"], second["total_due"]) == ("5.00", "812.78")
    assert [(c["kind"], c["open_amount"]) for c in second["charges"]] == [
        ("fee", "10.00"), ("interest", "7.78"),
    ]  # fmt: skip
    body = _ok(api.get(f"invoices/{iid}"))
    assert (body["dunning_level"], body["open_amount"], body["totals"]["gross"]) == (
        3, "790.00", "1190.00",
    )  # fmt: skip
    view = _ok(api.get("receivables"))
    assert view["overdue"][0]["charges_open"] == "22.78"
    assert [(c["kind"], c["open_amount"]) for c in view["charges"]] == [
        ("fee", "5.00"), ("fee", "10.00"), ("interest", "7.78"),
    ]  # fmt: skip

    # then the customer pays the open amount with the fees and interest by bank transfer,
    # imported from the statement
    clock.set("2026-04-28")
    upload = api.client.post(
        "/api/v1/bank-statements",
        {"file": SimpleUploadedFile("camt.xml", _camt("812.78", "2026-04-28", invoice["number"]))},
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    assert upload.status_code == 202, upload.json()
    call_command(
        "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
    )
    assert _ok(api.get(f"operations/{upload.json()['id']}"))["result"]["matched"] == 1
    body = _ok(api.get(f"invoices/{iid}"))
    assert (body["status"], body["open_amount"], body["payment_state"]) == ("paid", "0.00", "paid")
    assert _ok(api.get("dunning/proposals")) == []
    # the charges are settled by the same payment; the invoice itself never changed
    charges = _ok(api.get("charges", invoice_id=iid))["items"]
    assert [(c["kind"], c["paid"], c["open_amount"]) for c in charges] == [
        ("fee", "5.00", "0.00"), ("fee", "10.00", "0.00"), ("interest", "7.78", "0.00"),
    ]  # fmt: skip
    view = _ok(api.get("receivables"))
    assert (view["overdue"], view["current"], view["charges"]) == ([], [], [])
    [payment] = _ok(api.get("payments", invoice_id=iid))["items"][:1]
    assert payment["amount"] == "812.78"
    assert body["totals"]["gross"] == "1190.00" and body["paid_amount"] == "1190.00"
