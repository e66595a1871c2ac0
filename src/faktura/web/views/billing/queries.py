"""The labels and display helpers of the billing screens (their reads are billing and catalog
selectors)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from faktura.billing.models import InvoiceLine
from faktura.billing.selectors.invoices import TIME_KINDS
from faktura.billing.selectors.printable import UNPRINTABLE_TEXT, UNPRINTABLE_TEXT_MESSAGE
from faktura.catalog.models import VatCategory
from faktura.core.time_rounding import (
    format_hours,
)
from faktura.web.templatetags.web import price

# Why an item or line has its price (the `price_source` the pricing services record).
PRICE_SOURCES = {
    "entry": _("Entry price"),
    "task": _("Ticket price"),
    "price_list": _("Price list"),
    "project_member": _("Member rate on project"),
    "project": _("Project rate"),
    "member_default": _("Member's default rate"),
    "product_default": _("Product default price"),
    "none": _("No price"),
    "manual": _("Set manually"),
}

# Short badges for the warnings compile puts on items (the full message is the tooltip).
ITEM_WARNINGS = {
    "no_price": _("no price"),
    "unit_price_rounded": _("price rounded"),
    "negative_price": _("negative price"),
    "contact_missing_vat_id": _("no VAT ID"),
    "invalid_rounding_policy": _("rounding rule ignored"),
    "caught_up": _("caught up"),
}

# What a reviewer reads for the problems `invoice_problems` reports, by code.
PROBLEM_MESSAGES = {
    "no_billable_line": _("The invoice has no line to bill."),
    "seller_address_incomplete": _("The company profile lacks a complete address."),
    "seller_tax_id_missing": _("The company profile needs a VAT ID or a tax number."),
    "seller_iban_missing": _("The company profile has no IBAN; the invoice shows no bank account."),
    "seller_contact_missing": _(
        "The company profile lacks an e-mail address or a phone number; XRechnung e-invoices "
        "need both as seller contact."
    ),
    "buyer_address_incomplete": _(
        "The customer's address is incomplete (street, postal code, city, country)."
    ),
    "buyer_vat_id_missing": _("Reverse charge needs the customer's VAT ID."),
    "buyer_reference_missing": _(
        "The customer is public sector (Leitweg-ID); set the buyer reference."
    ),
    "no_price": _("%(title)s: the unit price is 0."),
    "unit_price_negative": _(
        "%(title)s: a unit price cannot be negative; use a negative quantity instead."
    ),
    "quantity_rounded": _("%(title)s: the quantity is rounded to 4 decimals."),
    "quantity_implausible": _(
        "%(title)s: billed %(billed)s, logged %(logged)s: more than %(factor)s times apart. "
        "Check the quantity."
    ),
    "amount_implausible": _("%(title)s: the line amount %(amount)s looks implausibly high."),
    "unit_price_rounded": _("%(title)s: the unit price is rounded to 6 decimals."),
    # the e-invoice pre-check of Factur-X and the customer's preferred format (issue 9)
    "buyer_electronic_address_missing": _(
        "The customer needs an invoice e-mail address, a Leitweg-ID or a Peppol ID: its "
        "e-invoice format requires an electronic address (BT-49)."
    ),
    "buyer_peppol_id_missing": _(
        "Peppol needs the customer's Peppol ID, a Leitweg-ID or a VAT ID to derive one from."
    ),
    "seller_peppol_id_missing": _(
        "Peppol needs the company's Peppol ID (company settings) or a VAT ID to derive one from."
    ),
    "seller_electronic_address_missing": _(
        "The company profile needs an e-mail address or a Peppol ID (electronic address BT-34)."
    ),
    "buyer_city_missing": _("XRechnung needs the customer's city."),
    "buyer_postal_code_missing": _("XRechnung needs the customer's postal code."),
    "seller_email_missing": _("XRechnung needs the company's e-mail address."),
    "seller_phone_missing": _("XRechnung needs the company's phone number."),
    "seller_identifier_missing": _(
        "Without a VAT ID the company profile needs its commercial register entry."
    ),
    UNPRINTABLE_TEXT: UNPRINTABLE_TEXT_MESSAGE,
}

VAT_LABELS = dict(VatCategory.choices)


def percent(rate: Any) -> str:
    """A VAT rate as people write it, in the active language: 19, 7, 5,5."""
    locale = "de_DE" if (get_language() or "en").startswith("de") else "en_US"
    return format_decimal(Decimal(str(rate)), format="#,##0.##", locale=locale)


def vat_rows(breakdown: Iterable[dict]) -> list[dict]:
    """The VAT breakdown rows with their category label and rate text added."""
    return [
        {
            **row,
            "label": str(VAT_LABELS.get(row["category"], row["category"])),
            "rate_text": percent(row["rate"]),
        }
        for row in breakdown
    ]


def price_source_label(source: str) -> str:
    return str(PRICE_SOURCES.get(source, source.replace("_", " ")))


def item_warning_badges(warnings: Iterable[dict]) -> list[dict[str, str]]:
    """The warnings of an item as badges: a short label and the full message."""
    return [
        {
            "label": str(ITEM_WARNINGS.get(w.get("code", ""), w.get("code", ""))),
            "message": w.get("message", ""),
        }
        for w in warnings or ()
    ]


# The documents of an invoice (its `formats`), in the order the page lists them.
FORMAT_LABELS = {
    "pdf": _("PDF"),
    "xrechnung-ubl": _("XRechnung (UBL)"),
    "xrechnung-cii": _("XRechnung (CII)"),
    "peppol": _("Peppol"),
    "facturx": _("Factur-X"),
}


def format_rows(formats: Sequence[dict]) -> list[dict]:
    """The invoice's `formats` with their labels, in the page's order, for the templates."""
    by_key = {row["format"]: row for row in formats}
    return [
        {**by_key[slug], "slug": slug, "label": label}
        for slug, label in FORMAT_LABELS.items()
        if slug in by_key
    ]


def _sanity_values(values: dict, line: InvoiceLine | None) -> dict:
    """The numbers of a plausibility warning as the draft shows them: hours as H:MM on time
    lines, quantities and amounts in the reader's format."""
    shown = {}
    for key in ("billed", "logged", "amount"):
        if key in values:
            number = Decimal(values[key])
            if key != "amount" and line is not None and is_time_line(line):
                shown[key] = format_hours(number)
            else:
                shown[key] = price(number)
    if "factor" in values:
        shown["factor"] = percent(values["factor"])
    return shown


