"""Typed inputs of the billing use cases (DESIGN.md section 2, "Typed inputs").

The API takes one as its body, the billing forms build the same one, the background task
rebuilds it from its operation's JSON, and the service receives it as `data`. The limits of a
field are declared here once (a purchase order number has at most 60 characters everywhere).
What needs the database (an id of this company, a line that is manual, a draft) is the
services' to check.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils.translation import gettext
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from faktura.catalog.models import VatCategory
from faktura.common.inputs import (
    CashDiscountDays,
    Currency,
    Day,
    Email,
    Input,
    Language,
    PaymentTermsDays,
    Text,
    UnitPrice,
    VatRate,
    lines,
    problem,
)
from faktura.common.schemas import CashDiscountPercent, Id
from faktura.common.text import SingleLine

# --- field types --------------------------------------------------------------------------------

# Ids per request (generation, compile, deferral): one page of a list at most.
MAX_IDS = 10_000
# Lines a credit note names.
MAX_CREDIT_LINES = 5_000

PoNumber = Annotated[str, Text(60)]
BuyerReference = Annotated[str, Text(100)]
# A text printed above the lines or below the totals: several lines.
DocumentText = Annotated[str, Field(max_length=5000), AfterValidator(lines)]
# A date of a business document: numbers and periods have four-digit years.
DocumentDate = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1))]
LineTitle = Annotated[str, Text(300, required=True)]
LineDescription = Annotated[str, Field(max_length=5000), AfterValidator(lines)]
# A quantity: up to 4 decimals (DecimalField(14, 4)); negative on a manual line is a discount.
Quantity = Annotated[Decimal, Field(max_digits=14, decimal_places=4)]
# A unit of this company by its UN/ECE Rec 20 code; the service looks it up.
LineUnit = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=3)
]
ExemptionReason = Annotated[str, Text(300)]
IdList = Annotated[list[Id], Field(min_length=1, max_length=MAX_IDS)]

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def _period(value: str) -> str:
    match = _PERIOD.match(value.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1970:
        raise problem("invalid", gettext("Use YYYY-MM, e.g. 2026-03."))
    return value.strip()


# A billing month, "YYYY-MM".
Period = Annotated[str, StringConstraints(max_length=7), AfterValidator(_period)]


def _sorted_ids(value: list[int]) -> list[int]:
    return sorted(set(value))


UniqueIds = Annotated[IdList, AfterValidator(_sorted_ids)]


# --- drafts -------------------------------------------------------------------------------------

# The header fields of a draft a person edits (`invoice_update`); text fields sent as null
# are emptied.
HEADER_TEXTS = ("po_number", "buyer_reference", "intro_text", "closing_text")


class InvoiceCreate(Input):
    """An empty draft for a manual invoice; `currency` defaults to the customer's. Header
    fields left out keep the draft's defaults (the customer's Leitweg-ID as buyer reference,
    the project's purchase order number)."""

    contact_id: Id
    currency: Currency | None = Field(default=None, description="default: the customer's")
    project_id: Id | None = None
    po_number: PoNumber | None = None
    buyer_reference: BuyerReference | None = None
    intro_text: DocumentText | None = None
    closing_text: DocumentText | None = None
    service_period_start: DocumentDate | None = None
    service_period_end: DocumentDate | None = None
    payment_terms_days: PaymentTermsDays | None = None
    cash_discount_percent: CashDiscountPercent | None = None
    cash_discount_days: CashDiscountDays | None = None


class InvoiceUpdate(Input):
    """A change of a draft's header: only the fields sent change. Null empties a text, and
    sets the payment terms and cash discount back to the customer's (else the company's)."""

    partial = True
    nullable = frozenset(
        {
            *HEADER_TEXTS,
            "service_period_start",
            "service_period_end",
            "payment_terms_days",
            "cash_discount_percent",
            "cash_discount_days",
            "frame_order_id",
        }
    )

    po_number: PoNumber | None = None
    buyer_reference: BuyerReference | None = None
    intro_text: DocumentText | None = None
    closing_text: DocumentText | None = None
    service_period_start: DocumentDate | None = None
    service_period_end: DocumentDate | None = None
    payment_terms_days: PaymentTermsDays | None = None
    cash_discount_percent: CashDiscountPercent | None = None
    cash_discount_days: CashDiscountDays | None = None
    language: Language | None = None
    frame_order_id: Id | None = Field(
        None, description="the customer's frame order that issuing draws down; null: none"
    )

    def changes(self) -> dict[str, Any]:
        """The fields sent, with an emptied text as ""."""
        return {
            name: ("" if value is None and name in HEADER_TEXTS else value)
            for name, value in ((n, getattr(self, n)) for n in sorted(self.model_fields_set))
        }


