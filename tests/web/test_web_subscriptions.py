"""The subscriptions page, its forms, the due run button and manual items (issue 13)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from faktura.billing.models import BillableItem
from faktura.catalog.models import Product, Unit
from faktura.contacts.models import Contact
from faktura.subscriptions.models import Subscription


def _product(tenant):
    return Product.objects.create(
        tenant=tenant, name="Hosting", unit=Unit.objects.get(tenant=tenant, code="MON"),
        default_unit_price=Decimal("49.00"),
    )  # fmt: skip


def test_create_edit_and_list_subscriptions(browser, owner):
    tenant = owner.tenant
    contact = Contact.objects.create(tenant=tenant, name="Acme GmbH")
    product = _product(tenant)

    page = browser.get(reverse("web:subscriptions"))
    assert page.status_code == 200
    response = browser.post(
        reverse("web:subscription_create"),
        {"contact_id": contact.pk, "product_id": product.pk, "interval": "monthly",
         "billing": "advance", "start_date": "2026-01-01", "quantity": "", "unit_price": "12.50"},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 302, body[body.find("<main") :][:3000]
    sub = Subscription.objects.get()
    assert (sub.quantity, sub.unit_price) == (None, Decimal("12.500000"))
    assert "Acme GmbH" in browser.get(reverse("web:subscriptions")).content.decode()

    edit = reverse("web:subscription_edit", args=[sub.pk])
    assert browser.get(edit).status_code == 200
    response = browser.post(
        edit,
        {"interval": "monthly", "billing": "advance", "start_date": "2026-01-01",
         "quantity": "3", "unit_price": "", "status": "active", "end_date": "2026-12-31"},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 302, body[body.find("<main") :][:3000]
    sub.refresh_from_db()
    assert (sub.quantity, sub.unit_price, sub.end_date) == (
        Decimal("3.0000"), None, dt.date(2026, 12, 31),
    )  # fmt: skip


def test_bad_subscription_input_is_shown_on_the_form(browser, owner):
    product = _product(owner.tenant)
    response = browser.post(
        reverse("web:subscription_create"),
        {"product_id": product.pk, "interval": "monthly", "billing": "advance",
         "start_date": "2026-01-01"},
    )  # fmt: skip
    assert response.status_code == 400
    assert not Subscription.objects.exists()


def test_manual_item_from_the_items_page(browser, owner):
    contact = Contact.objects.create(tenant=owner.tenant, name="Acme GmbH")
    page = browser.get(reverse("web:billing_items"))
    assert 'data-testid="manual-item-form"' in page.content.decode()
    response = browser.post(
        reverse("web:billing_manual_item"),
        {"contact_id": contact.pk, "title": "Travel", "quantity": "1", "unit": "C62",
         "unit_price": "180.00", "vat_rate": "19", "service_date": "2026-03-10"},
    )  # fmt: skip
    assert response.status_code == 302
    item = BillableItem.objects.get()
    assert (item.kind, item.amount, item.contact_id) == ("manual", Decimal("180.00"), contact.pk)


def test_project_products_on_the_project_page(browser, owner):
    from faktura.subscriptions.models import ProjectProduct
    from faktura.work.models import Project

    contact = Contact.objects.create(tenant=owner.tenant, name="Acme GmbH")
    project = Project.objects.create(tenant=owner.tenant, name="Shop", contact=contact)
    product = _product(owner.tenant)
    page = browser.get(reverse("web:project_detail", args=[project.pk]))
    assert 'data-testid="project-product-form"' in page.content.decode()
    response = browser.post(
        reverse("web:project_product_add", args=[project.pk]),
        {"product_id": product.pk, "quantity": "2", "unit_price": "", "due": "next_run"},
    )
    assert response.status_code == 302
    row = ProjectProduct.objects.get()
    assert (row.project_id, row.quantity, row.unit_price) == (project.pk, Decimal("2"), None)
    assert (
        "Hosting" in browser.get(reverse("web:project_detail", args=[project.pk])).content.decode()
    )
