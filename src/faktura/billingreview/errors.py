"""Error codes of the billing review, one class each; `config/api.py` maps them to HTTP."""

from __future__ import annotations

from faktura.common.errors import BusinessRuleViolation, Conflict, ValidationFailed


class ReviewNotOpen(Conflict):
    """The review generated its invoice already, or was closed or abandoned: it changes no
    more."""

    code = "review_not_open"


class ReviewEntriesTaken(Conflict):
    """Some entries of the review were billed, deferred or written off elsewhere meanwhile
    (another review, a billing run): nothing was generated; reload the review."""

    code = "review_entries_taken"


class NothingToBill(BusinessRuleViolation):
    """No entry of the review is marked Bill: there is no invoice to generate."""

    code = "review_nothing_to_bill"


class ReviewHasEntriesToBill(BusinessRuleViolation):
    """Closing a review without an invoice while entries are still marked Bill: generate the
    invoice, or decide those entries otherwise (or abandon the review)."""

    code = "review_has_entries_to_bill"


class ReviewReferenceNotFound(ValidationFailed):
    """An id in the body (the customer, a frame order, an entry) is not one this review can
    use: 400 naming the field."""

    code = "not_found"


class WriteOffReasonRequired(ValidationFailed):
    """Entries are written off but no reason is given."""

    code = "required"


class ReviewCurrencies(BusinessRuleViolation):
    """The entries to bill are in more than one currency: bill them in separate reviews."""

    code = "review_currencies"
