"""Validation results as data.

Validators in ``core`` return ``list[Problem]`` instead of raising on the first finding, so a
reviewer sees everything that is wrong with a draft at once (beancount's error values). ``code``
is stable and machine-readable (API clients and tests match on it), ``message`` is for humans,
``path`` points at the offending input (``"lines[2].vat_rate"``; empty = the whole input).
``params`` are the values the message was written with, so the application can say the same in
the reader's language (its translated template per code, filled with these values).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of a validation: an ``error`` blocks the action, a ``warning`` does not."""

    code: str
    message: str
    path: str = ""
    severity: Severity = "error"
    params: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")
        if not self.code:
            raise ValueError("a problem needs a code")

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def at(self, prefix: str) -> Problem:
        """The same problem with ``prefix`` put in front of its path (for nested inputs)."""
        return Problem(
            self.code, self.message, join_path(prefix, self.path), self.severity, self.params
        )

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


def error(code: str, message: str, path: str = "") -> Problem:
    return Problem(code, message, path, "error")


def warning(code: str, message: str, path: str = "") -> Problem:
    return Problem(code, message, path, "warning")


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
