"""Use cases of invoice drafts: create (manual invoices), header edits, review of lines (title,
billed quantity, do not bill, remove, manual lines) and deleting a draft.

Every edit locks the draft, refuses issued documents with 409 `invoice_not_draft`, recomputes
the stored totals with `core.invoice_math` and writes an audit row, in one transaction. Items
follow their line: "do not bill" makes them `not_billable`, removing a line or deleting the
draft returns them to `pending`; the entries follow via `entry_states_sync`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from faktura.billing import hooks
from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.billing.selectors.invoices import TIME_KINDS
from faktura.billing.services.compile_rounding import invoice_policy
from faktura.billing.services.drafts import (
    TREATMENT_CATEGORY,
    clean_bool,
    clean_date,
    clean_decimal,
    clean_text,
    draft_locked,
    items_release_from_lines,
    line_of,
    next_position,
    tax_group,
    totals_store,
)
from faktura.billing.services.idempotency import idempotent
from faktura.billing.states import entry_states_sync
from faktura.catalog.models import VatCategory
from faktura.catalog.selectors import unit_for_tenant
from faktura.common import validators as v
from faktura.common.context import CommandContext
from faktura.common.errors import Required, ValidationFailed
from faktura.common.services import audit_record
from faktura.contacts.models import Contact
from faktura.contacts.selectors import contact_for_tenant
from faktura.core.invoice_math import line_net
from faktura.core.money import amount_places
from faktura.core.time_rounding import stepped_quantity
from faktura.work.selectors import project_for_tenant

Item = BillableItem.Status
HEADER_TEXT = {"po_number": 60, "buyer_reference": 100, "intro_text": 5000, "closing_text": 5000}
MULTILINE_HEADER = ("intro_text", "closing_text")
MAX_TERMS_DAYS = 365


# --- create -----------------------------------------------------------------------------------


def draft_build(
    ctx: CommandContext,
    *,
    contact: Contact,
    currency: str,
    grouping: str = Invoice.Grouping.MANUAL,
    project=None,
    draft_key: str = "",
) -> Invoice:
    """An empty, unsaved draft for `contact` with the defaults its invoices take: the contact's
    language, its Leitweg-ID as buyer reference, the project's purchase order number."""
    return Invoice(
        tenant=ctx.tenant,
        contact=contact,
        project=project,
        currency=currency,
        grouping=grouping,
        draft_key=draft_key,
        language=contact.language,
        buyer_reference=contact.leitweg_id,
        po_number=(project.po_number if project is not None else ""),
    )


def draft_new(ctx: CommandContext, **kwargs: Any) -> Invoice:
    """`draft_build`, saved. Call inside the caller's transaction; the caller audits."""
    invoice = draft_build(ctx, **kwargs)
    invoice.save()
    return invoice


def invoice_create(
    ctx: CommandContext,
    *,
    contact_id: int,
    currency: str | None = None,
    project_id: int | None = None,
    idempotency_key: str = "",
    **header: Any,
) -> Invoice:
    """An empty draft for a manual invoice. `currency` defaults to the contact's.

    With an `idempotency_key`, a replay of the same request returns the invoice the first
    request created (`services.idempotency`).
    """
    ctx.require("manage_invoices")
    request = {"contact_id": contact_id, "currency": currency, "project_id": project_id, **header}
    return idempotent(
        ctx,
        scope="invoice_create",
        key=idempotency_key,
        request=request,
        run=lambda: _invoice_create(ctx, dict(request)),
        model=Invoice,
    )


def _invoice_create(ctx: CommandContext, data: dict[str, Any]) -> Invoice:
    contact_id = data.pop("contact_id")
    if contact_id is None:
        raise Required.field("contact_id", "This field is required.")
    contact = contact_for_tenant(ctx.tenant, contact_id)
    currency = v.currency("currency", data.pop("currency") or contact.currency)
    project_id = data.pop("project_id")
    project = None
    if project_id is not None:
        project = project_for_tenant(ctx.tenant, project_id)
        if project.contact_id not in (None, contact.pk):
            raise ValidationFailed.field("project_id", "The project belongs to another customer.")
    invoice = draft_new(ctx, contact=contact, currency=currency, project=project)
    clean = _clean_header(data)
    _apply_header(invoice, clean)
    invoice.save()
    audit_record(ctx, action="invoice_create", obj=invoice, data={"contact_id": contact.pk})
    return invoice


# --- header -----------------------------------------------------------------------------------


