"""Issue 9: every issued invoice has its documents. Issuing renders the PDF (Factur-X) and
every XML format inside the issuing transaction; text the fonts cannot print and any render
failure are refused with 422 before anything commits, so no number is taken and the series
keeps no gap. Text people type (diacritics, Greek, Cyrillic, emoji) renders."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from faktura.billing.errors import DocumentsUnrenderable, InvoiceInvalid
from faktura.billing.inputs import InvoiceCreate, InvoiceLineAdd, InvoicesGenerate
from faktura.billing.models import Invoice, InvoiceLine, NumberSequence
from faktura.billing.selectors.invoices import invoice_formats
from faktura.billing.services import documents as documents_service
from faktura.billing.services.credit_notes import credit_note_create
from faktura.billing.services.invoices import invoice_create, invoice_line_add
from faktura.billing.services.issue import invoice_issue
from faktura.documents.models import StoredDocument
from faktura.documents.rendering.renderer import RenderError
from faktura.work.models import TaskEntry

TITLES = {
    "diacritics": "Łódź Ærøskøbing Šťastný Ğüşçö Árvíztűrő tükörfúrógép Ĳsselmeer ẞ",
    "greek": "Συντήρηση διακομιστή Ωμέγα",
    "cyrillic": "Миграция сервера Київ Ђорђе",
    "emoji": "Deployment 🚀 done 👍🏽 ❤️",
}


def _draft(world, *titles: str, description: str = "") -> Invoice:
    invoice = invoice_create(world.ctx, data=InvoiceCreate(contact_id=world.contact().pk))
    for title in titles:
        invoice_line_add(
            world.ctx,
            invoice_id=invoice.pk,
            data=InvoiceLineAdd(
                title=title,
                description=description,
                quantity="1",
                unit="HUR",
                unit_price="100",
                vat_rate="19",
            ),
        )
    return invoice


def _pdf_text(pdf: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "pdftotext (Debian poppler-utils, `make e2e-deps`)"
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


def _numbers_taken(world) -> int:
    return sum(s.last_value for s in NumberSequence.objects.filter(tenant=world.tenant))


def test_issue_stores_every_document_before_it_returns(world):
    # given
    draft = _draft(world, "Consulting")

    # when
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk)

    # then: the documents exist already (no task ran): every available format, each once
    stored = list(StoredDocument.objects.filter(invoice=invoice).values_list("format", flat=True))
    available = {
        row["format"]
        for row in invoice_formats(invoice)
        if row["available"] and row["format"] != "facturx"  # the PDF carries the Factur-X
    }
    assert "pdf" in stored
    assert sorted(stored) == sorted(available)


def test_diacritics_greek_cyrillic_and_emoji_are_issued_and_printed(world, api, tmp_path):
    # given: the texts as a member types them, in a task title and on manual lines
    task = world.task(world.project(world.contact()), title=TITLES["emoji"] + " " + TITLES["greek"])
    items = [world.item(task, minutes=60)]
    from faktura.billing.services.generation import invoices_generate

    [draft] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[i.pk for i in items], grouping="contact"),
    )
    for title in TITLES.values():
        invoice_line_add(
            world.ctx,
            invoice_id=draft.pk,
            data=InvoiceLineAdd(
                title=title,
                description="Zeile 1\nZeile 2 ✓",
                quantity="1",
                unit="HUR",
                unit_price="10",
                vat_rate="19",
            ),
        )

    # when
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk)

    # then: the stored PDF holds every text, extracted by an independent tool
    r = api.get(f"invoices/{invoice.pk}/pdf")
    assert r.status_code == 200
    text = _pdf_text(r.content, tmp_path)
    for title in TITLES.values():
        for word in title.split():
            assert word in text, (word, text)
    assert TITLES["greek"].split()[0] in text


@pytest.mark.parametrize(
    ("title", "char"),
    [
        ("データ移行", "U+30C7"),
        ("ترحيل الخادم", "U+062A"),
        ("서버 이전", "U+C11C"),
    ],
)
def test_scripts_the_fonts_lack_are_refused_before_issue_naming_field_and_text(
    world, api, title, char
):
    # given
    draft = _draft(world, "Consulting", title)

    # when
    r = api.post(f"invoices/{draft.pk}/issue", {})

    # then: 422 naming the line's title and the text; no number, nothing stored
    assert r.status_code == 422, r.content
    error = r.json()["error"]
    assert error["code"] == "invoice_invalid"
    assert "lines[1].title" in error["fields"]
    assert title in error["fields"]["lines[1].title"]
    assert char in error["fields"]["lines[1].title"]
    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("draft", None)
    assert _numbers_taken(world) == 0
    assert not StoredDocument.objects.filter(tenant=world.tenant).exists()


def test_a_control_character_stored_before_the_input_rule_is_refused_at_issue(world, api):
    # given: a line title written before control characters were refused at input
    draft = _draft(world, "Consulting")
    InvoiceLine.objects.filter(invoice=draft).update(title="Ring\u0007bell")

    # when
    r = api.post(f"invoices/{draft.pk}/issue", {})

    # then: no 500 and no invoice without documents
    assert r.status_code == 422
    assert "U+0007" in r.json()["error"]["fields"]["lines[0].title"]
    assert _numbers_taken(world) == 0


def test_a_failing_render_takes_no_number_and_leaves_no_gap(world, api, monkeypatch):
    # given: the PDF renderer fails once
    first, second = _draft(world, "First"), _draft(world, "Second")

    def broken(*args, **kwargs):
        raise RenderError("invoice.typ: the renderer broke\ndetails")

    monkeypatch.setattr(documents_service, "render_facturx_pdf", broken)

    # when
    r = api.post(f"invoices/{first.pk}/issue", {})

    # then: 422, the draft keeps no number, nothing is stored, no number is used up
    assert r.status_code == 422, r.content
    assert r.json()["error"]["code"] == "documents_unrenderable"
    assert "the renderer broke" in r.json()["error"]["fields"]["documents"]
    first.refresh_from_db()
    assert (first.status, first.number) == ("draft", None)
    assert _numbers_taken(world) == 0
    assert not StoredDocument.objects.filter(tenant=world.tenant).exists()

    # and: once it renders again, the numbers follow each other without a gap
    monkeypatch.undo()
    a = invoice_issue(world.ctx, invoice_id=second.pk)
    b = invoice_issue(world.ctx, invoice_id=first.pk)
    assert (a.sequence_value, b.sequence_value) == (1, 2)
    assert StoredDocument.objects.filter(invoice=b, format="pdf").exists()


def test_a_failing_xml_build_refuses_the_credit_note_without_a_number(world, monkeypatch):
    # given
    invoice = invoice_issue(world.ctx, invoice_id=_draft(world, "Consulting").pk)

    def broken(snapshot, fmt):
        raise ValueError("All strings must be XML compatible")

    monkeypatch.setattr(documents_service.einvoice, "build", broken)

    # when / then
    with pytest.raises(DocumentsUnrenderable):
        credit_note_create(world.ctx, invoice_id=invoice.pk)
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()
    invoice.refresh_from_db()
    assert invoice.status == "issued"

    monkeypatch.undo()
    note = credit_note_create(world.ctx, invoice_id=invoice.pk)
    assert note.sequence_value == 1
    assert StoredDocument.objects.filter(invoice=note, format="pdf").exists()


def test_credit_note_refuses_a_seller_name_the_fonts_cannot_print(world):
    # given: the profile changed after the invoice was issued (stored before the rule)
    invoice = invoice_issue(world.ctx, invoice_id=_draft(world, "Consulting").pk)
    type(world.tenant).objects.filter(pk=world.tenant.pk).update(name="株式会社 Acme")

    # when / then
    with pytest.raises(InvoiceInvalid) as caught:
        credit_note_create(world.ctx, invoice_id=invoice.pk)
    assert "株式会社 Acme" in caught.value.fields["seller.name"]
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()


def test_documents_render_stays_idempotent_after_issue(world):
    invoice = invoice_issue(world.ctx, invoice_id=_draft(world, "Consulting").pk)
    before = {d.format: d.sha256 for d in StoredDocument.objects.filter(invoice=invoice)}
    documents_service.invoice_documents_render(invoice_id=invoice.pk)
    after = {d.format: d.sha256 for d in StoredDocument.objects.filter(invoice=invoice)}
    assert after == before


def test_the_draft_lists_unprintable_text_before_settle(world, api):
    # given
    draft = _draft(world, "Consulting", "ترحيل الخادم")

    # when
    r = api.get(f"invoices/{draft.pk}")

    # then: the reviewer sees it as an error of the second line, before Settle
    problems = [w for w in r.json()["warnings"] if w["code"] == "unprintable_text"]
    assert [(p["path"], p["severity"]) for p in problems] == [("lines[1].title", "error")]
    assert "ترحيل الخادم" in problems[0]["message"]


def test_a_timesheet_entry_the_fonts_cannot_print_is_refused_at_issue(world, api):
    # given: the timesheet appendix prints each entry's description
    type(world.tenant).objects.filter(pk=world.tenant.pk).update(timesheet_appendix=True)
    task = world.task(world.project(world.contact()), title="Migration")
    items = [world.item(task, minutes=60)]
    TaskEntry.objects.filter(pk=items[0].entry_id).update(description="サーバー移行")
    from faktura.billing.services.generation import invoices_generate

    [draft] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[i.pk for i in items], grouping="contact"),
    )

    # when
    r = api.post(f"invoices/{draft.pk}/issue", {})

    # then: refused naming the entry's row on the line, no number taken
    assert r.status_code == 422, r.content
    fields = r.json()["error"]["fields"]
    assert "サーバー移行" in fields["lines[0].timesheet[1].description"]
    assert _numbers_taken(world) == 0
