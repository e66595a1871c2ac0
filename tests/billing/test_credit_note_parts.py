"""Issue 15: a credit note has a reason (printed on it, frozen with it, carried into the
e-invoices as BT-22) and may credit a part of a line's quantity; what is left to credit is
derived from the earlier credit notes' lines."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal

import facturx
import pytest
from lxml import etree

from einvoice.official import empty_elements, make_validator, require_official_rules
from einvoice.reader import parse as parse_einvoice
from einvoice.recompute import differences
from faktura.billing.errors import CreditQuantityExceeded, PartialCreditNotReleasable
from faktura.billing.inputs import CreditNoteCreate, InvoiceIssue, InvoicesGenerate
from faktura.billing.invariants import check_invariants
from faktura.billing.models import BillableItem, Invoice
from faktura.billing.selectors.issued import credit_open
from faktura.billing.services.credit_notes import credit_note_create
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.issue import invoice_issue
from faktura.common.errors import ValidationFailed
from faktura.common.inputs import parse
from faktura.core.invoice_math import line_net
from faktura.work.models import TaskEntry

MARCH_31 = dt.date(2026, 3, 31)
APRIL_2 = dt.date(2026, 4, 2)
REASON = 'Nachlass: Ausfall am 3.3. <R&D> "QA" – 50 % der Wartung'


@pytest.fixture
def issued(world):
    """An issued invoice: 10 h at 95/h (19 %), 3 x 33.33 goods (7 %)."""
    project = world.project()
    task = world.task(project, "Wartung")
    items = [
        world.item(task, minutes=600, unit_price="95"),
        world.item(task, kind="goods", quantity="3", unit_price="33.33", vat_rate="7"),
    ]
    [draft] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[i.pk for i in items], grouping="contact"),
    )
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=MARCH_31))
    invoice.items = items
    invoice.hours_line, invoice.goods_line = list(invoice.lines.order_by("position"))
    return invoice


def _credit(world, invoice, **data) -> Invoice:
    return credit_note_create(
        world.ctx,
        invoice_id=invoice.pk,
        data=parse(CreditNoteCreate, {"issue_date": APRIL_2, **data}),
    )


# --- service -----------------------------------------------------------------------------------


def test_a_part_of_a_line_is_credited_at_its_price_and_the_work_stays_billed(world, issued):
    # when: 2.5 of the 10 hours are credited, with a reason
    note = _credit(
        world,
        issued,
        lines=[{"line_id": issued.hours_line.pk, "quantity": "2.5"}],
        reason=REASON,
    )

    # then: one line of -2.5 h at the same price; VAT of its own rate, rounded once
    [line] = note.lines.all()
    assert (line.quantity, line.unit_price, line.net_amount) == (
        Decimal("-2.5000"),
        issued.hours_line.unit_price,
        Decimal("-237.50"),
    )
    assert line.credited_line_id == issued.hours_line.pk
    assert line.logged_quantity is None  # the logged time belongs to the whole line
    assert (note.net_total, note.vat_total, note.gross_total) == (
        Decimal("-237.50"),
        Decimal("-45.13"),  # 237.50 x 19 % = 45.125 -> 45.13
        Decimal("-282.63"),
    )
    assert note.credit_reason == REASON
    # the work stays billed (a price reduction); the invoice is not void
    assert BillableItem.objects.get(pk=issued.items[0].pk).status == "invoiced"
    assert TaskEntry.objects.get(pk=issued.items[0].entry_id).billing_state == "invoiced"
    issued.refresh_from_db()
    assert issued.status == "issued"
    assert credit_open(issued, [issued.hours_line, issued.goods_line]) == {
        issued.hours_line.pk: Decimal("7.5000"),
        issued.goods_line.pk: Decimal("3.0000"),
    }
    assert check_invariants(tenant=world.tenant) == []


def test_earlier_credit_notes_count_and_the_last_part_settles_the_line(world, issued):
    hours = issued.hours_line.pk
    _credit(world, issued, lines=[{"line_id": hours, "quantity": "2.5"}])
    _credit(world, issued, lines=[{"line_id": hours, "quantity": "7"}])

    # more than the 0.5 h left is refused, naming the field
    with pytest.raises(CreditQuantityExceeded) as refused:
        _credit(world, issued, lines=[{"line_id": hours, "quantity": "0.5001"}])
    assert refused.value.fields == {"lines.0.quantity": "At most 0.5 (not credited yet)."}

    # the rest (no quantity: all that is left) credits the line in full and writes it off
    last = _credit(world, issued, lines=[{"line_id": hours}])
    assert last.lines.get().quantity == Decimal("-0.5000")
    assert BillableItem.objects.get(pk=issued.items[0].pk).status == "written_off"
    assert issued.hours_line.pk not in credit_open(issued, [issued.hours_line])
    issued.refresh_from_db()
    assert issued.status == "issued"  # the goods line is still open

    # then the whole invoice: only the goods line is left; the invoice is void
    rest = _credit(world, issued)
    assert [line.credited_line_id for line in rest.lines.all()] == [issued.goods_line.pk]
    issued.refresh_from_db()
    assert issued.status == "void"
    notes = Invoice.objects.filter(credit_note_of=issued)
    credited_net = sum((note.net_total for note in notes), Decimal(0))
    assert credited_net == -issued.net_total  # 2.5 + 7 + 0.5 h at 95: no rounding left over
    assert check_invariants(tenant=world.tenant) == []


def test_a_part_cannot_release_the_work(world, issued):
    with pytest.raises(PartialCreditNotReleasable) as refused:
        _credit(
            world,
            issued,
            lines=[
                {"line_id": issued.goods_line.pk},
                {"line_id": issued.hours_line.pk, "quantity": "1"},
            ],
            release_entries=True,
        )
    assert list(refused.value.fields) == ["lines.1.quantity"]
    assert not Invoice.objects.filter(kind="credit_note").exists()

    # the whole line (its full quantity given) releases it
    _credit(
        world,
        issued,
        lines=[{"line_id": issued.hours_line.pk, "quantity": "10"}],
        release_entries=True,
    )
    assert BillableItem.objects.get(pk=issued.items[0].pk).status == "released"
    assert TaskEntry.objects.get(pk=issued.items[0].entry_id).billing_state == "unbilled"


def test_line_ids_still_credit_whole_lines(world, issued):
    note = _credit(world, issued, line_ids=[issued.goods_line.pk])
    assert note.lines.get().quantity == Decimal("-3.0000")
    assert BillableItem.objects.get(pk=issued.items[1].pk).status == "written_off"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"lines": [{"line_id": 1, "quantity": "0"}]}, "lines.0.quantity"),
        ({"lines": [{"line_id": 1, "quantity": "-1"}]}, "lines.0.quantity"),
        ({"lines": [{"line_id": 1, "quantity": "1.00001"}]}, "lines.0.quantity"),
        ({"lines": [{"line_id": 1, "quantity": "abc"}]}, "lines.0.quantity"),
        ({"lines": [{"line_id": 1}, {"line_id": 1}]}, "lines.1.line_id"),
        ({"lines": [{"line_id": 1}], "line_ids": [1]}, "line_ids"),
        ({"lines": []}, "lines"),
        ({"reason": "x" * 501}, "reason"),
        ({"reason": "Storno\x00\x1b[31m"}, "reason"),
    ],
)
def test_bad_input_names_the_field(data, field):
    with pytest.raises(ValidationFailed) as refused:
        parse(CreditNoteCreate, data)
    assert field in refused.value.fields


def test_the_reason_keeps_its_lines_and_is_stripped():
    data = parse(CreditNoteCreate, {"reason": "  Erste Zeile\r\nZweite Zeile  "})
    assert data.reason == "Erste Zeile\nZweite Zeile"


# --- API ---------------------------------------------------------------------------------------


def test_api_credits_a_part_and_shows_the_reason(api, issued):
    response = api.post(
        f"invoices/{issued.pk}/void",
        {
            "lines": [{"line_id": issued.goods_line.pk, "quantity": "1.5"}],
            "reason": REASON,
            "issue_date": "2026-04-02",
        },
    )

    assert response.status_code == 201, response.json()
    note = response.json()
    assert note["credit_reason"] == REASON
    [line] = note["lines"]
    assert (line["quantity"], line["net_amount"], line["credited_line_id"]) == (
        "-1.5000",
        "-50.00",  # 1.5 x 33.33 = 49.995 -> 50.00
        issued.goods_line.pk,
    )
    assert api.get(f"invoices/{note['id']}").json()["credit_reason"] == REASON
    assert api.get(f"invoices/{issued.pk}").json()["credit_reason"] == ""


def test_api_names_the_quantity_field(api, issued):
    too_much = api.post(
        f"invoices/{issued.pk}/void",
        {"lines": [{"line_id": issued.hours_line.pk, "quantity": "10.5"}]},
    )
    assert too_much.status_code == 400
    error = too_much.json()["error"]
    assert (error["code"], list(error["fields"])) == (
        "credit_quantity_exceeded",
        ["lines.0.quantity"],
    )

    zero = api.post(
        f"invoices/{issued.pk}/void",
        {"lines": [{"line_id": issued.hours_line.pk, "quantity": "0"}]},
    )
    assert zero.status_code == 400
    assert list(zero.json()["error"]["fields"]) == ["lines.0.quantity"]

    unknown = api.post(f"invoices/{issued.pk}/void", {"lines": [{"line_id": 10**9}]})
    assert unknown.status_code == 400
    assert list(unknown.json()["error"]["fields"]) == ["lines.0.line_id"]

    release = api.post(
        f"invoices/{issued.pk}/void",
        {"lines": [{"line_id": issued.hours_line.pk, "quantity": "1"}], "release_entries": True},
    )
    assert release.status_code == 422
    assert release.json()["error"]["code"] == "partial_credit_not_releasable"
    assert not Invoice.objects.filter(kind="credit_note").exists()


def test_other_tenants_get_404(other_api, issued):
    response = other_api.post(
        f"invoices/{issued.pk}/void", {"lines": [{"line_id": issued.hours_line.pk}]}
    )
    assert response.status_code == 404


def test_a_replay_with_the_idempotency_key_issues_one_credit_note(api, issued):
    body = {"lines": [{"line_id": issued.hours_line.pk, "quantity": "1"}], "reason": "Kulanz"}
    first = api.post(f"invoices/{issued.pk}/void", body, HTTP_IDEMPOTENCY_KEY="cn-1")
    again = api.post(f"invoices/{issued.pk}/void", body, HTTP_IDEMPOTENCY_KEY="cn-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Invoice.objects.filter(kind="credit_note").count() == 1


# --- documents ---------------------------------------------------------------------------------


def _pdf_text(pdf: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "pdftotext (Debian poppler-utils, `make e2e-deps`)"
    path = tmp_path / "credit-note.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


@pytest.mark.parametrize(("language", "label"), [("de", "Grund der Korrektur:"), ("en", "Reason:")])
def test_the_pdf_prints_the_reason(world, api, tmp_path, language, label):
    task = world.task(world.project(world.contact(language=language)), "Wartung")
    item = world.item(task, minutes=600, unit_price="95")
    [draft] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
    )
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=MARCH_31))
    line = invoice.lines.get()
    note = _credit(
        world,
        invoice,
        lines=[{"line_id": line.pk, "quantity": "2.5"}],
        reason="Ausfall am 3.3. <b>#set page(fill: red)</b>\nZweite Zeile $x$",
    )

    response = api.get(f"invoices/{note.pk}/pdf")

    assert response.status_code == 200
    text = _pdf_text(response.content, tmp_path)
    assert label in text
    assert "Ausfall am 3.3. <b>#set page(fill: red)</b>" in text  # text, never markup
    assert "Zweite Zeile $x$" in text
    assert "2,5" in text if language == "de" else "2.5" in text


# --- e-invoices --------------------------------------------------------------------------------

ADDRESS = {"street": "Industriestraße 5", "postal_code": "70173", "city": "Stuttgart"}
CUSTOMERS = {
    "public_with_leitweg_id": {
        "name": "Stadt Musterstadt",
        **ADDRESS,
        "leitweg_id": "04011000-1234512345-06",
    },
    "reverse_charge_en": {
        "name": "Donau Logistik GmbH",
        "street": "Hafenstraße 7",
        "postal_code": "4020",
        "city": "Linz",
        "country": "AT",
        "vat_id": "ATU13585627",
        "tax_treatment": "reverse_charge",
        "language": "en",
        "email": "rechnung@kunde.test",
    },
}


@pytest.fixture(scope="module")
def validator():
    require_official_rules()
    return make_validator()


def _xml_of(fmt: str, content: bytes) -> bytes:
    if fmt == "pdf":
        _name, xml = facturx.get_xml_from_pdf(content, check_xsd=True)
        return xml
    return content


@pytest.mark.parametrize("customer", CUSTOMERS)
def test_credit_note_e_invoices_with_reason_and_a_part_are_valid(api, validator, customer):
    # given: an issued invoice of two lines (19 % and 7 % at home)
    company = api.patch(
        "tenant",
        {
            "email": "rechnung@acme.test",
            "phone": "+49 30 1234567",
            "iban": "DE89370400440532013000",
            "bic": "COBADEFFXXX",
        },
    )
    assert company.status_code == 200, company.content
    contact = api.post("contacts", CUSTOMERS[customer]).json()
    draft = api.post("invoices", {"contact_id": contact["id"], "currency": "EUR"}).json()
    for title, quantity, price, rate in (
        ("Wartung Fachverfahren", "6.75", "98.00", "19"),
        ("Fachbuch", "3", "49.90", "7"),
    ):
        line = {"title": title, "quantity": quantity, "unit": "HUR", "unit_price": price}
        r = api.post(f"invoices/{draft['id']}/lines", {**line, "vat_rate": rate})
        assert r.status_code == 201, r.content
    invoice = api.post(f"invoices/{draft['id']}/issue").json()
    first, second = invoice["lines"]

    # when: 2.25 of the first line and the whole second one are credited, with a reason
    response = api.post(
        f"invoices/{invoice['id']}/void",
        {
            "lines": [{"line_id": first["id"], "quantity": "2.25"}, {"line_id": second["id"]}],
            "reason": REASON,
        },
    )
    assert response.status_code == 201, response.content
    note = response.json()

    # then: every format offered for the credit note passes the official rules
    offered = [row["format"] for row in note["formats"] if row["available"]]
    assert {"pdf", "xrechnung-ubl", "xrechnung-cii", "peppol"} <= set(offered), note["formats"]
    for fmt in offered:
        if fmt == "facturx":  # the PDF carries it
            continue
        path = f"invoices/{note['id']}/" + ("pdf" if fmt == "pdf" else "einvoice")
        r = api.get(path) if fmt == "pdf" else api.get(path, format=fmt)
        assert r.status_code == 200, (fmt, r.content[:300])
        fatal = [p for p in validator.validate(r.content) if p.fatal]
        assert fatal == [], (fmt, fatal)
        xml = _xml_of(fmt, r.content)
        assert empty_elements(xml) == [], fmt
        doc = parse_einvoice(xml)
        assert differences(doc) == [], fmt
        assert sorted(parsed.quantity for parsed in doc.lines) == [Decimal("2.25"), Decimal("3")]
        for parsed in doc.lines:
            assert parsed.net == line_net(parsed.quantity, parsed.price), (fmt, parsed)
        # the reason is the invoice note (BT-22); CII names it with subject code ACD
        root = etree.fromstring(xml)
        notes = root.xpath("//*[local-name()='IncludedNote' or local-name()='Note']")
        assert any(REASON in (n.xpath("string(.)") or "") for n in notes), fmt
        if fmt != "xrechnung-ubl" and fmt != "peppol":
            [subject] = root.xpath("//*[local-name()='IncludedNote']/*[local-name()='SubjectCode']")
            assert subject.text == "ACD"
