"""Billing a fixed-price project agreed by an accepted offer: partial and final invoices.

The agreed price is the offer's net total. A partial invoice bills a share of it (a percentage
or a net amount) as one line per VAT group of the offer, split in proportion to the groups'
net amounts (largest remainder, so the lines sum exactly to the share). The final invoice lists
every offer position and deducts each issued partial invoice with its VAT: one negative line per
VAT group of that partial invoice ("less partial invoice 2026-0007"), so its net, VAT and gross
are what remains to be paid and the VAT of each partial invoice is declared once, on the partial
invoice (section 14 (5) UStG).

A fixed price is billed once: no partial invoice beyond 100 % of the price, one final invoice,
and none while a partial invoice is still a draft. A voided (credited) invoice no longer counts.
The project row is locked while these are checked, so two requests cannot both pass them.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from faktura.billing.models import ISSUED, Invoice, InvoiceLine
from faktura.billing.services.drafts import totals_store
from faktura.billing.services.invoices import draft_new
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound
from faktura.common.services import audit_record
from faktura.core.invoice_math import line_net
from faktura.core.money import allocate, amount_places, quantize, quantize_amount
from faktura.documents.rendering.formatting import format_date, format_rate
from faktura.offers.errors import (
    NotFixedPriceProject,
    PartialBeyondPrice,
    PartialInvoiceNotIssued,
    ProjectFullyBilled,
)
from faktura.offers.inputs import PartialInvoiceCreate
from faktura.offers.models import Offer, OfferLine, ProjectInvoice
from faktura.work.models import Project

Kind = ProjectInvoice.Kind
LIVE = (Invoice.Status.DRAFT, Invoice.Status.ISSUED, Invoice.Status.SENT, Invoice.Status.PAID)
BILLED = tuple(status for status in ISSUED if status != Invoice.Status.VOID)
HUNDRED = Decimal(100)

PARTIAL_TITLE = {
    "de": "Abschlagsrechnung {n} ({percent}) zu Angebot {offer}",
    "en": "Partial invoice {n} ({percent}) for offer {offer}",
}
DEDUCTION_TITLE = {
    "de": "abzüglich Abschlagsrechnung {number} vom {date}",
    "en": "less partial invoice {number} of {date}",
}


def _project_offer(ctx: CommandContext, project_id: int) -> tuple[Project, Offer]:
    """The project, row-locked, and the accepted offer it bills (422 otherwise)."""
    project = Project.objects.select_for_update().filter(tenant=ctx.tenant, pk=project_id).first()
    if project is None:
        raise NotFound("Project not found.")
    offer = (
        Offer.objects.filter(tenant=ctx.tenant, project=project, status=Offer.Status.ACCEPTED)
        .select_related("contact")
        .first()
    )
    if offer is None or project.billing_model != Project.BillingModel.FIXED_PRICE:
        raise NotFixedPriceProject(
            "Partial and final invoices bill a fixed-price project agreed by an accepted offer."
        )
    if offer.net_total <= 0:
        raise NotFixedPriceProject("The accepted offer has no price to bill.")
    return project, offer


def _live_invoices(project: Project) -> list[ProjectInvoice]:
    """The project's partial and final invoices that count (drafts and issued, not voided)."""
    return list(
        ProjectInvoice.objects.filter(project=project, invoice__status__in=LIVE)
        .select_related("invoice")
        .order_by("sequence", "id")
    )


def _offer_label(offer: Offer) -> str:
    return (
        f"{offer.number} „{offer.title}“"
        if offer.language == "de"
        else (f'{offer.number} "{offer.title}"')
    )


