"""A company's month-end: compile the month's work, bill the subscription periods and project
products due by its last day, and put the month's items on drafts (the billing run).

Each step is idempotent, so a rerun bills nothing twice. `month_end_scheduled` is what
`faktura scheduler` calls: once the company's `month_end_day` has come it closes the previous
month, once per company and month (a `MonthEndRun` row with a unique key: a second scheduler
finds it taken and does nothing).
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from faktura.billing.inputs import BillingRun, ItemsCompile
from faktura.billing.services.compile import CompileResult, billable_items_compile
from faktura.billing.services.generation import BillingRunResult, billing_run, period_bounds
from faktura.common.context import CommandContext
from faktura.common.services import audit_record
from faktura.subscriptions.inputs import DueRun
from faktura.subscriptions.models import MonthEndRun
from faktura.subscriptions.services.due import DueRunResult, due_run
from faktura.tenancy.selectors import tenant_today

log = logging.getLogger(__name__)


@dataclass
class MonthEndResult:
    period: str
    compiled: CompileResult
    due: DueRunResult
    run: BillingRunResult

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "compile": self.compiled.as_dict(),
            "due": self.due.as_dict(),
            "billing_run": self.run.as_dict(),
        }


def month_close(
    ctx: CommandContext, *, period: Any, progress: Callable[[int, int], None] | None = None
) -> MonthEndResult:
    """Close the month `period` (YYYY-MM): compile work up to its last day, the due run up to
    its last day, then the billing run of the month."""
    ctx.require("manage_invoices")
    _, end = period_bounds(period)
    compiled = billable_items_compile(ctx, progress=progress, data=ItemsCompile(until=end))
    due = due_run(ctx, data=DueRun(until=end))
    run = billing_run(ctx, data=BillingRun(period=period))
    return MonthEndResult(period=period, compiled=compiled, due=due, run=run)


def previous_month(day: dt.date) -> str:
    first = day.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def month_end_day_reached(day: dt.date, month_end_day: int) -> bool:
    """Whether the company's month-end day of this month has come (a day past the month's
    end means its last day)."""
    last = calendar.monthrange(day.year, day.month)[1]
    return day.day >= min(month_end_day, last)


def month_end_scheduled(ctx: CommandContext, *, today: dt.date | None = None) -> MonthEndRun | None:
    """The scheduler's month-end: once the company's `month_end_day` has come, close the
    previous month, once per company and month. None when nothing was due or another
    scheduler took the month."""
    tenant = ctx.tenant
    if not tenant.month_end_day or not ctx.can("manage_invoices"):
        return None
    today = today or tenant_today(tenant)
    if not month_end_day_reached(today, tenant.month_end_day):
        return None
    period = previous_month(today)
    try:
        with transaction.atomic():
            run = MonthEndRun.objects.create(tenant=tenant, period=period)
            audit_record(ctx, action="month_end_start", obj=run, data={"period": period})
    except IntegrityError:
        return None
    try:
        result = month_close(ctx, period=period)
    except Exception:
        # Every step is idempotent: free the month so the next pass tries again.
        MonthEndRun.objects.filter(pk=run.pk).delete()
        raise
    run.result = result.as_dict()
    MonthEndRun.objects.filter(pk=run.pk).update(result=run.result)
    return run
