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
from faktura.core.translation import Text
from faktura.core.translation import gettext_lazy as _
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
        found.append(
            error(
                "kind_unknown",
                _("Unknown document kind %(kind)s."),
                "kind",
                kind=repr(snapshot.kind),
            )
        )
    if not snapshot.number.strip():
        found.append(error("number_missing", _("The document has no number (BT-1)."), "number"))
    if not is_currency(snapshot.currency):
        found.append(
            error(
                "currency_unknown",
                _("Unknown currency %(currency)s."),
                "currency",
                currency=repr(snapshot.currency),
            )
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
                _(
                    "A buyer reference (BT-10) is required: the Leitweg-ID of a public "
                    "customer, a purchase order number or a customer number."
                ),
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
                _("The credit note does not name the invoice it corrects (BT-25)."),
                "preceding_invoice_number",
            )
        )
    if snapshot.service_period_start is None and snapshot.service_period_end is None:
        found.append(
            warning(
                "service_period_missing",
                _("No service period: the issue date is stated as the delivery date (BT-72)."),
                "service_period_start",
            )
        )
    return found


# The messages of a party's address, per party (a translation names the party in its own words).
_ADDRESS_MESSAGES: dict[str, dict[str, Text]] = {
    "seller": {
        "name_missing": _("The seller has no name."),
        "country_invalid": _("The seller's country %(country)s is not an ISO 3166-1 code."),
        "street_missing": _(
            "The seller's address has no street (section 14 UStG wants the full address)."
        ),
        "city_missing": _("The seller's address has no city."),
        "postal_code_missing": _("The seller's address has no postcode."),
        "city_missing_xrechnung": _("The seller's address has no city (XRechnung BR-DE-3)."),
        "postal_code_missing_xrechnung": _(
            "The seller's address has no postcode (XRechnung BR-DE-4)."
        ),
    },
    "buyer": {
        "name_missing": _("The buyer has no name."),
        "country_invalid": _("The buyer's country %(country)s is not an ISO 3166-1 code."),
        "street_missing": _(
            "The buyer's address has no street (section 14 UStG wants the full address)."
        ),
        "city_missing": _("The buyer's address has no city."),
        "postal_code_missing": _("The buyer's address has no postcode."),
        "city_missing_xrechnung": _("The buyer's address has no city (XRechnung BR-DE-8)."),
        "postal_code_missing_xrechnung": _(
            "The buyer's address has no postcode (XRechnung BR-DE-9)."
        ),
    },
}


def _address_problems(party: Party, prefix: str, xrechnung: bool) -> list[Problem]:
    messages = _ADDRESS_MESSAGES[prefix]
    found: list[Problem] = []
    if not party.name.strip():
        found.append(error(f"{prefix}_name_missing", messages["name_missing"], f"{prefix}.name"))
    if not is_valid_country(party.country.strip().upper()):
        found.append(
            error(
                f"{prefix}_country_invalid",
                messages["country_invalid"],
                f"{prefix}.country",
                country=repr(party.country),
            )
        )
    if not party.street.strip():
        found.append(
            warning(f"{prefix}_street_missing", messages["street_missing"], f"{prefix}.street")
        )
    make = error if xrechnung else warning
    for field in ("city", "postal_code"):
        if not getattr(party, field).strip():
            key = f"{field}_missing" + ("_xrechnung" if xrechnung else "")
            found.append(make(f"{prefix}_{field}_missing", messages[key], f"{prefix}.{field}"))
    return found


# What the one VAT-ID check's codes say, per party.
_VAT_ID_MESSAGES: dict[str, dict[str, Text]] = {
    "seller": {
        "vat_id_prefix": _(
            "The seller's VAT ID must start with a country prefix such as DE (BR-CO-09)."
        ),
        "vat_id_invalid": _("The seller's VAT ID %(vat_id)s is not valid."),
        "vat_id_not_eu": _("The seller's VAT ID %(vat_id)s is not an EU VAT ID."),
    },
    "buyer": {
        "vat_id_prefix": _(
            "The buyer's VAT ID must start with a country prefix such as DE (BR-CO-09)."
        ),
        "vat_id_invalid": _("The buyer's VAT ID %(vat_id)s is not valid."),
        "vat_id_not_eu": _("The buyer's VAT ID %(vat_id)s is not an EU VAT ID."),
    },
}


