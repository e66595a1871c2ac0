"""Fixtures of the subscription tests: the billing tests' `BillingWorld` (loaded by path: both
folders have a module called conftest) with products and subscriptions."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from faktura.catalog.models import Product, Unit
from faktura.subscriptions.inputs import SubscriptionCreate
from faktura.subscriptions.services import subscription_create


def _billing_world_class():
    path = Path(__file__).resolve().parents[1] / "billing" / "conftest.py"
    name = "billing_tests_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[name].BillingWorld


class SubscriptionWorld(_billing_world_class()):
    def product(self, name: str = "Hosting", price: str | None = "49.00", unit: str = "MON"):
        return Product.objects.create(
            tenant=self.tenant,
            name=name,
            unit=Unit.objects.get(tenant=self.tenant, code=unit),
            default_unit_price=None if price is None else Decimal(price),
        )

    def subscription(self, *, contact=None, product=None, project=None, **kw: Any):
        contact = contact or (project.contact if project else self.contact())
        product = product or self.product()
        data: dict[str, Any] = {
            "contact_id": contact.pk,
            "product_id": product.pk,
            "project_id": project.pk if project else None,
            "start_date": dt.date(2026, 1, 1),
        }
        data.update(kw)
        return subscription_create(self.ctx, data=SubscriptionCreate(**data))


@pytest.fixture
def world(owner) -> SubscriptionWorld:
    return SubscriptionWorld(owner)


@pytest.fixture
def other_world(other_owner) -> SubscriptionWorld:
    return SubscriptionWorld(other_owner)


@pytest.fixture
def run_queued_tasks():
    """run_queued_tasks() -> runs every queued background task in this process, as a worker
    of the database backend would."""
    from django.core.management import call_command

    def run() -> None:
        call_command(
            "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
        )

    return run
