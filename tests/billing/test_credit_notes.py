"""Credit notes: full and partial, releasing entries for re-billing or writing them off."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from faktura.billing.inputs import CreditNoteCreate, InvoiceCreate, InvoiceIssue, InvoicesGenerate
from faktura.billing.invariants import check_invariants
from faktura.billing.models import BillableItem, Invoice
from faktura.billing.selectors.invoices import line_inputs
from faktura.billing.services.credit_notes import credit_note_create
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.invoices import invoice_create
from faktura.billing.services.issue import invoice_issue
from faktura.core.invoice_math import invoice_totals
from faktura.work.models import TaskEntry

MARCH_31 = dt.date(2026, 3, 31)
APRIL_2 = dt.date(2026, 4, 2)


@pytest.fixture
def issued(world):
    """An issued invoice with two tickets (1:30 at 95/h, 0:20 at 95/h) and 7 % goods."""
    project = world.project()
    printer, mail = world.task(project, "Printer"), world.task(project, "Mail")
    items = [
        world.item(printer, minutes=90, unit_price="95"),
        world.item(mail, minutes=20, unit_price="95"),
        world.item(mail, kind="goods", quantity="3", unit_price="33.33", vat_rate="7"),
    ]
    [draft] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[i.pk for i in items], grouping="contact"),
    )
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=MARCH_31))
    invoice.items = items
    return invoice


def _entry_state(item) -> str:
    return TaskEntry.objects.get(pk=item.entry_id).billing_state


def test_full_credit_note_with_release(world, api, issued):
    # when
    response = api.post(
        f"invoices/{issued.pk}/void", {"release_entries": True, "issue_date": "2026-04-02"}
    )

    # then: a numbered credit note negating every line, referencing the invoice
    assert response.status_code == 201, response.json()
    note = response.json()
    assert note["number"] == "CN-2026-0001"
    assert note["credit_note_of"] == issued.pk
    assert (note["kind"], note["status"], note["issue_date"]) == (
        "credit_note",
        "issued",
        "2026-04-02",
    )
    original = api.get(f"invoices/{issued.pk}").json()
    assert original["status"] == "void"
    pairs = zip(original["lines"], note["lines"], strict=True)
    for line, reversed_line in pairs:
        assert Decimal(reversed_line["quantity"]) == -Decimal(line["quantity"])
        assert reversed_line["unit_price"] == line["unit_price"]
        assert Decimal(reversed_line["net_amount"]) == -Decimal(line["net_amount"])
        assert reversed_line["credited_line_id"] == line["id"]
    for key in ("net", "vat", "gross"):
        assert Decimal(note["totals"][key]) == -Decimal(original["totals"][key])
    assert [row["vat_amount"] for row in note["vat_breakdown"]] == [
        "-" + row["vat_amount"] for row in original["vat_breakdown"]
    ]
    # and the entries are free to be billed again; the released items stay as history
    for item in issued.items:
        item.refresh_from_db()
        assert item.status == "released"
        assert item.invoice_line.invoice_id == issued.pk
        assert _entry_state(item) == "unbilled"
    assert check_invariants(tenant=world.tenant) == []


def test_released_entries_can_be_compiled_and_billed_again(world, issued):
    credit_note_create(
        world.ctx,
        invoice_id=issued.pk,
        data=CreditNoteCreate(release_entries=True, issue_date=APRIL_2),
    )
    old = issued.items[0]
    # what compile would do: a new live item for the same entry and kind
    again = BillableItem.objects.create(
        tenant=world.tenant,
        kind=old.kind,
        entry=old.entry,
        task=old.task,
        project=old.project,
        contact=old.contact,
        unit=old.unit,
        logged_seconds=old.logged_seconds,
        quantity=old.quantity,
        unit_price=Decimal("90"),
        amount=Decimal("135.00"),
        currency="EUR",
        price_source="manual",
        vat_rate=old.vat_rate,
        service_date=old.service_date,
    )
    [draft] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[again.pk], grouping="contact")
    )
    rebilled = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=APRIL_2))
    assert rebilled.number == "2026-0002"
    assert _entry_state(again) == "invoiced"
    assert check_invariants(tenant=world.tenant) == []


def test_partial_credit_note_writes_off_the_named_lines_only(world, api, issued):
    lines = list(issued.lines.order_by("position"))
    mail_lines = [line for line in lines if line.title.endswith(("Mail", "Mail: Goods"))]
    assert len(mail_lines) == 2

    response = api.post(
        f"invoices/{issued.pk}/void", {"line_ids": [mail_lines[0].pk], "release_entries": False}
    )

    assert response.status_code == 201, response.json()
    note = response.json()
    assert len(note["lines"]) == 1
    assert note["lines"][0]["credited_line_id"] == mail_lines[0].pk
    assert note["totals"]["net"] == "-31.66"  # 0.3333 h x 95 = 31.6635 -> 31.66
    assert api.get(f"invoices/{issued.pk}").json()["status"] == "issued"
    statuses = {item.pk: BillableItem.objects.get(pk=item.pk).status for item in issued.items}
    assert statuses == {
        issued.items[0].pk: "invoiced",
        issued.items[1].pk: "written_off",
        issued.items[2].pk: "invoiced",
    }
    assert _entry_state(issued.items[1]) == "written_off"
    assert _entry_state(issued.items[0]) == "invoiced"

    # a line is credited only once
    twice = api.post(f"invoices/{issued.pk}/void", {"line_ids": [mail_lines[0].pk]})
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "line_already_credited"

    # crediting the rest voids the invoice
    rest = api.post(f"invoices/{issued.pk}/void", {"release_entries": True})
    assert rest.status_code == 201
    assert len(rest.json()["lines"]) == 2
    assert rest.json()["number"] == "CN-2026-0002"
    assert api.get(f"invoices/{issued.pk}").json()["status"] == "void"
    credited_twice = api.post(f"invoices/{issued.pk}/void")
    assert credited_twice.status_code == 409
    assert check_invariants(tenant=world.tenant) == []


def test_credit_notes_sum_to_zero_with_their_invoice(world, issued):
    first_line = issued.lines.order_by("position").first()
    a = credit_note_create(
        world.ctx,
        invoice_id=issued.pk,
        data=CreditNoteCreate(line_ids=[first_line.pk], issue_date=APRIL_2),
    )
    b = credit_note_create(
        world.ctx, invoice_id=issued.pk, data=CreditNoteCreate(issue_date=APRIL_2)
    )
    # the sum of the net amounts is exact; VAT per document is rounded per group, so the
    # two notes' VAT may differ from the invoice's by a cent in total (never per document)
    assert issued.net_total + a.net_total + b.net_total == Decimal("0.00")
    lines = [line for note in (a, b) for line in note.lines.all()]
    assert sum((line.net_amount for line in lines), Decimal(0)) == -issued.net_total


def test_credit_note_totals_are_core_totals_negated(world, issued):
    note = credit_note_create(
        world.ctx, invoice_id=issued.pk, data=CreditNoteCreate(issue_date=APRIL_2)
    )
    expected = -invoice_totals(line_inputs(list(issued.lines.all())), "EUR")
    assert (note.net_total, note.vat_total, note.gross_total) == (
        expected.net,
        expected.vat,
        expected.gross,
    )


def test_what_cannot_be_credited(world, api, issued):
    draft = invoice_create(world.ctx, data=InvoiceCreate(contact_id=issued.contact_id))
    on_draft = api.post(f"invoices/{draft.pk}/void")
    assert (on_draft.status_code, on_draft.json()["error"]["code"]) == (409, "invoice_not_issued")

    note = api.post(f"invoices/{issued.pk}/void").json()
    of_note = api.post(f"invoices/{note['id']}/void")
    assert (of_note.status_code, of_note.json()["error"]["code"]) == (
        409,
        "credit_note_not_voidable",
    )
    void = api.post(f"invoices/{issued.pk}/void")
    assert void.status_code == 409


def test_unknown_lines_name_the_field_and_other_tenants_get_404(api, other_api, issued):
    response = api.post(f"invoices/{issued.pk}/void", {"line_ids": [10**9]})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["line_ids"]
    assert other_api.post(f"invoices/{issued.pk}/void").status_code == 404
    assert Invoice.objects.get(pk=issued.pk).status == "issued"


@pytest.mark.parametrize("role", ["member", "approver"])
def test_crediting_needs_manage_invoices(api_as, issued, role):
    assert api_as(role).post(f"invoices/{issued.pk}/void").status_code == 403


def test_a_credit_note_cannot_be_dated_before_its_invoice(world, api, issued):
    response = api.post(f"invoices/{issued.pk}/void", {"issue_date": "2026-03-30"})

    assert response.status_code == 422
    assert "issue_date" in response.json()["error"]["fields"]
    assert not Invoice.objects.filter(kind="credit_note").exists()


def _mileage_invoice(world):
    """An issued invoice with one mileage entry billed on two lines: distance and travel time."""
    task = world.task(world.project(), "Site visit")
    distance = world.item(task, kind="transport_distance", quantity="42", unit_price="0.50")
    travel = BillableItem.objects.create(
        tenant=world.tenant, kind="transport_time", entry=distance.entry, task=task,
        project=task.project, contact=task.client, membership=world.owner, unit="HUR",
        logged_seconds=1800, quantity=Decimal("0.5"), unit_price=Decimal("60"),
        amount=Decimal("30.00"), currency="EUR", price_source="product_default",
        vat_rate=Decimal("19"), service_date=distance.service_date,
    )  # fmt: skip
    [draft] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[distance.pk, travel.pk], grouping="contact"),
    )
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=MARCH_31))
    lines = {line.kind: line for line in invoice.lines.all()}
    return invoice, lines, distance.entry


def test_releasing_half_of_a_mileage_entry_is_refused(world, api):
    # given: the entry's distance and travel time are two lines of one invoice
    invoice, lines, _ = _mileage_invoice(world)

    # when: only the travel time is credited for re-billing
    response = api.post(
        f"invoices/{invoice.pk}/void",
        {"release_entries": True, "line_ids": [lines["transport_time"].pk]},
    )

    # then: refused, naming the line to include, and nothing changed
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "entry_partly_credited"
    assert str(lines["transport_distance"].pk) in response.json()["error"]["message"]
    assert not Invoice.objects.filter(kind="credit_note").exists()
    assert check_invariants(tenant=world.tenant) == []


def test_releasing_every_line_of_a_mileage_entry_makes_it_billable_again(world, api):
    invoice, lines, entry = _mileage_invoice(world)

    response = api.post(
        f"invoices/{invoice.pk}/void",
        {"release_entries": True, "line_ids": [line.pk for line in lines.values()]},
    )

    assert response.status_code == 201
    entry.refresh_from_db()
    assert entry.billing_state == "unbilled"
    assert check_invariants(tenant=world.tenant) == []


def test_writing_off_half_of_a_mileage_entry_is_allowed(world, api):
    invoice, lines, entry = _mileage_invoice(world)

    response = api.post(
        f"invoices/{invoice.pk}/void",
        {"release_entries": False, "line_ids": [lines["transport_time"].pk]},
    )

    assert response.status_code == 201
    entry.refresh_from_db()
    assert entry.billing_state == "invoiced"  # its distance stays billed; nothing is lost
    assert check_invariants(tenant=world.tenant) == []
