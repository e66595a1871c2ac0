"""Following invoices until the money is in, through the HTTP API only, with a frozen clock:
issue -> mark sent -> partial payment -> overdue -> payment -> paid; a reversal opens it
again; an overpayment becomes credit applied to another invoice; a credit note settles its
invoice. The invariants (tests/conftest) are checked after the story on either database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch):
    """clock.set(datetime) freezes "now" (the company's today follows it)."""

    class Clock:
        now = START

        def set(self, moment: dt.datetime) -> None:
            self.now = moment

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


@pytest.fixture
def company(owner):
    tenant = owner.tenant
    tenant.iban = "DE89370400440532013000"
    tenant.email, tenant.phone = "rechnung@acme.test", "+49 30 1234567"
    tenant.save(update_fields=["iban", "email", "phone"])
    return tenant


def _ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()


def _issue(api, contact_id: int, hours: str, day: str) -> dict:
    invoice = _ok(api.post("invoices", {"contact_id": contact_id}), 201)
    line = {"title": "Support", "quantity": hours, "unit": "HUR", "unit_price": "100.00",
            "vat_rate": "19"}  # fmt: skip
    _ok(api.post(f"invoices/{invoice['id']}/lines", line), 201)
    return _ok(api.post(f"invoices/{invoice['id']}/issue", {"issue_date": day}))


def _collect(api, invoice_id: int) -> tuple:
    body = _ok(api.get(f"invoices/{invoice_id}"))
    return (
        body["status"], body["open_amount"], body["paid_amount"], body["payment_state"],
        body["overdue"], body["days_overdue"],
    )  # fmt: skip


def test_an_invoice_is_followed_until_paid_through_the_api(api, company, clock):
    customer = _ok(
        api.post(
            "contacts",
            {"name": "Müller Maschinenbau GmbH", "street": "Industriestraße 5",
             "postal_code": "70173", "city": "Stuttgart", "country": "DE",
             "payment_terms_days": 14},
        ),
        201,
    )  # fmt: skip
    cid = customer["id"]

    # given an issued invoice of 10 h (1,190.00 gross), due on 16 March
    invoice = _issue(api, cid, "10", "2026-03-02")
    iid = invoice["id"]
    assert (invoice["due_date"], invoice["totals"]["gross"]) == ("2026-03-16", "1190.00")
    assert _collect(api, iid) == ("issued", "1190.00", "0.00", "unpaid", False, 0)

    # when it goes out by post and the customer pays part of it
    _ok(api.post(f"invoices/{iid}/mark-sent", {"channel": "post", "date": "2026-03-02"}))
    clock.set(dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC))
    first = _ok(
        api.post(
            f"invoices/{iid}/payments",
            {"amount": "400.00", "date": "2026-03-10", "method": "bank_transfer",
             "reference": invoice["number"]},
            HTTP_IDEMPOTENCY_KEY="bank-0310-1",
        ),
        201,
    )  # fmt: skip
    assert _collect(api, iid) == ("sent", "790.00", "400.00", "partially_paid", False, 0)

    # then it is overdue once the due date has passed in the company's time zone
    clock.set(dt.datetime(2026, 3, 16, 22, 59, tzinfo=dt.UTC))  # 23:59 in Berlin: still due
    assert _collect(api, iid)[4:] == (False, 0)
    clock.set(dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC))
    assert _collect(api, iid) == ("sent", "790.00", "400.00", "partially_paid", True, 4)
    receivables = _ok(api.get("receivables"))
    [row] = receivables["overdue"]
    assert (row["id"], row["open_amount"], row["days_overdue"]) == (iid, "790.00", 4)
    assert receivables["aging"][0]["days_1_30"] == "790.00"

    # when the rest arrives, it is paid and leaves the receivables
    _ok(api.post(f"invoices/{iid}/payments", {"amount": "790.00", "date": "2026-03-20"}), 201)
    assert _collect(api, iid) == ("paid", "0.00", "1190.00", "paid", False, 0)
    assert _ok(api.get("receivables"))["overdue"] == []

    # a reversal (the first transfer bounced) opens it again, overdue again
    reversed_ = _ok(api.post(f"payments/{first['id']}/reverse", {"reason": "Returned debit"}))
    assert reversed_["reversed"] is True
    assert _collect(api, iid) == ("sent", "400.00", "790.00", "partially_paid", True, 4)
    again = api.post(f"payments/{first['id']}/reverse", {"reason": "Twice"})
    assert again.status_code == 409

    # an overpayment is refused, then allowed: the excess is the customer's credit
    refused = api.post(f"invoices/{iid}/payments", {"amount": "450.00"})
    assert refused.status_code == 422
    _ok(api.post(f"invoices/{iid}/payments", {"amount": "450.00", "allow_overpayment": True}), 201)
    assert _collect(api, iid) == ("paid", "-50.00", "1240.00", "overpaid", False, 0)
    [credit] = _ok(api.get("credit-balances", contact_id=cid))
    assert credit["amount"] == "50.00"

    # which pays part of the customer's next invoice
    second = _issue(api, cid, "1", "2026-03-20")  # 119.00
    applied = _ok(api.post(f"invoices/{second['id']}/apply-credit", {}), 201)
    assert [a["amount"] for a in applied] == ["50.00"]
    assert _collect(api, second["id"])[:4] == ("issued", "69.00", "50.00", "partially_paid")
    assert _collect(api, iid)[:4] == ("paid", "0.00", "1190.00", "paid")
    assert _ok(api.get("credit-balances")) == []

    # a credit note for the second invoice settles what is left of it
    note = _ok(api.post(f"invoices/{second['id']}/void", {}), 201)
    assert note["credit_note_of"] == second["id"]
    second_after = _ok(api.get(f"invoices/{second['id']}"))
    assert (second_after["status"], second_after["open_amount"]) == ("void", "-50.00")
    # what the credit note took beyond the open amount is the customer's credit again
    [credit] = _ok(api.get("credit-balances", contact_id=cid))
    assert credit["amount"] == "50.00"

    payments = _ok(api.get("payments", invoice_id=iid))
    assert payments["count"] == 3
    assert [p["reversed"] for p in payments["items"]].count(True) == 1
    ledger = _ok(api.get(f"invoices/{iid}/allocations"))
    assert [row["kind"] for row in ledger] == [
        "payment", "payment", "payment_reversal", "payment", "credit_transfer",
    ]  # fmt: skip


