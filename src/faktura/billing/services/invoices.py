"""Use cases of invoice drafts: create (manual invoices), header edits, review of lines (title,
billed quantity, do not bill, remove, manual lines) and deleting a draft.

Every edit locks the draft, refuses issued documents with 409 `invoice_not_draft`, recomputes
the stored totals with `core.invoice_math` and writes an audit row, in one transaction. Items
follow their line: "do not bill" makes them `not_billable`, removing a line or deleting the
draft returns them to `pending`; the entries follow via `entry_states_sync`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction

from faktura.billing import hooks
from faktura.billing.inputs import (
    HEADER_TEXTS,
    InvoiceCreate,
    InvoiceLineAdd,
    InvoiceLineUpdate,
    InvoiceUpdate,
)
from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.billing.selectors.invoices import TIME_KINDS
from faktura.billing.services.compile_rounding import invoice_policy
from faktura.billing.services.drafts import (
    TREATMENT_CATEGORY,
    draft_locked,
    items_release_from_lines,
    line_of,
    next_position,
    tax_group,
    totals_store,
)
from faktura.billing.services.idempotency import idempotent
from faktura.billing.states import entry_states_sync
from faktura.catalog.selectors import unit_for_tenant
from faktura.common.context import CommandContext
from faktura.common.errors import Required, ValidationFailed
from faktura.common.services import audit_record
from faktura.contacts.models import Contact
from faktura.contacts.selectors import contact_for_tenant
from faktura.core.invoice_math import line_net
from faktura.core.money import amount_places
from faktura.core.time_rounding import stepped_quantity
from faktura.work.models import Project
from faktura.work.selectors import project_for_tenant

Item = BillableItem.Status


# --- create -----------------------------------------------------------------------------------


def draft_build(
    ctx: CommandContext,
    *,
    contact: Contact,
    currency: str,
    grouping: str = Invoice.Grouping.MANUAL,
    project: Project | None = None,
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


def draft_new(
    ctx: CommandContext, *, contact: Contact, currency: str, project: Project | None = None
) -> Invoice:
    """`draft_build` of a manual draft, saved. Call inside the caller's transaction; the
    caller audits."""
    invoice = draft_build(ctx, contact=contact, currency=currency, project=project)
    invoice.save()
    return invoice


def invoice_create(
    ctx: CommandContext, *, data: InvoiceCreate, idempotency_key: str = ""
) -> Invoice:
    """An empty draft for a manual invoice. `currency` defaults to the contact's.

    With an `idempotency_key`, a replay of the same request returns the invoice the first
    request created (`services.idempotency`).
    """
    ctx.require("manage_invoices")
    return idempotent(
        ctx,
        scope="invoice_create",
        key=idempotency_key,
        request=data.model_dump(mode="json", exclude_unset=True),
        run=lambda: _invoice_create(ctx, data),
        model=Invoice,
    )


def _invoice_create(ctx: CommandContext, data: InvoiceCreate) -> Invoice:
    contact = contact_for_tenant(ctx.tenant, data.contact_id)
    project = None
    if data.project_id is not None:
        project = project_for_tenant(ctx.tenant, data.project_id)
        if project.contact_id not in (None, contact.pk):
            raise ValidationFailed.field("project_id", "The project belongs to another customer.")
    invoice = draft_new(
        ctx, contact=contact, currency=data.currency or contact.currency, project=project
    )
    header = data.model_dump(exclude_unset=True, exclude={"contact_id", "currency", "project_id"})
    _apply_header(
        invoice, {k: "" if v is None and k in HEADER_TEXTS else v for k, v in header.items()}
    )
    invoice.save()
    audit_record(ctx, action="invoice_create", obj=invoice, data={"contact_id": contact.pk})
    return invoice


# --- header -----------------------------------------------------------------------------------


def _apply_header(invoice: Invoice, clean: Mapping[str, object]) -> None:
    for name, value in clean.items():
        setattr(invoice, name, value)
    start, end = invoice.service_period_start, invoice.service_period_end
    if start is not None and end is not None and end < start:
        raise ValidationFailed.field("service_period_end", "Must not be before the start.")


def invoice_update(ctx: CommandContext, *, invoice_id: int, data: InvoiceUpdate) -> Invoice:
    """Edit a draft's header: purchase order, buyer reference, texts, service period, payment
    terms (null: the customer's, else the company's), language, the frame order it draws
    (checked by the frame orders app through `hooks.draft_header_checks`)."""
    ctx.require("manage_invoices")
    clean = data.changes()
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
    contact: Contact,
    category: str | None,
    rate: Decimal | None,
    *,
    explicit_category: bool,
    reason: str | None = None,
) -> tuple[str, Decimal, str]:
    """The VAT group of a manual line: an explicit category is taken as given; otherwise the
    contact's tax treatment decides (domestic: S at the given rate). An exempt (E) line names
    its legal reason (section 14 (4) no. 8 UStG, BR-E-10): the given `reason`, else the
    contact's; no other line carries one."""
    reason = reason or ""
    if explicit_category and category is not None:
        group = _explicit_group(contact, category, rate, reason)
    elif explicit_category:
        raise Required.field("vat_category", "This field is required.")
    elif contact.tax_treatment in TREATMENT_CATEGORY:
        group = tax_group(contact, "S", Decimal("0.00"), reason)
    elif rate is None:
        raise Required.field("vat_rate", "This field is required.")
    else:
        group = ("S", rate, "")
    if reason and group[0] != "E":
        raise ValidationFailed.field(
            "exemption_reason", "Only an exempt (E) line carries an exemption reason."
        )
    return group


