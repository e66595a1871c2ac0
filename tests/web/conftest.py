"""Fixtures for UI tests: signed-in browsers and a tenant with some of everything."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.web.web_helpers import WebData, build_web_data, signed_in


@pytest.fixture
def browser(owner) -> Client:
    """The owner, signed in to the UI."""
    return signed_in(owner)


@pytest.fixture
def browser_as(make_member):
    """browser_as(role) -> (client, membership) of a new member with that role."""

    def make(role: str):
        member = make_member(role)
        return signed_in(member), member

    return make


@pytest.fixture
def web_data(owner, make_member) -> WebData:
    """Customers, catalog, an external and an internal project, tasks and entries (March 2026)."""
    return build_web_data(owner, make_member)
