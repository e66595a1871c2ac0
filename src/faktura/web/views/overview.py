"""Ready to bill: an overview over what the work app records today."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.shortcuts import render

from faktura.web.utils import page
from faktura.work.models import TaskEntry
from faktura.work.selectors import entries_billable_candidates


@page("view_invoices")
def billing(request):
    """Per customer and project: the entries billing may compile now, with their logged hours.

    Display only: the hours are summed in SQL from logged seconds; invoices use the rounding
    rules and Python arithmetic.
    """
    tenant = request.tenant
    rows = (
        entries_billable_candidates(tenant=tenant, require_approval=tenant.require_approval)
        .order_by()
        .values(
            "task__client_id",
            "task__client__name",
            "task__project_id",
            "task__project__name",
            "task__project__number",
        )
        .annotate(
            entries=Count("id"),
            time_entries=Count("id", filter=Q(kind=TaskEntry.Kind.TIME)),
            other_entries=Count("id", filter=~Q(kind=TaskEntry.Kind.TIME)),
            seconds=Sum("duration_seconds", filter=Q(kind=TaskEntry.Kind.TIME)),
        )
        .order_by("task__client__name", "task__project__name")
    )
    customers: list[dict] = []
    for row in rows:
        if not customers or customers[-1]["id"] != row["task__client_id"]:
            customers.append(
                {
                    "id": row["task__client_id"],
                    "name": row["task__client__name"],
                    "projects": [],
                    "entries": 0,
                    "seconds": 0,
                }
            )
        customer = customers[-1]
        customer["projects"].append(row)
        customer["entries"] += row["entries"]
        customer["seconds"] += row["seconds"] or 0
    return render(
        request,
        "web/overview/billing.html",
        {
            "customers": customers,
            "total_entries": sum(c["entries"] for c in customers),
            "total_seconds": sum(c["seconds"] for c in customers),
            "require_approval": tenant.require_approval,
        },
    )
