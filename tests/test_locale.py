"""The German catalogue stays a valid gettext file: each message defined once, every
placeholder of the English text kept in the German one."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po

PO = Path(__file__).resolve().parents[1] / "src/faktura/locale/de/LC_MESSAGES/django.po"
# msgctxt and msgid of each entry, as written (Babel's reader merges duplicates silently).
_ENTRY = re.compile(r'^(?:msgctxt "(?P<ctx>.*)"\n)?msgid (?P<id>(?:".*"\n)+)', re.M)
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def test_every_message_is_defined_once():
    keys = Counter(
        (match["ctx"], match["id"]) for match in _ENTRY.finditer(PO.read_text(encoding="utf-8"))
    )
    assert [key for key, count in keys.items() if count > 1] == []


def test_translations_keep_their_placeholders():
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    broken = [
        message.id
        for message in catalog
        if message.id and message.string and isinstance(message.id, str)
        if sorted(_PLACEHOLDER.findall(message.id)) != sorted(_PLACEHOLDER.findall(message.string))
    ]
    assert broken == []
