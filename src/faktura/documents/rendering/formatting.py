"""Display strings for documents: numbers, money, dates, rates and units per language.

The conventions (separators, currency symbol and its position, date patterns) come from Babel's
CLDR data. Babel's own ``format_currency`` costs ~60-150 µs per call, which would make a 25-line
invoice spend more time formatting numbers than Typst spends laying it out, so each
(language, currency) style is read from Babel once and applied with plain string operations;
``tests/documents/test_formatting.py`` proves the result equals Babel's output.

Nothing here rounds. The snapshot already holds rounded values (amounts 2 decimals, unit prices
up to 6, quantities up to 4); quantities and unit prices are shown with exactly their
significant decimals (prices with at least 2), so displayed quantity x displayed unit price
gives the displayed line amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.numbers import get_currency_symbol

from faktura.core.money import amount_places

# The customer's language decides the locale; the region only picks conventions CLDR ties to
# it (en -> en_US-style "€1,234.50" and "Nov 22, 2026", as the issue asks).
LOCALES = {"de": "de_DE", "en": "en"}
DEFAULT_LANGUAGE = "de"

# UN/ECE Recommendation 20 unit codes used by the catalog, as printed on documents.
UNIT_NAMES: dict[str, dict[str, str]] = {
    "HUR": {"de": "Std.", "en": "h"},
    "MIN": {"de": "Min.", "en": "min"},
    "DAY": {"de": "Tag", "en": "day"},
    "WEE": {"de": "Woche", "en": "week"},
    "MON": {"de": "Monat", "en": "month"},
    "ANN": {"de": "Jahr", "en": "year"},
    "KMT": {"de": "km", "en": "km"},
    "MTR": {"de": "m", "en": "m"},
    "KGM": {"de": "kg", "en": "kg"},
    "LTR": {"de": "l", "en": "l"},
    "C62": {"de": "Stk.", "en": "pcs"},
    "H87": {"de": "Stk.", "en": "pcs"},
    "EA": {"de": "Stk.", "en": "pcs"},
    "LS": {"de": "pauschal", "en": "lump\u00a0sum"},
    "E48": {"de": "Einheit", "en": "unit"},
    "P1": {"de": "%", "en": "%"},
}
# Plurals of the unit names that are words ("3 days", "3 Tage"), used for every quantity but
# exactly one (so "1.5 days", "0,5 Tage"). Symbols and abbreviations (h, km, Std., Stk.) have
# no plural.
UNIT_PLURALS: dict[str, dict[str, str]] = {
    "DAY": {"de": "Tage", "en": "days"},
    "WEE": {"de": "Wochen", "en": "weeks"},
    "MON": {"de": "Monate", "en": "months"},
    "ANN": {"de": "Jahre", "en": "years"},
    "C62": {"en": "pcs"},
    "H87": {"en": "pcs"},
    "EA": {"en": "pcs"},
    "E48": {"de": "Einheiten", "en": "units"},
}
# English singulars that differ from the name used for any quantity.
_UNIT_SINGULARS: dict[str, dict[str, str]] = {
    "C62": {"en": "pc"},
    "H87": {"en": "pc"},
    "EA": {"en": "pc"},
}


def language_of(value: str) -> str:
    """The supported language for a snapshot's ``language`` (``"de-AT"`` -> ``"de"``)."""
    base = (value or "").replace("_", "-").split("-")[0].lower()
    return base if base in LOCALES else DEFAULT_LANGUAGE


def unit_name(code: str, language: str, quantity: Decimal | None = None) -> str:
    """The printed name of a UN/ECE unit code for ``quantity`` (its sign ignored): "1 day",
    "3 days"; without a quantity the general name. Unknown codes are printed as they are."""
    names = UNIT_NAMES.get(code)
    if not names:
        return code
    lang = language_of(language)
    if quantity is None:
        return names[lang]
    if abs(quantity) == 1:
        return _UNIT_SINGULARS.get(code, {}).get(lang, names[lang])
    return UNIT_PLURALS.get(code, {}).get(lang, names[lang])


