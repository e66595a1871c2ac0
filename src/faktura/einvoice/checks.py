"""Pre-checks of a snapshot against the rules its e-invoice will be validated with.

``problems`` returns every finding at once as ``core.problems.Problem`` values, for billing to
show on a draft: an *error* is something the official rules (EN 16931, XRechnung, Peppol) would
reject or that makes the document wrong (totals that do not add up, a broken IBAN); a *warning*
is valid but worth a look (no bank account, a missing street that section 14 UStG wants).
Paths name the snapshot field (``seller.vat_id``, ``lines[2].unit``).
"""

from __future__ import annotations

from decimal import Decimal

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from faktura.core.invoice_math import LineInput, invoice_totals
from faktura.core.money import is_currency
from faktura.core.problems import Problem, error, warning
from faktura.core.tax import TaxLine, parse_category, validate_tax_lines
from faktura.core.validation import is_valid_country, leitweg_id_problems
from faktura.einvoice.groups import (
    buyer_electronic_address,
    buyer_reference,
    seller_electronic_address,
    snapshot_adjustment,
)
from faktura.einvoice.identifiers import peppol_id_problems, vat_id_check
from faktura.einvoice.snapshot import InvoiceSnapshot, Party

# Categories whose seller needs a VAT ID or a national tax number (BR-S-02, BR-Z-02, BR-E-02) ...
_VAT_ID_OR_TAX_NUMBER = {"S", "Z", "E", "L", "M"}
# ... and those that need the VAT ID itself (BR-IC-02, BR-G-02; for reverse charge EN 16931
# would accept the tax number, but section 14a (1) UStG requires the VAT IDs of both parties).
_VAT_ID_ONLY = {"AE", "K", "G"}
# The buyer's VAT ID is required for reverse charge and intra-community supplies (BR-AE-02,
# BR-IC-02; EN 16931 also accepts a legal registration id, which Faktura does not write).
_BUYER_VAT_ID = {"AE", "K"}


def problems(
    snapshot: InvoiceSnapshot,
    *,
    xrechnung: bool,
    needs_electronic_addresses: bool,
    needs_buyer_reference: bool,
    peppol: bool = False,
) -> list[Problem]:
    """Every problem of ``snapshot`` for one format.

    ``xrechnung``: the German CIUS rules apply (BR-DE-*: seller contact with phone and e-mail,
    seller and buyer city and postcode). ``needs_electronic_addresses``: seller and buyer
    electronic address are required (XRechnung 3.0 and Peppol, PEPPOL-EN16931-R010/R020).
    ``needs_buyer_reference``: BT-10 is required (BR-DE-15; Peppol R003 accepts BT-10 or BT-13,
    and BT-10 falls back to the PO number anyway). ``peppol``: electronic addresses must use an
    EAS scheme (PEPPOL-EN16931-CL008), so an e-mail address does not do.
    """
    found: list[Problem] = []
    if snapshot.kind not in ("invoice", "credit_note"):
        found.append(error("kind_unknown", f"Unknown document kind {snapshot.kind!r}.", "kind"))
    if not snapshot.number.strip():
        found.append(error("number_missing", "The document has no number (BT-1).", "number"))
    if not is_currency(snapshot.currency):
        found.append(
            error("currency_unknown", f"Unknown currency {snapshot.currency!r}.", "currency")
        )
    categories = {line.vat_category for line in snapshot.lines}
    found += _seller_problems(snapshot.seller, categories, xrechnung)
    found += _buyer_problems(snapshot, categories, xrechnung)
    if needs_electronic_addresses:
        found += _electronic_address_problems(snapshot, xrechnung=xrechnung, peppol=peppol)
    if needs_buyer_reference and not buyer_reference(snapshot):
        found.append(
            error(
                "buyer_reference_missing",
                "A buyer reference (BT-10) is required: the Leitweg-ID of a public customer, "
                "a purchase order number or a customer number.",
                "buyer_reference",
            )
        )
    found += _payment_problems(snapshot)
    found += _line_problems(snapshot)
    found += _total_problems(snapshot)
    if snapshot.is_credit_note and not snapshot.preceding_invoice_number.strip():
        found.append(
            warning(
                "preceding_invoice_missing",
                "The credit note does not name the invoice it corrects (BT-25).",
                "preceding_invoice_number",
            )
        )
    if snapshot.service_period_start is None and snapshot.service_period_end is None:
        found.append(
            warning(
                "service_period_missing",
                "No service period: the issue date is stated as the delivery date (BT-72).",
                "service_period_start",
            )
        )
    return found


