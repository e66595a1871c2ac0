"""Translatable texts in pure code.

``core`` and ``einvoice`` run without Django, yet the messages they define (a Leitweg-ID's
check digits, a missing seller e-mail) are read by people in German and English. A message is
marked where it is defined with ``gettext_lazy`` (the name ``makemessages`` looks for), which
keeps its English text (the msgid) and translates it each time it is shown, with the
translator the application installed (``install``; Django's ``gettext`` in
``faktura.common.apps``). Without one, the English text is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

_translate: Callable[[str], str] = str


def install(translate: Callable[[str], str]) -> None:
    """Translate every ``Text`` with ``translate`` from now on (the active language's)."""
    global _translate
    _translate = translate


class Text:
    """An English message that is translated when it is shown (``str``); ``%`` fills its
    ``%(name)s`` placeholders in the translated text."""

    __slots__ = ("msgid",)

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    def __str__(self) -> str:
        return _translate(self.msgid)

    def __repr__(self) -> str:
        return f"Text({self.msgid!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and other.msgid == self.msgid

    def __hash__(self) -> int:
        return hash(self.msgid)

    def __mod__(self, params: Mapping[str, object]) -> str:
        return render(self, params)


def gettext_lazy(msgid: str) -> Text:
    """Mark ``msgid`` for translation; it is translated when shown."""
    return Text(msgid)


def render(message: str | Text, params: Mapping[str, object]) -> str:
    """``message`` in the active language with its placeholders filled from ``params``; a
    translation that names a value ``params`` lacks falls back to the English text."""
    text = str(message)
    if not params:
        return text
    try:
        return text % params
    except (KeyError, ValueError, TypeError):
        english = message.msgid if isinstance(message, Text) else text
        try:
            return english % params
        except (KeyError, ValueError, TypeError):
            return english