@pytest.mark.django_db(transaction=True)  # the import runs in the task worker
def test_cash_discount_paid_in_time(api, company, clock, tmp_path):
    """Issue 12: 2 % Skonto within 10 days, offered on the PDF and in the XRechnung, paid in
    time by hand on one invoice and by a CAMT.053 import on another; a third paid too late
    stays partly open."""
    import shutil
    import subprocess

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from tests.receivables.bank_files import camt

    # given the company's terms: 2 % within 10 days, and a public customer (XRechnung)
    terms = _ok(api.patch("tenant", {"cash_discount_percent": "2", "cash_discount_days": 10}))
    assert (terms["cash_discount_percent"], terms["cash_discount_days"]) == ("2.00", 10)
    customer = _ok(
        api.post(
            "contacts",
            {"name": "Stadtwerke Musterstadt", "street": "Rathausplatz 1",
             "postal_code": "70173", "city": "Stuttgart", "country": "DE",
             "leitweg_id": "04011000-1234512345-06", "email": "rechnung@stadtwerke.test",
             "payment_terms_days": 30},
        ),
        201,
    )  # fmt: skip
    cid = customer["id"]
    by_hand = _issue(api, cid, "10", "2026-03-02")  # 1,190.00 gross
    by_bank = _issue(api, cid, "5", "2026-03-02")  # 595.00
    too_late = _issue(api, cid, "1", "2026-03-02")  # 119.00
    assert (by_hand["cash_discount_percent"], by_hand["cash_discount_days"]) == ("2.00", 10)

    # the PDF and the XRechnung offer it
    pdf = api.client.get(
        f"/api/v1/invoices/{by_hand['id']}/pdf", HTTP_AUTHORIZATION=f"Bearer {api.token}"
    )
    assert pdf.status_code == 200
    assert shutil.which("pdftotext"), "pdftotext (Debian poppler-utils, `make e2e-deps`)"
    path = tmp_path / "invoice.pdf"
    path.write_bytes(b"".join(pdf.streaming_content) if pdf.streaming else pdf.content)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "2 % Skonto bei Zahlung bis 12.03.2026: 1.166,20 EUR" in " ".join(text.split())
    xml = api.client.get(
        f"/api/v1/invoices/{by_hand['id']}/einvoice?format=xrechnung-ubl",
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    assert xml.status_code == 200, xml.content
    content = b"".join(xml.streaming_content) if xml.streaming else xml.content
    assert b"#SKONTO#TAGE=10#PROZENT=2.00#\n</cbc:Note>" in content

    # when the customer pays 1,166.20 on the last day of the period
    clock.set(dt.datetime(2026, 3, 12, 15, 0, tzinfo=dt.UTC))
    payment = _ok(api.post(f"invoices/{by_hand['id']}/payments", {"amount": "1166.20"}), 201)
    # then the invoice is paid, the 23.80 discount booked with its net and VAT
    assert payment["cash_discount"] == "23.80"
    assert _collect(api, by_hand["id"]) == ("paid", "0.00", "1166.20", "paid", False, 0)
    ledger = _ok(api.get(f"invoices/{by_hand['id']}/allocations"))
    assert [(row["kind"], row["amount"]) for row in ledger] == [
        ("payment", "1166.20"), ("cash_discount", "23.80")
    ]  # fmt: skip
    assert ledger[1]["shares"] == [
        {"vat_category": "S", "vat_rate": "19.00", "amount": "23.80", "net": "20.00",
         "vat": "3.80"}
    ]  # fmt: skip

    # and a statement with the discounted amounts: one in time, one a day late
    clock.set(dt.datetime(2026, 3, 14, 9, 0, tzinfo=dt.UTC))
    statement = camt(
        [
            {"amount": "583.10", "date": "2026-03-12", "ref": "SK1",
             "text": f"{by_bank['number']} abzgl. Skonto"},
            {"amount": "116.62", "date": "2026-03-13", "ref": "SK2",
             "text": too_late["number"]},
        ]
    )  # fmt: skip
    upload = api.client.post(
        "/api/v1/bank-statements",
        {"file": SimpleUploadedFile("camt.xml", statement)},
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    assert upload.status_code == 202, upload.json()
    call_command(
        "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
    )
    result = _ok(api.get(f"operations/{upload.json()['id']}"))["result"]
    assert (result["matched"], result["suggested"], result["unmatched"]) == (2, 0, 0)
    assert _collect(api, by_bank["id"]) == ("paid", "0.00", "583.10", "paid", False, 0)
    assert _collect(api, too_late["id"]) == (
        "issued", "2.38", "116.62", "partially_paid", False, 0
    )  # fmt: skip