def _vat_id_problem(value: str, country: str, party: str) -> Problem | None:
    """BR-CO-09: a VAT ID starts with its country prefix; an EU one must pass its check digits
    (the one VAT-ID check, `identifiers.vat_id_check`)."""
    _compact, code = vat_id_check(value, country)
    if code is None:
        return None
    return error(code, _VAT_ID_MESSAGES[party][code], f"{party}.vat_id", vat_id=repr(value))


def _seller_problems(seller: Party, categories: set[str], xrechnung: bool) -> list[Problem]:
    found = _address_problems(seller, "seller", xrechnung)
    vat_id = seller.vat_id.strip()
    if categories & _VAT_ID_ONLY and not vat_id:
        found.append(
            error(
                "seller_vat_id_missing",
                _(
                    "Reverse charge, intra-community and export invoices need the seller's "
                    "VAT ID (section 14a UStG, BR-IC-02, BR-G-02)."
                ),
                "seller.vat_id",
            )
        )
    elif categories & _VAT_ID_OR_TAX_NUMBER and not vat_id and not seller.tax_number.strip():
        found.append(
            error(
                "seller_tax_id_missing",
                _("The seller needs a VAT ID (BT-31) or a tax number (BT-32) (BR-S-02)."),
                "seller.vat_id",
            )
        )
    if (not vat_id or "O" in categories) and not seller.register.strip():
        found.append(
            error(
                "seller_identifier_missing",
                _(
                    "Without a VAT ID on the document (none given, or category O, BR-O-02) "
                    "the seller must be identified by its commercial register entry (BT-30, "
                    "BR-CO-26)."
                ),
                "seller.register",
            )
        )
    if "O" in categories and not seller.tax_number.strip():
        found.append(
            warning(
                "seller_tax_number_missing",
                _(
                    "A document not subject to VAT (O) cannot carry the seller's VAT ID "
                    "(BR-O-02); without a tax number (BT-32) it names no tax registration of "
                    "the seller."
                ),
                "seller.tax_number",
            )
        )
    problem = _vat_id_problem(vat_id, seller.country, "seller")
    if problem is not None:
        found.append(problem)
    if seller.peppol_id.strip():
        found += peppol_id_problems(seller.peppol_id, "seller.peppol_id")
    if xrechnung and not seller.email.strip():
        found.append(
            error(
                "seller_email_missing",
                _("XRechnung requires the seller contact's e-mail address (BR-DE-7)."),
                "seller.email",
            )
        )
    if xrechnung and not seller.phone.strip():
        found.append(
            error(
                "seller_phone_missing",
                _("XRechnung requires the seller contact's telephone number (BR-DE-6)."),
                "seller.phone",
            )
        )
    return found


