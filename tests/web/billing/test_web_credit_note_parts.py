"""Issue 15, credit-note form: a quantity per line (default: all that is left of it) and a
reason printed on the credit note; errors next to the field, in the page's language."""

from __future__ import annotations

from decimal import Decimal

import pytest
from billing_web import ISSUE_DAY
from django.urls import reverse

from faktura.billing.inputs import InvoiceIssue, InvoicesGenerate
from faktura.billing.models import BillableItem, Invoice
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.issue import invoice_issue
from tests.web.web_helpers import signed_in


@pytest.fixture
def invoice(world):
    """Issued: one ticket of 10 h at 95/h."""
    task = world.task(title="Wartung")
    item = world.item(task, minutes=600)
    [draft] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
    )
    issued = invoice_issue(world.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=ISSUE_DAY))
    issued.line = issued.lines.get()
    issued.item = item
    return issued


def _form(page: str) -> str:
    return page[page.index('id="credit-note"') :]


def _field_error(page: str, name: str) -> str:
    """The error shown in the field block of the input `name`."""
    start = page.index(f'name="{name}"')
    block = page[start : page.index("</div>", start)]
    return block


def test_a_part_of_a_line_with_a_reason(owner, world, invoice):
    browser = signed_in(owner, "de")
    url = reverse("web:invoice_detail", args=[invoice.pk])
    quantity = f"quantity_{invoice.line.pk}"

    # the form offers the line's quantity, all of it by default, in German
    form = _form(browser.get(url).content.decode())
    assert "Gutzuschreibende Menge" in form
    assert f'name="{quantity}" value="10"' in form
    assert 'name="reason"' in form

    # when: 2,5 h (German decimal comma) credited and written off, with a reason
    response = browser.post(
        reverse("web:invoice_credit", args=[invoice.pk]),
        {
            "scope": "lines",
            "line_ids": [str(invoice.line.pk)],
            quantity: "2,5",
            "entries": "write_off",
            "reason": "Ausfall am 3.3. <script>alert(1)</script>",
        },
    )

    # then: the credit note credits 2.5 h; its page shows the reason, escaped
    note = Invoice.objects.get(tenant=world.tenant, kind="credit_note")
    assert response["Location"] == reverse("web:invoice_detail", args=[note.pk])
    assert note.lines.get().quantity == Decimal("-2.5000")
    assert note.credit_reason == "Ausfall am 3.3. <script>alert(1)</script>"
    note_page = browser.get(response["Location"]).content.decode()
    assert "Ausfall am 3.3. &lt;script&gt;alert(1)&lt;/script&gt;" in note_page
    assert "<script>alert(1)</script>" not in note_page
    # the invoice: partly credited, 7,5 left to credit (the default of its field now)
    page = browser.get(url).content.decode()
    assert "teilweise gutgeschrieben, noch 7,5" in page
    assert f'name="{quantity}" value="7,5"' in _form(page)
    assert BillableItem.objects.get(pk=invoice.item.pk).status == "invoiced"


@pytest.mark.parametrize(
    ("language", "post", "message"),
    [
        ("de", {"quantity": "10,5"}, "Von dieser Position sind höchstens noch 10"),
        ("en", {"quantity": "10.5"}, "At most 10 is left to credit of this line."),
        ("de", {"quantity": "0"}, "Geben Sie eine Menge über 0 ein."),
        ("en", {"quantity": "-1"}, "Enter a quantity above 0."),
        (
            "de",
            {"quantity": "2", "entries": "release"},
            "Nur eine vollständig gutgeschriebene Position gibt ihre Leistungen frei",
        ),
        (
            "en",
            {"quantity": "2", "scope": "all"},
            "To credit a part of a line, choose &quot;The selected lines&quot; and select it.",
        ),
    ],
)
def test_a_bad_quantity_is_named_next_to_its_field(owner, world, invoice, language, post, message):
    browser = signed_in(owner, language)
    quantity = f"quantity_{invoice.line.pk}"
    data = {
        "scope": post.get("scope", "lines"),
        "line_ids": [str(invoice.line.pk)],
        quantity: post["quantity"],
        "entries": post.get("entries", "write_off"),
    }

    response = browser.post(reverse("web:invoice_credit", args=[invoice.pk]), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert '<section class="card" id="credit-note" data-scroll-here>' in page
    assert message in _field_error(page, quantity)
    assert not Invoice.objects.filter(tenant=world.tenant, kind="credit_note").exists()


def test_a_reason_the_documents_cannot_print_is_named_on_its_field(owner, world, invoice):
    browser = signed_in(owner, "en")

    response = browser.post(
        reverse("web:invoice_credit", args=[invoice.pk]),
        {"scope": "all", "entries": "write_off", "reason": "Storno \x07 bell"},
    )

    assert response.status_code == 200
    form = _form(response.content.decode())
    start = form.index('name="reason"')
    field = form[form.rindex('<div class="field', 0, start) : form.index("</div>", start)]
    assert "field-error" in field, field
    assert not Invoice.objects.filter(tenant=world.tenant, kind="credit_note").exists()
