"""The one rule for typed text (issue 9): control characters, line breaks in single-line
fields and bidirectional overrides are refused, naming the field."""

from __future__ import annotations

import pytest
from django.utils import translation
from pydantic import TypeAdapter, ValidationError

from faktura.common.errors import ValidationFailed
from faktura.common.text import MultiLine, SingleLine, clean_text, text_problem


@pytest.mark.parametrize(
    "value",
    [
        "Müller & Søn · Łódź · Ærøskøbing · ẞtraße",
        "Ωμέγα Ελλάδα",
        "Привет, Київ",
        "Server 🚀 migration 👍🏽 ❤️",
        "Tab\u00a0non-breaking space",
    ],
)
def test_letters_symbols_and_emoji_are_kept(value):
    assert clean_text("title", f"  {value} ") == value


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("Ring\u0007bell", "U+0007 (BELL)"),
        ("nul\x00", "U+0000"),
        ("escape\x1b[31m", "U+001B (ESCAPE)"),
        ("two\nlines", "line break"),
        ("tab\there", "tab"),
        ("cr\rhere", "U+000D"),
        ("line\u2028sep", "U+2028"),
        ("invoice\u202egnp.exe", "U+202E"),
        ("isolate\u2066x\u2069", "U+2066"),
        ("lone \ud800 surrogate", "U+D800"),
        ("non\uffffcharacter", "U+FFFF"),
    ],
)
def test_single_line_refuses_control_line_break_and_bidi_characters(value, needle):
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        clean_text("title", value)
    assert caught.value.code == "invalid_text"
    assert "title" in caught.value.fields
    assert needle in caught.value.fields["title"]


def test_multiline_keeps_tab_and_newline_and_normalises_crlf():
    assert clean_text("notes", "a\r\n\tb\nc", multiline=True) == "a\n\tb\nc"


@pytest.mark.parametrize("value", ["bell\u0007", "bidi\u202d", "lone\rcr", "f\x0cf"])
def test_multiline_still_refuses_control_and_bidi_characters(value):
    with pytest.raises(ValidationFailed) as caught:
        clean_text("notes", value, multiline=True)
    assert list(caught.value.fields) == ["notes"]


def test_required_and_length_come_after_the_character_rule():
    with pytest.raises(ValidationFailed) as caught:
        clean_text("name", "   ", required=True)
    assert caught.value.code == "required"
    with pytest.raises(ValidationFailed):
        clean_text("name", "x" * 11, max_length=10)


def test_schema_types_apply_the_same_rule():
    assert TypeAdapter(SingleLine).validate_python("Ωμέγα 🚀") == "Ωμέγα 🚀"
    assert TypeAdapter(MultiLine).validate_python("a\r\nb") == "a\r\nb"
    with pytest.raises(ValidationError, match="U\\+0007"):
        TypeAdapter(SingleLine).validate_python("a\u0007")
    with pytest.raises(ValidationError, match="U\\+202E"):
        TypeAdapter(MultiLine).validate_python("a\u202e")


def test_the_messages_are_in_the_readers_language():
    with translation.override("de"):
        assert text_problem("Gruß\x07") == "Enthält das Steuerzeichen U+0007 (BELL)."
        assert text_problem("a\tb") == "Muss einzeilig sein; enthält einen Tabulator."
    with translation.override("en"):
        assert text_problem("a\nb") == "Must be a single line; contains a line break."
