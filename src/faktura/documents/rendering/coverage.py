"""Which characters the invoice PDF can print: the union of the shipped fonts' character maps.

The PDF is PDF/A-3b, which forbids a character without a glyph: Typst then refuses the whole
document ("could not be displayed with font"). So every text of a document is checked against
the fonts before it is issued, and a text with a character no font has is refused naming the
field and the character (issue 9). The same check keeps out what XML 1.0 cannot hold (control
characters have no glyph in any font).

The fonts: Inter (Latin with every European diacritic, Greek, Cyrillic, punctuation, currency
signs) and Noto Emoji (monochrome emoji, with the joiners, variation selectors and skin-tone
modifiers emoji sequences use). Typst falls back from one to the other per character, in that
order (``templates_typst/invoice.typ``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

from faktura.einvoice.snapshot import InvoiceSnapshot

FONTS_DIR = Path(__file__).resolve().parent.parent / "fonts"
# Laid out by Typst itself, never looked up in a font.
_LAYOUT = frozenset("\n\t ")


@lru_cache(maxsize=1)
def printable_codepoints() -> frozenset[int]:
    """Every code point some shipped font has a glyph for (read once per process)."""
    points: set[int] = set()
    for path in sorted(FONTS_DIR.glob("*.[ot]tf")):
        font = TTFont(path, lazy=True)
        try:
            points.update(font.getBestCmap() or {})
        finally:
            font.close()
    return frozenset(points)


def unprintable(text: str) -> list[str]:
    """The distinct characters of ``text`` that no shipped font can print, in order."""
    covered = printable_codepoints()
    seen: list[str] = []
    for char in text:
        if char not in _LAYOUT and ord(char) not in covered and char not in seen:
            seen.append(char)
    return seen


def describe(char: str) -> str:
    """``"字" (U+5B57 CJK UNIFIED IDEOGRAPH-5B57)``; control characters by code only."""
    name = unicodedata.name(char, "")
    shown = f'"{char}" ' if unicodedata.category(char)[0] not in "CZ" else ""
    return f"{shown}(U+{ord(char):04X}{' ' + name if name else ''})"


@dataclass(frozen=True)
class Unprintable:
    """A text of a document holding characters the PDF cannot print."""

    path: str  # where the text is: "lines[2].title", "seller.name", ...
    text: str
    chars: tuple[str, ...]

    @property
    def message(self) -> str:
        shown = self.text if len(self.text) <= 80 else self.text[:77] + "..."
        which = ", ".join(describe(c) for c in self.chars[:5])
        return (
            f'"{shown}" contains characters the invoice fonts cannot print: {which}. '
            "Supported are Latin, Greek and Cyrillic letters, common symbols and emoji."
        )


def check_texts(texts: Iterable[tuple[str, str]]) -> list[Unprintable]:
    """Every ``(path, text)`` with characters no font prints."""
    found = []
    for path, text in texts:
        if text:
            chars = unprintable(text)
            if chars:
                found.append(Unprintable(path, text, tuple(chars)))
    return found


_PARTY_FIELDS = (
    "name", "street", "postal_code", "city", "vat_id", "tax_number", "email", "phone",
    "contact_name", "customer_number", "leitweg_id", "register", "managing_directors", "website",
)  # fmt: skip


def snapshot_texts(snapshot: InvoiceSnapshot) -> Iterator[tuple[str, str]]:
    """Every text a document of ``snapshot`` prints or writes, with its path. The note
    (intro and closing text) is ``note``."""
    for role, party in (("seller", snapshot.seller), ("buyer", snapshot.buyer)):
        for name in _PARTY_FIELDS:
            yield f"{role}.{name}", getattr(party, name)
    pay = snapshot.payment
    yield "seller.bank_name", pay.bank_name
    yield "seller.bic", pay.bic
    yield "seller.iban", pay.iban
    yield "seller.invoice_footer", snapshot.footer
    yield "po_number", snapshot.po_number
    yield "buyer_reference", snapshot.buyer_reference
    yield "note", snapshot.note
    for row in snapshot.vat_breakdown:
        yield f"vat_breakdown[{row.category}].exemption_reason", row.exemption_reason
    for line in snapshot.lines:
        at = f"lines[{line.id}]"
        yield f"{at}.title", line.title
        yield f"{at}.description", line.description
        yield f"{at}.seller_item_id", line.seller_item_id
        for i, row in enumerate(line.timesheet, start=1):
            yield f"{at}.timesheet[{i}].person", row.person
            yield f"{at}.timesheet[{i}].description", row.description
