"""Filters for the UI: durations, hours, money and decimals in the active language."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from babel.numbers import format_currency, format_decimal
from django import template
from django.utils import timezone
from django.utils.translation import get_language

register = template.Library()


def _locale() -> str:
    return "de_DE" if (get_language() or "en").startswith("de") else "en_US"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def hm(seconds) -> str:
    """Seconds as H:MM (logged time is shown to the minute, rounded down)."""
    if seconds in (None, ""):
        return ""
    total = int(seconds) // 60
    return f"{total // 60}:{total % 60:02d}"


@register.filter
def hms(seconds) -> str:
    if seconds in (None, ""):
        return ""
    total = int(seconds)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


@register.filter
def elapsed_seconds(entry) -> int:
    """Seconds a running timer has run so far."""
    if entry is None or getattr(entry, "started_at", None) is None:
        return 0
    return max(0, int((timezone.now() - entry.started_at).total_seconds()))


@register.filter
def money(value, currency: str = "EUR") -> str:
    amount = _decimal(value)
    if amount is None:
        return ""
    # Invoice amounts have 2 decimals in every currency (core.money.amount_places): the
    # currency's own digits would show 5,998.50 JPY as ¥5,998 and KWD with 3 decimals.
    return format_currency(amount, currency or "EUR", locale=_locale(), currency_digits=False)


@register.filter
def number(value, places: int = 2) -> str:
    """A decimal in the active language with a fixed number of places (1.234,50 / 1,234.50)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    pattern = "#,##0" + ("." + "0" * int(places) if int(places) else "")
    return format_decimal(amount, format=pattern, locale=_locale(), decimal_quantization=True)


@register.filter
def price(value) -> str:
    """A unit price: 2 decimals, more only when the price has them (up to 6)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    pattern = "#,##0.00####"
    return format_decimal(amount, format=pattern, locale=_locale(), decimal_quantization=True)


@register.filter
def price_input(value) -> str:
    """A unit price for an input field: the language's decimal separator, no grouping, so it
    parses back as typed (1100,5 / 1100.50)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    pattern = "0.00####"
    return format_decimal(amount, format=pattern, locale=_locale(), decimal_quantization=True)


@register.filter
def hours(value) -> str:
    """Decimal hours as H:MM."""
    amount = _decimal(value)
    if amount is None:
        return ""
    return hm(int(amount * 3600))


@register.filter
def percent_of(value, maximum) -> int:
    """value as a whole percentage of maximum (0 when maximum is zero), for bar widths."""
    try:
        value, maximum = Decimal(value or 0), Decimal(maximum or 0)
    except (InvalidOperation, ValueError, TypeError):
        return 0
    if maximum <= 0:
        return 0
    return int(min(Decimal(100), value * 100 / maximum))


@register.filter
def get_item(mapping, key):
    if mapping is None:
        return None
    return mapping.get(key)


@register.inclusion_tag("web/_field.html")
def field(bound_field, wide: bool = False, hint: str = ""):
    return {"field": bound_field, "wide": wide, "hint": hint or bound_field.help_text}


@register.inclusion_tag("web/_sort_header.html", takes_context=True)
def sort_header(context, sorting, key: str, label, css: str = ""):
    """A column header that sorts the list by `key` (ascending first, then descending), keeping
    the filters in the address and starting again at page 1."""
    request = context["request"]
    active = sorting is not None and sorting.key == key
    next_param = f"-{key}" if active and not sorting.descending else key
    params = [(k, v) for k, values in request.GET.lists() if k not in ("page", "sort")
              for v in values if v]  # fmt: skip
    params.append(("sort", next_param))
    state = ("descending" if sorting.descending else "ascending") if active else "none"
    return {"href": "?" + urlencode(params), "label": label, "state": state, "css": css}
