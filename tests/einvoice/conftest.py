"""Fixtures for the e-invoice tests: one official validator per test session."""

from __future__ import annotations

import pytest

from .official import SHARED_EINVOICE, make_validator

SUMMARY_KEY = pytest.StashKey[list[str]]()


@pytest.fixture(scope="session")
def validator():
    if not SHARED_EINVOICE.is_dir():
        pytest.skip(f"OFFICIAL E-INVOICE RULES MISSING: {SHARED_EINVOICE} not found")
    return make_validator()


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
