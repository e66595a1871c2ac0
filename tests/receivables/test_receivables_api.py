"""GET /api/v1/receivables: open invoices, overdue first, credit notes taken off, per tenant."""

from __future__ import annotations

import datetime as dt

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
    [draft] = invoices_generate(world.ctx, item_ids=[i.pk for i in items], grouping="contact")
    return invoice_issue(world.ctx, invoice_id=draft.pk, issue_date=day)


def test_receivables_split_overdue_and_current_with_exact_totals(world, api, other_api):
    today = tenant_today(world.tenant)
    late = _issued(world, "Late", [60], today - dt.timedelta(days=30))  # 14 days terms
    current = _issued(world, "Current", [30, 60], today)
    half_hour = current.lines.get(quantity="0.5")
    credit_note_create(world.ctx, invoice_id=current.pk, line_ids=[half_hour.pk], issue_date=today)

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
        {"currency": "EUR", "open": "238.00", "overdue": "119.00", "count": 2}
    ]
    # another company sees none of it
    assert other_api.get("receivables").json() == {
        "overdue": [],
        "current": [],
        "totals": [],
        "aging": [],
        "aging_totals": [],
        "today": tenant_today(other_api.membership.tenant).isoformat(),
    }
