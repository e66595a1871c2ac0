"""Creating and changing subscriptions, project products and manual billable items."""

from __future__ import annotations

from django.db import transaction

from faktura.billing.services.idempotency import idempotent
from faktura.catalog.selectors import product_for_tenant
from faktura.common.context import CommandContext
from faktura.common.errors import ValidationFailed
from faktura.common.services import audit_record
from faktura.contacts.selectors import contact_for_tenant
from faktura.core import subscriptions as periods
from faktura.subscriptions.errors import SubscriptionBilled, SubscriptionEnded
from faktura.subscriptions.inputs import (
    PriceChange,
    ProjectProductCreate,
    SubscriptionCreate,
    SubscriptionUpdate,
)
from faktura.subscriptions.models import ProjectProduct, Subscription, SubscriptionPrice
from faktura.subscriptions.selectors import subscription_get
from faktura.tenancy.selectors import tenant_today
from faktura.work.models import Project
from faktura.work.selectors import project_for_tenant, project_get


def _project(ctx: CommandContext, project_id: int | None, contact_id: int) -> Project | None:
    if project_id is None:
        return None
    project = project_for_tenant(ctx.tenant, project_id)
    if project.contact_id != contact_id:
        raise ValidationFailed.field("project_id", "The project belongs to another customer.")
    return project


def _set_prices(ctx: CommandContext, sub: Subscription, prices: list[PriceChange]) -> None:
    days = [price.effective_from for price in prices]
    if len(set(days)) != len(days):
        raise ValidationFailed.field("prices", "One price change per day.")
    SubscriptionPrice.objects.filter(subscription=sub).delete()
    SubscriptionPrice.objects.bulk_create(
        SubscriptionPrice(
            tenant=ctx.tenant,
            subscription=sub,
            effective_from=price.effective_from,
            unit_price=price.unit_price,
        )
        for price in prices
    )


def _schedule(sub: Subscription) -> None:
    """`next_due` from the subscription's dates and what was billed."""
    sub.next_due = periods.next_due(
        interval=sub.interval,
        billing=sub.billing,
        start_date=sub.start_date,
        end_date=sub.end_date,
        billed_through=sub.billed_through,
    )


def subscription_create(
    ctx: CommandContext, *, data: SubscriptionCreate, idempotency_key: str = ""
) -> Subscription:
    """Start billing a product to a customer every period from `start_date` (earlier periods
    are caught up by the next due run). A replayed `idempotency_key` answers the subscription
    its first request made."""
    ctx.require("manage_invoices")
    return idempotent(
        ctx,
        scope="subscription_create",
        key=idempotency_key,
        request=data.model_dump(mode="json"),
        run=lambda: _subscription_create(ctx, data=data),
        model=Subscription,
    )


def _subscription_create(ctx: CommandContext, *, data: SubscriptionCreate) -> Subscription:
    if data.end_date is not None and data.end_date < data.start_date:
        raise ValidationFailed.field("end_date", "Must not be before the start date.")
    contact = contact_for_tenant(ctx.tenant, data.contact_id)
    product = product_for_tenant(ctx.tenant, data.product_id)
    project = _project(ctx, data.project_id, contact.pk)
    with transaction.atomic():
        sub = Subscription(
            tenant=ctx.tenant,
            contact=contact,
            product=product,
            project=project,
            interval=data.interval,
            billing=data.billing,
            start_date=data.start_date,
            end_date=data.end_date,
            quantity=data.quantity,
            unit_price=data.unit_price,
            description=data.description,
        )
        _schedule(sub)
        sub.save()
        _set_prices(ctx, sub, data.prices)
        audit_record(ctx, action="subscription_create", obj=sub, data=data.model_dump(mode="json"))
    return sub


def subscription_update(
    ctx: CommandContext, *, subscription_id: int, data: SubscriptionUpdate
) -> Subscription:
    """Change the fields given. Once a period was billed, start, interval and billing stay (409
    `subscription_billed`); an ended subscription changes no more (409). A paused subscription
    made active again skips the periods of the pause (billing resumes with today's period)."""
    ctx.require("manage_invoices")
    changed = {name: getattr(data, name) for name in data.model_fields_set}
    with transaction.atomic():
        sub = subscription_get(tenant=ctx.tenant, subscription_id=subscription_id, lock=True)
        if sub.status == Subscription.Status.ENDED:
            raise SubscriptionEnded()
        for name in ("interval", "billing", "start_date", "status"):
            if name in changed and changed[name] is None:
                raise ValidationFailed.field(name, "Must not be null.")
        billed = sub.billed_through is not None and sub.billed_through > periods.period_start(
            sub.start_date, sub.interval
        )
        fixed = [
            name
            for name in ("interval", "billing", "start_date")
            if name in changed and changed[name] != getattr(sub, name)
        ]
        if billed and fixed:
            raise SubscriptionBilled(fields={name: "Billed already." for name in fixed})
        if "project_id" in changed:
            sub.project = _project(ctx, changed.pop("project_id"), sub.contact_id)
        prices = changed.pop("prices", None)
        status = changed.pop("status", None)
        for name, value in changed.items():
            setattr(sub, name, value)
        if sub.end_date is not None and sub.end_date < sub.start_date:
            raise ValidationFailed.field("end_date", "Must not be before the start date.")
        if status == Subscription.Status.ACTIVE and sub.status == Subscription.Status.PAUSED:
            today = periods.period_start(tenant_today(ctx.tenant), sub.interval)
            if sub.billed_through is None or sub.billed_through < today:
                sub.billed_through = today
        if status is not None:
            sub.status = status
        _schedule(sub)
        sub.save()
        if prices is not None:
            _set_prices(ctx, sub, prices)
        audit_record(
            ctx,
            action="subscription_update",
            obj=sub,
            data=data.model_dump(mode="json", include=data.model_fields_set),
        )
    return sub


def project_product_create(
    ctx: CommandContext, *, project_id: int, data: ProjectProductCreate
) -> ProjectProduct:
    """Attach a one-time product to a project; the due run bills it once when due."""
    ctx.require("manage_invoices")
    project = project_get(tenant=ctx.tenant, project_id=project_id)
    if project.contact_id is None:
        raise ValidationFailed.field("project_id", "The project has no customer to bill.")
    product = product_for_tenant(ctx.tenant, data.product_id)
    with transaction.atomic():
        row = ProjectProduct.objects.create(
            tenant=ctx.tenant,
            project=project,
            product=product,
            quantity=data.quantity,
            unit_price=data.unit_price,
            description=data.description,
            due=data.due,
        )
        audit_record(
            ctx, action="project_product_create", obj=row, data=data.model_dump(mode="json")
        )
    return row
