"""Money, quantities and the only place in Faktura where rounding happens.

Rules (DESIGN.md section 3):

- ``Decimal`` everywhere; ``float`` is refused with ``TypeError`` wherever a value enters.
- Amounts have 2 decimals, unit prices up to 6, quantities up to 4.
- Rounding is ROUND_HALF_UP ("kaufmaennisch"). ``Decimal`` applies it to the magnitude, so
  ``-0.005`` becomes ``-0.01``: rounding is symmetric around zero, which is what lets a credit
  note be the exact negation of its invoice.
- Arithmetic that must not lose digits (products, sums) runs in a context that *traps* inexact
  results instead of silently rounding at 28 significant digits.
- Quantising never returns a negative zero (``-0.00``), so ``str()`` of a result is safe to
  put into JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
)
from fractions import Fraction

from babel.core import get_global
from babel.numbers import get_currency_precision

ROUNDING = ROUND_HALF_UP
AMOUNT_PLACES = 2
UNIT_PRICE_PLACES = 6
QUANTITY_PLACES = 4

# Quantize may round (that is its job) but must never overflow the precision silently.
_QUANTIZE_CTX = Context(
    prec=60, rounding=ROUNDING, traps=[InvalidOperation, DivisionByZero, Overflow]
)
# Sums and products of money must be exact; an inexact result is a bug, not a rounding.
_EXACT_CTX = Context(
    prec=60,
    rounding=ROUNDING,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact, Rounded],
)


# --- conversion and quantisation ------------------------------------------------------------


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Convert an input value to a finite ``Decimal`` without any rounding.

    Accepts ``Decimal``, ``int`` and numeric strings (surrounding whitespace is ignored).
    Refuses ``float`` and ``bool`` with ``TypeError`` (a float has already lost the value),
    and NaN, infinities or unparsable strings with ``ValueError``.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"expected Decimal, int or str, got {type(value).__name__}")
    if isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not a decimal number: {value!r}") from None
    else:
        result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def _exponent(places: int) -> Decimal:
    if places < 0:
        raise ValueError("places must be >= 0")
    return Decimal(1).scaleb(-places)


def quantize(value: Decimal | int | str, places: int) -> Decimal:
    """Round ``value`` to ``places`` decimals, ROUND_HALF_UP; never returns ``-0``."""
    result = to_decimal(value).quantize(_exponent(places), rounding=ROUNDING, context=_QUANTIZE_CTX)
    return result.copy_abs() if result.is_zero() else result


def quantize_amount(value: Decimal | int | str, places: int = AMOUNT_PLACES) -> Decimal:
    """Round a money amount to 2 decimals (or ``places``), ROUND_HALF_UP."""
    return quantize(value, places)


def quantize_unit_price(value: Decimal | int | str) -> Decimal:
    """Round a unit price to 6 decimals, ROUND_HALF_UP."""
    return quantize(value, UNIT_PRICE_PLACES)


def quantize_quantity(value: Decimal | int | str) -> Decimal:
    """Round a quantity to 4 decimals, ROUND_HALF_UP."""
    return quantize(value, QUANTITY_PLACES)


def quantize_ratio(numerator: int, denominator: int, places: int) -> Decimal:
    """Round the exact rational ``numerator / denominator`` to ``places`` decimals, HALF_UP.

    Integer arithmetic only, so there is no intermediate rounding (``seconds / 3600`` is not a
    finite decimal and rounding it twice could move a half-way value).
    """
    if denominator == 0:
        raise ZeroDivisionError("denominator must not be zero")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    scaled = abs(numerator) * 10**places
    units, remainder = divmod(scaled, denominator)
    if 2 * remainder >= denominator:
        units += 1
    if numerator < 0:
        units = -units
    return Decimal(units).scaleb(-places, context=_EXACT_CTX)


def quantize_fraction(value: Fraction, places: int) -> Decimal:
    """Round an exact ``Fraction`` to ``places`` decimals, ROUND_HALF_UP."""
    return quantize_ratio(value.numerator, value.denominator, places)


def decimal_places(value: Decimal) -> int:
    """Number of decimals needed to write ``value`` exactly (``Decimal("1.50")`` -> 1)."""
    exponent = value.normalize(context=_EXACT_CTX).as_tuple().exponent
    assert isinstance(exponent, int)  # finite values only reach here
    return max(0, -exponent)


def has_places(value: Decimal, places: int) -> bool:
    """True when ``value`` needs no more than ``places`` decimals (quantising loses nothing)."""
    return decimal_places(value) <= places


def exact_mul(left: Decimal, right: Decimal | int) -> Decimal:
    """``left * right`` without any rounding (raises ``decimal.Inexact`` if impossible)."""
    return _EXACT_CTX.multiply(left, Decimal(right))


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """Exact sum of decimals (no rounding, no float); ``Decimal(0)`` for an empty input."""
    total = Decimal(0)
    for value in values:
        total = _EXACT_CTX.add(total, value)
    return total


def negate(value: Decimal) -> Decimal:
    """``-value`` without producing a negative zero."""
    result = _EXACT_CTX.minus(value)
    return result.copy_abs() if result.is_zero() else result


# --- currencies -----------------------------------------------------------------------------

# Currencies come from the Unicode CLDR data that Babel ships: a currency can be invoiced when
# some territory uses it without an end date (withdrawn ones such as DEM or HRK have one) and it
# is an ISO 4217 currency with a minor unit: precious metals, bond-market units (XBA-XBD), XDR,
# XSU, XUA, test codes and CLDR's offshore yuan (CNH, not an ISO code) cannot be invoiced.
_NOT_INVOICEABLE = frozenset(
    {
        "XAG",
        "XAU",
        "XPD",
        "XPT",
        "XBA",
        "XBB",
        "XBC",
        "XBD",
        "XDR",
        "XSU",
        "XUA",
        "XTS",
        "XXX",
        "CNH",
    }
)


def _active_currencies() -> frozenset[str]:
    codes = {
        currency
        for spans in get_global("territory_currencies").values()
        for currency, _start, end, _tender in spans
        if end is None
    }
    return frozenset(codes - _NOT_INVOICEABLE)


CURRENCIES: frozenset[str] = _active_currencies()

EU_CURRENCIES = frozenset({"EUR", "BGN", "CZK", "DKK", "HUF", "PLN", "RON", "SEK"})


def is_currency(code: str) -> bool:
    """True for an active ISO 4217 code that can be invoiced (upper case, as ISO writes it)."""
    return isinstance(code, str) and code in CURRENCIES


def minor_units(code: str) -> int:
    """Decimals a price in ``code`` is usually shown with, from CLDR (EUR 2, JPY 0, KWD 3);
    ``ValueError`` if unknown. Invoice amounts do not follow it (``amount_places``)."""
    if not is_currency(code):
        raise ValueError(f"unknown currency: {code!r}")
    return get_currency_precision(code)


def amount_places(code: str) -> int:
    """Decimals of an invoice amount in ``code``: always 2, whatever the ISO minor unit
    (``ValueError`` for an unknown code).

    Decision (issue 9, finding 4): EN 16931 allows at most 2 decimals in amounts (BR-DEC-*), and
    a line net must equal quantity x unit price rounded once (PEPPOL-EN16931-R120 allows 0.02).
    With whole-yen amounts 3 x 1999.50 gave 5999 instead of 5998.50 and the totals no longer
    matched the lines; with KWD's 3 decimals no document would be valid. So every currency is
    invoiced with 2 decimals: JPY 5998.50, KWD 12.35. A payment may still settle the rounded
    cash amount; the difference is an ordinary open or written-off remainder.
    """
    minor_units(code)
    return AMOUNT_PLACES


# --- allocation -----------------------------------------------------------------------------


def allocate(amount: Decimal, weights: list[Decimal], places: int = AMOUNT_PLACES) -> list[Decimal]:
    """Split ``amount`` into parts proportional to ``weights`` that sum *exactly* to it.

    Largest-remainder method: every part first gets its exact share truncated to ``places``
    decimals (toward zero), then the units still missing go one each to the parts with the
    largest truncated remainder (ties: the earlier part). Hence each part differs from its exact
    share by less than one unit of ``places``, a zero weight always gets zero, and a negative
    amount is split like its absolute value and negated.

    ``amount`` must already have at most ``places`` decimals (``ValueError`` otherwise: an
    allocation never rounds the total). Weights must be >= 0 and not all zero.
    """
    amount = to_decimal(amount)
    if not has_places(amount, places):
        raise ValueError(f"amount {amount} has more than {places} decimals")
    if not weights:
        raise ValueError("allocate needs at least one weight")
    exact_weights = [Fraction(to_decimal(weight)) for weight in weights]
    if any(weight < 0 for weight in exact_weights):
        raise ValueError("weights must not be negative")
    total_weight = sum(exact_weights, Fraction(0))
    if total_weight == 0:
        raise ValueError("weights must not all be zero")

    total_units = int(abs(amount).scaleb(places, context=_EXACT_CTX))
    shares = [Fraction(total_units) * weight / total_weight for weight in exact_weights]
    units = [int(share) for share in shares]  # Fraction -> int truncates; shares are >= 0
    missing = total_units - sum(units)
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - units[i]), i))
    for index in by_remainder[:missing]:
        units[index] += 1

    sign = -1 if amount < 0 else 1
    return [quantize_ratio(sign * part, 10**places, places) for part in units]
