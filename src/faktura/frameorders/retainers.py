"""Retainers: create one on a project, and turn a month's draft of that project into the
retainer's lines (through `billing.hooks.run_draft_filled`, called by the billing run).

The month's time lines become one line "Retainer YYYY-MM: N h included" at the monthly fee
(quantity 1 month) that carries all of the month's time items, plus an overage line for the
hours beyond the included and rolled-over ones, at the retainer's overage rate or else the time
items' own price. The month's usage is a `RetainerMonth` row (`core.retainers`); the next
month reads what it carried over.

A month without logged time still bills the fee (and its hours roll over or expire): the run
opens the project's month draft for it (`retainer_months_due`, through
`billing.hooks.run_fixed_drafts`). Once the draft has its retainer lines, a later run of the
month leaves them as they are (a reviewer may have corrected them): work logged later joins
the draft as its own time lines, and the reviewer decides how to bill it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.billing.services.drafts import next_position, tax_group, totals_store
from faktura.catalog.models import LineKind
from faktura.common.context import CommandContext
from faktura.common.errors import ValidationFailed
from faktura.common.services import audit_record
from faktura.contacts.models import Contact
from faktura.core import retainers as rules
from faktura.core.invoice_math import line_net
from faktura.core.money import amount_places
from faktura.frameorders.errors import FrameOrderInvalid
from faktura.frameorders.inputs import RetainerCreate
from faktura.frameorders.models import Retainer, RetainerMonth
from faktura.work.models import Project

FEE_SOURCE = "retainer"
OVERAGE_SOURCE = "retainer_overage"
ONE = Decimal("1")
STANDARD_RATE = Decimal("19")


def retainer_create(ctx: CommandContext, *, data: RetainerCreate) -> Retainer:
    """A retainer on one of the company's ongoing customer projects."""
    ctx.require("manage_invoices")
    project = Project.objects.filter(tenant=ctx.tenant, pk=data.project_id).first()
    if project is None:
        raise ValidationFailed.field("project_id", "No such project.", code="not_found")
    if project.kind != Project.Kind.ONGOING or project.contact_id is None:
        raise FrameOrderInvalid(
            "A retainer belongs to an ongoing customer project.",
            fields={"project_id": "Must be an ongoing customer project."},
        )
    if data.end_date is not None and data.end_date < data.start_date:
        raise FrameOrderInvalid(
            "end_date: must not be before start_date.",
            fields={"end_date": "Must not be before start_date."},
        )
    with transaction.atomic():
        retainer = Retainer.objects.create(
            tenant=ctx.tenant, **data.model_dump(exclude={"project_id"}), project=project
        )
        audit_record(ctx, action="retainer_create", obj=retainer, data={"project_id": project.pk})
    return retainer


def _retainer_of(project_id: int, start: dt.date, end: dt.date) -> Retainer | None:
    return (
        Retainer.objects.filter(project_id=project_id, start_date__lte=end)
        .exclude(end_date__lt=start)
        .order_by("-start_date", "-id")
        .first()
    )


def retainer_months_due(
    ctx: CommandContext, period_start: dt.date, period_end: dt.date
) -> list[tuple[Contact, str, Project]]:
    """(customer, currency, project) of each retainer running in the month whose month has no
    draft or invoice yet: the billing run opens the month draft for its fee."""
    retainers = (
        Retainer.objects.filter(
            tenant=ctx.tenant,
            start_date__lte=period_end,
            project__kind=Project.Kind.ONGOING,
            project__contact__isnull=False,
        )
        .exclude(end_date__lt=period_start)
        .exclude(months__month=period_start, months__invoice__isnull=False)
        .select_related("project__contact")
        .order_by("project_id", "-start_date", "-id")
    )
    due: dict[int, tuple[Contact, str, Project]] = {}
    for retainer in retainers:
        project = retainer.project
        if project.contact is not None:
            due.setdefault(project.pk, (project.contact, project.currency, project))
    return list(due.values())


def _vat(invoice: Invoice, items: list[BillableItem]) -> tuple[str, Decimal, str]:
    """The fee's VAT: the month's time items', else the project's last time item's, else the
    standard rate; the customer's tax treatment decides in the end (`tax_group`)."""
    sample = items[0] if items else None
    if sample is None and invoice.project_id is not None:
        sample = (
            BillableItem.objects.filter(project_id=invoice.project_id, kind=LineKind.TASK_ENTRY)
            .order_by("-pk")
            .first()
        )
    if sample is not None:
        return tax_group(invoice.contact, sample.vat_category, sample.vat_rate, "")
    return tax_group(invoice.contact, "S", STANDARD_RATE, "")


