"""Error codes of offers and fixed-price billing, one class each; `config/api.py` maps them."""

from __future__ import annotations

from faktura.common.errors import BusinessRuleViolation, Conflict


class OfferNotDraft(Conflict):
    """Only a draft offer changes; a sent offer keeps its number and positions."""

    code = "offer_not_draft"


class OfferNotSent(Conflict):
    """Only a sent offer is accepted or declined."""

    code = "offer_not_sent"


class OfferEmpty(BusinessRuleViolation):
    """An offer without positions cannot be sent."""

    code = "offer_empty"


class OfferUnprintable(BusinessRuleViolation):
    """The offer cannot be printed (a text the document fonts cannot show)."""

    code = "offer_unprintable"


class NoRecipient(BusinessRuleViolation):
    """The customer has no e-mail address; give one in `to`."""

    code = "no_recipient"


class SendFailed(BusinessRuleViolation):
    """The mail server did not accept the message."""

    code = "send_failed"


class NotFixedPriceProject(BusinessRuleViolation):
    """The project is not a fixed-price project agreed by an accepted offer."""

    code = "not_fixed_price_project"


class ProjectFullyBilled(Conflict):
    """The project's price is billed: its final invoice exists (a fixed price is billed once)."""

    code = "project_fully_billed"


class PartialBeyondPrice(BusinessRuleViolation):
    """The partial invoices would bill more than the agreed price (over 100 %)."""

    code = "partial_beyond_price"


class PartialInvoiceNotIssued(BusinessRuleViolation):
    """A partial invoice of the project is still a draft: issue or delete it first."""

    code = "partial_invoice_not_issued"
