"""DATEV: the company's export settings and the export of a period (`datev.py` builds it)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from faktura.common.context import CommandContext
from faktura.common.services import audit_record
from faktura.integrations import datev
from faktura.integrations.inputs import DatevSettingsSet
from faktura.integrations.models import DatevDownload, DatevSettings


def datev_settings_get(*, tenant: Any) -> DatevSettings:
    """The company's settings (the defaults, unsaved, until they are set)."""
    found = DatevSettings.objects.filter(tenant=tenant).first()
    return found or DatevSettings(tenant=tenant)


def datev_settings_set(ctx: CommandContext, *, data: DatevSettingsSet) -> DatevSettings:
    ctx.require("manage_settings")
    changes = data.model_dump(exclude_none=True)
    with transaction.atomic():
        row, _created = DatevSettings.objects.select_for_update().get_or_create(tenant=ctx.tenant)
        for name, value in changes.items():
            setattr(row, name, value)
        row.save()
        audit_record(ctx, action="datev_settings_set", obj=row, data=changes)
    return row


def _config(row: DatevSettings, start: dt.date) -> datev.Config:
    month = row.fiscal_year_start_month
    year = start.year if start.month >= month else start.year - 1
    return datev.Config(
        consultant_number=row.consultant_number,
        client_number=row.client_number,
        chart=row.chart,
        account_length=row.account_length,
        fiscal_year_start=dt.date(year, month, 1),
        revenue_accounts=dict(row.revenue_accounts),
        bu_keys=dict(row.bu_keys),
        bank_account=row.bank_account,
        debtor_start=row.debtor_start,
    )


def debtor_account(config: datev.Config, contact: Any) -> str:
    """debtor_start + the customer number (when it is a number), else + the contact's id."""
    number = contact.customer_number.strip()
    offset = int(number) if number.isdigit() and len(number) <= 8 else contact.pk
    return str(config.debtor_start + offset)


def datev_bookings(*, tenant: Any, start: dt.date, end: dt.date, config: datev.Config):
    from faktura.billing.models import Invoice
    from faktura.receivables.models import Payment, PaymentReversal

    bookings: list[datev.Booking] = []
    invoices = (
        Invoice.objects.filter(tenant=tenant, issue_date__gte=start, issue_date__lte=end)
        .exclude(status=Invoice.Status.DRAFT)
        .select_related("contact", "credit_note_of")
        .order_by("issue_date", "kind", "sequence_value", "pk")
    )
    for invoice in invoices:
        if invoice.issue_date is None:  # not issued: excluded above
            continue
        buyer = invoice.buyer or {}
        credited = invoice.credit_note_of
        bookings += datev.invoice_bookings(
            config,
            number=invoice.number or "",
            date=invoice.issue_date,
            debtor=debtor_account(config, invoice.contact),
            customer=buyer.get("name") or invoice.contact.name,
            vat_id=buyer.get("vat_id", "") or invoice.contact.vat_id,
            breakdown=invoice.vat_breakdown,
            credit_of=(credited.number or "") if credited is not None else "",
        )
    payments = (
        Payment.objects.filter(tenant=tenant, date__gte=start, date__lte=end)
        .select_related("invoice", "contact")
        .order_by("date", "pk")
    )
    for payment in payments:
        bookings.append(
            datev.payment_booking(
                config,
                amount=payment.amount,
                date=payment.date,
                debtor=debtor_account(config, payment.contact),
                number=payment.invoice.number or "",
                text=f"Zahlung {payment.contact.name}",
            )
        )
    reversals = (
        PaymentReversal.objects.filter(tenant=tenant, date__gte=start, date__lte=end)
        .select_related("payment__invoice", "payment__contact")
        .order_by("date", "pk")
    )
    for reversal in reversals:
        payment = reversal.payment
        bookings.append(
            datev.payment_booking(
                config,
                amount=-payment.amount,
                date=reversal.date,
                debtor=debtor_account(config, payment.contact),
                number=payment.invoice.number or "",
                text=f"Rücklastschrift {payment.contact.name}",
            )
        )
    return bookings


def datev_export(
    ctx: CommandContext, *, start: dt.date, end: dt.date, now: dt.datetime | None = None
) -> tuple[bytes, dt.datetime | None, int]:
    """The EXTF file of the period, the time of an earlier download of the same period whose
    bookings differ (None when there was none or it was the same), and the bookings' count.
    The download is recorded (with its hash) and audited."""
    ctx.require("view_invoices")
    now = now or timezone.now()
    config = _config(datev_settings_get(tenant=ctx.tenant), start)
    bookings = datev_bookings(tenant=ctx.tenant, start=start, end=end, config=config)
    body_only = datev.render(
        config, bookings, start=start, end=end, created=dt.datetime(2000, 1, 1)
    )
    digest = hashlib.sha256(body_only).hexdigest()
    content = datev.render(config, bookings, start=start, end=end, created=now)
    with transaction.atomic():
        last = (
            DatevDownload.objects.filter(tenant=ctx.tenant, period_start=start, period_end=end)
            .order_by("-created_at", "-pk")
            .first()
        )
        changed = last.created_at if last is not None and last.sha256 != digest else None
        DatevDownload.objects.create(
            tenant=ctx.tenant,
            period_start=start,
            period_end=end,
            sha256=digest,
            bookings=len(bookings),
        )
        audit_record(
            ctx,
            action="datev_export",
            object_type="datevdownload",
            data={"from": start.isoformat(), "to": end.isoformat(), "bookings": len(bookings)},
        )
    return content, changed, len(bookings)
