"""Reading a typed duration: "1:30", "1,5", "1.5", "90m", "1h 30m", "2h", "45".

The accepted forms, all meaning a whole number of minutes (stored as seconds):

- ``H:MM`` -- hours and minutes, minutes 00-59 ("1:30", "0:45", "10:05");
- a decimal number of hours with a comma or a point ("1,5", "1.25"; at most 2 decimals);
  a plain whole number is hours as well ("2");
- units: ``h`` and ``m`` (or ``min``), hours before minutes, each at most once, spaces
  optional ("90m", "1h 30m", "1h30", "2 h"); "1h30" reads the trailing number as minutes.

A duration must be more than zero and at most ``MAX_MINUTES`` (24 hours). Anything else is not
a duration; `parse_duration` reports that as a `DurationError` for the caller to name the field.
Pure Python: no Django.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MAX_MINUTES = 24 * 60

_CLOCK = re.compile(r"(\d{1,2}):([0-5]\d)")
_DECIMAL = re.compile(r"(\d{1,2})(?:[.,](\d{1,2}))?")
_UNITS = re.compile(r"(?:(\d{1,2})\s*h)?\s*(?:(\d{1,4})\s*(?:m|min)?)?")


class DurationError(ValueError):
    """The text is not a duration (or is zero or longer than a day)."""


def parse_duration_minutes(text: str) -> int:
    """Whole minutes of a typed duration; `DurationError` if it is none (see the module)."""
    value = " ".join(str(text).split()).lower()
    minutes = _minutes(value)
    if minutes is None:
        raise DurationError(f"{text!r} is not a duration.")
    if minutes <= 0 or minutes > MAX_MINUTES:
        raise DurationError(f"{text!r} is not between 1 minute and 24 hours.")
    return minutes


def _minutes(value: str) -> int | None:
    if not value:
        return None
    if match := _CLOCK.fullmatch(value):
        return int(match[1]) * 60 + int(match[2])
    if match := _DECIMAL.fullmatch(value):
        try:
            hours = Decimal(f"{match[1]}.{match[2] or 0}")
        except InvalidOperation:  # pragma: no cover - the pattern admits digits only
            return None
        minutes = hours * 60
        return int(minutes) if minutes == minutes.to_integral() else None
    if "h" not in value and not value.endswith(("m", "min")):
        return None
    match = _UNITS.fullmatch(value)
    if match is None or (match[1] is None and match[2] is None):
        return None
    hours_part, minutes_part = int(match[1] or 0), int(match[2] or 0)
    if match[1] is not None and match[2] is not None and minutes_part > 59:
        return None  # "1h 90m" is a typing slip, not 2:30
    return hours_part * 60 + minutes_part


def format_minutes(minutes: int) -> str:
    """``H:MM``, the form the parser reads back (90 -> "1:30")."""
    return f"{minutes // 60}:{minutes % 60:02d}"
