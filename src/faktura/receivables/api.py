"""Receivables: payments and their reversals, write-offs, credit balances, invoices marked
sent, and the receivables view with its aging (DESIGN.md section 6.1).

Reading needs `view_invoices`, every change `manage_invoices`. Amounts are decimal strings.
"""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpResponse
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from faktura.common.pagination import Pagination
from faktura.common.schemas import ERRORS, Id, OperationOut, PathId
from faktura.receivables import charge_selectors, dunning_selectors, hooks, selectors, services
from faktura.receivables.inputs import (
    BankStatementUpload,
    BankTransactionIgnore,
    BankTransactionMatch,
    BaseRateAdd,
    ChargeWaive,
    CreditApply,
    DunningLevelsSet,
    DunningPause,
    DunningRunStart,
    DunningSettingsSet,
    InvoiceMarkSent,
    InvoiceWriteOff,
    PaymentRecord,
    PaymentReverse,
    ReminderSend,
)
from faktura.receivables.statements import MAX_BYTES as MAX_UPLOAD
from faktura.tenancy.auth import request_context
from faktura.tenancy.selectors import tenant_today

router = Router(tags=["receivables"])


def _reader(request):
    context = request_context(request)
    context.require("view_invoices")
    return context


# --- schemas ----------------------------------------------------------------------------------


class PaymentOut(Schema):
    id: int
    invoice_id: int
    contact_id: int
    amount: Decimal
    currency: str
    date: dt.date
    method: str
    reference: str
    reversed: bool
    reversal_date: dt.date | None
    reversal_reason: str | None
    cash_discount: Decimal | None = Field(
        None, description="the cash discount this payment in time earned (settles the rest)"
    )
    sync_status: str = Field(
        "not_synced",
        description="not_synced, queued, syncing, synced, failed (over its sync connections)",
    )
    created_at: dt.datetime

    @staticmethod
    def resolve_sync_status(obj) -> str:
        return getattr(obj, "sync_status", "not_synced")

    @staticmethod
    def resolve_cash_discount(obj) -> Decimal | None:
        rows = getattr(obj, "discount_rows", ())
        return rows[0].amount if rows else None

    @staticmethod
    def resolve_reversed(obj) -> bool:
        return hasattr(obj, "reversal")

    @staticmethod
    def resolve_reversal_date(obj) -> dt.date | None:
        return obj.reversal.date if hasattr(obj, "reversal") else None

    @staticmethod
    def resolve_reversal_reason(obj) -> str | None:
        return obj.reversal.reason if hasattr(obj, "reversal") else None


class PaymentFilter(Schema):
    invoice_id: Id | None = None
    contact_id: Id | None = None


class CashDiscountShareOut(Schema):
    vat_category: str
    vat_rate: Decimal
    amount: Decimal
    net: Decimal
    vat: Decimal


class AllocationOut(Schema):
    id: int
    invoice_id: int
    kind: str
    amount: Decimal = Field(..., description="taken off the open amount; negative adds to it")
    currency: str
    date: dt.date
    payment_id: int | None
    credit_note_id: int | None
    reason: str
    shares: list[CashDiscountShareOut] = Field(
        ..., description="a cash discount (or its reversal) per VAT group, net and VAT apart"
    )

    @staticmethod
    def resolve_shares(obj) -> list:
        return list(obj.shares.all())


class CreditBalanceOut(Schema):
    contact_id: int
    contact_name: str
    currency: str
    amount: Decimal


class CreditBalanceFilter(Schema):
    contact_id: Id | None = None


class SentMarkOut(Schema):
    id: int
    invoice_id: int
    channel: str
    date: dt.date