class InvoiceLineAdd(Input):
    """A manual line (travel, third-party costs, a special agreement). A negative quantity is
    a discount (the unit price stays >= 0, EN 16931 BR-27). Without `vat_category` the
    customer's tax treatment decides (domestic: S at `vat_rate`)."""

    title: LineTitle
    quantity: Quantity
    unit: LineUnit
    unit_price: UnitPrice
    vat_rate: VatRate | None = None
    vat_category: VatCategory | None = Field(
        None, description="default: S, or from the tax treatment"
    )
    exemption_reason: ExemptionReason | None = Field(
        None, description="exempt (E) lines: the legal reason (default: the customer's)"
    )
    description: LineDescription = ""


def _quantity_or_step(known: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    if known.get("step") is not None and known.get("quantity") is not None:
        return {"step": ("invalid", gettext("Give either a quantity or a step, not both."))}
    return {}


class InvoiceLineUpdate(Input):
    """A review of a line: only the fields sent change. Unit, VAT and exemption reason change
    on manual lines only (billed work takes them from its product)."""

    partial = True
    nullable = frozenset({"description", "vat_rate", "exemption_reason"})
    rules = (_quantity_or_step,)

    title: LineTitle | None = None
    description: LineDescription | None = None
    quantity: Quantity | None = Field(default=None, description="billed quantity")
    step: Literal["up", "down"] | None = Field(
        None,
        description="move the billed quantity one step: time lines by the rounding increment "
        "of the invoice's work (15 min: 10:47 -> 11:00), others by one unit; not with quantity",
    )
    unit_price: UnitPrice | None = None
    do_not_bill: bool | None = None
    unit: LineUnit | None = Field(default=None, description="manual lines only")
    vat_rate: VatRate | None = Field(default=None, description="manual lines only")
    vat_category: VatCategory | None = Field(default=None, description="manual lines only")
    exemption_reason: ExemptionReason | None = Field(
        default=None, description="manual E lines only"
    )

    def changes(self) -> dict[str, Any]:
        """The fields sent (an emptied description as "")."""
        found = {name: getattr(self, name) for name in sorted(self.model_fields_set)}
        if "description" in found and found["description"] is None:
            found["description"] = ""
        return found


# --- issuing and correcting ---------------------------------------------------------------------


class InvoiceIssue(Input):
    """Issue a draft: it gets its number and is frozen."""

    issue_date: DocumentDate | None = Field(default=None, description="default: today")


# A quantity to credit of a line: more than zero, at most what is not credited yet of it (the
# service checks that); the magnitude, whatever the sign of the line (a discount line too).
CreditQuantity = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=4)]
# Why the invoice is corrected: printed on the credit note and its e-invoices (BT-22).
CreditReason = Annotated[str, Field(max_length=500), AfterValidator(lines)]


class CreditLine(Input):
    """One line to credit: all of it that is not credited yet, or `quantity` of it."""

    line_id: Id
    quantity: CreditQuantity | None = Field(
        default=None, description="default: all of the line not credited yet"
    )


