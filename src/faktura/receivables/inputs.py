"""The typed input of each receivables use case (DESIGN.md section 2, "Typed inputs").

Each declares its fields' types and limits once. The API handler takes it as its body, the
Django form builds it from its cleaned data (`web.forms.receivables`), and the service
receives it as `data`. Rules that need the database (the invoice's state, its date, the open
amount) are checked by the service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field, StringConstraints

from faktura.common.inputs import Email
from faktura.common.schemas import Id
from faktura.receivables.models import Payment, SentMark

# At most 12 digits before the point: what a 16-digit column with 2 decimals (and a sum of
# many) holds.
Amount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class _Input(Schema):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PaymentRecord(_Input):
    """A payment received for an invoice."""

    amount: Amount
    date: dt.date | None = Field(None, description="default: today (the company's date)")
    method: Payment.Method = Payment.Method.BANK_TRANSFER
    reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=140)] = ""
    allow_overpayment: bool = Field(
        False, description="keep an amount beyond the open balance as the customer's credit"
    )


class PaymentReverse(_Input):
    """Take a payment back; the reason is kept with the reversal."""

    reason: Reason
    date: dt.date | None = Field(None, description="default: today")


class InvoiceWriteOff(_Input):
    """Write off what is still open on an invoice (bank fees, a small difference)."""

    reason: Reason
    date: dt.date | None = Field(None, description="default: today")


class CreditApply(_Input):
    """Use the customer's credit balance (overpayments) on this invoice."""

    amount: Amount | None = Field(
        None, description="default: as much as the balance and the open amount allow"
    )
    date: dt.date | None = Field(None, description="default: today")


class InvoiceMarkSent(_Input):
    """An invoice delivered outside Faktura's e-mail."""

    channel: SentMark.Channel = SentMark.Channel.POST
    date: dt.date | None = Field(None, description="default: today")


@dataclass(frozen=True)
class BankStatementUpload:
    """An uploaded statement file (CAMT.053 or MT940); its content is checked when read."""

    filename: str
    content: bytes

    def __post_init__(self) -> None:
        if len(self.filename) > 255:
            object.__setattr__(self, "filename", self.filename[-255:])


class BankTransactionMatch(_Input):
    """Match a bank transaction (or part of it) to an open invoice: records a payment."""

    invoice_id: Id
    amount: Amount | None = Field(
        None, description="default: what is left of the transaction, at most the open amount"
    )


class BankTransactionIgnore(_Input):
    """Not a customer payment (bank fees, rent): leave it out of the open items."""

    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


# --- dunning ----------------------------------------------------------------------------------

Fee = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]


class DunningLevelIn(_Input):
    """One dunning level; `days_after_due` counts from the invoice's due date."""

    level: Annotated[int, Field(ge=1, le=9)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    days_after_due: Annotated[int, Field(ge=0, le=3650)]
    fee: Fee = Decimal("0.00")
    interest: bool = Field(False, description="charge default interest (§ 288 BGB)")


class DunningLevelsSet(_Input):
    """The company's levels, all of them (numbered 1, 2, ... with growing days)."""

    levels: Annotated[list[DunningLevelIn], Field(min_length=1, max_length=9)]


class DunningSettingsSet(_Input):
    """The company's dunning options."""

    flat_fee: bool = Field(False, description="§ 288 (5) BGB: 40 EUR for business customers")
    auto_send: bool = Field(False, description="the daily run sends reminders by itself")
    deadline_days: Annotated[int, Field(ge=1, le=90)] = 10
    combine: bool = Field(
        True, description="one letter per customer and level for all its invoices due"
    )


class BaseRateAdd(_Input):
    """A base rate (Basiszinssatz) valid from a date; replaces one of the same date."""

    valid_from: dt.date
    rate: Annotated[Decimal, Field(ge=-10, le=20, max_digits=5, decimal_places=2)]


class DunningRunStart(_Input):
    """Create the reminders proposed today; `invoice_ids` limits the run to these invoices."""

    invoice_ids: Annotated[list[Id], Field(max_length=1000)] | None = None


class DunningPause(_Input):
    """Keep an invoice out of dunning, until a date (or until resumed); `disputed` when the
    customer contests it."""

    reason: Reason
    until: dt.date | None = None
    disputed: bool = False


class ReminderSend(_Input):
    """E-mail a reminder with its PDF (default: to the customer's invoice address)."""

    to: Email = ""
    resend: bool = Field(False, description="send a reminder that was sent already again")


class ChargeWaive(_Input):
    """Waive what is open of a dunning fee or interest (a person's decision, with the reason)."""

    reason: Reason
    date: dt.date | None = Field(None, description="default: today")