def _clean_header(data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in data.items():
        if name in HEADER_TEXT:
            clean[name] = clean_text(
                name, value, max_length=HEADER_TEXT[name], multiline=name in MULTILINE_HEADER
            )
        elif name in ("service_period_start", "service_period_end"):
            clean[name] = clean_date(name, value)
        elif name == "payment_terms_days":
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not 0 <= value <= MAX_TERMS_DAYS
            ):
                raise ValidationFailed.field(name, f"Must be between 0 and {MAX_TERMS_DAYS}.")
            clean[name] = value
        elif name == "language":
            clean[name] = v.language(name, value)
        elif name == "cash_discount_percent":
            clean[name] = v.cash_discount_percent(name, value)
        elif name == "cash_discount_days":
            clean[name] = v.cash_discount_days(name, value)
        elif name == "frame_order_id":
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                raise ValidationFailed.field(name, "Must be a frame order id or null.")
            clean[name] = value
        else:
            raise ValidationFailed.field(name, "Unknown field.")
    return clean


def _apply_header(invoice: Invoice, clean: dict[str, Any]) -> None:
    for name, value in clean.items():
        setattr(invoice, name, value)
    start, end = invoice.service_period_start, invoice.service_period_end
    if start is not None and end is not None and end < start:
        raise ValidationFailed.field("service_period_end", "Must not be before the start.")


def invoice_update(ctx: CommandContext, *, invoice_id: int, **data: Any) -> Invoice:
    """Edit a draft's header: purchase order, buyer reference, texts, service period, payment
    terms (null: the customer's, else the company's), language, the frame order it draws
    (checked by the frame orders app through `hooks.draft_header_checks`)."""
    ctx.require("manage_invoices")
    clean = _clean_header(data)
    with transaction.atomic():
        invoice = draft_locked(ctx.tenant, invoice_id)
        _apply_header(invoice, clean)
        for check in hooks.draft_header_checks:
            check(ctx, invoice, set(clean))
        invoice.save()
        audit_record(ctx, action="invoice_update", obj=invoice, data={"fields": sorted(clean)})
    return invoice


def invoice_delete(ctx: CommandContext, *, invoice_id: int) -> None:
    """Delete a draft; its items return to pending (numbers are never consumed by drafts)."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        invoice = draft_locked(ctx.tenant, invoice_id)
        line_ids = list(InvoiceLine.objects.filter(invoice=invoice).values_list("pk", flat=True))
        entry_ids = items_release_from_lines(line_ids, to_status=Item.PENDING)
        entry_states_sync(entry_ids=entry_ids)
        audit_record(
            ctx,
            action="invoice_delete",
            obj=invoice,
            data={"lines": len(line_ids), "entries": len(entry_ids)},
        )
        invoice.delete()


# --- lines ------------------------------------------------------------------------------------


def _vat(
    contact: Contact, category: Any, rate: Any, *, explicit_category: bool, reason: Any = None
) -> tuple[str, Decimal, str]:
    """The VAT group of a manual line: an explicit category is taken as given; otherwise the
    contact's tax treatment decides (domestic: S at the given rate). An exempt (E) line names
    its legal reason (section 14 (4) no. 8 UStG, BR-E-10): the given `reason`, else the
    contact's; no other line carries one."""
    reason = clean_text("exemption_reason", reason or "", max_length=300)
    if explicit_category:
        group = _explicit_group(contact, category, rate, reason)
    elif contact.tax_treatment in TREATMENT_CATEGORY:
        group = tax_group(contact, "S", Decimal("0.00"), reason)
    elif rate is None:
        raise Required.field("vat_rate", "This field is required.")
    else:
        group = ("S", _rate(rate), "")
    if reason and group[0] != "E":
        raise ValidationFailed.field(
            "exemption_reason", "Only an exempt (E) line carries an exemption reason."
        )
    return group


def _explicit_group(
    contact: Contact, category: Any, rate: Any, reason: str
) -> tuple[str, Decimal, str]:
    if category not in VatCategory.values:
        raise ValidationFailed.field(
            "vat_category", f"Must be one of {', '.join(VatCategory.values)}."
        )
    if category == "E" and not (reason or contact.exemption_reason):
        raise Required.field(
            "exemption_reason",
            'An exempt line needs the legal reason, e.g. "Steuerfrei nach § 4 Nr. 8 UStG".',
        )
    if rate is None:
        if category == "S":
            raise Required.field("vat_rate", "This field is required.")
        rate = Decimal("0.00")
    rate = _rate(rate)
    if category != "S" and rate != 0:
        # EN 16931 BR-Z-05, BR-E-05, BR-AE-05, BR-G-05 ...: only standard-rated lines carry a
        # rate above zero.
        raise ValidationFailed.field(
            "vat_rate", f"A line in VAT category {category} is at 0 %; only S has a rate."
        )
    return category, rate, (reason or contact.exemption_reason) if category == "E" else ""


