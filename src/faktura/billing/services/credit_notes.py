"""Credit notes: the only correction of an issued invoice (DESIGN.md section 4, invariant 2).

A credit note is issued at once with its own number (the credit-note series) and references the
invoice. Its lines reverse the credited lines the way `core.invoice_math.credit_note_part`
defines: the credited quantity negated, the same positive unit price and VAT group. A line
credited whole is the exact negation, so invoice + credit note sum to zero. A line may also be
credited in parts (issue 15), by one or several credit notes, up to its quantity; what is left
to credit is derived from the credit-note lines (`selectors.issued.credit_open`). Each
credited line points back to its original (`credited_line`).

The items of a line are settled when the line is credited in full (by the credit note that
credits its last part): released (their entries become unbilled and may be compiled and billed
again; the released item stays as history) or written off (never billed again). A part of a
line is a reduction of the price of work that stays billed: its items stay invoiced, and
releasing them is refused (`partial_credit_not_releasable`). Crediting every line in full
voids the invoice. The credit note's `reason` is printed on it and frozen with it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from faktura.billing import hooks
from faktura.billing.errors import (
    CreditNoteNotVoidable,
    CreditQuantityExceeded,
    EntryPartlyCredited,
    InvoiceAlreadyCredited,
    InvoiceNotIssued,
    InvoiceVoid,
    IssueDateInvalid,
    LineAlreadyCredited,
    PartialCreditNotReleasable,
    ReferenceNotFound,
)
from faktura.billing.inputs import CreditNoteCreate
from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.billing.selectors.invoices import line_inputs
from faktura.billing.selectors.issued import credit_open
from faktura.billing.services.drafts import (
    invoice_locked,
)
from faktura.billing.services.idempotency import idempotent
from faktura.billing.services.issue import documents_render_at_issue, freeze
from faktura.billing.states import entry_states_sync
from faktura.common.context import CommandContext
from faktura.common.services import audit_record
from faktura.contacts.models import Contact
from faktura.core.invoice_math import credit_note_part, line_net
from faktura.core.money import amount_places
from faktura.tenancy.models import Tenant
from faktura.tenancy.selectors import tenant_today

Item = BillableItem.Status
CREDITABLE = (Invoice.Status.ISSUED, Invoice.Status.SENT, Invoice.Status.PAID)


def _check_creditable(invoice: Invoice) -> None:
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        raise CreditNoteNotVoidable()
    if invoice.is_draft:
        raise InvoiceNotIssued("A draft is not issued; delete it or remove lines instead.")
    if invoice.status not in CREDITABLE:
        raise InvoiceVoid(f"The invoice is {invoice.status}.")


def _check_whole_entries(targets: list[InvoiceLine], field: str) -> None:
    """An entry is compiled again only as a whole (`unbilled`), so releasing one of its items
    while another stays billed (a mileage entry's distance and travel time) would leave the
    released one billable never again. Refuse, naming the lines to credit with it."""
    target_ids = {line.pk for line in targets}
    items = BillableItem.objects.filter(invoice_line_id__in=target_ids).exclude(entry_id=None)
    siblings = (
        BillableItem.objects.filter(entry_id__in=items.values("entry_id"))
        .exclude(status=Item.RELEASED)
        .exclude(invoice_line_id__in=target_ids)
        .select_related("invoice_line__invoice")
        .order_by("entry_id", "pk")
    )
    found = [(item.entry_id, item.invoice_line) for item in siblings[:20]]
    if not found:
        return
    named = "; ".join(
        f"entry {entry_id} on line {line.pk} ({line.title})" if line else f"entry {entry_id}"
        for entry_id, line in found
    )
    raise EntryPartlyCredited(
        "These entries are also billed on lines that are not being credited, so they cannot "
        f"be released for re-billing: {named}. Credit those lines too, or write off.",
        fields={field: "Include every line of the entries to release them."},
    )


def _parts(
    data: CreditNoteCreate, billed: dict[int, InvoiceLine], open_: dict[int, Decimal]
) -> tuple[list[tuple[InvoiceLine, Decimal]], str]:
    """The lines to credit, each with the quantity (in the line's sign) this credit note
    credits, and the input field that named them (for the errors). Without named lines:
    every line not credited in full, all of what is left of it."""
    wanted = data.wanted()
    if wanted is None:
        if not open_:
            raise InvoiceAlreadyCredited()
        return [(billed[pk], rest) for pk, rest in open_.items()], "line_ids"
    field, named = wanted
    unknown = [(index, c.line_id) for index, c in enumerate(named) if c.line_id not in billed]
    if unknown:
        raise ReferenceNotFound(
            f"Not billed lines of this invoice: {', '.join(str(pk) for _i, pk in unknown)}.",
            fields=_named(field, unknown, "line_id", "Not a billed line of this invoice."),
        )
    again = [(index, c.line_id) for index, c in enumerate(named) if c.line_id not in open_]
    if again:
        raise LineAlreadyCredited(
            f"Lines credited in full already: {', '.join(str(pk) for _i, pk in again)}.",
            fields=_named(field, again, "line_id", "This line is credited in full already."),
        )
    parts: list[tuple[InvoiceLine, Decimal]] = []
    for index, credit in enumerate(named):
        rest = open_[credit.line_id]
        if credit.quantity is None:
            parts.append((billed[credit.line_id], rest))
            continue
        if credit.quantity > abs(rest):
            left = f"{abs(rest).normalize():f}"
            raise CreditQuantityExceeded(
                f"{field}.{index}.quantity: at most {left} of the line is not credited yet.",
                fields={f"{field}.{index}.quantity": f"At most {left} (not credited yet)."},
            )
        parts.append((billed[credit.line_id], credit.quantity if rest >= 0 else -credit.quantity))
    return parts, field


def _named(field: str, found: list[tuple[int, int]], name: str, message: str) -> dict[str, str]:
    """The error fields: `line_ids` as a whole (the older form), or `lines.<n>.line_id`."""
    if field == "line_ids":
        return {"line_ids": message}
    return {f"{field}.{index}.{name}": message for index, _pk in found}


_ALL = CreditNoteCreate()  # every billed line not credited yet; the entries written off


def credit_note_create(
    ctx: CommandContext,
    *,
    invoice_id: int,
    data: CreditNoteCreate = _ALL,
    now: dt.datetime | None = None,
    idempotency_key: str = "",
) -> Invoice:
    """`_credit_note_create`; with an `idempotency_key` a replay of the same request answers
    with the credit note the first one issued, never a second one."""
    return idempotent(
        ctx,
        scope="credit_note_create",
        key=idempotency_key,
        request={"invoice_id": invoice_id, **data.model_dump(mode="json")},
        run=lambda: _credit_note_create(ctx, invoice_id=invoice_id, data=data, now=now),
        model=Invoice,
    )


def _credit_note_create(
    ctx: CommandContext,
    *,
    invoice_id: int,
    data: CreditNoteCreate,
    now: dt.datetime | None = None,
) -> Invoice:
    """Issue a credit note for the invoice: all of its billed lines not credited yet, or only
    the named `lines` (each whole or `quantity` of it) or `line_ids` (whole). `release_entries`
    true: the entries of the lines credited in full may be billed again; false: they are
    written off. Crediting every line in full voids the invoice.

    Errors: 409 for a draft (`invoice_not_issued`), a credit note (`credit_note_not_voidable`),
    a void invoice, a line credited in full before (`line_already_credited`) or nothing left
    to credit (`invoice_already_credited`); 400 naming `lines.<n>.line_id` (or `line_ids`) for
    lines not on the invoice or not billed, `lines.<n>.quantity` for more than is left to
    credit (`credit_quantity_exceeded`); 422 `partial_credit_not_releasable` for a part of a
    line with `release_entries`.
    """
    ctx.require("manage_invoices")
    release, issue_date = data.release_entries, data.issue_date
    with transaction.atomic():
        invoice = invoice_locked(ctx.tenant, invoice_id)
        _check_creditable(invoice)
        lines = list(InvoiceLine.objects.filter(invoice=invoice).order_by("position", "id"))
        billed = {line.pk: line for line in lines if not line.do_not_bill}
        open_ = credit_open(invoice, list(billed.values()))
        parts, field = _parts(data, billed, open_)
        targets = [line for line, _quantity in parts]
        whole = [line for line, quantity in parts if quantity == open_[line.pk]]
        if release:
            partial = [
                f"{field}.{index}.quantity"
                for index, (line, quantity) in enumerate(parts)
                if quantity != open_[line.pk]
            ]
            if partial:
                raise PartialCreditNotReleasable(
                    "A part of a line is credited: its work stays billed, so it cannot be "
                    "released for re-billing. Credit the whole line, or write off.",
                    fields={
                        name: "Credit all of the line to release its work." for name in partial
                    },
                )
            _check_whole_entries(whole, field)
        tenant = Tenant.objects.get(pk=ctx.tenant.pk)
        contact = Contact.objects.get(pk=invoice.contact_id)
        day = issue_date or tenant_today(tenant, now)
        if invoice.issue_date and day < invoice.issue_date:
            raise IssueDateInvalid(
                f"A credit note cannot be dated before its invoice ({invoice.issue_date}).",
                fields={"issue_date": f"Must be on or after {invoice.issue_date.isoformat()}."},
            )
        note = Invoice.objects.create(
            tenant=ctx.tenant,
            kind=Invoice.Kind.CREDIT_NOTE,
            contact=contact,
            project=invoice.project,
            grouping=invoice.grouping,
            currency=invoice.currency,
            credit_note_of=invoice,
            frame_order_id=invoice.frame_order_id,  # its lines give the frame order back
            po_number=invoice.po_number,
            buyer_reference=invoice.buyer_reference,
            service_period_start=min(
                (line.period_start for line in targets if line.period_start),
                default=invoice.service_period_start,
            ),
            service_period_end=max(
                (line.period_end for line in targets if line.period_end),
                default=invoice.service_period_end,
            ),
            payment_terms_days=0,
            due_date=day,  # nothing to collect: the amount is owed to the customer
            credit_reason=data.reason,
        )
        places = amount_places(invoice.currency)
        reversed_inputs = [
            credit_note_part(line_input, abs(quantity))
            for line_input, (_line, quantity) in zip(line_inputs(targets), parts, strict=True)
        ]
        note_lines = [
            InvoiceLine(
                tenant=ctx.tenant,
                invoice=note,
                position=position,
                kind=line.kind,
                title=line.title,
                description=line.description,
                task_id=line.task_id,
                product_id=line.product_id,
                unit=line.unit,
                # the time logged belongs to the line credited whole in one go, not to a part
                logged_quantity=-line.logged_quantity
                if line.logged_quantity is not None and reversed_line.quantity == -line.quantity
                else None,
                quantity=reversed_line.quantity,
                unit_price=reversed_line.unit_price,
                net_amount=line_net(reversed_line.quantity, reversed_line.unit_price, places),
                vat_category=line.vat_category,
                vat_rate=line.vat_rate,
                exemption_reason=line.exemption_reason,
                price_source=line.price_source,
                period_start=line.period_start,
                period_end=line.period_end,
                credited_line=line,
            )
            for position, (line, reversed_line) in enumerate(
                zip(targets, reversed_inputs, strict=True), start=1
            )
        ]
        InvoiceLine.objects.bulk_create(note_lines)
        freeze(ctx, note, note_lines, tenant=tenant, contact=contact, issue_date=day, now=now)

        # Only lines credited in full settle their items; a part leaves the work billed.
        items = BillableItem.objects.filter(
            invoice_line_id__in=[line.pk for line in whole], status=Item.INVOICED
        )
        entry_ids = list(items.exclude(entry_id=None).values_list("entry_id", flat=True))
        items.update(status=Item.RELEASED if release else Item.WRITTEN_OFF)
        entry_states_sync(entry_ids=entry_ids)

        fully = set(open_) <= {line.pk for line in whole}
        if fully:
            invoice.status = Invoice.Status.VOID
            invoice.save(update_fields=["status", "updated_at"])
        for settle in hooks.credit_note_issued:
            settle(ctx, note)
        for issued in hooks.invoice_issued:
            issued(ctx, note)
        audit_record(
            ctx,
            action="credit_note_create",
            obj=note,
            data={
                "invoice_id": invoice.pk,
                "number": note.number,
                "lines": [
                    {"line_id": line.pk, "quantity": str(abs(quantity))} for line, quantity in parts
                ],
                "reason": data.reason,
                "release_entries": release,
                "void": fully,
            },
        )
        documents_render_at_issue(note)
    return note
