"""Manual billable items: third-party costs or a special agreement, queued for a customer or
a project; the next draft of the customer takes them like any other pending item."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from faktura.billing.inputs import ManualItemCreate
from faktura.billing.models import BillableItem
from faktura.billing.services.pricing import TREATMENT_VAT
from faktura.catalog.models import LineKind
from faktura.catalog.selectors import unit_for_tenant
from faktura.common.context import CommandContext
from faktura.common.errors import ValidationFailed
from faktura.common.services import audit_record
from faktura.contacts.models import Contact
from faktura.contacts.selectors import contact_for_tenant
from faktura.core.invoice_math import line_net
from faktura.core.money import amount_places
from faktura.tenancy.selectors import tenant_today
from faktura.work.selectors import project_for_tenant


def manual_item_create(ctx: CommandContext, *, data: ManualItemCreate) -> BillableItem:
    """Queue a manual billable item for a customer (or a project and its customer): it joins
    the customer's next draft. VAT follows the customer's tax treatment as on every line."""
    ctx.require("manage_invoices")
    project = None
    contact: Contact
    if data.project_id is not None:
        project = project_for_tenant(ctx.tenant, data.project_id)
        if project.contact is None:
            raise ValidationFailed.field("project_id", "The project has no customer to bill.")
        if data.contact_id is not None and data.contact_id != project.contact_id:
            raise ValidationFailed.field("contact_id", "The project belongs to another customer.")
        contact = project.contact
    elif data.contact_id is not None:
        contact = contact_for_tenant(ctx.tenant, data.contact_id)
    else:
        raise ValidationFailed.field("contact_id", "Give a customer or a project.")
    unit = unit_for_tenant(ctx.tenant, code=data.unit.upper()).code
    currency = project.currency if project is not None else contact.currency
    category, rate = TREATMENT_VAT.get(contact.tax_treatment, ("S", data.vat_rate))
    day: dt.date = data.service_date or tenant_today(ctx.tenant)
    with transaction.atomic():
        item = BillableItem.objects.create(
            tenant=ctx.tenant,
            kind=LineKind.MANUAL,
            project=project,
            contact=contact,
            product_name=data.title,
            description=data.title,
            unit=unit,
            quantity=data.quantity,
            unit_price=data.unit_price,
            amount=line_net(data.quantity, data.unit_price, amount_places(currency)),
            currency=currency,
            price_source="manual",
            vat_category=category,
            vat_rate=rate,
            service_date=day,
        )
        audit_record(
            ctx, action="billable_item_create", obj=item, data=data.model_dump(mode="json")
        )
    return item