def _rate(value: Any) -> Decimal:
    """A VAT rate in percent: 0 to 100 (no tax law knows more)."""
    rate = clean_decimal("vat_rate", value, places=2, digits=5, minimum=Decimal(0))
    if rate > 100:
        raise ValidationFailed.field("vat_rate", "A VAT rate is a percentage from 0 to 100.")
    return rate


def invoice_line_add(
    ctx: CommandContext,
    *,
    invoice_id: int,
    title: Any,
    quantity: Any,
    unit: Any,
    unit_price: Any,
    vat_rate: Any = None,
    vat_category: Any = None,
    exemption_reason: Any = None,
    description: Any = "",
    idempotency_key: str = "",
) -> InvoiceLine:
    """A manual line (travel, third-party costs, special agreements). A negative quantity is a
    discount (the unit price stays >= 0, EN 16931 BR-27). Without `vat_category` the contact's
    tax treatment decides: domestic lines are S at `vat_rate`, reverse charge AE, export G and
    exempt E, each at 0 %. An exempt line carries `exemption_reason` (default: the customer's).
    With an `idempotency_key` a replay returns the line the first request added."""
    ctx.require("manage_invoices")
    request = {
        "invoice_id": invoice_id, "title": title, "quantity": quantity, "unit": unit,
        "unit_price": unit_price, "vat_rate": vat_rate, "vat_category": vat_category,
        "exemption_reason": exemption_reason, "description": description,
    }  # fmt: skip
    return idempotent(
        ctx,
        scope="invoice_line_add",
        key=idempotency_key,
        request=request,
        run=lambda: _line_add(ctx, **request),
        model=InvoiceLine,
    )


def _line_add(
    ctx: CommandContext,
    *,
    invoice_id: int,
    title: Any,
    quantity: Any,
    unit: Any,
    unit_price: Any,
    vat_rate: Any,
    vat_category: Any,
    exemption_reason: Any,
    description: Any,
) -> InvoiceLine:
    title = clean_text("title", title, max_length=300, required=True)
    description = clean_text("description", description, max_length=5000, multiline=True)
    quantity = clean_decimal("quantity", quantity, places=4, digits=14, minimum=None)
    unit_price = clean_decimal("unit_price", unit_price, places=6, digits=18, minimum=Decimal(0))
    unit_code = clean_text("unit", unit, max_length=3, required=True).upper()
    unit_for_tenant(ctx.tenant, code=unit_code)
    with transaction.atomic():
        invoice = draft_locked(ctx.tenant, invoice_id)
        category, rate, reason = _vat(
            invoice.contact,
            vat_category,
            vat_rate,
            explicit_category=vat_category is not None,
            reason=exemption_reason,
        )
        line = InvoiceLine.objects.create(
            tenant=ctx.tenant,
            invoice=invoice,
            position=next_position(invoice),
            kind="manual",
            title=title,
            description=description,
            unit=unit_code,
            quantity=quantity,
            unit_price=unit_price,
            net_amount=line_net(quantity, unit_price, amount_places(invoice.currency)),
            vat_category=category,
            vat_rate=rate,
            exemption_reason=reason,
            price_source="manual",
        )
        totals_store(invoice)
        audit_record(ctx, action="invoice_line_add", obj=line, data={"invoice_id": invoice.pk})
    return line


def _stepped(ctx: CommandContext, invoice: Invoice, line: InvoiceLine, direction: Any) -> Decimal:
    """The quantity one step from the line's current one (read under the draft's lock, so two
    quick clicks make two steps)."""
    if direction not in ("up", "down"):
        raise ValidationFailed.field("step", 'Use "up" or "down".')
    return stepped_quantity(
        line.quantity,
        invoice_policy(invoice, tenant=ctx.tenant),
        direction,
        time=line.kind in TIME_KINDS,
    )


