"""Receivables: issued invoices that are not paid yet, overdue ones first."""

from __future__ import annotations

from django.shortcuts import render

from faktura.receivables.selectors import receivables as open_items
from faktura.tenancy.selectors import tenant_today
from faktura.web.utils import page


@page("view_invoices")
def receivables(request):
    """Open invoices with due date and days overdue in the company's time zone, and the open
    totals per currency."""
    return render(
        request,
        "web/receivables/receivables.html",
        open_items(tenant=request.tenant, today=tenant_today(request.tenant)),
    )
