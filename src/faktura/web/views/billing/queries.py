"""The labels and display helpers of the billing screens (their reads are billing and catalog
selectors)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from faktura.billing.models import InvoiceLine
from faktura.billing.selectors.invoices import TIME_KINDS
from faktura.catalog.models import VatCategory
from faktura.core.problems import Problem
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


_SANITY_CODES = frozenset({"quantity_implausible", "amount_implausible"})
_LINE_INDEX = re.compile(r"lines\[(\d+)\]")


def problem_rows(problems: Sequence[Problem], lines: Sequence[InvoiceLine]) -> list[dict]:
    """The problems of a draft (`billing.selectors.invoices.invoice_problems`) as the page
    lists them, errors first: each problem's data and its message in the reader's language
    (`text`), the numbers of a plausibility warning written the way the page writes them."""
    shown = []
    for problem in problems:
        if problem.code in _SANITY_CODES:
            match = _LINE_INDEX.match(problem.path)
            index = int(match.group(1)) if match else len(lines)
            line = lines[index] if index < len(lines) else None
            problem = problem.with_params(**_sanity_values(dict(problem.params), line))
        shown.append({**problem.as_dict(), "text": problem.message})
    return sorted(shown, key=lambda p: p["severity"] != "error")


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
