"""Error codes of frame orders, one class each; `config/api.py` maps them to HTTP."""

from __future__ import annotations

from faktura.common.errors import BusinessRuleViolation, ValidationFailed


class FrameOrderExhausted(BusinessRuleViolation):
    """The invoice needs more than the frame order has left and its policy is `block`."""

    code = "frame_order_exhausted"


class FrameOrderNotOpen(BusinessRuleViolation):
    """The frame order is closed, or the issue date is outside its validity."""

    code = "frame_order_not_open"


class FrameOrderInvalid(ValidationFailed):
    """The frame order's values contradict each other (no pool, dates, projects)."""

    code = "frame_order_invalid"


class RetainerMonthBilled(BusinessRuleViolation):
    """A retainer change would apply to a month that is billed already (a draft or an issued
    invoice has its lines): changes apply from the first month not billed yet."""

    code = "retainer_month_billed"


class FrameOrderReferenceNotFound(ValidationFailed):
    """An id in the body (a project, a frame order) is not one of this company's or this
    customer's: 400 naming the field."""

    code = "not_found"


class FrameOrderValueRequired(ValidationFailed):
    """A field that must have a value was sent empty."""

    code = "required"
