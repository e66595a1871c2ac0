"""The built-in units' names and symbols in the reader's language.

A tenant's units are rows it may rename; one still carrying the built-in English name or symbol
of its code (as `units_ensure_defaults` created it) is shown in the active language: "Std." and
"Stk." on German pages, "h" and "pc" on English ones. A unit the company renamed keeps its own
text. E-invoices use the code only.
"""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

# code -> (built-in name, built-in symbol, translated name, translated symbol)
BUILTIN_UNIT_TEXT = {
    "HUR": ("Hour", "h", pgettext_lazy("unit", "Hour"), pgettext_lazy("unit symbol", "h")),
    "MIN": ("Minute", "min", pgettext_lazy("unit", "Minute"), pgettext_lazy("unit symbol", "min")),
    "DAY": ("Day", "d", pgettext_lazy("unit", "Day"), pgettext_lazy("unit symbol", "d")),
    "WEE": ("Week", "wk", pgettext_lazy("unit", "Week"), pgettext_lazy("unit symbol", "wk")),
    "MON": ("Month", "mo", pgettext_lazy("unit", "Month"), pgettext_lazy("unit symbol", "mo")),
    "ANN": ("Year", "a", pgettext_lazy("unit", "Year"), pgettext_lazy("unit symbol", "a")),
    "C62": ("Piece", "pc", pgettext_lazy("unit", "Piece"), pgettext_lazy("unit symbol", "pc")),
    "H87": ("Piece", "pc", pgettext_lazy("unit", "Piece"), pgettext_lazy("unit symbol", "pc")),
    "LS": ("Lump sum", "LS", pgettext_lazy("unit", "Lump sum"), pgettext_lazy("unit symbol", "LS")),
    "KMT": ("Kilometre", "km", pgettext_lazy("unit", "Kilometre"), "km"),
    "SET": ("Set", "set", pgettext_lazy("unit", "Set"), pgettext_lazy("unit symbol", "set")),
    "PR": ("Pair", "pr", pgettext_lazy("unit", "Pair"), pgettext_lazy("unit symbol", "pr")),
    "MTR": ("Metre", "m", pgettext_lazy("unit", "Metre"), "m"),
}


def unit_name(code: str, name: str) -> str:
    """The unit's name as shown: the built-in name in the active language, else its own."""
    builtin = BUILTIN_UNIT_TEXT.get(code)
    return str(builtin[2]) if builtin and name == builtin[0] else name


def unit_symbol(code: str, symbol: str) -> str:
    """The symbol shown next to quantities: the built-in one in the active language, else the
    unit's own (its code when it has none)."""
    builtin = BUILTIN_UNIT_TEXT.get(code)
    if builtin and symbol == builtin[1]:
        return str(builtin[3])
    return symbol or code
