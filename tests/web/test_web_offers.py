"""The offers screens: write an offer with a product priced by the customer's price list,
send it, accept it, and bill the fixed-price project from its page."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from faktura.billing.inputs import InvoiceCreate
from faktura.billing.models import Invoice
from faktura.billing.services.invoices import invoice_create
from faktura.offers.models import Offer
from tests.web.web_helpers import ctx_for


def test_an_offer_is_written_sent_accepted_and_billed_from_the_pages(browser, web_data, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    customer = web_data.customer
    assert browser.get(reverse("web:offer_list")).status_code == 200

    # a new offer for the customer
    r = browser.post(reverse("web:offer_new"), {"contact_id": customer.pk, "title": "Rollout"})
    assert r.status_code == 302
    offer = Offer.objects.get()

    # a product left unpriced takes the customer's price list price (90, not the product's 95)
    r = browser.post(
        reverse("web:offer_line_add", args=[offer.pk]),
        {"product_id": web_data.product.pk, "title": "", "quantity": "10", "unit": "",
         "unit_price": "", "vat_rate": ""},
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    # a free-text discount line
    r = browser.post(
        reverse("web:offer_line_add", args=[offer.pk]),
        {"title": "Rabatt", "quantity": "-1", "unit": "C62", "unit_price": "50",
         "vat_rate": "19"},
    )  # fmt: skip
    assert r.status_code == 302
    offer.refresh_from_db()
    lines = list(offer.lines.order_by("position"))
    assert [(line.title, line.unit, line.unit_price) for line in lines] == [
        ("IT support", "HUR", Decimal("90.000000")),
        ("Rabatt", "C62", Decimal("50.000000")),
    ]
    assert offer.net_total == Decimal("850.00")
    page = browser.get(reverse("web:offer_detail", args=[offer.pk])).content.decode()
    assert "Rollout" in page and "IT support" in page

    # a missing title without a product is shown on the form, nothing is added
    r = browser.post(
        reverse("web:offer_line_add", args=[offer.pk]),
        {"title": "", "quantity": "1", "unit": "C62", "unit_price": "5", "vat_rate": "19"},
    )  # fmt: skip
    assert r.status_code == 200 and 'data-field="title"' in r.content.decode()
    assert offer.lines.count() == 2

    # sent, accepted: the project page offers partial and final invoices
    r = browser.post(reverse("web:offer_send", args=[offer.pk]), {"to": "a@kunde.test"})
    assert r.status_code == 302
    r = browser.post(reverse("web:offer_accept", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.status == "accepted" and r.url == reverse(
        "web:project_detail", args=[offer.project_id]
    )
    project_page = browser.get(r.url).content.decode()
    assert 'id="fixed-price"' in project_page and "data-budget-warning" in project_page

    r = browser.post(
        reverse("web:project_partial_invoice", args=[offer.project_id]), {"percent": "50"}
    )
    partial = Invoice.objects.get(project_id=offer.project_id)
    assert r.url == reverse("web:invoice_detail", args=[partial.pk])
    assert partial.net_total == Decimal("425.00")
    assert browser.get(reverse("web:offer_pdf", args=[offer.pk])).content[:5] == b"%PDF-"


def test_the_budget_warning_is_set_on_the_project_form(browser, web_data):
    project = web_data.project
    page = browser.get(reverse("web:project_edit", args=[project.pk])).content.decode()
    assert 'name="budget_warning_percent"' in page
    form = {
        "name": project.name, "number": project.number, "contact_id": project.contact_id,
        "kind": project.kind, "scope": project.scope, "value_group": project.value_group,
        "billing_model": project.billing_model, "status": project.status,
        "currency": project.currency, "budget_hours": "20", "budget_warning_percent": "90",
        "tr_increment": "", "tr_direction": "", "tr_minimum": "", "tr_level": "",
    }  # fmt: skip
    r = browser.post(reverse("web:project_edit", args=[project.pk]), form)
    assert r.status_code == 302, r.content.decode()[:3000]
    project.refresh_from_db()
    assert project.budget_warning_percent == 90


def test_the_draft_review_picks_a_product_priced_by_the_customers_price_list(
    browser, owner, web_data
):
    draft = invoice_create(ctx_for(owner), data=InvoiceCreate(contact_id=web_data.customer.pk))
    page = browser.get(reverse("web:invoice_detail", args=[draft.pk])).content.decode()
    assert 'name="product_id"' in page

    r = browser.post(
        reverse("web:draft_line_add", args=[draft.pk]),
        {"product_id": web_data.product.pk, "title": "", "quantity": "2", "unit": "",
         "unit_price": "", "vat_rate": ""},
    )  # fmt: skip
    assert r.status_code in (200, 302)
    [line] = draft.lines.all()
    # the customer's price list says 90 (the product's own price is 95)
    assert (line.title, line.unit, line.unit_price, line.net_amount) == (
        "IT support", "HUR", Decimal("90.000000"), Decimal("180.00"),
    )  # fmt: skip


def test_the_entry_form_offers_goods_and_expense_products(browser, web_data):
    page = browser.get(reverse("web:my_time")).content.decode()
    assert 'name="product_id"' in page
