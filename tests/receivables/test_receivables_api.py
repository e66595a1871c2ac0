"""GET /api/v1/receivables: open invoices, overdue first, credit notes taken off, per tenant."""

from __future__ import annotations

import datetime as dt

from faktura.billing.inputs import CreditNoteCreate, InvoiceIssue, InvoicesGenerate
from faktura.billing.services.credit_notes import credit_note_create
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.issue import invoice_issue
from faktura.tenancy.selectors import tenant_today


def _issued(world, title: str, minutes: list[int], day: dt.date):
    first = world.task(title=title)
    tasks = [first] + [
        world.task(first.project, title=f"{title} {i}") for i in range(1, len(minutes))
    ]
    items = [world.item(task, minutes=m) for task, m in zip(tasks, minutes, strict=True)]
    [draft] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[i.pk for i in items], grouping="contact"),
    )
    return invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=day))


def test_receivables_split_overdue_and_current_with_exact_totals(world, api, other_api):
    today = tenant_today(world.tenant)
    late = _issued(world, "Late", [60], today - dt.timedelta(days=30))  # 14 days terms
    current = _issued(world, "Current", [30, 60], today)
    half_hour = current.lines.get(quantity="0.5")
    credit_note_create(
        world.ctx,
        invoice_id=current.pk,
        data=CreditNoteCreate(line_ids=[half_hour.pk], issue_date=today),
    )

    response = api.get("receivables")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["today"] == today.isoformat()
    [overdue] = body["overdue"]
    assert overdue["id"] == late.pk and overdue["number"] == late.number
    assert overdue["days_overdue"] == 16
    assert (overdue["gross"], overdue["credited"], overdue["open_amount"]) == (
        "119.00",
        "0.00",
        "119.00",
    )
    [open_current] = body["current"]
    assert open_current["id"] == current.pk and open_current["days_overdue"] == 0
    assert (open_current["gross"], open_current["credited"], open_current["open_amount"]) == (
        "178.50",
        "-59.50",
        "119.00",
    )
    assert body["totals"] == [
        {
            "currency": "EUR",
            "open": "238.00",
            "overdue": "119.00",
            "charges_open": "0.00",
            "count": 2,
        }
    ]
    # another company sees none of it
    assert other_api.get("receivables").json() == {
        "overdue": [],
        "current": [],
        "charges": [],
        "totals": [],
        "aging": [],
        "aging_totals": [],
        "today": tenant_today(other_api.membership.tenant).isoformat(),
    }


def test_receivables_filters_aging_and_paid_amounts(world, api):
    today = tenant_today(world.tenant)
    a = world.contact(name="Alpha GmbH")
    b = world.contact(name="Beta AG")
    very_late = world.issued(contact=a, day=today - dt.timedelta(days=120))  # 106 days overdue
    late = world.issued(contact=a, day=today - dt.timedelta(days=50))  # 36 days overdue
    slightly = world.issued(contact=b, day=today - dt.timedelta(days=20))  # 6 days overdue
    fresh = world.issued(contact=b, day=today)
    settled = world.issued(contact=b, day=today)
    api.post(f"invoices/{late.pk}/payments", {"amount": "19.00"})
    api.post(f"invoices/{settled.pk}/payments", {"amount": "119.00"})

    body = api.get("receivables").json()

    assert [r["id"] for r in body["overdue"]] == [very_late.pk, late.pk, slightly.pk]
    assert [r["id"] for r in body["current"]] == [fresh.pk]
    row = next(r for r in body["overdue"] if r["id"] == late.pk)
    assert (row["paid"], row["open_amount"], row["payment_state"], row["days_overdue"]) == (
        "19.00", "100.00", "partially_paid", 36,
    )  # fmt: skip
    assert body["aging"] == [
        {
            "contact_id": a.pk, "contact_name": "Alpha GmbH", "currency": "EUR",
            "current": "0.00", "days_1_30": "0.00", "days_31_60": "100.00",
            "days_61_90": "0.00", "days_over_90": "119.00", "total": "219.00", "count": 2,
        },
        {
            "contact_id": b.pk, "contact_name": "Beta AG", "currency": "EUR",
            "current": "119.00", "days_1_30": "119.00", "days_31_60": "0.00",
            "days_61_90": "0.00", "days_over_90": "0.00", "total": "238.00", "count": 2,
        },
    ]  # fmt: skip
    assert body["aging_totals"][0]["total"] == "457.00"
    assert body["totals"] == [
        {
            "currency": "EUR",
            "open": "457.00",
            "overdue": "338.00",
            "charges_open": "0.00",
            "count": 4,
        }
    ]

    by_customer = api.get("receivables", contact_id=b.pk).json()
    assert [r["id"] for r in by_customer["overdue"] + by_customer["current"]] == [
        slightly.pk,
        fresh.pk,
    ]
    partly = api.get("receivables", state="partially_paid").json()
    assert [r["id"] for r in partly["overdue"] + partly["current"]] == [late.pk]
    current_only = api.get("receivables", state="current").json()
    assert current_only["overdue"] == [] and len(current_only["current"]) == 1
    period = api.get(
        "receivables",
        date_from=(today - dt.timedelta(days=60)).isoformat(),
        date_to=(today - dt.timedelta(days=1)).isoformat(),
    ).json()
    assert [r["id"] for r in period["overdue"]] == [late.pk, slightly.pk]
    bad = api.get("receivables", state="lost")
    assert bad.status_code == 400 and "state" in bad.json()["error"]["fields"]
    backwards = api.get("receivables", date_from="2026-05-01", date_to="2026-04-01")
    assert backwards.status_code == 400


def test_receivables_csv_neutralises_formula_cells(world, api):
    customer = world.contact(name='=HYPERLINK("http://evil")')
    invoice = world.issued(contact=customer)

    response = api.get("receivables", format="csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("number,customer,issue_date,due_date,currency,gross")
    assert lines[1].startswith(f'{invoice.number},"\'=HYPERLINK(""http://evil"")",')
    assert ",119.00,0.00,0.00,119.00,0,0,unpaid,issued" in lines[1]
