"""What the billing screen tests share: the billing tests' world, the issue day, htmx requests
and line lookups."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

from django.urls import reverse

from faktura.billing.selectors.invoices import invoice_detail


def _billing_tests_conftest():
    """The billing tests' conftest (tests/billing/conftest.py), loaded by path: both test
    folders have a module called conftest."""
    path = Path(__file__).resolve().parents[2] / "billing" / "conftest.py"
    spec = importlib.util.spec_from_file_location("billing_tests_conftest", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


billing_tests = _billing_tests_conftest()
BillingWorld = billing_tests.BillingWorld
ISSUE_DAY = dt.date(2026, 4, 1)


def htmx(client, url: str, data: dict | None = None, method: str = "post"):
    """A request as htmx sends it from the overlay."""
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "draft"}
    return getattr(client, method)(url, data or {}, **headers)


def line_of(world, invoice_id: int, index: int = 0):
    return invoice_detail(tenant=world.tenant, invoice_id=invoice_id).detail_lines[index]


def edit_url(invoice_id: int, line_id: int) -> str:
    return reverse("web:draft_line_edit", args=[invoice_id, line_id])


BILLING_PAGES = [
    "web:billing",
    "web:billing_items",
    "web:billing_review",
    "web:invoice_list",
    "web:receivables",
    "web:numbering",
]
