"""Invoices and credit notes: drafts and their review, issuing, credit notes, number sequences.

Reading needs `view_invoices`, every change `manage_invoices` (members get 403). Amounts and
quantities are decimal strings. An edit of an issued invoice answers 409 `invoice_not_draft`.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, TypeVar

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from faktura.billing import hooks
from faktura.billing.inputs import (
    BillingRun,
    CreditNoteCreate,
    InvoiceCreate,
    InvoiceIssue,
    InvoiceLineAdd,
    InvoiceLineUpdate,
    InvoicesGenerate,
    InvoiceUpdate,
    NumberingSetNext,
)
from faktura.billing.selectors import invoices as selectors
from faktura.billing.services import credit_notes, invoices, issue, numbering, operations
from faktura.common.errors import ValidationFailed
from faktura.common.pagination import Pagination
from faktura.common.schemas import ERRORS, Id, OperationOut, PathId
from faktura.core.time_rounding import format_hours
from faktura.tenancy.auth import request_context

T = TypeVar("T", bound=BaseModel)

router = Router(tags=["invoices"])

TIME_KINDS = selectors.TIME_KINDS


def _reader(request) -> Any:
    context = request_context(request)
    context.require("view_invoices")
    return context


# --- schemas ----------------------------------------------------------------------------------


class TotalsOut(Schema):
    net: Decimal
    vat: Decimal
    gross: Decimal


class VatRowOut(Schema):
    category: str
    rate: Decimal
    taxable_amount: Decimal
    vat_amount: Decimal
    exemption_reason: str = ""
    exemption_reason_code: str = ""


class ProblemOut(Schema):
    """One finding of the invoice validation: `code`, `path` and `severity` are stable,
    `params` the values the message (in the request's language) names."""

    code: str
    message: str
    path: str
    severity: str
    params: dict[str, str] = Field(default_factory=dict)


class FormatOut(Schema):
    format: str  # pdf, facturx, xrechnung-ubl, xrechnung-cii, peppol
    available: bool  # produced and served (a draft: would be produced if issued now)
    reason: str  # why not ("" when available)
    fields: list[str]  # the paths of what is missing or wrong (seller.peppol_id, buyer.city)
    preferred: bool  # the customer's preferred delivery format


class LineOut(Schema):
    id: int
    position: int
    kind: str
    title: str
    description: str
    task_id: int | None
    task_number: int | None
    task_type: str | None
    estimate_hours: Decimal | None
    logged_quantity: Decimal | None
    quantity: Decimal
    correction: Decimal | None
    correction_display: str | None
    unit: str
    unit_price: Decimal
    net_amount: Decimal
    vat_category: str
    vat_rate: Decimal
    exemption_reason: str
    do_not_bill: bool
    price_source: str
    period_start: dt.date | None
    period_end: dt.date | None
    quantity_needed: bool = Field(
        False, description="a variable quantity nobody entered yet: the invoice cannot be issued"
    )
    caught_up: bool = Field(
        False,
        description=(
            "the billing run put still pending items of an earlier month (a subscription "
            "period, late work, a manual item) on this later draft"
        ),
    )
    credited_line_id: int | None
    entry_ids: list[int] = []

    @staticmethod
    def resolve_task_number(obj) -> int | None:
        return obj.task.number if obj.task_id else None

    @staticmethod
    def resolve_task_type(obj) -> str | None:
        return obj.task.task_type if obj.task_id else None

    @staticmethod
    def resolve_estimate_hours(obj) -> Decimal | None:
        return obj.task.estimate_hours if obj.task_id else None

    @staticmethod
    def resolve_correction(obj) -> Decimal | None:
        if obj.logged_quantity is None:
            return None
        return obj.quantity - obj.logged_quantity

    @staticmethod
    def resolve_correction_display(obj) -> str | None:
        """Billed minus logged as signed H:MM for time lines ("+1:15")."""
        if obj.logged_quantity is None or obj.kind not in TIME_KINDS:
            return None
        return format_hours(obj.quantity - obj.logged_quantity, signed=True)

    @staticmethod
    def resolve_entry_ids(obj) -> list[int]:
        return getattr(obj, "entry_ids", [])


class InvoiceListOut(Schema):
    id: int
    kind: str
    number: str | None
    status: str
    contact_id: int
    contact_name: str
    project_id: int | None
    project_name: str | None
    grouping: str
    currency: str
    issue_date: dt.date | None
    due_date: dt.date | None
    service_period_start: dt.date | None
    service_period_end: dt.date | None
    totals: TotalsOut
    credit_note_of: int | None
    frame_order_id: int | None = Field(None, description="the frame order issuing draws down")
    sync_status: str
    created_at: dt.datetime
    # Collecting the invoice (attached by the receivables app through `hooks.invoice_readers`;
    # null on drafts and credit notes).
    open_amount: Decimal | None = None
    paid_amount: Decimal | None = None
    payment_state: str | None = Field(None, description="unpaid, partially_paid, paid, overpaid")
    charges_open: Decimal | None = Field(
        None, description="what is open of the dunning fees and interest owed beside the invoice"
    )
    overdue: bool = False
    days_overdue: int = 0
    dunning_level: int = 0

    @staticmethod
    def resolve_contact_name(obj) -> str:
        return obj.contact.name

    @staticmethod
    def resolve_project_name(obj) -> str | None:
        return obj.project.name if obj.project_id else None

    @staticmethod
    def resolve_totals(obj) -> dict[str, Decimal]:
        return {"net": obj.net_total, "vat": obj.vat_total, "gross": obj.gross_total}

    @staticmethod
    def resolve_credit_note_of(obj) -> int | None:
        return obj.credit_note_of_id


class InvoiceOut(InvoiceListOut):
    language: str
    payment_terms_days: int | None
    cash_discount_percent: Decimal | None
    cash_discount_days: int | None
    po_number: str
    buyer_reference: str
    intro_text: str
    closing_text: str
    credit_reason: str = Field(
        "", description="a credit note's reason, printed on it (empty on invoices)"
    )
    seller: dict[str, Any]
    buyer: dict[str, Any]
    lines: list[LineOut]
    vat_breakdown: list[VatRowOut]
    warnings: list[ProblemOut]
    formats: list[FormatOut]
    issued_at: dt.datetime | None

    @staticmethod
    def resolve_lines(obj) -> list:
        return obj.detail_lines

    @staticmethod
    def resolve_totals(obj) -> dict[str, Decimal]:
        return obj.totals

    @staticmethod
    def resolve_vat_breakdown(obj) -> list:
        return obj.breakdown


class InvoiceFilter(Schema):
    status: str = ""
    contact_id: Id | None = None
    project_id: Id | None = None
    kind: str = ""
    grouping: str = ""
    search: str = ""
    service_period_from: dt.date | None = None
    service_period_to: dt.date | None = None
    ordering: str = Field("", description="created, contact, project, net, service_period, "
                          "issue_date; prefix - for descending")  # fmt: skip


class SequenceOut(Schema):
    kind: str
    period: str
    first_value: int
    last_value: int
    next_value: int

    @staticmethod
    def resolve_next_value(obj) -> int:
        return obj.last_value + 1


class GapReportOut(Schema):
    kind: str
    period: str
    first: int | None
    last: int | None
    count: int
    missing: list[int]
    duplicates: list[int]
    next_value: int


def _optional_body(request: HttpRequest, schema: type[T]) -> T:
    """An optional JSON body: no body (or not JSON) means every field at its default."""
    if request.content_type != "application/json" or not request.body.strip():
        return schema()
    try:
        return schema.model_validate_json(request.body)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "body"
        if first["type"] == "json_invalid" or name.split(".")[0] not in schema.model_fields:
            name = "body"
        raise ValidationFailed.field(name, first["msg"]) from None


def _optional(schema: type[BaseModel]) -> dict:
    return {
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": schema.model_json_schema()}},
        }
    }


