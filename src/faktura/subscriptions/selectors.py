"""Reads of subscriptions and project products, always filtered by tenant."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from faktura.common.errors import NotFound
from faktura.subscriptions.models import ProjectProduct, Subscription, SubscriptionPrice
from faktura.work.selectors import project_get


def _subscriptions(tenant) -> QuerySet[Subscription]:
    return (
        Subscription.objects.filter(tenant=tenant)
        .select_related("contact", "product", "project")
        .prefetch_related(Prefetch("prices", SubscriptionPrice.objects.order_by("effective_from")))
    )


def subscription_list(
    *,
    tenant,
    contact_id: int | None = None,
    project_id: int | None = None,
    status: str | None = None,
) -> QuerySet[Subscription]:
    rows = _subscriptions(tenant)
    if contact_id is not None:
        rows = rows.filter(contact_id=contact_id)
    if project_id is not None:
        rows = rows.filter(project_id=project_id)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("contact__name", "id")


def subscription_get(*, tenant, subscription_id: int, lock: bool = False) -> Subscription:
    rows = _subscriptions(tenant) if not lock else Subscription.objects.select_for_update()
    found = rows.filter(tenant=tenant, pk=subscription_id).first()
    if found is None:
        raise NotFound("Subscription not found.")
    return found


def project_product_list(*, tenant, project_id: int) -> QuerySet[ProjectProduct]:
    project_get(tenant=tenant, project_id=project_id)  # 404 for another tenant's project
    return (
        ProjectProduct.objects.filter(tenant=tenant, project_id=project_id)
        .select_related("product")
        .order_by("id")
    )
