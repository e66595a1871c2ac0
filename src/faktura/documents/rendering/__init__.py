"""Invoice documents as PDF (Typst) and Factur-X, from a frozen invoice snapshot.

No Django here: rendering runs in any process (web, worker, benchmark pool) from
``faktura.einvoice.snapshot.InvoiceSnapshot`` alone.
"""

from .batch import render_batch
from .renderer import (
    Renderer,
    RenderError,
    get_renderer,
    render_facturx_pdf,
    render_invoice_pdf,
    render_logo,
)
from .view import Attachment

__all__ = [
    "Attachment",
    "RenderError",
    "Renderer",
    "get_renderer",
    "render_batch",
    "render_facturx_pdf",
    "render_invoice_pdf",
    "render_logo",
]
