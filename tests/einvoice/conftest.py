"""Fixtures for the e-invoice tests: one official validator per test session."""

from __future__ import annotations

import pytest

from .official import FacturxSchematron, make_validator, require_official_rules

SUMMARY_KEY = pytest.StashKey[list[str]]()


@pytest.fixture(scope="session")
def validator():
    """The official validator; a test that asks for it fails in CI when the rules are missing
    (and is skipped, loudly, elsewhere)."""
    require_official_rules()
    return make_validator()


@pytest.fixture(scope="session")
def facturx_schematron() -> FacturxSchematron:
    return FacturxSchematron()


@pytest.fixture
def summary(request) -> list[str]:
    """Lines a test wants printed in the terminal summary (e.g. how many samples matched)."""
    return request.config.stash.setdefault(SUMMARY_KEY, [])


def pytest_terminal_summary(terminalreporter, config) -> None:
    lines = config.stash.get(SUMMARY_KEY, [])
    if lines:
        terminalreporter.section("e-invoice")
        for line in lines:
            terminalreporter.write_line(line)
