"""The one rule for text that people type and documents print (issue 9).

Every text field that can reach an invoice, a credit note, its e-invoices or an e-mail goes
through `clean_text`: the services call it (so the API, the UI forms and the tasks share it)
and the API schemas use `SingleLine`/`MultiLine`, which call it too. It refuses what no PDF or
XML can carry and what would make a printed text lie:

- control characters (Unicode category Cc, e.g. U+0007): XML 1.0 cannot hold most of them and
  no font draws them; a field of several lines keeps tab and line feed (CR LF becomes LF);
- line breaks (CR, LF, U+2028, U+2029) and tabs in a single-line field (a name, a title);
- bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069): they reorder what a
  reader sees without changing what the machine reads ("Trojan Source");
- lone surrogates and the noncharacters U+FFFE/U+FFFF, which no XML document may contain.

Which characters a document can *print* (the shipped fonts) is checked at issue, where the
rendering happens: `faktura.documents.coverage`.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from django.utils.translation import gettext
from pydantic import AfterValidator

from faktura.common.errors import InvalidText, Required, ValidationFailed

BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)  # LRE RLE PDF LRO RLO LRI RLI FSI PDI
_LINE_BREAKS = frozenset("\r\n\u2028\u2029\x85\x0b\x0c")
_NONCHARACTERS = frozenset("\ufffe\uffff")


def describe(char: str) -> str:
    """A character as people can read it in an error message: ``U+0007 (BELL)``."""
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(char, "")
    code = f"U+{ord(char):04X}"
    return f"{code} ({name})" if name else code


_CONTROL_NAMES = {
    "\x00": "NULL", "\x07": "BELL", "\x08": "BACKSPACE", "\t": "TAB", "\n": "LINE FEED",
    "\x0b": "LINE TABULATION", "\x0c": "FORM FEED", "\r": "CARRIAGE RETURN", "\x1b": "ESCAPE",
    "\x7f": "DELETE", "\x85": "NEXT LINE",
}  # fmt: skip


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` is refused (a message naming the first offending character), or None."""
    for char in value:
        if char in BIDI_CONTROLS:
            return gettext("Contains the bidirectional control character %(char)s.") % {
                "char": describe(char)
            }
        if char in "\t\n":
            if multiline:
                continue
            if char == "\t":
                return gettext("Must be a single line; contains a tab.")
            return gettext("Must be a single line; contains a line break.")
        if char in _LINE_BREAKS:
            if multiline and char not in "\r\x0b\x0c\x85":
                continue
            return gettext("Must not contain the line break character %(char)s.") % {
                "char": describe(char)
            }
        category = unicodedata.category(char)
        if category == "Cc":
            return gettext("Contains the control character %(char)s.") % {"char": describe(char)}
        if category == "Cs" or char in _NONCHARACTERS:
            return gettext("Contains the invalid character %(char)s.") % {"char": describe(char)}
    return None


def clean_text(
    field: str,
    value: Any,
    *,
    multiline: bool = False,
    required: bool = False,
    max_length: int | None = None,
) -> str:
    """`value` stripped and checked by the rule above; raises ValidationFailed naming `field`.

    ``None`` is the empty text. In a field of several lines, Windows line ends (CR LF, as
    browsers send a textarea) become LF first.
    """
    value = "" if value is None else value
    if not isinstance(value, str):
        raise ValidationFailed.field(field, gettext("Must be text."))
    if multiline:
        value = value.replace("\r\n", "\n")
    value = value.strip()
    problem = text_problem(value, multiline=multiline)
    if problem:
        raise InvalidText.field(field, problem)
    if required and not value:
        raise Required.field(field, gettext("This field is required."))
    if max_length is not None and len(value) > max_length:
        raise ValidationFailed.field(
            field, gettext("At most %(max_length)s characters.") % {"max_length": max_length}
        )
    return value


def _single_line(value: str) -> str:
    problem = text_problem(value, multiline=False)
    if problem:
        raise ValueError(problem)
    return value


def _multi_line(value: str) -> str:
    problem = text_problem(value.replace("\r\n", "\n"), multiline=True)
    if problem:
        raise ValueError(problem)
    return value


# For API input schemas: the same rule, reported by the schema as a 400 naming the field.
SingleLine = Annotated[str, AfterValidator(_single_line)]
MultiLine = Annotated[str, AfterValidator(_multi_line)]
