"""The progress fragment of a billing operation (compile, draft generation, billing run): it
polls while a worker runs the operation, then shows the summary and tells the page to reload."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse

from faktura.billing.services.compile import COMPILE_OPERATION
from faktura.common.models import Operation
from faktura.common.selectors import operation_get
from faktura.common.services import operations_expire
from faktura.web.utils import page

# The page that shows what an operation made and the event that reloads its list: compile
# fills the billable items; generation and the billing run fill the review.
_ITEMS = ("web:billing_items", "itemsChanged")
_REVIEW = ("web:billing_review", "invoiceChanged")


def _result_page(operation: Operation) -> tuple[str, str]:
    return _ITEMS if operation.kind == COMPILE_OPERATION else _REVIEW


def operation_context(operation: Operation | None, current_path: str) -> dict:
    """What the fragment needs: the operation and the page to link to when it is done (none
    when the user is on that page already)."""
    if operation is None:
        return {"operation": None}
    url = reverse(_result_page(operation)[0])
    return {"operation": operation, "done_url": "" if current_path.startswith(url) else url}


@page("view_invoices")
def operation_status(request, operation_id):
    """The fragment for one operation. While it runs, the fragment polls itself; when it
    ends, the answer carries `HX-Trigger` with the event that reloads the page's list."""
    operations_expire(tenant=request.tenant, operation_id=operation_id)
    operation = operation_get(
        tenant=request.tenant, operation_id=operation_id, viewer=request.membership
    )
    current = (request.htmx.current_url_abs_path or "") if request.htmx else ""
    response = render(request, "web/billing/_operation.html", operation_context(operation, current))
    if operation.status in (Operation.Status.SUCCEEDED, Operation.Status.FAILED):
        response["HX-Trigger"] = _result_page(operation)[1]
    return response