class ReceivableOut(Schema):
    id: int
    number: str | None
    status: str
    contact_id: int
    contact_name: str
    currency: str
    issue_date: dt.date | None
    due_date: dt.date | None
    gross: Decimal
    credited: Decimal = Field(..., description="what credit notes took off (negative)")
    paid: Decimal
    open_amount: Decimal
    payment_state: str
    overdue: bool
    days_overdue: int
    dunning_level: int
    last_reminder: dt.date | None = Field(None, description="date of the last reminder")
    charges_open: Decimal = Field(
        ..., description="what is open of its dunning fees and interest (not in open_amount)"
    )

    @staticmethod
    def resolve_contact_name(obj) -> str:
        return obj.contact.name

    @staticmethod
    def resolve_gross(obj) -> Decimal:
        return obj.gross_total


class ReceivableTotalOut(Schema):
    currency: str
    open: Decimal
    overdue: Decimal
    charges_open: Decimal = Field(..., description="open dunning fees and interest")
    count: int


class ChargeOut(Schema):
    """A dunning fee or default interest: a receivable item of its own beside the invoice."""

    id: int
    invoice_id: int
    reminder_id: int
    kind: str = Field(..., description="fee | flat_fee | interest")
    date: dt.date
    currency: str
    amount: Decimal
    paid: Decimal = Field(..., description="paid, net of reversed payments")
    waived: Decimal
    open_amount: Decimal

    @staticmethod
    def resolve_open_amount(obj) -> Decimal:
        return obj.open


class ReceivableChargeOut(Schema):
    id: int
    invoice_id: int
    number: str | None
    contact_id: int
    contact_name: str
    reminder_id: int
    kind: str = Field(..., description="fee | flat_fee | interest")
    date: dt.date
    currency: str
    amount: Decimal
    paid: Decimal
    open_amount: Decimal


class AgingOut(Schema):
    contact_id: int
    contact_name: str
    currency: str
    current: Decimal
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    days_over_90: Decimal
    total: Decimal
    count: int


class AgingTotalOut(Schema):
    currency: str
    current: Decimal
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    days_over_90: Decimal
    total: Decimal


class ReceivablesOut(Schema):
    overdue: list[ReceivableOut]
    current: list[ReceivableOut]
    charges: list[ReceivableChargeOut] = Field(
        ..., description="dunning fees and interest with something open, also of paid invoices"
    )
    totals: list[ReceivableTotalOut]
    aging: list[AgingOut]
    aging_totals: list[AgingTotalOut]
    today: dt.date


class ReceivablesFilter(Schema):
    contact_id: Id | None = None
    state: Literal["", "overdue", "current", "unpaid", "partially_paid"] = ""
    date_from: dt.date | None = Field(None, description="issue date from (included)")
    date_to: dt.date | None = Field(None, description="issue date to (included)")
    format: Literal["json", "csv"] = "json"


# --- the receivables view ---------------------------------------------------------------------


