"""Fixtures of the billing-review tests: the billing tests' world of customers and work."""

from __future__ import annotations

import pytest

from tests.billing.conftest import BillingWorld


@pytest.fixture
def world(owner) -> BillingWorld:
    return BillingWorld(owner)