def _address_problems(
    party: Party, prefix: str, label: str, xrechnung: bool, rules: tuple[str, str]
) -> list[Problem]:
    found: list[Problem] = []
    if not party.name.strip():
        found.append(error(f"{prefix}_name_missing", f"The {label} has no name.", f"{prefix}.name"))
    if not is_valid_country(party.country.strip().upper()):
        found.append(
            error(
                f"{prefix}_country_invalid",
                f"The {label}'s country {party.country!r} is not an ISO 3166-1 code.",
                f"{prefix}.country",
            )
        )
    if not party.street.strip():
        found.append(
            warning(
                f"{prefix}_street_missing",
                f"The {label}'s address has no street (section 14 UStG wants the full address).",
                f"{prefix}.street",
            )
        )
    make = error if xrechnung else warning
    for field, text, rule in (
        ("city", "city", rules[0]),
        ("postal_code", "postcode", rules[1]),
    ):
        if not getattr(party, field).strip():
            found.append(
                make(
                    f"{prefix}_{field}_missing",
                    f"The {label}'s address has no {text}"
                    + (f" (XRechnung {rule})." if xrechnung else "."),
                    f"{prefix}.{field}",
                )
            )
    return found


def _vat_id_problem(value: str, country: str, path: str, label: str) -> Problem | None:
    """BR-CO-09: a VAT ID starts with its country prefix; an EU one must pass its check digits
    (the one VAT-ID check, `identifiers.vat_id_check`)."""
    _compact, code = vat_id_check(value, country)
    if code == "vat_id_prefix":
        return error(
            code,
            f"The {label} VAT ID must start with a country prefix such as DE (BR-CO-09).",
            path,
        )
    if code == "vat_id_invalid":
        return error(code, f"The {label} VAT ID {value!r} is not valid.", path)
    if code == "vat_id_not_eu":
        return error(code, f"The {label} VAT ID {value!r} is not an EU VAT ID.", path)
    return None


def _seller_problems(seller: Party, categories: set[str], xrechnung: bool) -> list[Problem]:
    found = _address_problems(seller, "seller", "seller", xrechnung, ("BR-DE-3", "BR-DE-4"))
    vat_id = seller.vat_id.strip()
    if categories & _VAT_ID_ONLY and not vat_id:
        found.append(
            error(
                "seller_vat_id_missing",
                "Reverse charge, intra-community and export invoices need the seller's VAT ID "
                "(section 14a UStG, BR-IC-02, BR-G-02).",
                "seller.vat_id",
            )
        )
    elif categories & _VAT_ID_OR_TAX_NUMBER and not vat_id and not seller.tax_number.strip():
        found.append(
            error(
                "seller_tax_id_missing",
                "The seller needs a VAT ID (BT-31) or a tax number (BT-32) (BR-S-02).",
                "seller.vat_id",
            )
        )
    if (not vat_id or "O" in categories) and not seller.register.strip():
        found.append(
            error(
                "seller_identifier_missing",
                "Without a VAT ID on the document (none given, or category O, BR-O-02) the "
                "seller must be identified by its commercial register entry (BT-30, BR-CO-26).",
                "seller.register",
            )
        )
    if "O" in categories and not seller.tax_number.strip():
        found.append(
            warning(
                "seller_tax_number_missing",
                "A document not subject to VAT (O) cannot carry the seller's VAT ID (BR-O-02); "
                "without a tax number (BT-32) it names no tax registration of the seller.",
                "seller.tax_number",
            )
        )
    problem = _vat_id_problem(vat_id, seller.country, "seller.vat_id", "seller's")
    if problem is not None:
        found.append(problem)
    if seller.peppol_id.strip():
        found += peppol_id_problems(seller.peppol_id, "seller.peppol_id")
    if xrechnung and not seller.email.strip():
        found.append(
            error(
                "seller_email_missing",
                "XRechnung requires the seller contact's e-mail address (BR-DE-7).",
                "seller.email",
            )
        )
    if xrechnung and not seller.phone.strip():
        found.append(
            error(
                "seller_phone_missing",
                "XRechnung requires the seller contact's telephone number (BR-DE-6).",
                "seller.phone",
            )
        )
    return found


