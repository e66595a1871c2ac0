"""Issuing ("Settle"): validation, gapless numbers, dates, snapshots, frozen totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from faktura.billing.errors import InvoiceInvalid, IssueDateInvalid
from faktura.billing.inputs import InvoiceCreate, InvoiceIssue, InvoiceLineAdd, InvoicesGenerate
from faktura.billing.invariants import check_invariants
from faktura.billing.models import BillableItem, Invoice, NumberSequence
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.invoices import invoice_create, invoice_line_add
from faktura.billing.services.issue import invoice_issue
from faktura.common.models import AuditEvent
from faktura.work.models import TaskEntry

MARCH_31 = dt.date(2026, 3, 31)
JAN_3_2027 = dt.datetime(2027, 1, 3, 12, tzinfo=dt.UTC)  # "now" for issuing across a new year


def _manual_draft(world, contact=None, *, price: str = "100", vat_rate: str = "19") -> Invoice:
    invoice = invoice_create(
        world.ctx, data=InvoiceCreate(contact_id=(contact or world.contact()).pk)
    )
    invoice_line_add(
        world.ctx,
        invoice_id=invoice.pk,
        data=InvoiceLineAdd(
            title="Consulting", quantity="1", unit="HUR", unit_price=price, vat_rate=vat_rate
        ),
    )
    return invoice


def test_issue_numbers_dates_snapshots_and_freezes(world):
    # given: a draft with two entries of one ticket
    contact = world.contact(customer_number="K-100", vat_id="DE811907980")
    task = world.task(world.project(contact))
    items = [
        world.item(task, minutes=90, day=dt.date(2026, 3, 3)),
        world.item(task, minutes=60, day=dt.date(2026, 3, 20)),
    ]
    [draft] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[i.pk for i in items], grouping="contact"),
    )

    # when
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=MARCH_31))

    # then
    assert (invoice.status, invoice.number, invoice.sequence_value) == ("issued", "2026-0001", 1)
    assert invoice.issue_date == MARCH_31
    assert invoice.due_date == dt.date(2026, 4, 14)  # the company's 14 days
    assert (invoice.service_period_start, invoice.service_period_end) == (
        dt.date(2026, 3, 3),
        dt.date(2026, 3, 20),
    )
    assert invoice.seller["name"] == "Acme IT GmbH"
    assert invoice.seller["vat_id"] == "DE136695976"
    assert invoice.seller["iban"] == "DE89370400440532013000"
    assert invoice.buyer["customer_number"] == "K-100"
    assert invoice.buyer["vat_id"] == "DE811907980"
    assert invoice.buyer["city"] == "Stuttgart"
    assert (invoice.net_total, invoice.vat_total, invoice.gross_total) == (
        Decimal("250.00"),
        Decimal("47.50"),
        Decimal("297.50"),
    )
    assert invoice.vat_breakdown[0]["vat_amount"] == "47.50"
    assert invoice.issued_by == world.owner.user and invoice.issued_at is not None
    for item in items:
        item.refresh_from_db()
        assert item.status == "invoiced"
        assert TaskEntry.objects.get(pk=item.entry_id).billing_state == "invoiced"
    assert AuditEvent.objects.filter(action="invoice_issue", object_id=str(invoice.pk)).exists()
    assert check_invariants(tenant=world.tenant) == []


def test_the_snapshot_does_not_follow_later_profile_changes(world, api):
    draft = _manual_draft(world)
    invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=MARCH_31))
    world.tenant.name = "Acme IT AG"
    world.tenant.save()
    draft.contact.city = "München"
    draft.contact.save()
    body = api.get(f"invoices/{draft.pk}").json()
    assert body["seller"]["name"] == "Acme IT GmbH"
    assert body["buyer"]["city"] == "Stuttgart"


def test_due_date_uses_the_drafts_then_the_customers_terms(world):
    contact = world.contact(payment_terms_days=30)
    first = invoice_issue(
        world.ctx,
        invoice_id=_manual_draft(world, contact).pk,
        data=InvoiceIssue(issue_date=MARCH_31),
    )
    assert first.due_date == dt.date(2026, 4, 30)
    draft = _manual_draft(world, contact)
    draft.payment_terms_days = 7
    draft.save()
    second = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=MARCH_31))
    assert second.due_date == dt.date(2026, 4, 7)


def test_issue_date_defaults_to_today_in_the_tenants_time_zone(world):
    # 23:30 UTC on 31 March is already 1 April in Berlin
    now = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)
    invoice = invoice_issue(world.ctx, invoice_id=_manual_draft(world).pk, now=now)
    assert invoice.issue_date == dt.date(2026, 4, 1)
    # a manual invoice without a stated period is a supply on the issue date
    assert invoice.service_period_start == invoice.service_period_end == dt.date(2026, 4, 1)


def test_numbers_are_sequential_and_never_consumed_by_failed_issues(world):
    first = invoice_issue(
        world.ctx, invoice_id=_manual_draft(world).pk, data=InvoiceIssue(issue_date=MARCH_31)
    )
    empty = invoice_create(world.ctx, data=InvoiceCreate(contact_id=world.contact().pk))

    with pytest.raises(InvoiceInvalid) as info:
        invoice_issue(world.ctx, invoice_id=empty.pk, data=InvoiceIssue(issue_date=MARCH_31))

    assert info.value.status == 422
    assert "lines" in info.value.fields
    empty.refresh_from_db()
    assert (empty.status, empty.number) == ("draft", None)
    second = invoice_issue(
        world.ctx, invoice_id=_manual_draft(world).pk, data=InvoiceIssue(issue_date=MARCH_31)
    )
    assert [first.number, second.number] == ["2026-0001", "2026-0002"]
    assert NumberSequence.objects.get(tenant=world.tenant, kind="invoice").last_value == 2


def test_seller_data_missing_blocks_the_issue(world, api):
    draft = _manual_draft(world)
    world.tenant.vat_id = ""
    world.tenant.street = ""
    world.tenant.save()

    response = api.post(f"invoices/{draft.pk}/issue", {"issue_date": "2026-03-31"})

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invoice_invalid"
    # without a VAT ID the Factur-X XML must name the commercial register entry (BR-CO-26)
    assert set(error["fields"]) == {"seller.vat_id", "seller.address", "seller.register"}
    assert not NumberSequence.objects.filter(tenant=world.tenant, last_value__gt=0).exists()
    world.tenant.tax_number = "21/815/08150"
    world.tenant.street = "Hauptstraße 1"
    world.tenant.save()
    response = api.post(f"invoices/{draft.pk}/issue")
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"seller.register"}
    world.tenant.register_court, world.tenant.register_number = "AG Berlin", "HRB 12345"
    world.tenant.save()
    assert api.post(f"invoices/{draft.pk}/issue").json()["number"].endswith("-0001")


def test_reverse_charge_without_buyer_vat_id_cannot_be_issued(world):
    contact = world.contact(
        "Wiener Technik GmbH", country="AT", vat_id="ATU13585627", tax_treatment="reverse_charge"
    )
    draft = _manual_draft(world, contact)
    contact.vat_id = ""  # e.g. removed after the draft was made
    contact.save()
    with pytest.raises(InvoiceInvalid) as info:
        invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=MARCH_31))
    assert "buyer.vat_id" in info.value.fields


def test_a_changed_tax_treatment_applies_at_issue(world):
    contact = world.contact("Wiener Technik GmbH", country="AT", vat_id="ATU13585627")
    draft = _manual_draft(world, contact)
    assert draft.lines.get().vat_category == "S"
    contact.tax_treatment = "reverse_charge"
    contact.save()
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=MARCH_31))
    line = invoice.lines.get()
    assert (line.vat_category, line.vat_rate) == ("AE", Decimal("0.00"))
    assert invoice.vat_total == Decimal("0.00")
    assert invoice.buyer["tax_treatment"] == "reverse_charge"


def test_public_sector_buyer_reference_is_filled_from_the_leitweg_id(world):
    contact = world.contact("Stadt Musterhausen", leitweg_id="04011000-1234512345-06")
    draft = _manual_draft(world, contact)
    draft.buyer_reference = ""
    draft.save()
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=MARCH_31))
    assert invoice.buyer_reference == "04011000-1234512345-06"
    assert invoice.buyer["leitweg_id"] == "04011000-1234512345-06"


def test_do_not_bill_lines_stay_out_of_the_issued_totals(world, api):
    task = world.task()
    kept, dropped = world.item(task, minutes=60), world.item(world.task(task.project), minutes=60)
    [draft] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[kept.pk, dropped.pk], grouping="contact"),
    )
    line = dropped.__class__.objects.get(pk=dropped.pk).invoice_line
    api.patch(f"invoices/{draft.pk}/lines/{line.pk}", {"do_not_bill": True})
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=MARCH_31))
    assert invoice.net_total == Decimal("100.00")
    assert BillableItem.objects.get(pk=dropped.pk).status == "not_billable"
    assert BillableItem.objects.get(pk=kept.pk).status == "invoiced"
    assert check_invariants(tenant=world.tenant) == []


# --- number formats -------------------------------------------------------------------------------


def test_format_tokens(world):
    world.tenant.invoice_number_format = "RE-{YY}{MM}-{seq:05}"
    world.tenant.save()
    invoice = invoice_issue(
        world.ctx,
        invoice_id=_manual_draft(world).pk,
        data=InvoiceIssue(issue_date=dt.date(2026, 7, 15)),
    )
    assert invoice.number == "RE-2607-00001"


def test_yearly_reset_starts_each_year_at_one(world):
    world.tenant.number_reset = "yearly"
    world.tenant.save()
    numbers = [
        invoice_issue(
            world.ctx,
            invoice_id=_manual_draft(world).pk,
            now=JAN_3_2027,
            data=InvoiceIssue(issue_date=day),
        ).number
        for day in (dt.date(2026, 12, 30), dt.date(2026, 12, 31), dt.date(2027, 1, 2))
    ]
    assert numbers == ["2026-0001", "2026-0002", "2027-0001"]
    assert set(NumberSequence.objects.values_list("period", "last_value")) == {
        ("2026", 2),
        ("2027", 1),
    }


def test_without_reset_the_counter_runs_on_across_years(world):
    numbers = [
        invoice_issue(
            world.ctx,
            invoice_id=_manual_draft(world).pk,
            now=JAN_3_2027,
            data=InvoiceIssue(issue_date=day),
        ).number
        for day in (dt.date(2026, 12, 31), dt.date(2027, 1, 2))
    ]
    assert numbers == ["2026-0001", "2027-0002"]


def test_api_issue(world, api):
    draft = _manual_draft(world)
    response = api.post(f"invoices/{draft.pk}/issue", {"issue_date": "2026-03-31"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["number"], body["status"], body["issue_date"]) == (
        "2026-0001",
        "issued",
        "2026-03-31",
    )
    assert body["totals"] == {"net": "100.00", "vat": "19.00", "gross": "119.00"}
    assert body["warnings"] == []
    assert body["sync_status"] == "not_synced"
    listed = api.get("invoices", status="issued").json()["items"]
    assert [row["number"] for row in listed] == ["2026-0001"]


@pytest.mark.parametrize("role", ["member", "approver"])
def test_api_issue_needs_manage_invoices(world, api_as, role):
    draft = _manual_draft(world)
    assert api_as(role).post(f"invoices/{draft.pk}/issue").status_code == 403
    assert Invoice.objects.get(pk=draft.pk).status == "draft"


def test_api_issue_of_another_tenants_draft_is_404(world, other_api):
    draft = _manual_draft(world)
    assert other_api.post(f"invoices/{draft.pk}/issue").status_code == 404


def test_issue_date_may_not_lie_in_the_future(world, api):
    draft = _manual_draft(world)
    now = dt.datetime(2026, 3, 31, 21, 30, tzinfo=dt.UTC)  # 23:30 in Berlin: still March 31

    with pytest.raises(IssueDateInvalid):
        invoice_issue(
            world.ctx,
            invoice_id=draft.pk,
            now=now,
            data=InvoiceIssue(issue_date=dt.date(2026, 4, 1)),
        )
    response = api.post(f"invoices/{draft.pk}/issue", {"issue_date": "2999-01-01"})

    assert response.status_code == 422
    assert "issue_date" in response.json()["error"]["fields"]
    assert not NumberSequence.objects.filter(last_value__gt=0).exists()  # no number consumed
    assert invoice_issue(
        world.ctx, invoice_id=draft.pk, now=now, data=InvoiceIssue(issue_date=MARCH_31)
    ).number


def test_a_later_number_cannot_carry_an_earlier_date(world):
    invoice_issue(
        world.ctx, invoice_id=_manual_draft(world).pk, data=InvoiceIssue(issue_date=MARCH_31)
    )
    second = _manual_draft(world)

    with pytest.raises(IssueDateInvalid) as raised:
        invoice_issue(
            world.ctx, invoice_id=second.pk, data=InvoiceIssue(issue_date=dt.date(2026, 3, 30))
        )

    assert "2026-0001" in raised.value.message
    assert invoice_issue(
        world.ctx, invoice_id=second.pk, data=InvoiceIssue(issue_date=MARCH_31)
    ).number == ("2026-0002")
    assert check_invariants(tenant=world.tenant) == []


def test_years_far_outside_the_calendar_answer_400_not_500(world, api):
    draft = _manual_draft(world)

    response = api.post(f"invoices/{draft.pk}/issue", {"issue_date": "0999-12-31"})

    assert response.status_code in (400, 422)
    assert "issue_date" in response.json()["error"]["fields"]
