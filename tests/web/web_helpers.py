"""Helpers for UI tests: signed-in clients and a tenant with some of everything."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from html import unescape

from django.test import Client

from faktura.catalog import services as catalog
from faktura.catalog.inputs import PriceListCreate, PriceSet, ProductAssignmentCreate, ProductCreate
from faktura.common.context import CommandContext
from faktura.common.inputs import parse
from faktura.contacts.inputs import ContactCreate
from faktura.contacts.services import contact_create
from faktura.tenancy.inputs import TeamCreate
from faktura.tenancy.models import Membership
from faktura.tenancy.services import team_create
from faktura.work import services as work
from faktura.work.inputs import EntryCreate, ProjectCreate, ProjectMemberRate, TaskCreate

UTC = dt.UTC


def field_error(html: str, field: str) -> str:
    """The error text rendered under a field, unescaped ('' when there is none)."""
    block = re.search(rf'data-field="{field}">(.*?)</div>', html, re.S)
    assert block, f"no field {field} on the page"
    error = re.search(r'<p class="field-error"[^>]*>(.*?)</p>', block.group(1), re.S)
    return unescape(error.group(1)) if error else ""


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A fixed instant in March 2026 (UTC); the tenant's zone is Europe/Berlin."""
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def ctx_for(membership: Membership) -> CommandContext:
    return CommandContext(
        tenant=membership.tenant, membership=membership, user=membership.user, source="ui"
    )


def signed_in(membership: Membership, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(membership.user)
    return client


@dataclass
class WebData:
    customer: object
    eu_customer: object
    price_list: object
    product: object
    project: object
    internal: object
    task: object
    other_task: object
    waste_task: object
    member: Membership
    approver: Membership
    time_entry: object
    submitted: object


def build_web_data(owner, make_member) -> WebData:
    """Customers, catalog, an external and an internal project, tasks and entries (March 2026)."""
    ctx = ctx_for(owner)
    price_list = catalog.price_list_create(
        ctx, data=PriceListCreate(name="Standard 2026", currency="EUR")
    )
    product = catalog.product_create(
        ctx,
        data=ProductCreate(
            name="IT support", sku="SUP-1", unit="HUR", default_unit_price=Decimal("95")
        ),
    )
    catalog.price_list_item_set(
        ctx,
        price_list_id=price_list.pk,
        product_id=product.pk,
        data=PriceSet(unit_price=Decimal("90")),
    )
    customer = contact_create(
        ctx,
        data=ContactCreate(
            name="Müller Maschinenbau GmbH", city="Köln", price_list_id=price_list.pk
        ),
    )
    eu_customer = contact_create(
        ctx,
        data=ContactCreate(
            name="Wiener Datentechnik GmbH",
            country="AT",
            vat_id="ATU13585627",
            tax_treatment="reverse_charge",
        ),
    )
    project = work.project_create(
        ctx,
        data=parse(
            ProjectCreate,
            dict(
                name="Managed services",
                contact_id=customer.pk,
                kind="ongoing",
                hourly_rate=Decimal("98.50"),
            ),
        ),
    )
    internal = work.project_create(
        ctx,
        data=parse(ProjectCreate, dict(name="Technical issues", scope="internal", value_group="D")),
    )
    team = team_create(ctx, data=TeamCreate(name="Service desk"))
    member = make_member("member", name="Mia Member", team_id=team.pk)
    approver = make_member("approver", name="Anton Approver")
    work.project_member_set_rate(
        ctx,
        project_id=project.pk,
        membership_id=member.pk,
        data=parse(ProjectMemberRate, dict(hourly_rate=Decimal("80"))),
    )
    task = work.task_create(
        ctx,
        data=parse(
            TaskCreate,
            dict(
                project_id=project.pk,
                title="Printer on floor 2 jams",
                estimate_hours=Decimal("2"),
                unit_price=Decimal("120"),
                assignee_id=member.pk,
            ),
        ),
    )
    other_task = work.task_create(
        ctx, data=parse(TaskCreate, dict(project_id=project.pk, title="New laptop for Ms. Kaya"))
    )
    waste_task = work.task_create(
        ctx, data=parse(TaskCreate, dict(project_id=internal.pk, title="VPN outage"))
    )
    catalog.product_assignment_create(
        ctx,
        data=ProductAssignmentCreate(
            scope="contact", scope_id=customer.pk, line_kind="task_entry", product_id=product.pk
        ),
    )
    time_entry = work.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(task_id=task.pk, kind="time", started_at=at(2, 8), stopped_at=at(2, 9, 30)),
        ),
    )
    work.entry_submit(ctx, entry_id=time_entry.pk)
    work.entry_approve(ctx, entry_id=time_entry.pk)
    work.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(task_id=task.pk, kind="mileage", distance_km=Decimal("42"), date="2026-03-02"),
        ),
    )
    work.entry_create(
        ctx,
        data=parse(
            EntryCreate,
            dict(
                task_id=waste_task.pk, kind="time", started_at=at(3, 12), stopped_at=at(3, 12, 45)
            ),
        ),
    )
    member_ctx = ctx_for(member)
    submitted = work.entry_create(
        member_ctx,
        data=parse(
            EntryCreate,
            dict(
                task_id=other_task.pk,
                kind="time",
                started_at=at(4, 9),
                stopped_at=at(4, 11),
                description="Set up the laptop",
            ),
        ),
    )
    work.entry_submit(member_ctx, entry_id=submitted.pk)
    return WebData(
        customer=customer,
        eu_customer=eu_customer,
        price_list=price_list,
        product=product,
        project=project,
        internal=internal,
        task=task,
        other_task=other_task,
        waste_task=waste_task,
        member=member,
        approver=approver,
        time_entry=time_entry,
        submitted=submitted,
    )