def _buyer_problems(
    snapshot: InvoiceSnapshot, categories: set[str], xrechnung: bool
) -> list[Problem]:
    buyer = snapshot.buyer
    found = _address_problems(buyer, "buyer", "buyer", xrechnung, ("BR-DE-8", "BR-DE-9"))
    if categories & _BUYER_VAT_ID and not buyer.vat_id.strip():
        found.append(
            error(
                "buyer_vat_id_missing",
                "Reverse charge and intra-community invoices need the buyer's VAT ID "
                "(BR-AE-02, BR-IC-02).",
                "buyer.vat_id",
            )
        )
    problem = _vat_id_problem(buyer.vat_id, buyer.country, "buyer.vat_id", "buyer's")
    if problem is not None:
        found.append(problem)
    if buyer.leitweg_id.strip():
        found += [
            error(p.code, p.message, "buyer.leitweg_id")
            for p in leitweg_id_problems(buyer.leitweg_id)
        ]
    if buyer.peppol_id.strip():
        found += peppol_id_problems(buyer.peppol_id, "buyer.peppol_id")
    return found


def _electronic_address_problems(
    snapshot: InvoiceSnapshot, *, xrechnung: bool, peppol: bool
) -> list[Problem]:
    """BT-34 and BT-49 are required (PEPPOL-EN16931-R020, R010, both fatal in XRechnung 3.0);
    Peppol takes only EAS schemes, so there only a Peppol ID (or one derived from a Leitweg-ID
    or a VAT ID) does."""
    found: list[Problem] = []
    if seller_electronic_address(snapshot, peppol=peppol) is None:
        if peppol:
            found.append(
                error(
                    "seller_peppol_id_missing",
                    "Peppol needs the company's Peppol ID (BT-34, e.g. 0088:4012345000009) or a "
                    "VAT ID whose country has an EAS scheme.",
                    "seller.peppol_id",
                )
            )
        else:
            found.append(
                error(
                    "seller_electronic_address_missing",
                    "The seller needs an electronic address (BT-34): the company's e-mail "
                    "address or Peppol ID.",
                    "seller.email",
                )
            )
    if buyer_electronic_address(snapshot, peppol=peppol) is None:
        if peppol:
            found.append(
                error(
                    "buyer_peppol_id_missing",
                    "Peppol needs the customer's Peppol ID (BT-49), a Leitweg-ID or a VAT ID "
                    "whose country has an EAS scheme.",
                    "buyer.peppol_id",
                )
            )
        else:
            found.append(
                error(
                    "buyer_electronic_address_missing",
                    "The buyer needs an electronic address (BT-49"
                    + (", PEPPOL-EN16931-R010" if xrechnung else "")
                    + "): an invoice e-mail address, a Leitweg-ID or a Peppol ID.",
                    "buyer.email",
                )
            )
    return found


def _payment_problems(snapshot: InvoiceSnapshot) -> list[Problem]:
    payment = snapshot.payment
    found: list[Problem] = []
    if payment.iban.strip():
        try:
            IBAN(payment.iban)
        except SchwiftyException as exc:
            found.append(error("iban_invalid", f"The IBAN is not valid: {exc}", "payment.iban"))
    elif not snapshot.is_credit_note:
        found.append(
            warning(
                "iban_missing",
                "No IBAN: the e-invoice cannot ask for a credit transfer (payment means "
                "'not defined'); recipients, public ones above all, expect bank details.",
                "payment.iban",
            )
        )
    if payment.bic.strip():
        try:
            BIC(payment.bic)
        except SchwiftyException as exc:
            found.append(error("bic_invalid", f"The BIC is not valid: {exc}", "payment.bic"))
    return found


