"""What the page of an issued invoice shows about collecting it: the balance, the payments
with their reversals, the ledger, and the forms to record a payment, reverse one, mark the
invoice sent, write off a remainder and use the customer's credit; the reminders and the dunning
fees and interest they charged, each waivable with a reason."""

from __future__ import annotations

from typing import Any

from faktura.billing.models import Invoice
from faktura.receivables.charge_selectors import charge_list
from faktura.receivables.dunning_selectors import hold_get, reminder_list
from faktura.receivables.selectors import (
    allocation_list,
    annotate,
    credit_balances,
    payment_list,
)
from faktura.tenancy.selectors import tenant_today
from faktura.web.forms.receivables import (
    CreditApplyForm,
    DunningPauseForm,
    MarkSentForm,
    PaymentForm,
    PaymentReverseForm,
    WriteOffForm,
)
from faktura.web.utils import can

COLLECTABLE = (Invoice.Status.ISSUED, Invoice.Status.SENT, Invoice.Status.PAID)
OPEN = (Invoice.Status.ISSUED, Invoice.Status.SENT)


def collection_context(request, invoice: Invoice, forms: dict[str, Any] | None = None) -> dict:
    """The template context of the collecting part of an invoice page (empty for credit
    notes). `forms` are bound forms with errors to show instead of fresh ones."""
    if invoice.kind != Invoice.Kind.INVOICE:
        return {}
    forms = forms or {}
    tenant = request.tenant
    annotate([invoice], today=tenant_today(tenant))
    manage = can(request, "manage_invoices")
    open_amount = invoice.balance.open
    credit = [
        row
        for row in credit_balances(tenant=tenant, contact_id=invoice.contact_id)
        if row["currency"] == invoice.currency
    ]
    reminders = list(reminder_list(tenant=tenant, invoice_id=invoice.pk))
    levels = {reminder.pk: reminder.level for reminder in reminders}
    charges = [
        {"charge": charge, "level": levels.get(charge.reminder_id)}
        for charge in charge_list(tenant=tenant, invoice_id=invoice.pk)
    ]
    return {
        "balance": invoice.balance,
        "payments": list(payment_list(tenant=tenant, invoice_id=invoice.pk)),
        "ledger": allocation_list(tenant=tenant, invoice_id=invoice.pk),
        "can_pay": manage and invoice.status in COLLECTABLE,
        "can_reverse": manage,
        "can_mark_sent": manage and invoice.status == Invoice.Status.ISSUED,
        "can_write_off": manage and invoice.status in OPEN and open_amount > 0,
        "credit_available": credit[0]["amount"] if credit else None,
        "can_apply_credit": manage and bool(credit) and invoice.status in OPEN,
        "payment_form": forms.get("payment_form") or PaymentForm(),
        "reverse_form": forms.get("reverse_form") or PaymentReverseForm(),
        "reverse_payment_id": forms.get("reverse_payment_id"),
        "write_off_form": forms.get("write_off_form") or WriteOffForm(),
        "mark_sent_form": forms.get("mark_sent_form") or MarkSentForm(),
        "credit_apply_form": forms.get("credit_apply_form") or CreditApplyForm(),
        "reminders": reminders,
        "charges": charges,
        "can_waive": manage,
        "dunning_hold": hold_get(tenant=tenant, invoice_id=invoice.pk),
        "can_pause": manage and invoice.status in OPEN,
        "pause_form": forms.get("pause_form") or DunningPauseForm(),
    }
