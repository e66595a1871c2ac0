"""Validation results as data.

Validators in ``core`` return ``list[Problem]`` instead of raising on the first finding, so a
reviewer sees everything that is wrong with a draft at once (beancount's error values). ``code``
is stable and machine-readable (API clients and tests match on it), ``path`` points at the
offending input (``"lines[2].vat_rate"``; empty = the whole input). A problem is data: its
``template`` is the message as defined where the problem is found, marked translatable there
(``core.translation.gettext_lazy``), with ``%(name)s`` placeholders for its ``params``; its
``subject`` (a line's title, a format's name) is put in front. ``message`` is that text in the
reader's language, rendered each time it is read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

from faktura.core.translation import Text, gettext_lazy, render

Severity = Literal["error", "warning"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")
Params = tuple[tuple[str, str], ...]
# A problem about something named (a line's title): the name in front of the message.
_ABOUT = gettext_lazy("%(subject)s: %(message)s")


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of a validation: an ``error`` blocks the action, a ``warning`` does not."""

    code: str
    template: str | Text
    path: str = ""
    severity: Severity = "error"
    params: Params = ()
    subject: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")
        if not self.code:
            raise ValueError("a problem needs a code")

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def message(self) -> str:
        """The message in the active language, its placeholders filled from ``params``."""
        text = render(self.template, dict(self.params))
        if self.subject:
            return render(_ABOUT, {"subject": self.subject, "message": text})
        return text

    def at(self, prefix: str) -> Problem:
        """The same problem with ``prefix`` put in front of its path (for nested inputs)."""
        return replace(self, path=join_path(prefix, self.path))

    def about(self, subject: str) -> Problem:
        """The same problem about ``subject`` (shown in front of the message, before a
        subject it has already)."""
        if not subject:
            return self
        return replace(self, subject=f"{subject}: {self.subject}" if self.subject else subject)

    def with_params(self, **values: object) -> Problem:
        """The same problem with some params replaced (e.g. numbers formatted for a page)."""
        merged = {**dict(self.params), **{name: str(value) for name, value in values.items()}}
        return replace(self, params=tuple(merged.items()))

    def with_path(self, path: str) -> Problem:
        return replace(self, path=path)

    def as_dict(self) -> dict[str, Any]:
        """The problem as JSON data; ``params`` only when the message has any."""
        data: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "path": self.path,
            "severity": self.severity,
        }
        if self.params:
            data["params"] = dict(self.params)
        return data


def params_of(values: dict[str, object]) -> Params:
    return tuple((name, str(value)) for name, value in values.items())


def error(code: str, message: str | Text, path: str = "", **params: object) -> Problem:
    """An error; ``params`` fill the message's ``%(name)s`` placeholders."""
    return Problem(code, message, path, "error", params_of(params))


def warning(code: str, message: str | Text, path: str = "", **params: object) -> Problem:
    """A warning; ``params`` fill the message's ``%(name)s`` placeholders."""
    return Problem(code, message, path, "warning", params_of(params))


def join_path(prefix: str, path: str) -> str:
    """``join_path("lines[2]", "vat_rate") == "lines[2].vat_rate"``; ``[...]`` is not dotted."""
    if not prefix:
        return path
    if not path:
        return prefix
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"


def prefixed(problems: Iterable[Problem], prefix: str) -> list[Problem]:
    return [problem.at(prefix) for problem in problems]


def errors(problems: Iterable[Problem]) -> list[Problem]:
    return [problem for problem in problems if problem.severity == "error"]


def warnings(problems: Iterable[Problem]) -> list[Problem]:
    return [problem for problem in problems if problem.severity == "warning"]


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(problem.severity == "error" for problem in problems)


def codes(problems: Iterable[Problem]) -> list[str]:
    """The codes in order; handy for assertions and for logging."""
    return [problem.code for problem in problems]