def problem_messages(problems: Sequence[dict], lines: Sequence[InvoiceLine]) -> list[dict]:
    """The problems of a draft in the reader's language (the service's message for codes this
    screen does not know), errors first."""
    shown = []
    for problem in problems:
        code = problem.get("code", "")
        message = problem.get("message", "")
        if code in PROBLEM_MESSAGES:
            title = ""
            path = problem.get("path", "")
            if path.startswith("lines["):
                index = int(path[6 : path.index("]")])
                title = lines[index].title if index < len(lines) else ""
            values = {"title": title, **problem.get("params", {})}
            if code in ("quantity_implausible", "amount_implausible") and path.startswith("lines["):
                values.update(_sanity_values(values, lines[index] if index < len(lines) else None))
            # A problem without the values its reader's text names keeps the service's text.
            with suppress(KeyError):
                message = str(PROBLEM_MESSAGES[code]) % values
        shown.append({**problem, "text": message})
    return sorted(shown, key=lambda p: p.get("severity") != "error")


# --- rounding ---------------------------------------------------------------------------------


def is_time_line(line: InvoiceLine) -> bool:
    return line.kind in TIME_KINDS


def correction_display(line: InvoiceLine) -> str:
    """Billed minus logged: signed H:MM for time lines ("+1:15"), else a signed quantity."""
    if line.logged_quantity is None:
        return ""
    difference = line.quantity - line.logged_quantity
    if is_time_line(line):
        return format_hours(difference, signed=True)
    if difference == 0:
        return "0"
    return f"{'+' if difference > 0 else '-'}{price(abs(difference))}"