def _explicit_group(
    contact: Contact, category: str, rate: Decimal | None, reason: str
) -> tuple[str, Decimal, str]:
    category = str(category)
    if category == "E" and not (reason or contact.exemption_reason):
        raise Required.field(
            "exemption_reason",
            'An exempt line needs the legal reason, e.g. "Steuerfrei nach § 4 Nr. 8 UStG".',
        )
    if rate is None:
        if category == "S":
            raise Required.field("vat_rate", "This field is required.")
        rate = Decimal("0.00")
    if category != "S" and rate != 0:
        # EN 16931 BR-Z-05, BR-E-05, BR-AE-05, BR-G-05 ...: only standard-rated lines carry a
        # rate above zero.
        raise ValidationFailed.field(
            "vat_rate", f"A line in VAT category {category} is at 0 %; only S has a rate."
        )
    return category, rate, (reason or contact.exemption_reason) if category == "E" else ""


def invoice_line_add(
    ctx: CommandContext, *, invoice_id: int, data: InvoiceLineAdd, idempotency_key: str = ""
) -> InvoiceLine:
    """A manual line (`InvoiceLineAdd`). Without `vat_category` the contact's tax treatment
    decides: domestic lines are S at `vat_rate`, reverse charge AE, export G and exempt E,
    each at 0 %. An exempt line carries `exemption_reason` (default: the customer's).
    With an `idempotency_key` a replay returns the line the first request added."""
    ctx.require("manage_invoices")
    return idempotent(
        ctx,
        scope="invoice_line_add",
        key=idempotency_key,
        request={"invoice_id": invoice_id, **data.model_dump(mode="json")},
        run=lambda: _line_add(ctx, invoice_id=invoice_id, data=data),
        model=InvoiceLine,
    )


def _line_add(ctx: CommandContext, *, invoice_id: int, data: InvoiceLineAdd) -> InvoiceLine:
    unit_code = unit_for_tenant(ctx.tenant, code=data.unit).code
    with transaction.atomic():
        invoice = draft_locked(ctx.tenant, invoice_id)
        category, rate, reason = _vat(
            invoice.contact,
            data.vat_category,
            data.vat_rate,
            explicit_category=data.vat_category is not None,
            reason=data.exemption_reason,
        )
        line = InvoiceLine.objects.create(
            tenant=ctx.tenant,
            invoice=invoice,
            position=next_position(invoice),
            kind="manual",
            title=data.title,
            description=data.description,
            unit=unit_code,
            quantity=data.quantity,
            unit_price=data.unit_price,
            net_amount=line_net(data.quantity, data.unit_price, amount_places(invoice.currency)),
            vat_category=category,
            vat_rate=rate,
            exemption_reason=reason,
            price_source="manual",
        )
        totals_store(invoice)
        audit_record(ctx, action="invoice_line_add", obj=line, data={"invoice_id": invoice.pk})
    return line


def _stepped(ctx: CommandContext, invoice: Invoice, line: InvoiceLine, direction: str) -> Decimal:
    """The quantity one step from the line's current one (read under the draft's lock, so two
    quick clicks make two steps)."""
    return stepped_quantity(
        line.quantity,
        invoice_policy(invoice, tenant=ctx.tenant),
        direction,
        time=line.kind in TIME_KINDS,
    )


def _check_line_change(line: InvoiceLine, clean: Mapping[str, object]) -> None:
    """What a line's kind allows: billed work cannot go below zero (a manual line may: a
    discount), and takes unit and VAT from its product."""
    if line.kind == "manual":
        return
    quantity = clean.get("quantity")
    if isinstance(quantity, Decimal) and quantity < 0:
        raise ValidationFailed.field("quantity", "Must be at least 0.")
    for name in ("vat_rate", "vat_category", "unit", "exemption_reason"):
        if name in clean:
            raise ValidationFailed.field(
                name, "Only manual lines change this; billed work takes it from the product."
            )


def invoice_line_update(
    ctx: CommandContext, *, invoice_id: int, line_id: int, data: InvoiceLineUpdate
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
        clean = data.changes()
        step = clean.pop("step", None)
        if step is not None:
            clean["quantity"] = _stepped(ctx, invoice, line, step)
        _check_line_change(line, clean)
        entry_ids: list[int] = []
        if "unit" in clean:
            line.unit = unit_for_tenant(ctx.tenant, code=clean.pop("unit")).code
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
            data={"invoice_id": invoice.pk, **{k: str(v) for k, v in data.changes().items()}},
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
