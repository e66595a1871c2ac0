"""The EPC "GiroCode" QR code (EPC069-12, version 002) for SEPA credit transfers.

Banking apps read creditor, IBAN, amount and remittance text from it. The payload is built here
(it is a dozen lines of text); segno encodes it with error correction level M as the standard
requires. The mask pattern is fixed: ISO/IEC 18004 allows each of the eight, and letting segno
score all eight costs ~10 ms of pure Python per invoice, more than Typst needs for the whole
page. The symbol is drawn as one SVG path (a rectangle per run of dark modules).
"""

from __future__ import annotations

from decimal import Decimal

import segno

MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")
_MASK = 4


def epc_payload(*, name: str, iban: str, amount: Decimal, text: str = "", bic: str = "") -> bytes:
    """The EPC069-12 payload, UTF-8 (character set 1), unstructured remittance ``text``.

    Raises ``ValueError`` for values the standard does not allow (amount outside
    0.01-999,999,999.99 EUR, name over 70 or remittance text over 140 characters).
    """
    name = " ".join(name.split())
    iban = "".join(iban.split()).upper()
    bic = "".join(bic.split()).upper()
    text = " ".join(text.split())
    if not 0 < len(name) <= 70:
        raise ValueError("EPC QR: the creditor name must have 1-70 characters")
    if not 4 < len(iban) <= 34:
        raise ValueError("EPC QR: invalid IBAN length")
    if bic and len(bic) not in (8, 11):
        raise ValueError("EPC QR: a BIC has 8 or 11 characters")
    if len(text) > 140:
        raise ValueError("EPC QR: the remittance text has at most 140 characters")
    if not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise ValueError("EPC QR: the amount must be between 0.01 and 999999999.99 EUR")
    fields = [
        "BCD",  # service tag
        "002",  # version
        "1",  # character set: UTF-8
        "SCT",  # SEPA credit transfer
        bic,
        name,
        iban,
        f"EUR{amount:.2f}",
        "",  # purpose code
        "",  # structured reference (ISO 11649): not used, the invoice number goes in the text
        text,
    ]
    return "\n".join(fields).encode("utf-8")


def epc_qr_svg(*, name: str, iban: str, amount: Decimal, text: str = "", bic: str = "") -> str:
    """The GiroCode as an SVG document (1 unit per module, no quiet zone)."""
    payload = epc_payload(name=name, iban=iban, amount=amount, text=text, bic=bic)
    qr = segno.make_qr(payload, error="m", boost_error=False, mask=_MASK)
    if qr.version > 13:  # EPC069-12 caps the symbol at version 13
        raise ValueError("EPC QR: payload too large")
    return matrix_svg(qr.matrix)


def matrix_svg(matrix: tuple[bytearray, ...] | list[list[int]]) -> str:
    """A module matrix as a compact SVG path: one rectangle per horizontal run of dark cells."""
    size = len(matrix)
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        width = len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{size}" height="{size}" shape-rendering="crispEdges">'
        f'<path fill="#000" d="{"".join(parts)}"/></svg>'
    )
