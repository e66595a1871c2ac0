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
from dataclasses import dataclass
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


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined or compared."""

    code = "currency_mismatch"

    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine {left} with {right}")
        self.left = left
        self.right = right


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

# ISO 4217 active codes -> minor units (exponent). Funds codes with a minor unit (BOV, CHE, CHW,
# CLF, COU, MXV, USN, UYI, UYW) are included; precious metals, XDR, XSU, XUA and test codes have
# no minor unit and cannot be invoiced, so they are left out.
_MINOR_UNITS_TEXT = """
AED 2 AFN 2 ALL 2 AMD 2 ANG 2 AOA 2 ARS 2 AUD 2 AWG 2 AZN 2 BAM 2 BBD 2 BDT 2 BGN 2 BHD 3
BIF 0 BMD 2 BND 2 BOB 2 BOV 2 BRL 2 BSD 2 BTN 2 BWP 2 BYN 2 BZD 2 CAD 2 CDF 2 CHE 2 CHF 2
CHW 2 CLF 4 CLP 0 CNY 2 COP 2 COU 2 CRC 2 CUC 2 CUP 2 CVE 2 CZK 2 DJF 0 DKK 2 DOP 2 DZD 2
EGP 2 ERN 2 ETB 2 EUR 2 FJD 2 FKP 2 GBP 2 GEL 2 GHS 2 GIP 2 GMD 2 GNF 0 GTQ 2 GYD 2 HKD 2
HNL 2 HTG 2 HUF 2 IDR 2 ILS 2 INR 2 IQD 3 IRR 2 ISK 0 JMD 2 JOD 3 JPY 0 KES 2 KGS 2 KHR 2
KMF 0 KPW 2 KRW 0 KWD 3 KYD 2 KZT 2 LAK 2 LBP 2 LKR 2 LRD 2 LSL 2 LYD 3 MAD 2 MDL 2 MGA 2
MKD 2 MMK 2 MNT 2 MOP 2 MRU 2 MUR 2 MVR 2 MWK 2 MXN 2 MXV 2 MYR 2 MZN 2 NAD 2 NGN 2 NIO 2
NOK 2 NPR 2 NZD 2 OMR 3 PAB 2 PEN 2 PGK 2 PHP 2 PKR 2 PLN 2 PYG 0 QAR 2 RON 2 RSD 2 RUB 2
RWF 0 SAR 2 SBD 2 SCR 2 SDG 2 SEK 2 SGD 2 SHP 2 SLE 2 SOS 2 SRD 2 SSP 2 STN 2 SVC 2 SYP 2
SZL 2 THB 2 TJS 2 TMT 2 TND 3 TOP 2 TRY 2 TTD 2 TWD 2 TZS 2 UAH 2 UGX 0 USD 2 USN 2 UYI 0
UYU 2 UYW 4 UZS 2 VED 2 VES 2 VND 0 VUV 0 WST 2 XAF 0 XCD 2 XCG 2 XOF 0 XPF 0 YER 2 ZAR 2
ZMW 2 ZWG 2
"""
_tokens = _MINOR_UNITS_TEXT.split()
CURRENCY_MINOR_UNITS: dict[str, int] = {
    code: int(units) for code, units in zip(_tokens[::2], _tokens[1::2], strict=True)
}
del _tokens

EU_CURRENCIES = frozenset({"EUR", "BGN", "CZK", "DKK", "HUF", "PLN", "RON", "SEK"})


def is_currency(code: str) -> bool:
    """True for an active ISO 4217 code that can be invoiced (upper case, as ISO writes it)."""
    return isinstance(code, str) and code in CURRENCY_MINOR_UNITS


def minor_units(code: str) -> int:
    """ISO 4217 minor units of ``code`` (EUR 2, JPY 0, KWD 3); ``ValueError`` if unknown."""
    if not is_currency(code):
        raise ValueError(f"unknown currency: {code!r}")
    return CURRENCY_MINOR_UNITS[code]


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


# --- Money ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency.

    The amount is kept exactly as given (no implicit rounding); ``quantized()`` rounds it
    explicitly to ``amount_places(currency)``. ``+``, ``-`` and ordering refuse other currencies
    with ``CurrencyMismatch``; ``==`` between different currencies is simply ``False``.
    Multiplying by a ``Decimal``/``int`` quantity gives the exact, *unrounded* product, so a
    caller decides where EN 16931 rounds.
    """

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        if not is_currency(self.currency):
            raise ValueError(f"unknown currency: {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        return cls(to_decimal(amount), currency)

    def _check(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def quantized(self) -> Money:
        """This amount rounded HALF_UP to the currency's invoice decimals."""
        return Money(quantize_amount(self.amount, amount_places(self.currency)), self.currency)

    def is_zero(self) -> bool:
        return self.amount.is_zero()

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._check(other)
        return Money(_EXACT_CTX.add(self.amount, other.amount), self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._check(other)
        return Money(_EXACT_CTX.subtract(self.amount, other.amount), self.currency)

    def __neg__(self) -> Money:
        return Money(negate(self.amount), self.currency)

    def __abs__(self) -> Money:
        return Money(self.amount.copy_abs(), self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, Decimal | int):
            return NotImplemented
        return Money(exact_mul(self.amount, factor), self.currency)

    __rmul__ = __mul__

    def _ordered(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot compare Money with {type(other).__name__}")
        self._check(other)
        return other

    def __lt__(self, other: object) -> bool:
        return self.amount < self._ordered(other).amount

    def __le__(self, other: object) -> bool:
        return self.amount <= self._ordered(other).amount

    def __gt__(self, other: object) -> bool:
        return self.amount > self._ordered(other).amount

    def __ge__(self, other: object) -> bool:
        return self.amount >= self._ordered(other).amount

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def sum_money(values: Iterable[Money], currency: str) -> Money:
    """Exact sum of ``values``, all in ``currency`` (``CurrencyMismatch`` otherwise).

    No rounding: summing already-rounded amounts stays exact; the empty sum is zero.
    """
    total = Money.zero(currency)
    for value in values:
        total = total + value
    return total


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
