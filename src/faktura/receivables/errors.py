"""Error codes of receivables, one class each; `config/api.py` maps them to HTTP."""

from __future__ import annotations

from faktura.common.errors import BusinessRuleViolation, Conflict, ValidationFailed


class InvoiceNotPayable(Conflict):
    """Only issued or sent invoices take payments (not drafts, void invoices or credit notes)."""

    code = "invoice_not_payable"


class InvoiceNotOpen(Conflict):
    """Nothing is open on this invoice."""

    code = "invoice_not_open"


class OverpaymentNotAllowed(BusinessRuleViolation):
    """The amount is more than is open; allow an overpayment to keep the excess as credit."""

    code = "overpayment_not_allowed"


class DateOutOfRange(ValidationFailed):
    """The date is before the invoice date or in the future."""

    code = "date_out_of_range"


class AmountPlaces(ValidationFailed):
    """The amount has more decimals than the currency has."""

    code = "amount_places"


class PaymentAlreadyReversed(Conflict):
    """The payment is reversed already; a reversal cannot be reversed."""

    code = "payment_already_reversed"


class NoCreditBalance(BusinessRuleViolation):
    """The customer has no credit balance in this currency."""

    code = "no_credit_balance"


class InvoiceNotSendable(Conflict):
    """Only issued invoices can be marked sent."""

    code = "invoice_not_sendable"


class DunningLevelsInvalid(ValidationFailed):
    """Levels are numbered 1, 2, ... and each comes more days after the due date."""

    code = "dunning_levels_invalid"


class InvoiceNotDunnable(Conflict):
    """Only issued or sent invoices with something open are reminded or paused."""

    code = "invoice_not_dunnable"


class ReminderAlreadySent(Conflict):
    """The reminder was sent already; ask for `resend` to send it again."""

    code = "reminder_already_sent"


class ChargeNotOpen(Conflict):
    """Nothing is open of the dunning charge (paid or waived already)."""

    code = "charge_not_open"


class ReminderUnprintable(BusinessRuleViolation):
    """The reminder cannot be printed (a text the document fonts cannot print, e.g. in the
    level's name)."""

    code = "reminder_unprintable"