def project_partial_invoice(
    ctx: CommandContext, *, project_id: int, data: PartialInvoiceCreate
) -> Invoice:
    """A draft partial invoice of the project's price: `percent` of the offer's net total or
    a net `amount`. Errors: 422 `not_fixed_price_project`, `partial_beyond_price` (the partial
    invoices would pass 100 %); 409 `project_fully_billed` (the final invoice exists)."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        project, offer = _project_offer(ctx, project_id)
        live = _live_invoices(project)
        if any(row.kind == Kind.FINAL for row in live):
            raise ProjectFullyBilled()
        places = amount_places(offer.currency)
        price = offer.net_total
        if data.percent is not None:
            percent = data.percent
            amount = quantize_amount(price * percent / HUNDRED, places)
        else:
            assert data.amount is not None
            amount = data.amount
            percent = quantize(amount * HUNDRED / price, 4)
        billed = sum((row.net_amount for row in live), Decimal(0))
        if amount <= 0 or billed + amount > price:
            raise PartialBeyondPrice(
                f"{billed} of {price} {offer.currency} are billed by partial invoices; "
                f"{amount} more would pass the agreed price.",
                fields={"percent" if data.percent is not None else "amount": "Too much."},
            )
        sequence = 1 + max((row.sequence for row in live if row.kind == Kind.PARTIAL), default=0)
        invoice = draft_new(ctx, contact=offer.contact, currency=offer.currency, project=project)
        language = "en" if invoice.language == "en" else "de"
        title = PARTIAL_TITLE[language].format(
            n=sequence, percent=f"{format_rate(percent.normalize(), language)}",
            offer=_offer_label(offer),
        )  # fmt: skip
        groups = [row for row in offer.vat_breakdown if Decimal(row["taxable_amount"]) > 0]
        shares = allocate(amount, [Decimal(row["taxable_amount"]) for row in groups], places)
        for position, (row, share) in enumerate(zip(groups, shares, strict=True), start=1):
            if share:
                _line(invoice, position, title, Decimal(1), share, row)
        totals_store(invoice)
        ProjectInvoice.objects.create(
            tenant=ctx.tenant, project=project, offer=offer, invoice=invoice, kind=Kind.PARTIAL,
            sequence=sequence, percent=percent, net_amount=amount,
        )  # fmt: skip
        audit_record(
            ctx, action="project_partial_invoice", obj=invoice,
            data={"project_id": project.pk, "offer_id": offer.pk, "amount": str(amount),
                  "percent": str(percent)},
        )  # fmt: skip
    return invoice


def project_final_invoice(ctx: CommandContext, *, project_id: int) -> Invoice:
    """The draft final invoice: every offer position, then each issued partial invoice deducted
    per VAT group with its VAT. Errors: 422 `not_fixed_price_project`,
    `partial_invoice_not_issued`; 409 `project_fully_billed` (a final invoice exists)."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        project, offer = _project_offer(ctx, project_id)
        live = _live_invoices(project)
        if any(row.kind == Kind.FINAL for row in live):
            raise ProjectFullyBilled()
        drafts = [row.invoice.pk for row in live if row.invoice.status == Invoice.Status.DRAFT]
        if drafts:
            raise PartialInvoiceNotIssued(
                f"Partial invoice draft {drafts[0]} is not issued: issue or delete it first."
            )
        invoice = draft_new(ctx, contact=offer.contact, currency=offer.currency, project=project)
        language = "en" if invoice.language == "en" else "de"
        places = amount_places(offer.currency)
        position = 0
        for offer_line in OfferLine.objects.filter(offer=offer).order_by("position", "id"):
            position += 1
            InvoiceLine.objects.create(
                tenant=ctx.tenant, invoice=invoice, position=position, kind="product"
                if offer_line.product_id else "manual", title=offer_line.title,
                description=offer_line.description, product_id=offer_line.product_id,
                unit=offer_line.unit, quantity=offer_line.quantity,
                unit_price=offer_line.unit_price,
                net_amount=line_net(offer_line.quantity, offer_line.unit_price, places),
                vat_category=offer_line.vat_category, vat_rate=offer_line.vat_rate,
                exemption_reason=offer_line.exemption_reason, price_source="offer",
            )  # fmt: skip
        partials = [row for row in live if row.kind == Kind.PARTIAL]
        for row in partials:
            partial = row.invoice
            title = DEDUCTION_TITLE[language].format(
                number=partial.number, date=format_date(partial.issue_date, language)
            )
            for partial_line in InvoiceLine.objects.filter(invoice=partial, do_not_bill=False):
                position += 1
                _line(invoice, position, title, Decimal(-1), partial_line.net_amount, {
                    "category": partial_line.vat_category, "rate": partial_line.vat_rate,
                    "exemption_reason": partial_line.exemption_reason,
                })  # fmt: skip
        totals_store(invoice)
        billed = sum((row.net_amount for row in partials), Decimal(0))
        ProjectInvoice.objects.create(
            tenant=ctx.tenant, project=project, offer=offer, invoice=invoice, kind=Kind.FINAL,
            sequence=len(partials) + 1,
            percent=quantize((offer.net_total - billed) * HUNDRED / offer.net_total, 4),
            net_amount=offer.net_total - billed,
        )  # fmt: skip
        audit_record(
            ctx, action="project_final_invoice", obj=invoice,
            data={"project_id": project.pk, "offer_id": offer.pk,
                  "partial_invoice_ids": [row.invoice_id for row in partials]},
        )  # fmt: skip
    return invoice


def _line(
    invoice: Invoice, position: int, title: str, quantity: Decimal, price: Decimal, group
) -> InvoiceLine:
    """One line of `quantity` (1, or -1 for a deduction) at the net `price`, in the VAT group
    `group` (a breakdown row: category, rate, exemption reason)."""
    return InvoiceLine.objects.create(
        tenant=invoice.tenant,
        invoice=invoice,
        position=position,
        kind="manual",
        title=title[:300],
        unit="C62",
        quantity=quantity,
        unit_price=price,
        net_amount=line_net(quantity, price, amount_places(invoice.currency)),
        vat_category=group["category"],
        vat_rate=Decimal(group["rate"]),
        exemption_reason=group.get("exemption_reason", "") if group["category"] == "E" else "",
        price_source="offer",
    )