@router.get(
    "/receivables",
    response={200: ReceivablesOut, **ERRORS},
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def receivables(request, filters: Query[ReceivablesFilter]):
    """Issued and sent invoices with something open: ``overdue`` (oldest due date first, with
    the days overdue in the company's time zone) and ``current``; each with its gross, what
    credit notes took off it (``credited``, negative), what was ``paid`` and the
    ``open_amount`` and ``charges_open`` (its dunning fees and interest); the open ``charges``
    as rows of their own; the totals per currency and the ``aging`` per customer. Filters:
    customer, state, issue-date period. ``format=csv`` answers the rows as CSV."""
    context = _reader(request)
    today = tenant_today(context.tenant)
    params = filters.model_dump(exclude={"format"})
    view = selectors.receivables(tenant=context.tenant, today=today, **params)
    if filters.format == "csv":
        response = HttpResponse(selectors.receivables_csv(view), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="receivables-{today}.csv"'
        return response
    return {**view, "today": today}


# --- payments ---------------------------------------------------------------------------------


def _payment(tenant, payment_id: int):
    payment = selectors.payment_get(tenant=tenant, payment_id=payment_id)
    hooks.payments_read(tenant, [payment])
    return payment


class PaymentPagination(Pagination):
    """Pages whose payments the apps above receivables complete (`hooks`) once per page."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        items = list(page[self.items_attribute])
        hooks.payments_read(request.auth.tenant, items)
        return {**page, self.items_attribute: items}


@router.post("/invoices/{invoice_id}/payments", response={201: PaymentOut, **ERRORS})
def payment_record(request, invoice_id: PathId, data: PaymentRecord):
    """Record a payment for the invoice. An amount beyond the open balance answers 422
    `overpayment_not_allowed` unless `allow_overpayment`; the excess is then the customer's
    credit balance. Accepts an `Idempotency-Key` header."""
    payment = services.payment_record(
        request_context(request),
        invoice_id=invoice_id,
        data=data,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, _payment(request.auth.tenant, payment.pk))


@router.get("/payments", response={200: list[PaymentOut], **ERRORS})
@paginate(PaymentPagination)
def payment_list(request, filters: Query[PaymentFilter]):
    context = _reader(request)
    return selectors.payment_list(tenant=context.tenant, **filters.model_dump())


@router.get("/payments/{payment_id}", response={200: PaymentOut, **ERRORS})
def payment_detail(request, payment_id: PathId):
    context = _reader(request)
    return _payment(context.tenant, payment_id)


@router.post("/payments/{payment_id}/reverse", response={200: PaymentOut, **ERRORS})
def payment_reverse(request, payment_id: PathId, data: PaymentReverse):
    """Reverse a payment with a reason (a new row; the payment stays). A reversed payment
    cannot be reversed again (409 `payment_already_reversed`)."""
    payment = services.payment_reverse(request_context(request), payment_id=payment_id, data=data)
    return _payment(request.auth.tenant, payment.pk)


# --- allocations, write-offs, credit ----------------------------------------------------------


@router.get("/invoices/{invoice_id}/allocations", response={200: list[AllocationOut], **ERRORS})
def allocation_list(request, invoice_id: PathId):
    """The invoice's ledger: every payment, reversal, credit note, write-off and credit."""
    context = _reader(request)
    return selectors.allocation_list(tenant=context.tenant, invoice_id=invoice_id)


@router.post("/invoices/{invoice_id}/write-off", response={201: AllocationOut, **ERRORS})
def invoice_write_off(request, invoice_id: PathId, data: InvoiceWriteOff):
    """Write off what is still open (bank fees, a small difference) with a reason."""
    allocation = services.invoice_write_off(
        request_context(request), invoice_id=invoice_id, data=data
    )
    return Status(201, allocation)


@router.post("/invoices/{invoice_id}/apply-credit", response={201: list[AllocationOut], **ERRORS})
def credit_apply(request, invoice_id: PathId, data: CreditApply):
    """Use the customer's credit balance (overpayments) on this invoice."""
    applied = services.credit_apply(request_context(request), invoice_id=invoice_id, data=data)
    return Status(201, applied)


@router.get("/credit-balances", response={200: list[CreditBalanceOut], **ERRORS})
def credit_balances(request, filters: Query[CreditBalanceFilter]):
    """Each customer's credit balance per currency (overpayments not applied yet)."""
    context = _reader(request)
    return selectors.credit_balances(tenant=context.tenant, contact_id=filters.contact_id)


# --- sending ----------------------------------------------------------------------------------


@router.post("/invoices/{invoice_id}/mark-sent", response={200: SentMarkOut, **ERRORS})
def invoice_mark_sent(request, invoice_id: PathId, data: InvoiceMarkSent):
    """Record that the invoice went out by post, a portal or another channel: it is `sent`."""
    return services.invoice_mark_sent(request_context(request), invoice_id=invoice_id, data=data)


# --- bank statements --------------------------------------------------------------------------


class BankStatementOut(Schema):
    id: int
    format: str
    filename: str
    account_iban: str = Field(..., description="the account's IBAN (MT940: its identification)")
    currency: str
    statement_id: str
    status: str
    transactions: int
    matched: int
    suggested: int
    unmatched: int
    duplicates: int
    created_at: dt.datetime

    @staticmethod
    def resolve_account_iban(obj) -> str:
        return obj.account


class BankTransactionOut(Schema):
    id: int
    statement_id: int
    booking_date: dt.date
    value_date: dt.date | None
    amount: Decimal = Field(..., description="negative for a debit")
    currency: str
    counterparty_name: str
    counterparty_iban: str
    remittance: str
    bank_reference: str
    status: str
    reason: str
    suggested_invoice_ids: list[int]
    note: str


class BankTransactionFilter(Schema):
    status: Literal["", "unmatched", "suggested", "matched", "ignored"] = ""


@router.post("/bank-statements", response={202: OperationOut, **ERRORS})
def bank_statement_upload(request, file: File[UploadedFile]):
    """Upload a CAMT.053 (XML) or MT940 statement (multipart field `file`). A file that is
    neither, or is cut short, answers 400 `statement_invalid` and nothing is imported; else the
    import runs in the background (202, an operation whose result has the counts). Importing
    the same statement again imports none of its transactions twice; with an `Idempotency-Key`
    a replayed upload answers the first operation and stores no second statement."""
    content = file.read(MAX_UPLOAD + 1)
    upload = BankStatementUpload(filename=file.name or "", content=content)
    op = services.bank_statement_import_start(
        request_context(request),
        data=upload,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(202, op)


@router.get("/bank-statements", response={200: list[BankStatementOut], **ERRORS})
@paginate
def bank_statement_list(request):
    context = _reader(request)
    return selectors.bank_statement_list(tenant=context.tenant)


@router.get("/bank-statements/{statement_id}", response={200: BankStatementOut, **ERRORS})
def bank_statement_detail(request, statement_id: PathId):
    context = _reader(request)
    return selectors.bank_statement_get(tenant=context.tenant, statement_id=statement_id)


@router.get("/bank-transactions", response={200: list[BankTransactionOut], **ERRORS})
@paginate
def bank_transaction_list(request, filters: Query[BankTransactionFilter]):
    context = _reader(request)
    return selectors.bank_transaction_list(tenant=context.tenant, status=filters.status)


@router.post(
    "/bank-transactions/{transaction_id}/match", response={200: BankTransactionOut, **ERRORS}
)
def bank_transaction_match(request, transaction_id: PathId, data: BankTransactionMatch):
    """Record the transaction (or `amount` of it) as a payment of `invoice_id`."""
    return services.bank_transaction_match(
        request_context(request), transaction_id=transaction_id, data=data
    )


@router.post(
    "/bank-transactions/{transaction_id}/ignore", response={200: BankTransactionOut, **ERRORS}
)
def bank_transaction_ignore(request, transaction_id: PathId, data: BankTransactionIgnore):
    """Not a customer payment: leave it out of the open list."""
    return services.bank_transaction_ignore(
        request_context(request), transaction_id=transaction_id, data=data
    )


# --- dunning ----------------------------------------------------------------------------------


class DunningLevelOut(Schema):
    level: int
    name: str
    days_after_due: int = Field(..., description="days after the invoice's due date")
    fee: Decimal
    interest: bool = Field(..., description="default interest (§ 288 BGB) charged")


class DunningSettingsOut(Schema):
    flat_fee: bool
    auto_send: bool
    deadline_days: int
    combine: bool


class BaseRateOut(Schema):
    valid_from: dt.date
    rate: Decimal


class ProposalOut(Schema):
    invoice_id: int
    number: str | None
    contact_id: int
    contact_name: str
    currency: str
    due_date: dt.date
    days_overdue: int
    last_level: int
    level: int
    level_name: str
    open_amount: Decimal
    fee: Decimal
    interest: Decimal
    earlier_charges: Decimal = Field(..., description="earlier fees and interest still open")
    total_due: Decimal


class ReminderOut(Schema):
    id: int
    invoice_id: int
    invoice_number: str | None
    contact_id: int
    level: int
    level_name: str
    date: dt.date
    currency: str
    open_amount: Decimal
    fee: Decimal
    interest: Decimal
    interest_from: dt.date | None
    interest_to: dt.date | None
    earlier_charges: Decimal = Field(
        ..., description="earlier reminders' fees and interest still open when it was written"
    )
    total_due: Decimal
    new_due_date: dt.date
    sent_at: dt.datetime | None
    letter_id: int | None = Field(
        None, description="the letter it went out in with the customer's other invoices"
    )
    charges: list[ChargeOut] = Field(..., description="the fee and interest it charged")

    @staticmethod
    def resolve_invoice_number(obj) -> str | None:
        return obj.invoice.number

    @staticmethod
    def resolve_charges(obj) -> list:
        return charge_selectors.standing_of_reminder(obj)


class ReminderFilter(Schema):
    invoice_id: Id | None = None


class DunningHoldOut(Schema):
    invoice_id: int
    kind: str = Field(..., description="paused | disputed")
    reason: str
    until: dt.date | None


def _proposal_out(p) -> dict:
    return {
        "invoice_id": p.invoice.pk,
        "number": p.invoice.number,
        "contact_id": p.invoice.contact_id,
        "contact_name": p.invoice.contact_name,
        "currency": p.invoice.currency,
        "due_date": p.invoice.due_date,
        "days_overdue": p.days_overdue,
        "last_level": p.last_level,
        "level": p.level.level,
        "level_name": p.level.name,
        "open_amount": p.open_amount,
        "fee": p.fee,
        "interest": p.interest,
        "earlier_charges": p.earlier_charges,
        "total_due": p.total_due,
    }


@router.get("/dunning/levels", response={200: list[DunningLevelOut], **ERRORS})
def dunning_levels_get(request):
    """The company's dunning levels (the defaults until it sets its own)."""
    context = _reader(request)
    return dunning_selectors.dunning_levels(tenant=context.tenant)


@router.put("/dunning/levels", response={200: list[DunningLevelOut], **ERRORS})
def dunning_levels_put(request, data: DunningLevelsSet):
    """Replace the levels (numbered 1, 2, ...; each more days after the due date)."""
    context = request_context(request)
    services.dunning_levels_set(context, data=data)
    return dunning_selectors.dunning_levels(tenant=context.tenant)


@router.get("/dunning/settings", response={200: DunningSettingsOut, **ERRORS})
def dunning_settings_get(request):
    context = _reader(request)
    return dunning_selectors.dunning_settings(tenant=context.tenant)


@router.put("/dunning/settings", response={200: DunningSettingsOut, **ERRORS})
def dunning_settings_put(request, data: DunningSettingsSet):
    """Flat fee (§ 288 (5) BGB), automatic sending by the daily run, days to the new deadline."""
    return services.dunning_settings_set(request_context(request), data=data)


@router.get("/dunning/base-rates", response={200: list[BaseRateOut], **ERRORS})
def base_rate_list(request):
    """The base rates in use: the published ones and the company's own."""
    context = _reader(request)
    rates = dunning_selectors.base_rates(tenant=context.tenant)
    return [{"valid_from": day, "rate": rate} for day, rate in rates]


@router.post("/dunning/base-rates", response={201: BaseRateOut, **ERRORS})
def base_rate_create(request, data: BaseRateAdd):
    """Add a base rate valid from a date (a new half-year's rate)."""
    return Status(201, services.base_rate_add(request_context(request), data=data))


@router.get("/dunning/proposals", response={200: list[ProposalOut], **ERRORS})
def dunning_proposal_list(request):
    """Invoices due for their next dunning level today, with the reminder's amounts."""
    context = _reader(request)
    proposals = dunning_selectors.dunning_proposals(
        tenant=context.tenant, today=tenant_today(context.tenant)
    )
    return [_proposal_out(p) for p in proposals]


@router.post("/dunning/runs", response={202: OperationOut, **ERRORS})
def dunning_run_create(request, data: DunningRunStart):
    """Create the proposed reminders (all, or those of `invoice_ids`) in the background; the
    operation's result lists them. A run twice creates no reminder twice."""
    return Status(202, services.dunning_run_start(request_context(request), data=data))


@router.get("/reminders", response={200: list[ReminderOut], **ERRORS})
@paginate
def reminder_list(request, filters: Query[ReminderFilter]):
    context = _reader(request)
    return dunning_selectors.reminder_list(tenant=context.tenant, invoice_id=filters.invoice_id)


@router.get("/reminders/{reminder_id}", response={200: ReminderOut, **ERRORS})
def reminder_detail(request, reminder_id: PathId):
    context = _reader(request)
    return dunning_selectors.reminder_get(tenant=context.tenant, reminder_id=reminder_id)


@router.get("/reminders/{reminder_id}/pdf", response={200: None, **ERRORS})
def reminder_pdf(request, reminder_id: PathId):
    """The reminder as PDF (German or English by the customer's language); the same bytes on
    every download (`X-Content-SHA256`)."""
    reminder, content = services.reminder_document(
        request_context(request), reminder_id=reminder_id
    )
    response = HttpResponse(content, content_type="application/pdf")
    name = f"reminder-{reminder.invoice.number or reminder.invoice_id}-{reminder.level}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-SHA256"] = reminder.sha256
    return response


@router.post("/reminders/{reminder_id}/send", response={200: ReminderOut, **ERRORS})
def reminder_send(request, reminder_id: PathId, data: ReminderSend):
    """E-mail the reminder with its PDF to the customer (or `to`)."""
    return services.reminder_send(request_context(request), reminder_id=reminder_id, data=data)


@router.post("/invoices/{invoice_id}/dunning-pause", response={200: DunningHoldOut, **ERRORS})
def invoice_dunning_pause(request, invoice_id: PathId, data: DunningPause):
    """Keep the invoice out of dunning until `until` (or until resumed); `disputed` marks it
    contested by the customer."""
    return services.invoice_dunning_pause(
        request_context(request), invoice_id=invoice_id, data=data
    )


@router.delete("/invoices/{invoice_id}/dunning-pause", response={204: None, **ERRORS})
def invoice_dunning_resume(request, invoice_id: PathId):
    """Dunning goes on for the invoice."""
    services.invoice_dunning_resume(request_context(request), invoice_id=invoice_id)
    return Status(204, None)


# --- dunning charges --------------------------------------------------------------------------


class ChargeFilter(Schema):
    invoice_id: Id | None = None
    open: bool = Field(False, description="only charges with something open")


@router.get("/charges", response={200: list[ChargeOut], **ERRORS})
@paginate
def charge_list(request, filters: Query[ChargeFilter]):
    """Dunning fees and default interest, oldest first, each with what is paid, waived and
    still open (derived from its ledger rows)."""
    context = _reader(request)
    return charge_selectors.charge_list(
        tenant=context.tenant, invoice_id=filters.invoice_id, open_only=filters.open
    )


@router.get("/charges/{charge_id}", response={200: ChargeOut, **ERRORS})
def charge_detail(request, charge_id: PathId):
    context = _reader(request)
    return charge_selectors.charge_get(tenant=context.tenant, charge_id=charge_id)


@router.post("/charges/{charge_id}/waive", response={200: ChargeOut, **ERRORS})
def charge_waive(request, charge_id: PathId, data: ChargeWaive):
    """Waive what is open of a fee or interest, with the reason (409 `charge_not_open` when
    nothing is). The invoice and the reminder stay as they are."""
    context = request_context(request)
    services.charge_waive(context, charge_id=charge_id, data=data)
    return charge_selectors.charge_get(tenant=context.tenant, charge_id=charge_id)