def _line(request, invoice_id: PathId, line_id: PathId) -> Any:
    return selectors.invoice_line_get(
        tenant=request.auth.tenant, invoice_id=invoice_id, line_id=line_id
    )


def _detail(request, invoice_id: PathId) -> Any:
    invoice = selectors.invoice_detail(tenant=request.auth.tenant, invoice_id=invoice_id)
    hooks.invoices_read(request.auth.tenant, [invoice])
    return invoice


class InvoicePagination(Pagination):
    """Limit/offset pages whose invoices the apps above billing complete (`hooks`) once per
    page, not once per invoice."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        items = list(page[self.items_attribute])
        hooks.invoices_read(request.auth.tenant, items)
        return {**page, self.items_attribute: items}


# --- invoices ---------------------------------------------------------------------------------


@router.get("/invoices", response={200: list[InvoiceListOut], **ERRORS})
@paginate(InvoicePagination)
def invoice_list(request, filters: Query[InvoiceFilter]):
    _reader(request)
    return selectors.invoice_list(tenant=request.auth.tenant, **filters.model_dump())


@router.post("/invoices", response={201: InvoiceOut, **ERRORS})
def invoice_create(request, data: InvoiceCreate):
    invoice = invoices.invoice_create(
        request_context(request),
        data=data,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, _detail(request, invoice.pk))


@router.post("/invoices/generate", response={202: OperationOut, **ERRORS})
def invoices_generate(request, data: InvoicesGenerate):
    op = operations.invoices_generate_start(request_context(request), data=data)
    return Status(202, op)


@router.post("/billing-runs", response={202: OperationOut, **ERRORS})
def billing_run(request, data: BillingRun):
    op = operations.billing_run_start(request_context(request), data=data)
    return Status(202, op)


@router.get("/invoices/{invoice_id}", response={200: InvoiceOut, **ERRORS})
def invoice_detail(request, invoice_id: PathId):
    _reader(request)
    return _detail(request, invoice_id)


@router.patch("/invoices/{invoice_id}", response={200: InvoiceOut, **ERRORS})
def invoice_patch(request, invoice_id: PathId, data: InvoiceUpdate):
    invoices.invoice_update(request_context(request), invoice_id=invoice_id, data=data)
    return _detail(request, invoice_id)


@router.delete("/invoices/{invoice_id}", response={204: None, **ERRORS})
def invoice_delete(request, invoice_id: PathId):
    invoices.invoice_delete(request_context(request), invoice_id=invoice_id)
    return Status(204, None)


@router.post("/invoices/{invoice_id}/lines", response={201: LineOut, **ERRORS})
def invoice_line_add(request, invoice_id: PathId, data: InvoiceLineAdd):
    line = invoices.invoice_line_add(
        request_context(request),
        invoice_id=invoice_id,
        data=data,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, _line(request, invoice_id, line.pk))


@router.patch("/invoices/{invoice_id}/lines/{line_id}", response={200: LineOut, **ERRORS})
def invoice_line_patch(request, invoice_id: PathId, line_id: PathId, data: InvoiceLineUpdate):
    line = invoices.invoice_line_update(
        request_context(request), invoice_id=invoice_id, line_id=line_id, data=data
    )
    return _line(request, invoice_id, line.pk)


@router.delete("/invoices/{invoice_id}/lines/{line_id}", response={204: None, **ERRORS})
def invoice_line_delete(request, invoice_id: PathId, line_id: PathId):
    invoices.invoice_line_delete(request_context(request), invoice_id=invoice_id, line_id=line_id)
    return Status(204, None)


@router.post(
    "/invoices/{invoice_id}/issue",
    response={200: InvoiceOut, **ERRORS},
    openapi_extra=_optional(InvoiceIssue),
)
def invoice_issue(request, invoice_id: PathId):
    issue.invoice_issue(
        request_context(request),
        invoice_id=invoice_id,
        data=_optional_body(request, InvoiceIssue),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return _detail(request, invoice_id)


@router.post(
    "/invoices/{invoice_id}/void",
    response={201: InvoiceOut, **ERRORS},
    openapi_extra=_optional(CreditNoteCreate),
)
def invoice_void(request, invoice_id: PathId):
    payload = _optional_body(request, CreditNoteCreate)
    note = credit_notes.credit_note_create(
        request_context(request, reason=payload.reason),
        invoice_id=invoice_id,
        data=payload,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, _detail(request, note.pk))


# --- numbering --------------------------------------------------------------------------------


@router.get("/numbering", response={200: list[SequenceOut], **ERRORS})
def numbering_list(request):
    _reader(request)
    return selectors.number_sequence_list(tenant=request.auth.tenant)


@router.get("/numbering/report", response={200: list[GapReportOut], **ERRORS})
def numbering_report(request):
    _reader(request)
    return selectors.numbering_report(tenant=request.auth.tenant)


@router.put("/numbering/{kind}", response={200: SequenceOut, **ERRORS})
def numbering_set_next(request, kind: str, data: NumberingSetNext):
    return numbering.numbering_set_next(request_context(request), kind=kind, data=data)
