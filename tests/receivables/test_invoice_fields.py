"""The invoice API shows how far each invoice is collected (DESIGN.md section 6.1), the list
in a fixed number of queries however many invoices it shows."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from faktura.tenancy.selectors import tenant_today


def test_invoice_detail_and_list_carry_the_payment_fields(world, api):
    today = tenant_today(world.tenant)
    late = world.issued(day=today - dt.timedelta(days=20))  # 14 days terms: 6 days overdue
    paid = world.issued(day=today)
    api.post(f"invoices/{late.pk}/payments", {"amount": "19.00"})
    api.post(f"invoices/{paid.pk}/payments", {"amount": "119.00"})

    detail = api.get(f"invoices/{late.pk}").json()
    listed = {row["id"]: row for row in api.get("invoices").json()["items"]}

    fields = ("open_amount", "paid_amount", "payment_state", "overdue", "days_overdue",
              "dunning_level", "status")  # fmt: skip
    assert {k: detail[k] for k in fields} == {
        "open_amount": "100.00", "paid_amount": "19.00", "payment_state": "partially_paid",
        "overdue": True, "days_overdue": 6, "dunning_level": 0, "status": "issued",
    }  # fmt: skip
    assert {k: listed[late.pk][k] for k in fields} == {k: detail[k] for k in fields}
    assert {k: listed[paid.pk][k] for k in fields} == {
        "open_amount": "0.00", "paid_amount": "119.00", "payment_state": "paid",
        "overdue": False, "days_overdue": 0, "dunning_level": 0, "status": "paid",
    }  # fmt: skip


def test_drafts_and_credit_notes_have_no_payment_state(world, api):
    draft = api.post("invoices", {"contact_id": world.contact().pk}).json()

    assert (draft["open_amount"], draft["payment_state"], draft["overdue"]) == (None, None, False)


def _list_queries(api) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get("invoices", limit=100)
    assert response.status_code == 200
    return len(queries)


def test_the_invoice_list_needs_the_same_queries_for_2_and_12_invoices(world, api):
    customer = world.contact(name="Viele Rechnungen")
    for _ in range(2):
        invoice = world.issued(contact=customer)
        api.post(f"invoices/{invoice.pk}/payments", {"amount": "10.00"})
    few = _list_queries(api)
    for _ in range(10):
        invoice = world.issued(contact=customer)
        api.post(f"invoices/{invoice.pk}/payments", {"amount": "10.00"})

    many = _list_queries(api)

    assert many == few
    assert many <= 8
