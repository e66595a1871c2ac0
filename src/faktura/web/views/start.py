"""The start page: what a person wants to see first, in a handful of queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from django.shortcuts import render

from faktura.billing.selectors.issued import draft_totals
from faktura.billing.selectors.items import pending_item_totals
from faktura.receivables.selectors import receivables
from faktura.tenancy.selectors import tenant_today
from faktura.web.utils import can
from faktura.work.models import TaskEntry
from faktura.work.selectors import entry_list


def overview_page(request):
    tenant, membership = request.tenant, request.membership
    today = tenant_today(tenant)
    week_start = today - dt.timedelta(days=today.weekday())
    week_seconds = (
        entry_list(
            tenant=tenant,
            viewer=membership,
            membership_id=membership.pk,
            kind=TaskEntry.Kind.TIME,
            date_from=week_start,
            date_to=week_start + dt.timedelta(days=6),
        ).aggregate(total=Sum("duration_seconds"))["total"]
        or 0
    )
    context = {"today": today, "week_start": week_start, "week_seconds": week_seconds}
    if can(request, "view_invoices"):
        open_items = receivables(tenant=tenant, today=today, state="overdue")
        context.update(
            {
                "money": True,
                "drafts": draft_totals(tenant=tenant),
                "unbilled": pending_item_totals(tenant=tenant),
                "overdue": [row for row in open_items["totals"] if row["overdue"]],
                "overdue_count": len(open_items["overdue"]),
            }
        )
    return render(request, "web/overview/start.html", context)
