"""Offers (quotes) as PDF, in the invoice's look: the invoice template with the offer's texts.

The offers app builds an `InvoiceSnapshot` of the offer (its positions and totals, computed by
`core.invoice_math` like an invoice's); this module takes the invoice view of it and replaces
what differs on an offer: the title, the information block, the opening sentence, the total's
label and, instead of payment terms, how long the offer is valid. An offer has no payment
reference and no GiroCode; a draft (no number) is watermarked like a draft invoice.
"""

from __future__ import annotations

import json
from datetime import date

from faktura.einvoice.snapshot import InvoiceSnapshot

from .formatting import format_date, language_of
from .labels import LABELS
from .renderer import _logo_suffix, get_renderer
from .view import build_view

OFFER_TEXTS = {
    "de": {
        "offer": "Angebot",
        "number": "Angebotsnr.",
        "date": "Angebotsdatum",
        "valid_until": "Gültig bis",
        "intro": "Gerne bieten wir Ihnen die folgenden Leistungen an:",
        "total": "Angebotssumme",
        "validity": "Dieses Angebot gilt bis zum {date}.",
        "closing": "Wir freuen uns auf Ihren Auftrag.",
    },
    "en": {
        "offer": "Offer",
        "number": "Offer no.",
        "date": "Offer date",
        "valid_until": "Valid until",
        "intro": "We are pleased to offer you the following:",
        "total": "Offer total",
        "validity": "This offer is valid until {date}.",
        "closing": "We look forward to your order.",
    },
}


def offer_view(
    snapshot: InvoiceSnapshot, *, valid_until: date | None, logo_file: str | None = None
) -> dict:
    """The invoice template's data for an offer (see the module docstring)."""
    lang = language_of(snapshot.language)
    t = OFFER_TEXTS[lang]
    labels = LABELS[lang]
    view, _qr = build_view(snapshot, logo_file=logo_file)
    draft = not snapshot.number
    day = format_date(snapshot.issue_date, lang)
    buyer = snapshot.buyer
    info = [[t["number"], snapshot.number or labels["draft_number"]], [t["date"], day]]
    if valid_until:
        info.append([t["valid_until"], format_date(valid_until, lang)])
    if buyer.customer_number:
        info.append([labels["customer_number"], buyer.customer_number])
    if buyer.vat_id:
        info.append([labels["buyer_vat_id"], buyer.vat_id])
    terms = [t["validity"].format(date=format_date(valid_until, lang))] if valid_until else []
    terms.append(t["closing"])
    totals = [
        {**row, "label": t["total"]} if row["kind"] == "gross" else row for row in view["totals"]
    ]
    view.update(
        {
            "qr": False,
            "title": t["offer"],
            "subtitle": "",
            "document_title": (
                f"{t['offer']} {snapshot.number}"
                if not draft
                else f"{t['offer']} ({labels['draft']})"
            ),
            "info": info,
            "intro": snapshot.note or t["intro"],
            "totals": totals,
            "payment": {**view["payment"], "terms": terms, "bank": []},
            "running_header": " · ".join(
                (snapshot.seller.name, f"{t['offer']} {snapshot.number or labels['draft']}", day)
            ),
            "timesheet": None,
            "attachments": [],
        }
    )
    return view


def render_offer_pdf(
    snapshot: InvoiceSnapshot, *, valid_until: date | None, logo: bytes | None = None
) -> bytes:
    """The offer as PDF/A-3b, dated by its offer date (deterministic bytes)."""
    renderer = get_renderer()
    logo_name = renderer.asset(logo, _logo_suffix(logo)) if logo else None
    view = offer_view(snapshot, valid_until=valid_until, logo_file=logo_name)
    files = {"data.json": json.dumps({"view": view}).encode()}
    return renderer.compile("invoice.typ", files, pdf_a=True, created=snapshot.issue_date)