def _clean_line(line: InvoiceLine, data: dict[str, Any]) -> dict[str, Any]:
    manual = line.kind == "manual"
    clean: dict[str, Any] = {}
    for name, value in data.items():
        if name == "title":
            clean[name] = clean_text(name, value, max_length=300, required=True)
        elif name == "description":
            clean[name] = clean_text(name, value, max_length=5000, multiline=True)
        elif name == "quantity":
            # Billed work cannot go below zero; a manual line may (a discount).
            clean[name] = clean_decimal(
                name, value, places=4, digits=14, minimum=None if manual else Decimal(0)
            )
        elif name == "unit_price":
            clean[name] = clean_decimal(name, value, places=6, digits=18, minimum=Decimal(0))
        elif name == "do_not_bill":
            clean[name] = clean_bool(name, value)
        elif name in ("vat_rate", "vat_category", "unit", "exemption_reason") and manual:
            clean[name] = value
        elif name in ("vat_rate", "vat_category", "unit", "exemption_reason"):
            raise ValidationFailed.field(
                name, "Only manual lines change this; billed work takes it from the product."
            )
        else:
            raise ValidationFailed.field(name, "Unknown field.")
    return clean


def invoice_line_update(
    ctx: CommandContext, *, invoice_id: int, line_id: int, **data: Any
) -> InvoiceLine:
    """Review a line: rephrase `title`, set the billed `quantity` (the correction = billed -
    logged is shown per line) or move it one `step` ("up"/"down": time by the rounding
    increment of the invoice's work, anything else by one unit), change the `unit_price` (the
    price source becomes "manual"), or mark it `do_not_bill` (its items become not billable;
    false restores them)."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        invoice = draft_locked(ctx.tenant, invoice_id)
        line = line_of(invoice, line_id)
        if "step" in data:
            if "quantity" in data:
                raise ValidationFailed.field("step", "Give either a quantity or a step, not both.")
            data["quantity"] = _stepped(ctx, invoice, line, data.pop("step"))
        clean = _clean_line(line, data)
        entry_ids: list[int] = []
        if "unit" in clean:
            code = clean_text("unit", clean.pop("unit"), max_length=3, required=True).upper()
            line.unit = unit_for_tenant(ctx.tenant, code=code).code
        if {"vat_category", "vat_rate", "exemption_reason"} & clean.keys():
            category = clean.pop("vat_category", line.vat_category)
            # A new category without a rate: 0 % outside S, and S asks for its rate.
            rate = clean.pop("vat_rate", line.vat_rate if category == line.vat_category else None)
            # A line staying exempt keeps its reason unless a new one is given.
            kept = line.exemption_reason if category == "E" else None
            line.vat_category, line.vat_rate, line.exemption_reason = _vat(
                invoice.contact,
                category,
                rate,
                explicit_category=True,
                reason=clean.pop("exemption_reason", kept),
            )
        if "unit_price" in clean and clean["unit_price"] != line.unit_price:
            line.price_source = "manual"
        if "do_not_bill" in clean and clean["do_not_bill"] != line.do_not_bill:
            moves = (Item.ON_DRAFT, Item.NOT_BILLABLE)
            source, target = moves if clean["do_not_bill"] else moves[::-1]
            items = BillableItem.objects.filter(invoice_line=line, status=source)
            entry_ids = list(items.exclude(entry_id=None).values_list("entry_id", flat=True))
            items.update(status=target)
        for name, value in clean.items():
            setattr(line, name, value)
        if "quantity" in clean and line.quantity_needed:
            # A variable quantity (a subscription per user) is entered: the line may be issued.
            line.quantity_needed = False
            BillableItem.objects.filter(invoice_line=line, needs_quantity=True).update(
                needs_quantity=False
            )
        line.net_amount = line_net(line.quantity, line.unit_price, amount_places(invoice.currency))
        line.save()
        entry_states_sync(entry_ids=entry_ids)
        totals_store(invoice)
        audit_record(
            ctx,
            action="invoice_line_update",
            obj=line,
            data={"invoice_id": invoice.pk, **{k: str(v) for k, v in data.items()}},
        )
    return line


def invoice_line_delete(ctx: CommandContext, *, invoice_id: int, line_id: int) -> None:
    """Remove a line from a draft; its items return to pending (a later draft may take them)."""
    ctx.require("manage_invoices")
    with transaction.atomic():
        invoice = draft_locked(ctx.tenant, invoice_id)
        line = line_of(invoice, line_id)
        entry_ids = items_release_from_lines([line.pk], to_status=Item.PENDING)
        entry_states_sync(entry_ids=entry_ids)
        audit_record(
            ctx,
            action="invoice_line_delete",
            obj=line,
            data={"invoice_id": invoice.pk, "title": line.title, "entries": len(entry_ids)},
        )
        line.delete()
        totals_store(invoice)