def _previous_month(start: dt.date) -> dt.date:
    return (start - dt.timedelta(days=1)).replace(day=1)


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def retainer_month_apply(
    ctx: CommandContext, invoice: Invoice, *, period_start: dt.date, period_end: dt.date
) -> RetainerMonth | None:
    """Inside the billing run's transaction, for the month's draft of an ongoing project: when
    the project has a retainer that month, rebuild the draft's retainer lines and the month's
    usage row. Lines the reviewer marked "do not bill" stay as they are; a draft that has its
    retainer lines already keeps them (and the reviewer's corrections of them), and once the
    month's lines are on an issued invoice, later work of the month stays plain time lines."""
    if invoice.project_id is None:
        return None
    retainer = _retainer_of(invoice.project_id, period_start, period_end)
    if retainer is None:
        return None
    built = RetainerMonth.objects.filter(retainer=retainer, month=period_start).first()
    if built is not None and built.invoice_id is not None:
        # This draft (or an invoice issued before) has the month's retainer lines: the fee is
        # billed once a month, and a corrected price makes the lines "manual".
        return built
    lines = list(InvoiceLine.objects.filter(invoice=invoice).order_by("position", "id"))
    own = [line for line in lines if line.price_source in (FEE_SOURCE, OVERAGE_SOURCE)]
    time_lines = [
        line
        for line in lines
        if line.kind == LineKind.TASK_ENTRY and not line.do_not_bill and line not in own
    ]
    carrier_ids = [line.pk for line in time_lines + own]
    items = list(
        BillableItem.objects.filter(invoice_line_id__in=carrier_ids, kind=LineKind.TASK_ENTRY)
        .select_related("contact")
        .order_by("pk")
    )
    used = sum((item.quantity for item in items), Decimal(0))
    previous = RetainerMonth.objects.filter(
        retainer=retainer, month=_previous_month(period_start)
    ).first()
    rolled_in = previous.carried_hours if previous is not None else Decimal(0)
    month = rules.retainer_month(
        used=used,
        included=retainer.hours_per_month,
        rolled_in=rolled_in,
        rollover=retainer.rollover,
        cap=retainer.rollover_cap_hours,
    )
    category, rate, reason = _vat(invoice, items)
    places = amount_places(invoice.currency)
    with override(invoice.language or invoice.contact.language or "de"):
        fee_title = _("Retainer %(month)s: %(hours)s h included") % {
            "month": f"{period_start:%Y-%m}",
            "hours": _hours(retainer.hours_per_month),
        }
        description = _(
            "Used %(used)s h: %(rolled)s h rolled over, %(included)s h included, %(overage)s h "
            "overage; %(carried)s h roll over to next month."
        ) % {
            "used": _hours(month.used),
            "rolled": _hours(month.from_rolled),
            "included": _hours(month.from_included),
            "overage": _hours(month.overage),
            "carried": _hours(month.carried),
        }
        overage_title = _("Retainer %(month)s: overage") % {"month": f"{period_start:%Y-%m}"}
    position = next_position(invoice)
    common = {
        "tenant_id": invoice.tenant_id, "invoice": invoice, "vat_category": category,
        "vat_rate": rate, "exemption_reason": reason, "period_start": period_start,
        "period_end": period_end,
    }  # fmt: skip
    fee = InvoiceLine.objects.create(
        **common,
        position=position,
        kind=LineKind.SUBSCRIPTION,
        title=fee_title,
        description=description,
        unit="MON",
        quantity=ONE,
        unit_price=retainer.monthly_fee,
        net_amount=line_net(ONE, retainer.monthly_fee, places),
        price_source=FEE_SOURCE,
    )
    BillableItem.objects.filter(pk__in=[item.pk for item in items]).update(invoice_line=fee)
    if month.overage > 0:
        price = retainer.overage_rate if retainer.overage_rate is not None else items[0].unit_price
        InvoiceLine.objects.create(
            **common,
            position=position + 1,
            kind=LineKind.TASK_ENTRY,
            title=overage_title,
            unit="HUR",
            quantity=month.overage,
            unit_price=price,
            net_amount=line_net(month.overage, price, places),
            price_source=OVERAGE_SOURCE,
        )
    InvoiceLine.objects.filter(pk__in=carrier_ids).delete()
    totals_store(invoice)
    row, _created = RetainerMonth.objects.update_or_create(
        retainer=retainer,
        month=period_start,
        defaults={
            "tenant_id": invoice.tenant_id,
            "invoice": invoice,
            "used_hours": month.used,
            "included_hours": month.included,
            "rolled_in_hours": month.rolled_in,
            "overage_hours": month.overage,
            "carried_hours": month.carried,
            "expired_hours": month.expired,
        },
    )
    audit_record(
        ctx,
        action="retainer_month_apply",
        obj=retainer,
        data={"month": f"{period_start:%Y-%m}", "invoice_id": invoice.pk, "used": str(used)},
    )
    return row