def _buyer_problems(
    snapshot: InvoiceSnapshot, categories: set[str], xrechnung: bool
) -> list[Problem]:
    buyer = snapshot.buyer
    found = _address_problems(buyer, "buyer", xrechnung)
    if categories & _BUYER_VAT_ID and not buyer.vat_id.strip():
        found.append(
            error(
                "buyer_vat_id_missing",
                _(
                    "Reverse charge and intra-community invoices need the buyer's VAT ID "
                    "(BR-AE-02, BR-IC-02)."
                ),
                "buyer.vat_id",
            )
        )
    problem = _vat_id_problem(buyer.vat_id, buyer.country, "buyer")
    if problem is not None:
        found.append(problem)
    if buyer.leitweg_id.strip():
        found += [p.with_path("buyer.leitweg_id") for p in leitweg_id_problems(buyer.leitweg_id)]
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
                    _(
                        "Peppol needs the company's Peppol ID (BT-34, e.g. 0088:4012345000009) "
                        "or a VAT ID whose country has an EAS scheme."
                    ),
                    "seller.peppol_id",
                )
            )
        else:
            found.append(
                error(
                    "seller_electronic_address_missing",
                    _(
                        "The seller needs an electronic address (BT-34): the company's e-mail "
                        "address or Peppol ID."
                    ),
                    "seller.email",
                )
            )
    if buyer_electronic_address(snapshot, peppol=peppol) is None:
        if peppol:
            found.append(
                error(
                    "buyer_peppol_id_missing",
                    _(
                        "Peppol needs the customer's Peppol ID (BT-49), a Leitweg-ID or a VAT "
                        "ID whose country has an EAS scheme."
                    ),
                    "buyer.peppol_id",
                )
            )
        else:
            found.append(
                error(
                    "buyer_electronic_address_missing",
                    _(
                        "The buyer needs an electronic address (BT-49, PEPPOL-EN16931-R010): "
                        "an invoice e-mail address, a Leitweg-ID or a Peppol ID."
                    )
                    if xrechnung
                    else _(
                        "The buyer needs an electronic address (BT-49): an invoice e-mail "
                        "address, a Leitweg-ID or a Peppol ID."
                    ),
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
            found.append(
                error(
                    "iban_invalid",
                    _("The IBAN is not valid: %(reason)s"),
                    "payment.iban",
                    reason=exc,
                )
            )
    elif not snapshot.is_credit_note:
        found.append(
            warning(
                "iban_missing",
                _(
                    "No IBAN: the e-invoice cannot ask for a credit transfer (payment means "
                    "'not defined'); recipients, public ones above all, expect bank details."
                ),
                "payment.iban",
            )
        )
    if payment.bic.strip():
        try:
            BIC(payment.bic)
        except SchwiftyException as exc:
            found.append(
                error(
                    "bic_invalid", _("The BIC is not valid: %(reason)s"), "payment.bic", reason=exc
                )
            )
    return found


def _line_problems(snapshot: InvoiceSnapshot) -> list[Problem]:
    found: list[Problem] = []
    if not snapshot.lines:
        found.append(error("lines_missing", _("The document has no lines (BR-16)."), "lines"))
    reasons = {
        (row.category, row.rate): (row.exemption_reason, row.exemption_reason_code)
        for row in snapshot.vat_breakdown
    }
    tax_lines: list[TaxLine] = []
    for index, line in enumerate(snapshot.lines):
        path = f"lines[{index}]"
        if not line.title.strip():
            found.append(
                error("line_name_missing", _("A line needs a name (BT-153)."), f"{path}.title")
            )
        if not line.unit.strip():
            found.append(
                error("line_unit_missing", _("A line needs a unit code (BT-130)."), f"{path}.unit")
            )
        if line.unit_price < 0:
            found.append(
                error(
                    "unit_price_negative",
                    _("A unit price cannot be negative (BR-27)."),
                    f"{path}.unit_price",
                )
            )
        if parse_category(line.vat_category) is None:
            found.append(
                error(
                    "vat_category_unknown",
                    _("Unknown VAT category %(category)s."),
                    f"{path}.vat_category",
                    category=repr(line.vat_category),
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
            error(
                "adjustment_invalid",
                _("An allowance or charge is not valid: %(reason)s"),
                "allowances",
                reason=exc,
            )
        )
        return found
    found += validate_tax_lines(tax_lines, allowances, charges)
    for name, adjustments in (("allowances", allowances), ("charges", charges)):
        for index, adjustment in enumerate(adjustments):
            if not (adjustment.reason or adjustment.reason_code):
                found.append(
                    error(
                        "adjustment_reason_missing",
                        _("An allowance or charge needs a reason or reason code (BR-33, BR-38)."),
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
                    _("%(field)s is %(stated)s but the lines give %(expected)s."),
                    path,
                    field=path,
                    stated=stated,
                    expected=expected,
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
                _("The VAT breakdown differs from the one the lines give."),
                "vat_breakdown",
            )
        )
    return found