def _line_problems(snapshot: InvoiceSnapshot) -> list[Problem]:
    found: list[Problem] = []
    if not snapshot.lines:
        found.append(error("lines_missing", "The document has no lines (BR-16).", "lines"))
    reasons = {
        (row.category, row.rate): (row.exemption_reason, row.exemption_reason_code)
        for row in snapshot.vat_breakdown
    }
    tax_lines: list[TaxLine] = []
    for index, line in enumerate(snapshot.lines):
        path = f"lines[{index}]"
        if not line.title.strip():
            found.append(
                error("line_name_missing", "A line needs a name (BT-153).", f"{path}.title")
            )
        if not line.unit.strip():
            found.append(
                error("line_unit_missing", "A line needs a unit code (BT-130).", f"{path}.unit")
            )
        if line.unit_price < 0:
            found.append(
                error(
                    "unit_price_negative",
                    "A unit price cannot be negative (BR-27).",
                    f"{path}.unit_price",
                )
            )
        if parse_category(line.vat_category) is None:
            found.append(
                error(
                    "vat_category_unknown",
                    f"Unknown VAT category {line.vat_category!r}.",
                    f"{path}.vat_category",
                )
            )
            continue
        reason, code = reasons.get((line.vat_category, line.vat_rate), ("", ""))
        tax_lines.append(TaxLine(line.vat_category, line.vat_rate, line.net_amount, reason, code))
    try:
        allowances = [snapshot_adjustment(entry) for entry in snapshot.allowances]
        charges = [snapshot_adjustment(entry) for entry in snapshot.charges]
    except (ValueError, TypeError) as exc:
        found.append(
            error("adjustment_invalid", f"An allowance or charge is not valid: {exc}", "allowances")
        )
        return found
    found += validate_tax_lines(tax_lines, allowances, charges)
    for name, adjustments in (("allowances", allowances), ("charges", charges)):
        for index, adjustment in enumerate(adjustments):
            if not (adjustment.reason or adjustment.reason_code):
                found.append(
                    error(
                        "adjustment_reason_missing",
                        "An allowance or charge needs a reason or reason code (BR-33, BR-38).",
                        f"{name}[{index}].reason",
                    )
                )
    return found


def _total_problems(snapshot: InvoiceSnapshot) -> list[Problem]:
    """The snapshot's amounts recomputed with ``core.invoice_math``: any difference is an error
    (the official rules would tolerate VAT differences up to 1.00; Faktura does not)."""
    if not snapshot.lines or not is_currency(snapshot.currency):
        return []
    try:
        totals = invoice_totals(
            [
                LineInput(line.quantity, line.unit_price, line.vat_category, line.vat_rate)
                for line in snapshot.lines
            ],
            snapshot.currency,
            [snapshot_adjustment(entry) for entry in snapshot.allowances],
            [snapshot_adjustment(entry) for entry in snapshot.charges],
        )
    except (ValueError, TypeError):
        return []  # reported by the line checks
    found: list[Problem] = []

    def compare(path: str, stated: Decimal, expected: Decimal) -> None:
        if stated != expected:
            found.append(
                error(
                    "amount_mismatch",
                    f"{path} is {stated} but the lines give {expected}.",
                    path,
                )
            )

    for index, (line, expected) in enumerate(zip(snapshot.lines, totals.line_nets, strict=True)):
        compare(f"lines[{index}].net_amount", line.net_amount, expected)
    compare("line_total", snapshot.line_total, totals.line_total)
    compare("net_total", snapshot.net_total, totals.net)
    compare("vat_total", snapshot.vat_total, totals.vat)
    compare("gross_total", snapshot.gross_total, totals.gross)
    stated_rows = [
        (r.category, r.rate, r.taxable_amount, r.vat_amount) for r in snapshot.vat_breakdown
    ]
    expected_rows = [(r.category, r.rate, r.taxable_amount, r.vat_amount) for r in totals.breakdown]
    if stated_rows != expected_rows:
        found.append(
            error(
                "vat_breakdown_mismatch",
                "The VAT breakdown differs from the one the lines give.",
                "vat_breakdown",
            )
        )
    return found
