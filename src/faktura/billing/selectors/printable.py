"""Whether the documents can print a draft's texts (issue 9), as problems of the draft.

The draft review lists them before Settle and issuing refuses them before the number is
taken: every text the PDF prints or the XML carries — the company profile, the customer, the
header texts and the lines — is checked against the shipped fonts' character maps
(`faktura.documents.rendering.coverage`). A character no font has is also one no PDF/A can
show; control characters, which XML cannot hold, have no glyph either.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from faktura.billing.models import Invoice, InvoiceLine
from faktura.contacts.models import Contact
from faktura.core.problems import Problem, error
from faktura.core.translation import gettext_lazy as _
from faktura.documents.rendering.coverage import Unprintable, check_texts, describe

UNPRINTABLE_TEXT = "unprintable_text"
# The message of an `unprintable_text` problem (its `params`: the text and the characters).
UNPRINTABLE_TEXT_MESSAGE = _(
    '"%(text)s" contains characters the invoice fonts cannot print: %(chars)s. '
    "Supported are Latin, Greek and Cyrillic letters, common symbols and emoji."
)

# The profile and customer fields issuing copies into the seller and buyer snapshots and the
# documents print (billing.services.issue.SELLER_FIELDS / BUYER_FIELDS, the texts among them).
SELLER_TEXTS = (
    "name", "street", "postal_code", "city", "vat_id", "tax_number", "bank_name", "email",
    "phone", "website", "managing_directors", "register_court", "register_number",
)  # fmt: skip
BUYER_TEXTS = (
    "customer_number", "name", "street", "postal_code", "city", "vat_id", "leitweg_id",
    "email", "phone", "contact_person", "exemption_reason",
)  # fmt: skip
HEADER_TEXTS = ("po_number", "buyer_reference", "intro_text", "closing_text")
LINE_TEXTS = ("title", "description", "exemption_reason")


def _texts(
    invoice: Invoice, lines: Sequence[InvoiceLine], tenant, contact: Contact
) -> Iterator[tuple[str, str]]:
    for name in SELLER_TEXTS:
        yield f"seller.{name}", getattr(tenant, name)
    # The footer printed: the customer's language, else the other one (as issuing freezes it).
    footers = [
        ("invoice_footer", tenant.invoice_footer),
        ("invoice_footer_en", tenant.invoice_footer_en),
    ]
    if contact.language == "en":
        footers.reverse()
    yield next(((f"seller.{n}", t) for n, t in footers if t), ("seller.invoice_footer", ""))
    for name in BUYER_TEXTS:
        yield f"buyer.{name}", getattr(contact, name)
    for name in HEADER_TEXTS:
        yield name, getattr(invoice, name)
    for index, line in enumerate(lines):
        if not line.do_not_bill:
            for name in LINE_TEXTS:
                yield f"lines[{index}].{name}", getattr(line, name)


def unprintable_problem(found: Unprintable, path: str | None = None) -> Problem:
    """The error for a text the documents cannot print, at `path` (default: where it was
    found), with the text and the characters as the message's params."""
    shown = found.text if len(found.text) <= 80 else found.text[:77] + "..."
    chars = ", ".join(describe(c) for c in found.chars[:5])
    return error(
        UNPRINTABLE_TEXT,
        UNPRINTABLE_TEXT_MESSAGE,
        found.path if path is None else path,
        text=shown,
        chars=chars,
    )


def text_problems(
    invoice: Invoice, lines: Sequence[InvoiceLine], *, tenant, contact: Contact
) -> list[Problem]:
    """An error for each text of the draft that the documents cannot print. Paths as in
    `invoice_problems`: `lines[i].title` (i = index in position order), `seller.*`,
    `buyer.*`, header field names."""
    return [
        unprintable_problem(found) for found in check_texts(_texts(invoice, lines, tenant, contact))
    ]
