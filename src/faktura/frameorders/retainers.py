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

A month reopened by a credit note (`retainer_month_credit`) is billed again by the next
billing run, of whatever month: the run opens the month's own draft again
(`retainer_months_reopened`, through `billing.hooks.run_earlier_months`) and builds its lines
as above. A month credited for good passes no rollover hours on; months built already keep
theirs.

Time of a retainer's project is never caught up on a later month's draft (`retainer_projects`,
through `billing.hooks.run_catch_up_excluded`): it counts in its own month only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.billing.selectors.issued import credit_open
from faktura.billing.services.drafts import next_position, tax_group, totals_store
from faktura.catalog.models import LineKind
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound
from faktura.common.services import audit_record
from faktura.contacts.models import Contact
from faktura.core import retainers as rules
from faktura.core.invoice_math import line_net
from faktura.core.money import amount_places
from faktura.frameorders.errors import (
    FrameOrderInvalid,
    FrameOrderReferenceNotFound,
    FrameOrderValueRequired,
    RetainerMonthBilled,
)
from faktura.frameorders.inputs import RetainerCreate, RetainerUpdate
from faktura.frameorders.models import Retainer, RetainerMonth
from faktura.tenancy.selectors import tenant_today
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
        raise FrameOrderReferenceNotFound.field("project_id", "No such project.")
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


def retainer_months_reopened(
    ctx: CommandContext, period_start: dt.date, period_end: dt.date
) -> list[tuple[Contact, str, Project, dt.date, dt.date]]:
    """(customer, currency, project, month's first and last day) of each retainer month before
    the run's month that a credit note reopened (its fee credited in full, its time released)
    and no draft or invoice bills yet: the billing run opens that month's draft again, and
    `retainer_month_apply` bills the fee and the month's time anew. Once built the month has
    its draft (`invoice`), so a rerun or a run that waited for this one finds nothing."""
    rows = (
        RetainerMonth.objects.filter(
            tenant=ctx.tenant,
            credit_note__isnull=False,
            invoice__isnull=True,
            month__lt=period_start,
            retainer__project__kind=Project.Kind.ONGOING,
            retainer__project__contact__isnull=False,
        )
        .select_related("retainer__project__contact")
        .order_by("month", "retainer__project_id", "pk")
    )
    reopened: list[tuple[Contact, str, Project, dt.date, dt.date]] = []
    for row in rows:
        project = row.retainer.project
        if project.contact is not None:
            last = _next_month(row.month) - dt.timedelta(days=1)
            reopened.append((project.contact, project.currency, project, row.month, last))
    return reopened


def retainer_projects(tenant, period_start: dt.date, period_end: dt.date) -> list[int]:
    """The projects with a retainer begun by the run's month end, whose time of earlier months
    the billing run does not catch up (`billing.hooks.run_catch_up_excluded`): the month draft
    counts every time line on it against its own month's included hours, so earlier time would
    be counted in the wrong month. Such time is billed by running its own month again, where a
    built month keeps it as plain time lines."""
    return list(
        Retainer.objects.filter(tenant=tenant, start_date__lte=period_end)
        .order_by("project_id")
        .values_list("project_id", flat=True)
        .distinct()
    )


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
    # By project, not retainer: a retainer changed from this month on is a new version of it,
    # and the hours the previous version's month carried still roll into this one.
    previous = (
        RetainerMonth.objects.filter(
            retainer__project_id=retainer.project_id, month=_previous_month(period_start)
        )
        .select_related("credit_note")
        .first()
    )
    # A month credited for good was not charged, so it passes no hours on; a reopened one
    # passes on what it carried when built (a month built already is never rebuilt).
    rolled_in = (
        previous.carried_hours
        if previous is not None and previous.state != "credited"
        else Decimal(0)
    )
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


# --- changing a retainer ----------------------------------------------------------------------

