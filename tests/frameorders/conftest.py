"""Fixtures of the frame-order tests: the billing tests' `BillingWorld` (loaded by path: both
folders have a module called conftest) with frame orders and issued invoices."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from faktura.billing.inputs import InvoiceIssue, InvoicesGenerate, InvoiceUpdate
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.invoices import invoice_update
from faktura.billing.services.issue import invoice_issue
from faktura.frameorders.inputs import FrameOrderCreate
from faktura.frameorders.services import frame_order_create


def _billing_world_class():
    path = Path(__file__).resolve().parents[1] / "billing" / "conftest.py"
    name = "billing_tests_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[name].BillingWorld


DAY = dt.date(2026, 3, 31)


class FrameWorld(_billing_world_class()):
    def frame_order(self, contact, **kw: Any):
        data: dict[str, Any] = {
            "contact_id": contact.pk,
            "po_number": "PO-4711",
            "hours": Decimal("100"),
            "valid_from": dt.date(2026, 1, 1),
            "valid_to": dt.date(2026, 12, 31),
        }
        data.update(kw)
        return frame_order_create(self.ctx, data=FrameOrderCreate(**data))

    def draft(self, project, *, hours: int = 10, frame_order=None, price: str = "100"):
        """A draft of one time line of `hours` on a new ticket of `project`."""
        task = self.task(project, title=f"Work {next(self._numbers)}")
        item = self.item(task, minutes=hours * 60, unit_price=price)
        [draft] = invoices_generate(
            self.ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
        )
        if frame_order is not None:
            invoice_update(
                self.ctx, invoice_id=draft.pk, data=InvoiceUpdate(frame_order_id=frame_order.pk)
            )
        return draft

    def issue(self, draft, day: dt.date = DAY):
        return invoice_issue(self.ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=day))


@pytest.fixture
def world(owner) -> FrameWorld:
    return FrameWorld(owner)


@pytest.fixture
def other_world(other_owner) -> FrameWorld:
    return FrameWorld(other_owner)
