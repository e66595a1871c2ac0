"""Invoice number formats: validation, rendering, parsing, and gap reports. Format only.

Allocation (the gapless counter, taken in the issuing transaction) lives in ``billing``; this
module only turns a counter value into a number and back.

A format is literal text with tokens in braces:

- ``{YYYY}`` four-digit year, ``{YY}`` two-digit year, ``{MM}`` two-digit month;
- ``{seq}`` the counter, unpadded; ``{seq:0N}`` the counter zero-padded to N digits (N 1..12;
  a counter that outgrows N is written in full, never truncated).

Exactly one seq token; literal braces are not supported. When the counter resets (a separate
setting, see ``period_key``) the format must contain the period, or numbers would repeat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from faktura.core.problems import Problem, error
from faktura.core.translation import gettext_lazy as _

Reset = Literal["never", "yearly", "monthly"]
RESETS: tuple[Reset, ...] = ("never", "yearly", "monthly")

DEFAULT_INVOICE_FORMAT = "{YYYY}-{seq:04}"
DEFAULT_CREDIT_NOTE_FORMAT = "CN-{YYYY}-{seq:04}"
# Offers have their own series whose counter restarts every year (``OFFER_RESET``).
DEFAULT_OFFER_FORMAT = "A-{YYYY}-{seq:04}"
OFFER_RESET: Reset = "yearly"
MAX_SEQ_WIDTH = 12

_SEQ_PADDED = re.compile(r"seq:0(\d{1,2})")
_FIXED_TOKENS = {"YYYY": r"(\d{4})", "YY": r"(\d{2})", "MM": r"(0[1-9]|1[0-2])"}


@dataclass(frozen=True, slots=True)
class _Token:
    name: str  # "YYYY", "YY", "MM" or "seq"
    width: int = 0  # zero padding of seq; 0 = none


_Part = str | _Token


def _tokenize(fmt: str) -> tuple[list[_Part], list[Problem]]:
    parts: list[_Part] = []
    problems: list[Problem] = []
    literal: list[str] = []
    index = 0
    while index < len(fmt):
        char = fmt[index]
        if char == "}":
            problems.append(
                error(
                    "unbalanced_braces",
                    _("'}' at position %(position)s is not closing a token."),
                    "format",
                    position=index,
                )
            )
        elif char == "{":
            end = fmt.find("}", index + 1)
            nested = fmt.find("{", index + 1)
            if end == -1 or (nested != -1 and nested < end):
                problems.append(
                    error(
                        "unbalanced_braces",
                        _("'{' at position %(position)s is not closed."),
                        "format",
                        position=index,
                    )
                )
            else:
                token = _parse_token(fmt[index + 1 : end], problems)
                if token is not None:
                    if literal:
                        parts.append("".join(literal))
                        literal = []
                    parts.append(token)
                index = end
        elif not char.isprintable():
            problems.append(
                error(
                    "invalid_character",
                    _("The character %(char)s is not allowed."),
                    "format",
                    char=repr(char),
                )
            )
        else:
            literal.append(char)
        index += 1
    if literal:
        parts.append("".join(literal))
    return parts, problems


def _parse_token(body: str, problems: list[Problem]) -> _Token | None:
    if body in _FIXED_TOKENS or body == "seq":
        return _Token(body)
    padded = _SEQ_PADDED.fullmatch(body)
    if padded:
        width = int(padded.group(1))
        if 1 <= width <= MAX_SEQ_WIDTH:
            return _Token("seq", width)
        problems.append(
            error(
                "seq_width",
                _("The seq width must be 1 to %(max)s, got %(width)s."),
                "format",
                max=MAX_SEQ_WIDTH,
                width=width,
            )
        )
        return None
    problems.append(
        error(
            "unknown_token",
            _("Unknown token %(token)s; use {YYYY}, {YY}, {MM}, {seq} or {seq:0N}."),
            "format",
            token=f"{{{body}}}",
        )
    )
    return None


def validate_format(fmt: str, *, reset: Reset | None = None) -> list[Problem]:
    """All problems of a number format (path ``"format"``); empty list = usable.

    With ``reset``, also checks that the format shows the period the counter resets in
    (yearly: a year token; monthly: a year and ``{MM}``), since otherwise two periods would
    produce the same numbers.
    """
    if not fmt:
        return [error("format_empty", _("The number format is empty."), "format")]
    parts, problems = _tokenize(fmt)
    names = [part.name for part in parts if isinstance(part, _Token)]
    seq_count = names.count("seq")
    if seq_count == 0 and not any(p.code in ("seq_width", "unknown_token") for p in problems):
        problems.append(error("seq_missing", _("The format needs one {seq} token."), "format"))
    elif seq_count > 1:
        problems.append(error("seq_repeated", _("The format has more than one {seq}."), "format"))
    has_year = "YYYY" in names or "YY" in names
    if reset in ("yearly", "monthly") and not has_year:
        problems.append(
            error(
                "period_token_missing",
                _("The counter resets, so the format needs the year."),
                "format",
            )
        )
    if reset == "monthly" and "MM" not in names:
        problems.append(
            error(
                "period_token_missing",
                _("The counter resets monthly, so the format needs {MM}."),
                "format",
            )
        )
    return problems


def _checked_parts(fmt: str) -> list[_Part]:
    problems = validate_format(fmt)
    if problems:
        raise ValueError(f"invalid number format {fmt!r}: {problems[0].message}")
    return _tokenize(fmt)[0]


def render_number(fmt: str, *, year: int, month: int, seq: int) -> str:
    """The number for counter value ``seq`` issued in ``year``/``month``.

    ``ValueError`` for an invalid format, a year outside 1000..9999, a month outside 1..12 or
    a counter below 1.
    """
    if not 1000 <= year <= 9999:
        raise ValueError(f"year out of range: {year}")
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range: {month}")
    if seq < 1:
        raise ValueError(f"counter must be >= 1, got {seq}")
    rendered: list[str] = []
    for part in _checked_parts(fmt):
        if isinstance(part, str):
            rendered.append(part)
        elif part.name == "YYYY":
            rendered.append(f"{year:04d}")
        elif part.name == "YY":
            rendered.append(f"{year % 100:02d}")
        elif part.name == "MM":
            rendered.append(f"{month:02d}")
        else:
            rendered.append(str(seq).zfill(part.width))
    return "".join(rendered)


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    """What a number says about itself; ``year``/``yy``/``month`` are None if not in the
    format."""

    seq: int
    year: int | None = None
    yy: int | None = None
    month: int | None = None


def parse_number(fmt: str, number: str) -> ParsedNumber | None:
    """Read ``number`` back with ``fmt`` (e.g. to import existing numbers or audit a sequence).

    ``None`` if the number does not match or is not the canonical rendering (for example an
    unpadded ``{seq}`` with a leading zero, or tokens that disagree). The decomposition is
    unique because seq is the only token of variable width.
    """
    parts = _checked_parts(fmt)
    pattern = "".join(
        re.escape(part)
        if isinstance(part, str)
        else (r"(\d+)" if part.name == "seq" else _FIXED_TOKENS[part.name])
        for part in parts
    )
    match = re.fullmatch(pattern, number)
    if match is None:
        return None
    values: dict[str, int] = {}
    tokens = [part for part in parts if isinstance(part, _Token)]
    for token, text in zip(tokens, match.groups(), strict=True):
        value = int(text)
        if token.name == "seq" and str(value).zfill(token.width) != text:
            return None
        if values.setdefault(token.name, value) != value:
            return None
    year, yy = values.get("YYYY"), values.get("YY")
    if values["seq"] < 1 or (
        year is not None and (year < 1000 or (yy is not None and yy != year % 100))
    ):
        return None
    return ParsedNumber(seq=values["seq"], year=year, yy=yy, month=values.get("MM"))


def period_key(year: int, month: int, reset: Reset) -> str:
    """The key of the counter a number is drawn from: ``"all"`` (never resets), ``"2025"``
    (yearly) or ``"2025-03"`` (monthly). Year and month are those of the issue date in the
    tenant's time zone (the caller's job)."""
    if reset not in RESETS:
        raise ValueError(f"reset must be one of {RESETS}, got {reset!r}")
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range: {month}")
    if reset == "never":
        return "all"
    if reset == "yearly":
        return f"{year:04d}"
    return f"{year:04d}-{month:02d}"


@dataclass(frozen=True, slots=True)
class GapReport:
    """The state of one counter's issued values. ``missing`` lists the values between
    ``first`` (or ``expected_first``) and ``last`` that were never issued, ``duplicates`` those
    issued more than once; both sorted ascending. ``count`` is the number of values given."""

    first: int | None
    last: int | None
    count: int
    missing: tuple[int, ...]
    duplicates: tuple[int, ...] = ()

    @property
    def is_gapless(self) -> bool:
        return not self.missing and not self.duplicates


def find_gaps(numbers: list[int], *, expected_first: int | None = None) -> GapReport:
    """Gaps and duplicates in the counter values ``numbers`` (any order).

    With ``expected_first`` (usually 1), values below the first issued one count as missing.
    """
    if not numbers:
        return GapReport(first=None, last=None, count=0, missing=())
    seen: set[int] = set()
    duplicates: set[int] = set()
    for number in numbers:
        (duplicates if number in seen else seen).add(number)
    first, last = min(seen), max(seen)
    start = first if expected_first is None else min(first, expected_first)
    missing = tuple(value for value in range(start, last + 1) if value not in seen)
    return GapReport(
        first=first,
        last=last,
        count=len(numbers),
        missing=missing,
        duplicates=tuple(sorted(duplicates)),
    )
