"""Use cases of offers (`offers`) and of billing fixed-price projects (`project_billing`)."""

from faktura.offers.services.offers import (
    offer_accept,
    offer_create,
    offer_decline,
    offer_delete,
    offer_pdf,
    offer_send,
    offer_update,
)
from faktura.offers.services.project_billing import (
    project_final_invoice,
    project_partial_invoice,
)

__all__ = [
    "offer_accept",
    "offer_create",
    "offer_decline",
    "offer_delete",
    "offer_pdf",
    "offer_send",
    "offer_update",
    "project_final_invoice",
    "project_partial_invoice",
]
