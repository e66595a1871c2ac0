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
