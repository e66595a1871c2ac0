"""Reviewing a draft: billed time and its correction, do not bill, removing and adding lines,
header fields, deleting the draft, exact totals and the warnings a reviewer sees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from faktura.billing.inputs import InvoiceIssue, InvoicesGenerate
from faktura.billing.invariants import check_invariants
from faktura.billing.models import BillableItem, IdempotencyKey, Invoice
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.issue import invoice_issue
from faktura.common.inputs import parse
from faktura.work.models import TaskEntry


@pytest.fixture
def draft(world):
    """A draft with one ticket: two time entries (10:00 and 0:45 logged) at 100/h."""
    task = world.task(title="Printer", estimate_hours=Decimal("8.00"), task_type="incident")
    items = [world.item(task, minutes=600), world.item(task, minutes=45)]
    [invoice] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[i.pk for i in items], grouping="contact"),
    )
    invoice.items = items
    return invoice


def _line(api, invoice_id: int, index: int = 0) -> dict:
    return api.get(f"invoices/{invoice_id}").json()["lines"][index]


def test_draft_detail_shows_the_review_columns(api, draft):
    body = api.get(f"invoices/{draft.pk}").json()
    assert body["number"] is None and body["status"] == "draft"
    line = body["lines"][0]
    assert line["title"].endswith("Printer")
    assert line["task_type"] == "incident"
    assert line["estimate_hours"] == "8.00"
    assert line["logged_quantity"] == "10.7500"
    assert line["quantity"] == "10.7500"
    assert line["correction"] == "0.0000"
    assert line["unit_price"] == "100.000000"
    assert line["net_amount"] == "1075.00"
    assert line["price_source"] == "project_rate"
    assert sorted(line["entry_ids"]) == sorted(i.entry_id for i in draft.items)
    assert body["totals"] == {"net": "1075.00", "vat": "204.25", "gross": "1279.25"}


def test_billing_more_than_logged_shows_the_correction(api, draft):
    # given: 10:45 logged; when: 12:00 agreed with the customer
    line_id = _line(api, draft.pk)["id"]
    response = api.patch(f"invoices/{draft.pk}/lines/{line_id}", {"quantity": "12"})

    # then: the line bills 12 h and shows +1:15 as the correction
    assert response.status_code == 200, response.json()
    line = response.json()
    assert line["quantity"] == "12.0000"
    assert line["logged_quantity"] == "10.7500"
    assert line["correction"] == "1.2500"
    assert line["correction_display"] == "+1:15"
    assert line["net_amount"] == "1200.00"
    assert sorted(line["entry_ids"]) == sorted(i.entry_id for i in draft.items)
    assert api.get(f"invoices/{draft.pk}").json()["totals"]["net"] == "1200.00"
    # billing less than logged is a negative correction
    line = api.patch(f"invoices/{draft.pk}/lines/{line_id}", {"quantity": "10.25"}).json()
    assert (line["correction"], line["correction_display"]) == ("-0.5000", "-0:30")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "1.00001"}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"title": "  "}, "title"),
        ({"unit_price": "-5"}, "unit_price"),
        ({"vat_rate": "7"}, "vat_rate"),
    ],
)
def test_invalid_line_edits_name_the_field(api, draft, payload, field):
    line_id = _line(api, draft.pk)["id"]
    response = api.patch(f"invoices/{draft.pk}/lines/{line_id}", payload)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_step_moves_billed_time_on_the_rounding_grid(world, api, draft):
    # given: 10:45 billed, the company rounds to 10 minutes
    world.tenant.time_rounding = {"increment_minutes": 10, "direction": "up"}
    world.tenant.save(update_fields=["time_rounding"])
    line_id = _line(api, draft.pk)["id"]
    url = f"invoices/{draft.pk}/lines/{line_id}"

    # when / then: up goes to the next 10-minute mark, down back below it
    assert api.patch(url, {"step": "up"}).json()["quantity"] == "10.8333"  # 10:50
    assert api.patch(url, {"step": "up"}).json()["quantity"] == "11.0000"
    assert api.patch(url, {"step": "down"}).json()["quantity"] == "10.8333"

    both = api.patch(url, {"step": "up", "quantity": "3"})
    assert both.status_code == 400 and list(both.json()["error"]["fields"]) == ["step"]
    sideways = api.patch(url, {"step": "left"})
    assert sideways.status_code == 400 and "step" in sideways.json()["error"]["fields"]
    assert _line(api, draft.pk)["quantity"] == "10.8333"


def test_rephrasing_the_title_and_repricing(api, draft):
    line_id = _line(api, draft.pk)["id"]
    line = api.patch(
        f"invoices/{draft.pk}/lines/{line_id}",
        {"title": "Printer fleet: toner jam fixed", "unit_price": "90"},
    ).json()
    assert line["title"] == "Printer fleet: toner jam fixed"
    assert line["price_source"] == "manual"
    assert line["net_amount"] == "967.50"


def test_do_not_bill_leaves_the_totals_and_can_be_restored(world, api, draft):
    other = world.item(world.task(world.project(draft.contact), title="Mail"), minutes=60)
    # Put a second ticket on the same draft through a second generation is not possible, so
    # add a manual line to keep the draft billable.
    api.post(
        f"invoices/{draft.pk}/lines",
        {"title": "Travel", "quantity": "1", "unit": "LS", "unit_price": "50", "vat_rate": "19"},
    )
    line_id = _line(api, draft.pk)["id"]

    line = api.patch(f"invoices/{draft.pk}/lines/{line_id}", {"do_not_bill": True}).json()
    assert line["do_not_bill"] is True
    body = api.get(f"invoices/{draft.pk}").json()
    assert body["totals"]["net"] == "50.00"
    for item in draft.items:
        item.refresh_from_db()
        assert item.status == "not_billable"
        assert TaskEntry.objects.get(pk=item.entry_id).billing_state == "not_billable"
    assert check_invariants(tenant=world.tenant) == []

    api.patch(f"invoices/{draft.pk}/lines/{line_id}", {"do_not_bill": False})
    assert api.get(f"invoices/{draft.pk}").json()["totals"]["net"] == "1125.00"
    for item in draft.items:
        item.refresh_from_db()
        assert item.status == "on_draft"
        assert TaskEntry.objects.get(pk=item.entry_id).billing_state == "on_draft"
    other.refresh_from_db()
    assert other.status == "pending"  # untouched


def test_removing_a_line_returns_its_items_to_pending(world, api, draft):
    line_id = _line(api, draft.pk)["id"]
    response = api.delete(f"invoices/{draft.pk}/lines/{line_id}")
    assert response.status_code == 204
    body = api.get(f"invoices/{draft.pk}").json()
    assert body["lines"] == []
    assert body["totals"]["net"] == "0.00"
    assert "no_billable_line" in {w["code"] for w in body["warnings"]}
    for item in draft.items:
        item.refresh_from_db()
        assert (item.status, item.invoice_line_id) == ("pending", None)
        assert TaskEntry.objects.get(pk=item.entry_id).billing_state == "compiled"
    # and they can go on another draft
    [again] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[i.pk for i in draft.items], grouping="task"),
    )
    assert again.pk != draft.pk
    assert check_invariants(tenant=world.tenant) == []


def test_deleting_a_draft_returns_its_items_to_pending(world, api, draft):
    line_id = _line(api, draft.pk)["id"]
    api.patch(f"invoices/{draft.pk}/lines/{line_id}", {"do_not_bill": True})
    response = api.delete(f"invoices/{draft.pk}")
    assert response.status_code == 204
    assert not Invoice.objects.filter(pk=draft.pk).exists()
    for item in draft.items:
        item.refresh_from_db()
        assert (item.status, item.invoice_line_id) == ("pending", None)
        assert TaskEntry.objects.get(pk=item.entry_id).billing_state == "compiled"
    assert api.get(f"invoices/{draft.pk}").status_code == 404
    assert check_invariants(tenant=world.tenant) == []


def test_manual_lines(world, api, draft):
    response = api.post(
        f"invoices/{draft.pk}/lines",
        {
            "title": "Hotel Stuttgart",
            "quantity": "2",
            "unit": "DAY",
            "unit_price": "89.5",
            "vat_rate": "7",
        },
    )
    assert response.status_code == 201, response.json()
    line = response.json()
    assert (line["kind"], line["vat_category"], line["vat_rate"]) == ("manual", "S", "7.00")
    assert line["net_amount"] == "179.00"
    assert line["logged_quantity"] is None and line["correction"] is None
    # a discount is a negative quantity at a positive price
    discount = api.post(
        f"invoices/{draft.pk}/lines",
        {
            "title": "Loyalty discount",
            "quantity": "-1",
            "unit": "LS",
            "unit_price": "75",
            "vat_rate": "19",
        },
    ).json()
    assert discount["net_amount"] == "-75.00"
    body = api.get(f"invoices/{draft.pk}").json()
    assert [row["rate"] for row in body["vat_breakdown"]] == ["7.00", "19.00"]
    assert body["totals"]["net"] == "1179.00"  # 1075 + 179 - 75

    missing = api.post(
        f"invoices/{draft.pk}/lines",
        {"title": "X", "quantity": "1", "unit": "LS", "unit_price": "1"},
    )
    assert missing.status_code == 400
    assert list(missing.json()["error"]["fields"]) == ["vat_rate"]
    bad_unit = api.post(
        f"invoices/{draft.pk}/lines",
        {"title": "X", "quantity": "1", "unit": "XYZ", "unit_price": "1", "vat_rate": "19"},
    )
    assert bad_unit.status_code == 400
    assert list(bad_unit.json()["error"]["fields"]) == ["unit"]
    # manual lines may change their VAT group, billed work may not
    edited = api.patch(f"invoices/{draft.pk}/lines/{line['id']}", {"vat_rate": "19"}).json()
    assert edited["vat_rate"] == "19.00"


def test_manual_lines_follow_the_customers_tax_treatment(world, api):
    contact = world.contact("Zürich Data AG", country="CH", tax_treatment="export")
    invoice = api.post("invoices", {"contact_id": contact.pk}).json()
    line = api.post(
        f"invoices/{invoice['id']}/lines",
        {
            "title": "Consulting",
            "quantity": "3",
            "unit": "HUR",
            "unit_price": "150",
            "vat_rate": "19",
        },
    ).json()
    assert (line["vat_category"], line["vat_rate"]) == ("G", "0.00")
    exempt = world.contact(
        "Praxis Dr. Weber",
        tax_treatment="exempt",
        exemption_reason="Steuerfrei nach § 4 Nr. 14 UStG",
    )
    invoice = api.post("invoices", {"contact_id": exempt.pk}).json()
    line = api.post(
        f"invoices/{invoice['id']}/lines",
        {"title": "Support", "quantity": "1", "unit": "HUR", "unit_price": "80"},
    ).json()
    assert (line["vat_category"], line["exemption_reason"]) == (
        "E",
        "Steuerfrei nach § 4 Nr. 14 UStG",
    )


def test_header_fields(api, draft):
    response = api.patch(
        f"invoices/{draft.pk}",
        {
            "po_number": "PO-4711",
            "intro_text": "Thank you for your order.",
            "service_period_start": "2026-03-01",
            "service_period_end": "2026-03-31",
            "payment_terms_days": 30,
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["po_number"], body["payment_terms_days"]) == ("PO-4711", 30)
    assert (body["service_period_start"], body["service_period_end"]) == (
        "2026-03-01",
        "2026-03-31",
    )
    backwards = api.patch(f"invoices/{draft.pk}", {"service_period_end": "2026-02-01"})
    assert backwards.status_code == 400
    assert list(backwards.json()["error"]["fields"]) == ["service_period_end"]


# --- totals ---------------------------------------------------------------------------------------


def test_totals_are_exact_where_floats_go_wrong(world, api, django_assert_max_num_queries):
    # 30 lines of 0.1 h x 33.33: each line is 3.333 -> 3.33, so net 99.90 (a float sum of the
    # unrounded products would say 99.99, and float sums of 3.33 drift below 99.9).
    task = world.task()
    contact = task.client
    items = [
        world.item(world.task(task.project, title=f"Ticket {n}"), minutes=6, unit_price="33.33")
        for n in range(30)
    ]
    [invoice] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[i.pk for i in items], grouping="contact"),
    )
    assert invoice.contact_id == contact.pk
    with django_assert_max_num_queries(8):  # no query per line
        body = api.get(f"invoices/{invoice.pk}").json()
    assert len(body["lines"]) == 30
    assert {line["net_amount"] for line in body["lines"]} == {"3.33"}
    assert body["totals"] == {"net": "99.90", "vat": "18.98", "gross": "118.88"}
    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.net_total, stored.vat_total, stored.gross_total) == (
        Decimal("99.90"),
        Decimal("18.98"),
        Decimal("118.88"),
    )


def test_vat_breakdown_with_19_and_7_percent(world, api):
    task = world.task()
    work = world.item(task, minutes=600, unit_price="95")
    books = world.item(task, kind="goods", quantity="3", unit_price="19.99", vat_rate="7")
    [invoice] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[work.pk, books.pk], grouping="contact")
    )

    body = api.get(f"invoices/{invoice.pk}").json()

    assert body["vat_breakdown"] == [
        {
            "category": "S",
            "rate": "7.00",
            "taxable_amount": "59.97",
            "vat_amount": "4.20",
            "exemption_reason": "",
            "exemption_reason_code": "",
        },
        {
            "category": "S",
            "rate": "19.00",
            "taxable_amount": "950.00",
            "vat_amount": "180.50",
            "exemption_reason": "",
            "exemption_reason_code": "",
        },
    ]
    assert body["totals"] == {"net": "1009.97", "vat": "184.70", "gross": "1194.67"}


# --- warnings -------------------------------------------------------------------------------------


def _codes(api, invoice_id: int) -> dict[str, str]:
    return {w["code"]: w["severity"] for w in api.get(f"invoices/{invoice_id}").json()["warnings"]}


def test_warnings_a_reviewer_sees(world, api):
    contact = world.contact("Stadt Musterhausen", street="", leitweg_id="04011000-1234512345-06")
    task = world.task(world.project(contact))
    free = world.item(task, unit_price="0", price_source="none")
    [invoice] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[free.pk], grouping="contact")
    )
    assert invoice.buyer_reference == "04011000-1234512345-06"  # defaults to the Leitweg-ID
    api.patch(f"invoices/{invoice.pk}", {"buyer_reference": ""})
    api.post(
        f"invoices/{invoice.pk}/lines",
        {
            "title": "Licence",
            "quantity": "1",
            "unit": "C62",
            "unit_price": "10",
            "vat_category": "AE",
            "vat_rate": "0",
        },
    )
    world.tenant.vat_id = ""
    world.tenant.iban = ""
    world.tenant.email = world.tenant.phone = ""
    world.tenant.save()

    codes = _codes(api, invoice.pk)

    assert codes == {
        "no_price": "warning",
        "buyer_address_incomplete": "warning",
        "buyer_reference_missing": "warning",
        "buyer_vat_id_missing": "error",
        "seller_tax_id_missing": "error",
        "seller_iban_missing": "warning",
        "seller_contact_missing": "warning",  # no e-mail and phone: XRechnung needs them
        # a public customer gets XRechnung (its preferred format), which needs all of this
        # (issue 9): the e-invoice pre-check of Factur-X and XRechnung on the draft
        "seller_vat_id_missing": "error",  # reverse charge: section 14a UStG, BR-IC-02
        "seller_identifier_missing": "error",  # no VAT ID, no register entry: BR-CO-26
        "seller_email_missing": "error",  # BR-DE-7
        "seller_phone_missing": "error",  # BR-DE-6
        "seller_electronic_address_missing": "error",  # BT-34, PEPPOL-EN16931-R020
    }
    warning = next(
        w for w in api.get(f"invoices/{invoice.pk}").json()["warnings"] if w["code"] == "no_price"
    )
    assert warning["path"] == "lines[0].unit_price"


def test_a_clean_draft_has_no_warnings(api, draft):
    assert _codes(api, draft.pk) == {}


# --- issued invoices never change -----------------------------------------------------------------


def test_every_edit_of_an_issued_invoice_answers_409(world, api, draft):
    invoice_issue(
        world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=dt.date(2026, 3, 31))
    )
    line_id = draft.lines.first().pk
    calls = [
        api.patch(f"invoices/{draft.pk}", {"po_number": "X"}),
        api.delete(f"invoices/{draft.pk}"),
        api.patch(f"invoices/{draft.pk}/lines/{line_id}", {"title": "X"}),
        api.patch(f"invoices/{draft.pk}/lines/{line_id}", {"quantity": "1"}),
        api.patch(f"invoices/{draft.pk}/lines/{line_id}", {"do_not_bill": True}),
        api.delete(f"invoices/{draft.pk}/lines/{line_id}"),
        api.post(
            f"invoices/{draft.pk}/lines",
            {"title": "X", "quantity": "1", "unit": "LS", "unit_price": "1", "vat_rate": "19"},
        ),
        api.post(f"invoices/{draft.pk}/issue"),
    ]
    for response in calls:
        assert response.status_code == 409, response.json()
        assert response.json()["error"]["code"] == "invoice_not_draft"
    body = api.get(f"invoices/{draft.pk}").json()
    assert body["lines"][0]["quantity"] == "10.7500"
    assert body["po_number"] == ""
    assert BillableItem.objects.filter(status="invoiced").count() == 2


# --- create, idempotency, list, access ------------------------------------------------------------


def test_empty_draft_for_a_manual_invoice(world, api):
    contact = world.contact(currency="CHF", payment_terms_days=30)
    response = api.post("invoices", {"contact_id": contact.pk})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["currency"], body["lines"]) == ("draft", "CHF", [])
    assert body["grouping"] == "manual"
    usd = api.post("invoices", {"contact_id": contact.pk, "currency": "USD"}).json()
    assert usd["currency"] == "USD"
    bad = api.post("invoices", {"contact_id": contact.pk, "currency": "XXX"})
    assert list(bad.json()["error"]["fields"]) == ["currency"]


def test_create_refuses_other_tenants_contacts_and_foreign_projects(world, api, other_world):
    theirs = other_world.contact()
    response = api.post("invoices", {"contact_id": theirs.pk})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["contact_id"]
    mine, project_of_another = world.contact("Acme GmbH"), world.project(world.contact("Beta AG"))
    response = api.post("invoices", {"contact_id": mine.pk, "project_id": project_of_another.pk})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["project_id"]
    assert not Invoice.objects.exists()


def test_idempotency_key_replays_the_same_invoice(world, api):
    contact = world.contact()
    headers = {"HTTP_IDEMPOTENCY_KEY": "order-7f3a"}
    first = api.post("invoices", {"contact_id": contact.pk}, **headers)
    again = api.post("invoices", {"contact_id": contact.pk}, **headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Invoice.objects.filter(tenant=world.tenant).count() == 1

    other_body = api.post("invoices", {"contact_id": contact.pk, "currency": "USD"}, **headers)
    assert other_body.status_code == 422
    assert other_body.json()["error"]["code"] == "idempotency_key_reused"
    assert Invoice.objects.filter(tenant=world.tenant).count() == 1
    # keys are per tenant
    assert IdempotencyKey.objects.get().tenant_id == world.tenant.pk


def test_idempotency_keys_of_two_tenants_do_not_meet(world, api, other_world, other_api):
    mine, theirs = world.contact(), other_world.contact()
    headers = {"HTTP_IDEMPOTENCY_KEY": "same-key"}
    a = api.post("invoices", {"contact_id": mine.pk}, **headers).json()
    b = other_api.post("invoices", {"contact_id": theirs.pk}, **headers).json()
    assert a["id"] != b["id"]


def test_invoice_list_filters_and_needs_no_query_per_row(world, api, django_assert_max_num_queries):
    acme, beta = world.contact("Acme GmbH"), world.contact("Beta AG")
    acme_project = world.project(acme)
    items = [world.item(world.task(acme_project)) for _ in range(3)]
    items.append(world.item(world.task(world.project(beta)), unit_price="10"))
    invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[i.pk for i in items], grouping="task")
    )

    with django_assert_max_num_queries(6):
        body = api.get("invoices", limit=50).json()
    assert body["count"] == 4
    row = next(r for r in body["items"] if r["contact_id"] == beta.pk)
    assert row["contact_name"] == "Beta AG"
    assert row["totals"] == {"net": "10.00", "vat": "1.90", "gross": "11.90"}
    assert api.get("invoices", contact_id=acme.pk).json()["count"] == 3
    assert api.get("invoices", project_id=acme_project.pk).json()["count"] == 3
    assert api.get("invoices", status="issued").json()["count"] == 0
    assert api.get("invoices", kind="credit_note").json()["count"] == 0
    by_net = api.get("invoices", ordering="net").json()["items"]
    assert by_net[0]["contact_id"] == beta.pk
    assert api.get("invoices", ordering="bogus").status_code == 400


def test_members_see_no_invoices_and_other_tenants_get_404(world, api_as, other_api, draft):
    member = api_as("member")
    assert member.get("invoices").status_code == 403
    assert member.get(f"invoices/{draft.pk}").status_code == 403
    assert api_as("billing").get(f"invoices/{draft.pk}").status_code == 200
    line_id = draft.lines.first().pk
    assert other_api.get(f"invoices/{draft.pk}").status_code == 404
    assert (
        other_api.patch(f"invoices/{draft.pk}/lines/{line_id}", {"title": "X"}).status_code == 404
    )
    assert other_api.delete(f"invoices/{draft.pk}").status_code == 404
    assert other_api.get("invoices").json()["count"] == 0
    assert api_as("billing").get(f"invoices/{2**70}").status_code in (400, 404)


def test_an_e_invoice_problem_of_a_line_names_the_draft_line(world, api):
    # given: a draft whose first line is not billed and whose second line lacks its unit
    project = world.project(world.contact("Hafen GmbH"))
    first, second = world.task(project, title="Setup"), world.task(project, title="Audit")
    items = [world.item(first), world.item(second)]
    [invoice] = invoices_generate(
        world.ctx,
        data=parse(
            InvoicesGenerate, dict(billable_item_ids=[i.pk for i in items], grouping="contact")
        ),
    )
    lines = list(invoice.lines.order_by("position", "id"))
    api.patch(f"invoices/{invoice.pk}/lines/{lines[0].pk}", {"do_not_bill": True})
    type(lines[1]).objects.filter(pk=lines[1].pk).update(unit="")

    # when
    warnings = api.get(f"invoices/{invoice.pk}").json()["warnings"]

    # then: the e-invoice pre-check (which sees only billed lines) points at the draft's line
    # index and names the line and the format
    [unit] = [w for w in warnings if w["code"] == "line_unit_missing"]
    assert unit["path"] == "lines[1].unit"
    assert unit["severity"] == "error"
    assert unit["message"] == (
        f"{lines[1].title}: Factur-X / ZUGFeRD EN 16931: A line needs a unit code (BT-130)."
    )
