"""Error codes of billing, one class each; `faktura.common.api` maps them to HTTP.

The docstring of a class is its default message; a service may raise it with a more precise
one (naming the invoice, the number, the ids).
"""

from __future__ import annotations

from collections.abc import Sequence

from faktura.common.errors import BusinessRuleViolation, Conflict, ValidationFailed
from faktura.common.errors import ReferenceNotFound as ReferenceNotFound  # an id of no one's (400)
from faktura.common.errors import Required as Required  # a required field missing (400)
from faktura.core.problems import Problem

# --- drafts (409) --------------------------------------------------------------------------------


class InvoiceNotDraft(Conflict):
    """The invoice is issued; it can only be corrected with a credit note."""

    code = "invoice_not_draft"


class ItemsNotPending(Conflict):
    """Some billable items are not pending (already on a draft, invoiced or excluded)."""

    code = "items_not_pending"


class ItemsNotInState(Conflict):
    """Some items are not in the state this action starts from."""

    code = "items_not_in_state"


# --- issuing and numbering -----------------------------------------------------------------------


class InvoiceInvalid(BusinessRuleViolation):
    """The invoice cannot be issued; `fields` maps each problem's path to its message."""

    code = "invoice_invalid"

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        fields: dict[str, str] = {}
        for problem in self.problems:
            fields.setdefault(problem.path or problem.code, problem.message)
        summary = "; ".join(problem.message for problem in self.problems[:3])
        super().__init__(f"The invoice cannot be issued: {summary}", fields=fields)


class DocumentsUnrenderable(BusinessRuleViolation):
    """The invoice's documents could not be rendered, so it is not issued."""

    code = "documents_unrenderable"


class IssueDateInvalid(BusinessRuleViolation):
    """The issue date would break the series: in the future, or before the series' last
    document (a later number may not carry an earlier date)."""

    code = "issue_date_invalid"


class NumberTaken(Conflict):
    """The number exists already; check the number format in the settings."""

    code = "number_taken"


class NumberingBackwards(Conflict):
    """A lower next number would repeat numbers."""

    code = "numbering_backwards"


class NumberingGap(Conflict):
    """Numbers of this period were issued already; a higher next number would leave a gap."""

    code = "numbering_gap"


class IdempotencyKeyReused(BusinessRuleViolation):
    """This Idempotency-Key was used for a different request."""

    code = "idempotency_key_reused"


# --- issued documents ----------------------------------------------------------------------------


class InvoiceNotIssued(Conflict):
    """Only issued documents are rendered, sent or credited."""

    code = "invoice_not_issued"


class EInvoiceFormatUnavailable(BusinessRuleViolation):
    """The asked format would not be valid for this invoice; `fields` names what is missing."""

    code = "einvoice_format_unavailable"


# --- credit notes --------------------------------------------------------------------------------


class CreditNoteNotVoidable(Conflict):
    """A credit note cannot be voided; issue a new invoice instead."""

    code = "credit_note_not_voidable"


class InvoiceVoid(Conflict):
    """The invoice is void."""

    code = "invoice_void"


class InvoiceAlreadyCredited(Conflict):
    """Every line of this invoice is credited already."""

    code = "invoice_already_credited"


class LineAlreadyCredited(Conflict):
    """A line can be credited only once."""

    code = "line_already_credited"


class CreditQuantityExceeded(ValidationFailed):
    """More than the quantity of the line that is not credited yet."""

    code = "credit_quantity_exceeded"


class PartialCreditNotReleasable(BusinessRuleViolation):
    """A part of a line is credited: its work stays billed; only a line credited in full
    releases its entries."""

    code = "partial_credit_not_releasable"


class EntryPartlyCredited(BusinessRuleViolation):
    """Releasing would split an entry: it is also billed on a line not being credited."""

    code = "entry_partly_credited"


# --- sending -------------------------------------------------------------------------------------


class NoRecipient(BusinessRuleViolation):
    """The customer has no invoice e-mail address; give one in `to`."""

    code = "no_recipient"


class SendInProgress(Conflict):
    """This invoice is being sent right now."""

    code = "send_in_progress"


class InvoiceAlreadySent(Conflict):
    """This invoice was sent already; ask for `resend` to send it again."""

    code = "invoice_already_sent"


class SendFailed(BusinessRuleViolation):
    """The mail server did not accept the message."""

    code = "send_failed"
