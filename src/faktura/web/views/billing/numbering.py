"""Settings → Numbering: the invoice and credit-note series, a starting counter for companies
that continue another tool's series, and the gap report."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from faktura.billing.models import Invoice
from faktura.billing.selectors.invoices import number_sequence_list, numbering_report
from faktura.billing.services.numbering import numbering_set_next
from faktura.core.numbering import period_key, render_number
from faktura.web.forms.billing import NumberingForm
from faktura.web.utils import can, page, require, submit, ui_context

KIND_LABELS = dict(Invoice.Kind.choices)


def _preview(fmt: str, period: str, value: int) -> str:
    """The number the counter hands out next, rendered with the current format (the period's
    first month; "all" in the current year)."""
    today = timezone.localdate()
    year, month = today.year, today.month
    if period != "all":
        year = int(period[:4])
        month = int(period[5:7]) if len(period) == 7 else (month if year == today.year else 1)
    try:
        return render_number(fmt, year=year, month=month, seq=value)
    except ValueError:
        return ""


@page("view_invoices")
def numbering(request):
    tenant = request.tenant
    manage = can(request, "manage_invoices")
    form = NumberingForm(request.POST or None) if manage else None
    if request.method == "POST":
        require(request, "manage_invoices")
        if form.is_valid():
            sequence = submit(
                form, lambda: numbering_set_next(ui_context(request), **form.service_data())
            )
            if sequence is not None:
                messages.success(
                    request,
                    _("%(series)s, period %(period)s: the next number gets the counter %(value)s.")
                    % {
                        "series": KIND_LABELS[sequence.kind],
                        "period": sequence.period,
                        "value": sequence.last_value + 1,
                    },
                )
                return redirect("web:numbering")
    formats = {
        Invoice.Kind.INVOICE: tenant.invoice_number_format,
        Invoice.Kind.CREDIT_NOTE: tenant.credit_note_number_format,
    }
    today = timezone.localdate()
    current = period_key(today.year, today.month, tenant.number_reset)
    if form is not None:
        form.fields["period"].widget.attrs["placeholder"] = current
    sequences = list(number_sequence_list(tenant=tenant))
    have = {(sequence.kind, sequence.period) for sequence in sequences}
    # A series not used in the current period yet starts there at 1 (or its starting counter).
    sequences += [
        SimpleNamespace(kind=kind, period=current, first_value=1, last_value=0, unused=True)
        for kind in Invoice.Kind.values
        if (kind, current) not in have
    ]
    for sequence in sequences:
        sequence.kind_label = KIND_LABELS.get(sequence.kind, sequence.kind)
        sequence.next_value = sequence.last_value + 1
        sequence.next_number = _preview(
            formats[sequence.kind], sequence.period, sequence.next_value
        )
    report = numbering_report(tenant=tenant)
    for row in report:
        row["kind_label"] = KIND_LABELS.get(row["kind"], row["kind"])
    return render(
        request,
        "web/billing/numbering.html",
        {
            "form": form,
            "sequences": sequences,
            "report": report,
            "formats": [(KIND_LABELS[kind], fmt) for kind, fmt in formats.items()],
            "number_reset": tenant.number_reset,
            "current_period": current,
        },
    )