TERMS = ("hours_per_month", "monthly_fee", "overage_rate", "rollover", "rollover_cap_hours")


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def retainer_update(ctx: CommandContext, *, retainer_id: int, data: RetainerUpdate) -> Retainer:
    """Change a retainer's terms (hours, fee, overage rate, rollover, cap) from a month on, or
    its end date. Months that have a ledger row (billed on a draft or an invoice, credited, or
    waiting to be billed again) keep the terms they were billed with, and so do months before
    the current one: the change applies from `effective_from` (by default the first month
    without a row, at the earliest the current month). When the retainer has begun by then, it
    ends the day before and a new version with the new terms starts on `effective_from` (its
    rollover continues from the last month); before its start it is changed in place. Returns
    the retainer in effect from `effective_from`. A month with a row at or after
    `effective_from` answers 422 `retainer_month_billed` naming `effective_from`."""
    ctx.require("manage_invoices")
    given = data.model_fields_set
    terms = {name: getattr(data, name) for name in TERMS if name in given}
    for name in ("hours_per_month", "monthly_fee", "rollover"):
        if name in terms and terms[name] is None:
            raise FrameOrderValueRequired.field(name, "Must not be empty.")
    with transaction.atomic():
        retainer = (
            Retainer.objects.select_for_update().filter(tenant=ctx.tenant, pk=retainer_id).first()
        )
        if retainer is None:
            raise NotFound("Retainer not found.")
        last = (
            RetainerMonth.objects.filter(retainer=retainer)
            .order_by("-month")
            .values_list("month", flat=True)
            .first()
        )
        start_month = retainer.start_date.replace(day=1)
        first_free = _next_month(last) if last is not None else start_month
        this_month = tenant_today(ctx.tenant).replace(day=1)
        effective = data.effective_from or max(first_free, this_month)
        if last is not None and effective <= last:
            raise RetainerMonthBilled(
                f"{last:%Y-%m} is billed with this retainer's terms; a change applies from "
                f"{first_free:%Y-%m} on.",
                fields={"effective_from": f"Must be {first_free.isoformat()} or later."},
            )
        if effective < this_month and effective > retainer.start_date:
            raise FrameOrderInvalid(
                "A retainer change applies from the current month on; past months keep their "
                "terms.",
                fields={"effective_from": f"Must be {this_month.isoformat()} or later."},
            )
        end = data.end_date if "end_date" in given else retainer.end_date
        in_place = not terms or effective <= retainer.start_date
        new_start = retainer.start_date if in_place else effective
        if retainer.end_date is not None and terms and effective > retainer.end_date:
            raise FrameOrderInvalid(
                "The retainer ends before the change would apply.",
                fields={"effective_from": "Must be on or before the retainer's end date."},
            )
        if end is not None and (
            end < new_start or (last is not None and end < _next_month(last) - dt.timedelta(days=1))
        ):
            raise FrameOrderInvalid(
                "end_date: must not be before the start or a billed month's end.",
                fields={"end_date": "Must not be before the start or a billed month's end."},
            )
        if in_place:
            for name, value in terms.items():
                setattr(retainer, name, value)
            retainer.end_date = end
            retainer.save()
            current = retainer
        else:
            retainer.end_date = effective - dt.timedelta(days=1)
            retainer.save(update_fields=["end_date", "updated_at"])
            values = {name: getattr(retainer, name) for name in TERMS} | terms
            current = Retainer.objects.create(
                tenant=ctx.tenant,
                project_id=retainer.project_id,
                start_date=effective,
                end_date=end,
                **values,
            )
        audit_record(
            ctx,
            action="retainer_update",
            obj=current,
            data={
                "retainer_id": retainer.pk,
                "effective_from": effective.isoformat(),
                "fields": sorted(given - {"effective_from"}),
                "new_version": current.pk != retainer.pk,
            },
        )
    return current


# --- credit notes -----------------------------------------------------------------------------


def retainer_month_credit(ctx: CommandContext, note: Invoice) -> None:
    """Inside the transaction that issues a credit note (`billing.hooks.credit_note_issued`): each
    retainer month whose fee line it credits is reversed in the retainer ledger. When the credit
    note released the month's time for billing again, the month is open again (its invoice link
    cleared): the next billing run, of that month or a later one, bills the fee and the released
    time anew on the month's own draft (`retainer_months_reopened`). When it wrote the time off (or
    the month had no time), the month stays credited: a run does not bill it again. Crediting only
    the overage line leaves the month billed (the fee stands), and so does crediting a part of the
    fee line (a price reduction, issue 15): the month is reversed by the credit note that credits
    the fee line in full."""
    if note.credit_note_of_id is None:
        return
    fee_lines = list(
        InvoiceLine.objects.filter(invoice=note, price_source=FEE_SOURCE)
        .exclude(credited_line_id=None)
        .values_list("credited_line_id", "period_start")
    )
    if not fee_lines:
        return
    original = Invoice.objects.get(pk=note.credit_note_of_id)
    still_open = credit_open(
        original, list(InvoiceLine.objects.filter(pk__in=[pk for pk, _m in fee_lines]))
    )
    for credited_line_id, month_start in fee_lines:
        if month_start is None:  # a retainer line always has its month; a hand-made one not
            continue
        if credited_line_id in still_open:  # a part of the fee credited: the month stands
            continue
        row = (
            RetainerMonth.objects.select_for_update()
            .filter(tenant_id=note.tenant_id, invoice_id=note.credit_note_of_id, month=month_start)
            .first()
        )
        if row is None:
            continue
        released = BillableItem.objects.filter(
            invoice_line_id=credited_line_id, status=BillableItem.Status.RELEASED
        ).exists()
        row.credit_note = note
        if released:
            row.invoice = None
        row.save(update_fields=["credit_note", "invoice", "updated_at"])
        audit_record(
            ctx,
            action="retainer_month_credit",
            obj=row.retainer,
            data={
                "month": f"{row.month:%Y-%m}",
                "credit_note_id": note.pk,
                "invoice_id": note.credit_note_of_id,
                "reopened": released,
            },
        )
