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


def debtor_account(config: datev.Config, customer_number: str, contact_id: int) -> str:
    """debtor_start + the customer number (when it is a number), else + the contact's id."""
    number = customer_number.strip()
    offset = int(number) if number.isdigit() and len(number) <= 8 else contact_id
    return str(config.debtor_start + offset)


def datev_bookings(*, tenant: Any, start: dt.date, end: dt.date, config: datev.Config):
    """The period's bookings. Rows are read as plain values (the export of a month of 10,000
    invoices would otherwise spend most of its time building model instances)."""
    from faktura.billing.models import Invoice
    from faktura.receivables.models import Payment, PaymentReversal

    bookings: list[datev.Booking] = []
    invoices = (
        Invoice.objects.filter(tenant=tenant, issue_date__gte=start, issue_date__lte=end)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("issue_date", "kind", "sequence_value", "pk")
        .values_list(
            "number", "issue_date", "buyer", "vat_breakdown", "contact_id",
            "contact__customer_number", "contact__name", "contact__vat_id",
            "credit_note_of__number",
        )
    )  # fmt: skip
    for row in invoices.iterator(chunk_size=2000):
        number, issued, buyer, breakdown, contact_id, customer_number, name, vat_id, credited = row
        if issued is None:  # not issued: excluded by the period filter
            continue
        buyer = buyer or {}
        bookings += datev.invoice_bookings(
            config,
            number=number or "",
            date=issued,
            debtor=debtor_account(config, customer_number, contact_id),
            customer=buyer.get("name") or name,
            vat_id=buyer.get("vat_id", "") or vat_id,
            breakdown=breakdown,
            credit_of=credited or "",
        )
    payment_columns = ("contact_id", "contact__customer_number", "contact__name", "invoice__number")
    payments = (
        Payment.objects.filter(tenant=tenant, date__gte=start, date__lte=end)
        .order_by("date", "pk")
        .values_list("amount", "date", *payment_columns)
    )
    for amount, date, contact_id, customer_number, name, number in payments.iterator(2000):
        bookings.append(
            datev.payment_booking(
                config,
                amount=amount,
                date=date,
                debtor=debtor_account(config, customer_number, contact_id),
                number=number or "",
                text=f"Zahlung {name}",
            )
        )
    reversals = (
        PaymentReversal.objects.filter(tenant=tenant, date__gte=start, date__lte=end)
        .order_by("date", "pk")
        .values_list("payment__amount", "date", *(f"payment__{c}" for c in payment_columns))
    )
    for amount, date, contact_id, customer_number, name, number in reversals.iterator(2000):
        bookings.append(
            datev.payment_booking(
                config,
                amount=-amount,
                date=date,
                debtor=debtor_account(config, customer_number, contact_id),
                number=number or "",
                text=f"Rücklastschrift {name}",
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
