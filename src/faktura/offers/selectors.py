"""Reads of offers and of the fixed-price billing of projects, always filtered by tenant."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from faktura.catalog.selectors import product_line_defaults
from faktura.common.errors import NotFound
from faktura.offers.models import Offer, OfferLine, ProjectInvoice
from faktura.work.selectors import project_budget


def offer_list(
    *, tenant, status: str | None = None, contact_id: int | None = None, project_id=None
) -> QuerySet[Offer]:
    qs = Offer.objects.filter(tenant=tenant).select_related("contact")
    if status:
        qs = qs.filter(status=status)
    if contact_id is not None:
        qs = qs.filter(contact_id=contact_id)
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    return qs.prefetch_related(
        Prefetch("lines", queryset=OfferLine.objects.order_by("position", "id"))
    )


def offer_get(*, tenant, offer_id: int) -> Offer:
    offer = offer_list(tenant=tenant).filter(pk=offer_id).first()
    if offer is None:
        raise NotFound("Offer not found.")
    return offer


def project_billing(*, tenant, project_id: int) -> dict | None:
    """The fixed-price billing of a project: the accepted offer, its price, the partial and
    final invoices that count (not voided) and what remains. None: no accepted offer."""
    offer = (
        Offer.objects.filter(tenant=tenant, project_id=project_id, status=Offer.Status.ACCEPTED)
        .select_related("project")
        .first()
    )
    if offer is None:
        return None
    rows = list(
        ProjectInvoice.objects.filter(tenant=tenant, project_id=project_id)
        .exclude(invoice__status="void")
        .select_related("invoice")
        .order_by("sequence", "id")
    )
    billed = sum((row.net_amount for row in rows), Decimal(0))
    project = offer.project
    assert project is not None  # an accepted offer always has its project
    return {
        "offer": offer,
        "price": offer.net_total,
        "currency": offer.currency,
        "invoices": rows,
        "billed": billed,
        "remaining": offer.net_total - billed,
        "final": any(row.kind == ProjectInvoice.Kind.FINAL for row in rows),
        "budget": project_budget(tenant=tenant, project=project),
    }


def product_defaults(*, tenant, contact, product_id: int) -> dict | None:
    """What a position of `product_id` takes for `contact` when left blank, priced by the
    customer's price list (`catalog.selectors.product_line_defaults`)."""
    return product_line_defaults(
        tenant=tenant, product_id=product_id, price_list_id=contact.price_list_id,
        currency=contact.currency,
    )  # fmt: skip
