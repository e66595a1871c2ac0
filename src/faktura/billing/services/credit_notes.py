"""Credit notes: the only correction of an issued invoice (DESIGN.md section 4, invariant 2).

A credit note is issued at once with its own number (the credit-note series) and references the
invoice. Its lines reverse the credited lines the way `core.invoice_math.credit_note_lines`
defines: the quantity negated, the same positive unit price and VAT group, so every amount is
the exact negation and invoice + credit note sum to zero. Each credited line points back to its
original (`credited_line`); a line can be credited only once.

The items of the credited lines are either released (their entries become unbilled and may be
compiled and billed again; the released item stays as history) or written off (never billed
again). Crediting every line voids the invoice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from faktura.billing import hooks
from faktura.billing.errors import (
    CreditNoteNotVoidable,
    EntryPartlyCredited,
    InvoiceAlreadyCredited,
    InvoiceNotIssued,
    InvoiceVoid,
    IssueDateInvalid,
    LineAlreadyCredited,
    ReferenceNotFound,
)
from faktura.billing.inputs import CreditNoteCreate
from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.billing.selectors.invoices import line_inputs
from faktura.billing.selectors.issued import credited_line_ids
from faktura.billing.services.drafts import (
    invoice_locked,
)
from faktura.billing.services.idempotency import idempotent
from faktura.billing.services.issue import documents_render_at_issue, freeze
from faktura.billing.states import entry_states_sync
from faktura.common.context import CommandContext
from faktura.common.services import audit_record
from faktura.contacts.models import Contact
from faktura.core.invoice_math import credit_note_lines, line_net
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


def _check_whole_entries(targets: list[InvoiceLine]) -> None:
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
        fields={"line_ids": "Include every line of the entries to release them."},
    )


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
    """Issue a credit note for the invoice: all its billed lines not credited yet, or only
    `line_ids` (a partial credit note). `release_entries` true: the credited entries may be
    billed again; false: they are written off. A full credit note voids the invoice.

    Errors: 409 for a draft (`invoice_not_issued`), a credit note (`credit_note_not_voidable`),
    a void invoice, a line credited before (`line_already_credited`) or nothing left to credit
    (`invoice_already_credited`); 400 naming `line_ids` for lines not on the invoice or not
    billed.
    """
    ctx.require("manage_invoices")
    release, wanted, issue_date = data.release_entries, data.line_ids, data.issue_date
    with transaction.atomic():
        invoice = invoice_locked(ctx.tenant, invoice_id)
        _check_creditable(invoice)
        lines = list(InvoiceLine.objects.filter(invoice=invoice).order_by("position", "id"))
        billed = {line.pk: line for line in lines if not line.do_not_bill}
        credited = credited_line_ids(invoice)
        if wanted is None:
            targets = [line for pk, line in billed.items() if pk not in credited]
            if not targets:
                raise InvoiceAlreadyCredited()
        else:
            unknown = [pk for pk in wanted if pk not in billed]
            if unknown:
                raise ReferenceNotFound.field(
                    "line_ids", f"Not billed lines of this invoice: {', '.join(map(str, unknown))}."
                )
            again = [pk for pk in wanted if pk in credited]
            if again:
                raise LineAlreadyCredited(
                    f"Lines credited already: {', '.join(map(str, again))}.",
                    fields={"line_ids": "A line can be credited only once."},
                )
            targets = [billed[pk] for pk in wanted]

        if release:
            _check_whole_entries(targets)
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
        )
        places = amount_places(invoice.currency)
        reversed_inputs = credit_note_lines(line_inputs(targets))
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
                logged_quantity=None if line.logged_quantity is None else -line.logged_quantity,
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

        items = BillableItem.objects.filter(
            invoice_line_id__in=[line.pk for line in targets], status=Item.INVOICED
        )
        entry_ids = list(items.exclude(entry_id=None).values_list("entry_id", flat=True))
        items.update(status=Item.RELEASED if release else Item.WRITTEN_OFF)
        entry_states_sync(entry_ids=entry_ids)

        fully = credited | {line.pk for line in targets} >= set(billed)
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
                "lines": [line.pk for line in targets],
                "release_entries": release,
                "void": fully,
            },
        )
        documents_render_at_issue(note)
    return note
