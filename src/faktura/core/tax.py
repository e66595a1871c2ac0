"""EN 16931 VAT categories and the VAT breakdown (BG-23) of a document.

The breakdown follows EN 16931 exactly:

- one row per (VAT category, VAT rate) over invoice lines, document-level allowances and charges
  (BR-S-08, BR-E-08, ...);
- taxable amount (BT-116) = sum of line net amounts (BT-131) of the group + document-level charges
  (BT-99) - document-level allowances (BT-92) of the group; no rounding, the inputs already have
  2 decimals;
- VAT amount (BT-117) = ROUND_HALF_UP(taxable amount x rate / 100, 2) once per group (BR-CO-17).
  Never the sum of rounded per-line VAT: that differs by cents as soon as a group has several lines.

Rates are percentages (``Decimal("19")`` = 19 %) with at most 2 decimals; rows carry them with
exactly 2 decimals. Category O (not subject to VAT) has no rate in EN 16931 (BR-O-05); here it is
carried as 0 and the e-invoice writer omits it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from faktura.core.money import (
    AMOUNT_PLACES,
    exact_mul,
    exact_sum,
    has_places,
    negate,
    quantize,
    quantize_amount,
    to_decimal,
)
from faktura.core.problems import Problem, error, join_path, warning
from faktura.core.translation import gettext_lazy as _

RATE_PLACES = 2


class VatCategory(StrEnum):
    """UNTDID 5305 subset used by EN 16931 (BT-151, BT-95, BT-102, BT-118)."""

    STANDARD = "S"  # standard or reduced rate, rate > 0
    ZERO_RATED = "Z"  # taxable at 0 %
    EXEMPT = "E"  # exempt (e.g. section 4 UStG); needs an exemption reason
    REVERSE_CHARGE = "AE"  # the buyer owes the VAT
    INTRA_COMMUNITY = "K"  # intra-community supply of goods/services to an EU business
    EXPORT = "G"  # export outside the EU
    NOT_SUBJECT = "O"  # outside the scope of VAT; may not be mixed with other categories
    CANARY_ISLANDS = "L"  # IGIC, rate >= 0
    CEUTA_MELILLA = "M"  # IPSI, rate >= 0


CATEGORY_ORDER: tuple[VatCategory, ...] = tuple(VatCategory)
# BR-E-05, BR-AE-05, BR-IC-05, BR-G-05, BR-Z-05: the rate of these categories is 0.
ZERO_RATE_CATEGORIES = frozenset(
    {
        VatCategory.ZERO_RATED,
        VatCategory.EXEMPT,
        VatCategory.REVERSE_CHARGE,
        VatCategory.INTRA_COMMUNITY,
        VatCategory.EXPORT,
        VatCategory.NOT_SUBJECT,
    }
)
# BR-E-10, BR-AE-10, BR-IC-10, BR-G-10, BR-O-10: the breakdown row needs a reason (code or text).
REASON_REQUIRED_CATEGORIES = frozenset(
    {
        VatCategory.EXEMPT,
        VatCategory.REVERSE_CHARGE,
        VatCategory.INTRA_COMMUNITY,
        VatCategory.EXPORT,
        VatCategory.NOT_SUBJECT,
    }
)
# The standard CEF VATEX codes and texts, used when a line gives none. Exempt (E) has many legal
# bases and no safe default: the reason must come from the contact or the line.
DEFAULT_EXEMPTION_REASONS: dict[VatCategory, tuple[str, str]] = {
    VatCategory.REVERSE_CHARGE: ("VATEX-EU-AE", "Reverse charge"),
    VatCategory.INTRA_COMMUNITY: ("VATEX-EU-IC", "Intra-Community supply"),
    VatCategory.EXPORT: ("VATEX-EU-G", "Export outside the EU"),
    VatCategory.NOT_SUBJECT: ("VATEX-EU-O", "Not subject to VAT"),
}


def parse_category(value: str) -> VatCategory | None:
    """The category for a code like ``"S"`` or ``"ae"``; ``None`` if it is not one."""
    try:
        return VatCategory(value.strip().upper())
    except ValueError:
        return None


def as_category(value: VatCategory | str) -> VatCategory:
    """Like ``parse_category`` but raises ``ValueError`` for an unknown code."""
    category = parse_category(value) if isinstance(value, str) else None
    if category is None:
        raise ValueError(f"unknown VAT category: {value!r}")
    return category


@dataclass(frozen=True, slots=True)
class TaxLine:
    """One invoice line as the breakdown sees it: its net amount (BT-131), already rounded."""

    category: VatCategory
    rate: Decimal
    net_amount: Decimal
    exemption_reason: str = ""
    exemption_reason_code: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", as_category(self.category))
        object.__setattr__(self, "rate", to_decimal(self.rate))
        object.__setattr__(self, "net_amount", to_decimal(self.net_amount))


@dataclass(frozen=True, slots=True)
class DocumentAdjustment:
    """A document-level allowance (BG-20) or charge (BG-21): an amount in one VAT group.

    The amount is positive on an invoice; whether it is subtracted (allowance) or added
    (charge) depends on which list it is passed in.
    """

    amount: Decimal
    category: VatCategory
    rate: Decimal
    reason: str = ""
    reason_code: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", as_category(self.category))
        object.__setattr__(self, "rate", to_decimal(self.rate))
        object.__setattr__(self, "amount", to_decimal(self.amount))

    def __neg__(self) -> DocumentAdjustment:
        return DocumentAdjustment(
            negate(self.amount), self.category, self.rate, self.reason, self.reason_code
        )


@dataclass(frozen=True, slots=True)
class VatBreakdownRow:
    """One VAT breakdown group (BG-23)."""

    category: VatCategory
    rate: Decimal
    taxable_amount: Decimal
    vat_amount: Decimal
    exemption_reason: str = ""
    exemption_reason_code: str = ""

    def __neg__(self) -> VatBreakdownRow:
        return VatBreakdownRow(
            self.category,
            self.rate,
            negate(self.taxable_amount),
            negate(self.vat_amount),
            self.exemption_reason,
            self.exemption_reason_code,
        )


def group_key(category: VatCategory, rate: Decimal) -> tuple[VatCategory, Decimal]:
    """The (category, rate) key of a VAT group, the rate with exactly 2 decimals.

    ``ValueError`` if the rate has more decimals: rounding a rate would silently change the tax.
    """
    if not has_places(rate, RATE_PLACES):
        raise ValueError(f"VAT rate {rate} has more than {RATE_PLACES} decimals")
    return category, quantize(rate, RATE_PLACES)


def _sort_key(key: tuple[VatCategory, Decimal]) -> tuple[int, Decimal]:
    return CATEGORY_ORDER.index(key[0]), key[1]


def vat_amount(taxable_amount: Decimal, rate: Decimal, places: int = AMOUNT_PLACES) -> Decimal:
    """ROUND_HALF_UP(taxable x rate / 100) to ``places`` (2) decimals (BR-CO-17); exact before."""
    return quantize_amount(exact_mul(taxable_amount, rate).scaleb(-2), places)


def vat_breakdown(
    lines: Iterable[TaxLine],
    allowances: Iterable[DocumentAdjustment] = (),
    charges: Iterable[DocumentAdjustment] = (),
    *,
    places: int = AMOUNT_PLACES,
) -> list[VatBreakdownRow]:
    """The VAT breakdown of a document, one row per (category, rate), sorted.

    Included: every line passed (the caller leaves out lines that are not billed), every
    allowance (subtracted) and charge (added) in its own group. A group that only an allowance
    or charge uses still gets a row. Rounding: only the VAT amount, once per group, HALF_UP to
    ``places`` decimals; the taxable amount is an exact sum of amounts that must already have at
    most ``places`` decimals (``ValueError`` otherwise). Rows are sorted by category in the order
    S, Z, E, AE, K, G, O, L, M and then by ascending rate.

    The exemption reason of a row is the first non-empty reason (or code) of its lines in input
    order, else the category default (AE, K, G, O); S, Z, L and M rows never carry one
    (BR-S-10, BR-Z-10, BR-AF-10, BR-AG-10). Use ``validate_tax_lines`` to find conflicts.
    """
    taxable: dict[tuple[VatCategory, Decimal], list[Decimal]] = {}
    reasons: dict[tuple[VatCategory, Decimal], tuple[str, str]] = {}

    def add(key: tuple[VatCategory, Decimal], amount: Decimal) -> None:
        if not has_places(amount, places):
            raise ValueError(f"amount {amount} is not rounded to {places} decimals")
        taxable.setdefault(key, []).append(amount)

    for line in lines:
        key = group_key(line.category, line.rate)
        add(key, line.net_amount)
        if key not in reasons and (line.exemption_reason or line.exemption_reason_code):
            reasons[key] = (line.exemption_reason, line.exemption_reason_code)
    for allowance in allowances:
        add(group_key(allowance.category, allowance.rate), negate(allowance.amount))
    for charge in charges:
        add(group_key(charge.category, charge.rate), charge.amount)

    rows = []
    for key in sorted(taxable, key=_sort_key):
        category, rate = key
        base = exact_sum(taxable[key])
        reason, reason_code = "", ""
        if category in REASON_REQUIRED_CATEGORIES:
            default_code, default_text = DEFAULT_EXEMPTION_REASONS.get(category, ("", ""))
            reason, reason_code = reasons.get(key, (default_text, default_code))
        rows.append(
            VatBreakdownRow(
                category=category,
                rate=rate,
                taxable_amount=quantize_amount(base, places),  # exact: only normalises "-0"
                vat_amount=vat_amount(base, rate, places),
                exemption_reason=reason,
                exemption_reason_code=reason_code,
            )
        )
    return rows


def _rate_problems(category: VatCategory, rate: Decimal, path: str) -> list[Problem]:
    rate_path = join_path(path, "vat_rate")
    if not has_places(rate, RATE_PLACES):
        return [error("vat_rate_precision", _("A VAT rate has at most 2 decimals."), rate_path)]
    if rate < 0:
        return [error("vat_rate_negative", _("A VAT rate cannot be negative."), rate_path)]
    if category in ZERO_RATE_CATEGORIES and rate != 0:
        return [
            error(
                "vat_rate_must_be_zero",
                _("VAT category %(category)s requires a VAT rate of 0."),
                rate_path,
                category=category.value,
            )
        ]
    if category is VatCategory.STANDARD and rate <= 0:
        return [
            error(
                "vat_rate_must_be_positive",
                _("Standard rated (S) lines need a VAT rate greater than 0."),
                rate_path,
            )
        ]
    return []


def validate_tax_lines(
    lines: Sequence[TaxLine],
    allowances: Sequence[DocumentAdjustment] = (),
    charges: Sequence[DocumentAdjustment] = (),
    *,
    places: int = AMOUNT_PLACES,
) -> list[Problem]:
    """All VAT problems of a document's lines, allowances and charges (empty list = fine).

    Paths: ``lines[i].vat_rate``, ``allowances[i].amount``, ... Checks: rate precision and
    sign; Z, E, AE, K, G, O need rate 0 and S a rate > 0; amounts rounded to ``places``;
    E needs an exemption reason; a reason on S, Z, L or M is ignored (warning); lines of one
    group with different reasons (error: a breakdown row has only one); O mixed with any other
    category (BR-O-11, BR-O-12).
    """
    problems: list[Problem] = []
    seen_reasons: dict[tuple[VatCategory, Decimal], tuple[str, str]] = {}
    categories: set[VatCategory] = set()

    for index, line in enumerate(lines):
        path = f"lines[{index}]"
        categories.add(line.category)
        rate_problems = _rate_problems(line.category, line.rate, path)
        problems += rate_problems
        if not has_places(line.net_amount, places):
            problems.append(
                error(
                    "amount_precision",
                    _("A line net amount has at most %(places)s decimals."),
                    join_path(path, "net_amount"),
                    places=places,
                )
            )
        has_reason = bool(line.exemption_reason or line.exemption_reason_code)
        reason_path = join_path(path, "exemption_reason")
        if line.category is VatCategory.EXEMPT and not has_reason:
            problems.append(
                error(
                    "exemption_reason_required",
                    _("VAT exempt (E) lines need an exemption reason."),
                    reason_path,
                )
            )
        if line.category not in REASON_REQUIRED_CATEGORIES and has_reason:
            problems.append(
                warning(
                    "exemption_reason_ignored",
                    _("VAT category %(category)s carries no exemption reason; it is left out."),
                    reason_path,
                    category=line.category.value,
                )
            )
        if has_reason and line.category in REASON_REQUIRED_CATEGORIES and not rate_problems:
            key = group_key(line.category, line.rate)
            reason = (line.exemption_reason, line.exemption_reason_code)
            first = seen_reasons.setdefault(key, reason)
            if first != reason:
                problems.append(
                    error(
                        "exemption_reason_conflict",
                        _(
                            "Lines of VAT category %(category)s give different exemption "
                            "reasons; a document has one per category and rate."
                        ),
                        reason_path,
                        category=line.category.value,
                    )
                )

    for name, adjustments in (("allowances", allowances), ("charges", charges)):
        for index, adjustment in enumerate(adjustments):
            path = f"{name}[{index}]"
            categories.add(adjustment.category)
            problems += _rate_problems(adjustment.category, adjustment.rate, path)
            if not has_places(adjustment.amount, places):
                problems.append(
                    error(
                        "amount_precision",
                        _("An amount has at most %(places)s decimals."),
                        join_path(path, "amount"),
                        places=places,
                    )
                )

    if VatCategory.NOT_SUBJECT in categories and len(categories) > 1:
        problems.append(
            error(
                "not_subject_mixed",
                _(
                    "A document with lines not subject to VAT (O) cannot contain other VAT "
                    "categories."
                ),
            )
        )
    return problems