@dataclass(frozen=True)
class NumberStyle:
    """One locale's number conventions, read from Babel once."""

    decimal: str
    group: str
    minus: str
    # Currency patterns: text before and after the number, for positive and negative values.
    pos_prefix: str
    pos_suffix: str
    neg_prefix: str
    neg_suffix: str
    places: int = 2  # decimals of a document amount (`core.money.amount_places`)

    def number(self, value: Decimal, *, min_places: int = 0) -> str:
        """``value`` with all its significant decimals (at least ``min_places``), grouped."""
        text = _plain(value, min_places)
        return self._localise(text)

    def money(self, value: Decimal, *, min_places: int | None = None) -> str:
        """``value`` with its currency symbol and at least the currency's decimals."""
        text = _plain(value, self.places if min_places is None else min_places)
        if text.startswith("-"):
            return self.neg_prefix + self._localise(text[1:]) + self.neg_suffix
        return self.pos_prefix + self._localise(text) + self.pos_suffix

    def _localise(self, text: str) -> str:
        negative = text.startswith("-")
        if negative:
            text = text[1:]
        whole, _, frac = text.partition(".")
        grouped = f"{int(whole):,}".replace(",", self.group)
        out = grouped + (self.decimal + frac if frac else "")
        return self.minus + out if negative else out


def _plain(value: Decimal, min_places: int) -> str:
    """``value`` as plain digits without insignificant zeros, at least ``min_places`` decimals.

    Never rounds: a value with more decimals keeps them all.
    """
    if not isinstance(value, Decimal):
        raise TypeError(f"expected Decimal, got {type(value).__name__}")
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    assert isinstance(exponent, int)
    places = max(-exponent, min_places, 0)
    text = f"{normal:.{places}f}"
    if text.startswith("-") and not normal:
        text = text[1:]  # never print "-0,00"
    return text


@lru_cache(maxsize=64)
def number_style(language: str, currency: str = "EUR") -> NumberStyle:
    """The number and currency conventions of ``language`` for ``currency``, from CLDR."""
    locale = Locale.parse(LOCALES[language_of(language)])
    symbols = locale.number_symbols.get("latn", locale.number_symbols)
    pattern = locale.currency_formats["standard"]
    symbol = get_currency_symbol(currency, locale=locale)

    def fill(affix: str, *, before_number: bool) -> str:
        # CLDR's currency spacing (which Babel leaves out): a symbol made of letters gets a
        # no-break space next to the digits, "CHF 1,234.50" rather than "CHF1,234.50".
        if symbol[-1 if before_number else 0].isalpha():
            spaced = f"{symbol}\u00a0" if before_number else f"\u00a0{symbol}"
            if before_number and affix.endswith("¤"):
                return affix[:-1] + spaced
            if not before_number and affix.startswith("¤"):
                return spaced + affix[1:]
        return affix.replace("¤", symbol)

    return NumberStyle(
        decimal=symbols["decimal"],
        group=symbols["group"],
        minus=symbols["minusSign"],
        pos_prefix=fill(pattern.prefix[0], before_number=True),
        pos_suffix=fill(pattern.suffix[0], before_number=False),
        neg_prefix=fill(pattern.prefix[1], before_number=True),
        neg_suffix=fill(pattern.suffix[1], before_number=False),
        places=amount_places(currency),
    )


@lru_cache(maxsize=4096)
def format_date(value: date, language: str) -> str:
    """A date as customers of ``language`` read it: ``22.11.2026`` / ``Nov 22, 2026``."""
    return _babel_format_date(value, "medium", locale=LOCALES[language_of(language)])


def format_rate(rate: Decimal, language: str) -> str:
    """A VAT rate in percent: ``19 %`` (de, with a no-break space) / ``19%`` (en)."""
    style = number_style(language)
    text = style.number(rate)
    return f"{text}\u00a0%" if language_of(language) == "de" else f"{text}%"


def format_iban(iban: str) -> str:
    """An IBAN in groups of four, as printed on paper (DIN 5008)."""
    compact = "".join(iban.split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