def _one_way_to_name_lines(known: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """`lines` or `line_ids` (the older form: whole lines), not both; a line once."""
    found: dict[str, tuple[str, str]] = {}
    if known.get("lines") is not None and known.get("line_ids") is not None:
        found["line_ids"] = (
            "invalid",
            gettext("Name the lines in lines or in line_ids, not both."),
        )
    seen: set[int] = set()
    for index, line in enumerate(known.get("lines") or ()):
        if not isinstance(line, CreditLine):
            continue
        if line.line_id in seen:
            found[f"lines.{index}.line_id"] = ("duplicate", gettext("This line is named twice."))
        seen.add(line.line_id)
    return found


class CreditNoteCreate(Input):
    """A credit note for an issued invoice: all its billed lines not credited yet, or the named
    ones (`lines`, each whole or a part of its quantity; `line_ids` names whole lines).
    `release_entries` makes the credited work billable again; otherwise it is written off.
    `reason` is printed on the credit note."""

    rules = (_one_way_to_name_lines,)

    release_entries: bool = False
    lines: Annotated[list[CreditLine], Field(min_length=1, max_length=MAX_CREDIT_LINES)] | None = (
        None
    )
    line_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_CREDIT_LINES),
                        AfterValidator(_sorted_ids)] | None = None  # fmt: skip
    issue_date: DocumentDate | None = Field(default=None, description="default: today")
    reason: CreditReason = Field(
        default="", description="why the invoice is corrected; printed on the credit note"
    )

    def wanted(self) -> tuple[str, list[CreditLine]] | None:
        """The named lines and the input field that named them; None: every line."""
        if self.lines is not None:
            return "lines", list(self.lines)
        if self.line_ids is not None:
            return "line_ids", [CreditLine(line_id=pk) for pk in self.line_ids]
        return None


class InvoiceSend(Input):
    """Send an issued invoice by e-mail."""

    to: Email = Field(default="", description="defaults to the customer's invoice e-mail")
    resend: bool = False


def _counter_period(value: str) -> str:
    """A counter period: all, YYYY or YYYY-MM (`core.numbering.period_key`)."""
    year, _, month = value.partition("-")
    valid = value == "all" or (
        year.isdigit() and len(year) == 4 and int(year) >= 1000
        and (value == year or (month.isdigit() and len(month) == 2 and 1 <= int(month) <= 12))
    )  # fmt: skip
    if not valid:
        raise problem("invalid", gettext("Use all, YYYY or YYYY-MM."))
    return value


# The largest counter value: fits the PositiveIntegerField of both databases.
MAX_COUNTER = 2_000_000_000


class NumberingSetNext(Input):
    """The next counter value of a number series (continuing another tool's series); the
    series (`kind`) is named by the path."""

    next_value: Annotated[int, Field(ge=1, le=MAX_COUNTER)]
    period: (
        Annotated[str, StringConstraints(max_length=7), AfterValidator(_counter_period)] | None
    ) = Field(default=None, description="all, YYYY or YYYY-MM; default: today's")


# --- billable items -----------------------------------------------------------------------------


class ItemsCompile(Input):
    """Compile billable work into pending items: all, or the named entries; work up to
    `until`."""

    entry_ids: Annotated[list[Id], Field(max_length=MAX_IDS),
                         AfterValidator(_sorted_ids)] | None = None  # fmt: skip
    until: dt.date | None = None


class ItemsDefer(Input):
    """Pending items deferred until a date (carried forward, still unbilled)."""

    item_ids: UniqueIds
    until: dt.date


def _items_or_due(known: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    if (known.get("item_ids") is None) == (known.get("due") is None):
        return {"item_ids": ("invalid", gettext("Name the items, or give a due date instead."))}
    return {}


class ItemsRestore(Input):
    """Deferred items pending again: the named ones, or every one whose date has come."""

    rules = (_items_or_due,)

    item_ids: UniqueIds | None = None
    due: dt.date | None = None


class InvoicesGenerate(Input):
    """Drafts from the selected pending items, grouped per customer, project or ticket."""

    billable_item_ids: UniqueIds
    grouping: Literal["contact", "project", "task"] = Field(
        "contact", description="contact, project or task"
    )


class BillingRun(Input):
    """The billing run of a month: pending items onto the open drafts of the period."""

    period: Period = Field(..., description="YYYY-MM")


class ManualItemCreate(Input):
    """A manual billable item (third-party costs, a special agreement) for a customer or a
    project; it joins the customer's next draft."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contact_id: Id | None = None
    project_id: Id | None = None
    title: Annotated[SingleLine, Field(min_length=1, max_length=300)]
    quantity: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=4)] = Decimal("1")
    unit: Annotated[str, Field(min_length=1, max_length=3, pattern=r"^[A-Za-z0-9]{1,3}$")] = "C62"
    unit_price: UnitPrice
    vat_rate: VatRate = Decimal("19")
    service_date: Day | None = Field(default=None, description="default: today")
