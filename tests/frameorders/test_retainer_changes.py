"""Retainers after the fact: a credit note of a retainer month reverses the month in the retainer
ledger (released time: billed again by the next run, of that month or a later one, once; written
off: stays credited and passes no rollover on), and a changed retainer applies from a month on
while billed months keep their terms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from faktura.billing.inputs import BillingRun, CreditNoteCreate, ItemsCompile
from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.billing.services.compile import billable_items_compile
from faktura.billing.services.credit_notes import credit_note_create
from faktura.billing.services.generation import billing_run
from faktura.common.inputs import parse
from faktura.frameorders.errors import RetainerMonthBilled
from faktura.frameorders.inputs import RetainerCreate, RetainerUpdate
from faktura.frameorders.models import Retainer, RetainerMonth
from faktura.frameorders.retainers import retainer_create, retainer_update

pytestmark = pytest.mark.django_db

APRIL_15 = dt.datetime(2026, 4, 15, 10, tzinfo=dt.UTC)


@pytest.fixture
def april(monkeypatch):
    """The clock stands on 15 April 2026."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: APRIL_15)


def _retainer(world, project, **kw):
    data = {
        "project_id": project.pk,
        "hours_per_month": Decimal("20"),
        "monthly_fee": Decimal("1800.00"),
        "start_date": dt.date(2026, 1, 1),
        **kw,
    }
    return retainer_create(world.ctx, data=RetainerCreate(**data))


def _work(world, project, month: int, hours: list[int]) -> None:
    for n, h in enumerate(hours):
        task = world.task(project, title=f"Ticket {month}-{n}")
        world.item(task, minutes=h * 60, day=dt.date(2026, month, 10))


def _issued_march(world):
    project = world.project(world.contact(language="en"))
    retainer = _retainer(world, project)
    _work(world, project, 3, [6, 8])
    [draft_id] = billing_run(world.ctx, data=parse(BillingRun, dict(period="2026-03"))).invoice_ids
    invoice = world.issue(Invoice.objects.get(pk=draft_id), dt.date(2026, 4, 1))
    return project, retainer, invoice


def _fee_lines(invoice_id) -> list[tuple[str, Decimal]]:
    return list(
        InvoiceLine.objects.filter(invoice_id=invoice_id, unit="MON")
        .order_by("position")
        .values_list("title", "net_amount")
    )


def test_a_credit_note_that_releases_the_time_reopens_the_month(world):
    # given: March of a retainer issued, 14 h on the fee line
    _project, _retainer_row, invoice = _issued_march(world)

    # when: the invoice is credited and its entries released for billing again
    note = credit_note_create(
        world.ctx,
        invoice_id=invoice.pk,
        data=parse(CreditNoteCreate, dict(release_entries=True, issue_date=dt.date(2026, 4, 2))),
    )

    # then: the month is reversed and open again; the month's next run bills fee and time anew
    month = RetainerMonth.objects.get()
    assert (month.credit_note_id, month.invoice_id, month.state) == (note.pk, None, "reopened")
    billable_items_compile(world.ctx, data=parse(ItemsCompile, dict(until=dt.date(2026, 3, 31))))
    [again] = billing_run(world.ctx, data=parse(BillingRun, dict(period="2026-03"))).invoice_ids
    assert again != invoice.pk
    assert _fee_lines(again) == [("Retainer 2026-03: 20 h included", Decimal("1800.00"))]
    assert BillableItem.objects.filter(invoice_line__invoice_id=again).count() == 2
    month.refresh_from_db()
    assert (month.invoice_id, month.used_hours, month.state) == (again, Decimal("14"), "rebilled")
    # and a further run bills nothing twice
    assert billing_run(world.ctx, data=parse(BillingRun, dict(period="2026-03"))).invoice_ids == []


def test_a_credit_note_that_writes_the_time_off_leaves_the_month_credited(world):
    _project, _retainer_row, invoice = _issued_march(world)

    note = credit_note_create(
        world.ctx,
        invoice_id=invoice.pk,
        data=parse(CreditNoteCreate, dict(release_entries=False, issue_date=dt.date(2026, 4, 2))),
    )

    month = RetainerMonth.objects.get()
    assert (month.credit_note_id, month.invoice_id, month.state) == (
        note.pk,
        invoice.pk,
        "credited",
    )
    assert billing_run(world.ctx, data=parse(BillingRun, dict(period="2026-03"))).invoice_ids == []


def test_crediting_only_the_overage_leaves_the_month_billed(world):
    project = world.project(world.contact(language="en"))
    _retainer(world, project, overage_rate=Decimal("120"))
    _work(world, project, 3, [25])
    [draft_id] = billing_run(world.ctx, data=parse(BillingRun, dict(period="2026-03"))).invoice_ids
    invoice = world.issue(Invoice.objects.get(pk=draft_id), dt.date(2026, 4, 1))
    overage = InvoiceLine.objects.get(invoice=invoice, price_source="retainer_overage")

    credit_note_create(
        world.ctx,
        invoice_id=invoice.pk,
        data=parse(CreditNoteCreate, dict(line_ids=[overage.pk], issue_date=dt.date(2026, 4, 2))),
    )

    month = RetainerMonth.objects.get()
    assert (month.credit_note_id, month.invoice_id, month.state) == (None, invoice.pk, "billed")


@pytest.mark.usefixtures("april")
def test_a_change_applies_to_coming_months_and_billed_months_keep_their_terms(world):
    # given: March billed with 20 h for 1800
    project, retainer, _invoice = _issued_march(world)

    # when: the fee goes up (by default from the first month not billed yet: April)
    current = retainer_update(
        world.ctx,
        retainer_id=retainer.pk,
        data=RetainerUpdate(monthly_fee=Decimal("2000.00"), hours_per_month=Decimal("22")),
    )

    # then: a new version from April; the old one ends with March
    retainer.refresh_from_db()
    assert retainer.end_date == dt.date(2026, 3, 31)
    assert (current.start_date, current.monthly_fee, current.hours_per_month) == (
        dt.date(2026, 4, 1), Decimal("2000.00"), Decimal("22"),
    )  # fmt: skip
    _work(world, project, 4, [5])
    [april] = billing_run(world.ctx, data=parse(BillingRun, dict(period="2026-04"))).invoice_ids
    assert _fee_lines(april) == [("Retainer 2026-04: 22 h included", Decimal("2000.00"))]
    assert RetainerMonth.objects.get(month=dt.date(2026, 3, 1)).retainer_id == retainer.pk
    assert RetainerMonth.objects.get(month=dt.date(2026, 4, 1)).retainer_id == current.pk

    # and a change into a billed month is refused, naming the field
    with pytest.raises(RetainerMonthBilled) as refused:
        retainer_update(
            world.ctx,
            retainer_id=current.pk,
            data=RetainerUpdate(effective_from=dt.date(2026, 4, 1), monthly_fee=Decimal("1")),
        )
    assert "effective_from" in refused.value.fields


@pytest.mark.usefixtures("april")
def test_rollover_continues_into_the_new_version(world):
    project = world.project(world.contact(language="en"))
    retainer = _retainer(world, project, rollover="next_month")
    _work(world, project, 3, [15])
    billing_run(world.ctx, data=parse(BillingRun, dict(period="2026-03")))
    current = retainer_update(
        world.ctx, retainer_id=retainer.pk, data=RetainerUpdate(monthly_fee=Decimal("1900.00"))
    )
    _work(world, project, 4, [22])
    billing_run(world.ctx, data=parse(BillingRun, dict(period="2026-04")))
    april = RetainerMonth.objects.get(retainer=current)
    assert (april.rolled_in_hours, april.overage_hours) == (Decimal("5"), Decimal("0"))


@pytest.mark.usefixtures("april")
def test_retainer_update_over_http(world, api, other_world):
    _project, retainer, _invoice = _issued_march(world)
    url = f"retainers/{retainer.pk}"

    ended = api.patch(url, {"end_date": "2026-09-30"})
    assert ended.status_code == 200, ended.content
    assert ended.json()["id"] == retainer.pk and ended.json()["end_date"] == "2026-09-30"

    past = api.patch(url, {"effective_from": "2026-03-01", "monthly_fee": "1"})
    assert past.status_code == 422
    assert past.json()["error"]["code"] == "retainer_month_billed"
    assert "effective_from" in past.json()["error"]["fields"]
    not_first = api.patch(url, {"effective_from": "2026-05-02", "monthly_fee": "1"})
    assert not_first.status_code == 400 and "effective_from" in not_first.json()["error"]["fields"]
    early_end = api.patch(url, {"end_date": "2026-03-15"})
    assert early_end.status_code == 400 and "end_date" in early_end.json()["error"]["fields"]

    changed = api.patch(url, {"effective_from": "2026-06-01", "monthly_fee": "2100"})
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["id"] != retainer.pk
    assert (body["start_date"], body["end_date"], body["monthly_fee"]) == (
        "2026-06-01", "2026-09-30", "2100.00",
    )  # fmt: skip
    assert Retainer.objects.get(pk=retainer.pk).end_date == dt.date(2026, 5, 31)
    assert api.get(f"retainers/{retainer.pk}").json()["months"][0]["state"] == "billed"

    from faktura.frameorders.retainers import retainer_create as create

    foreign = create(
        other_world.ctx,
        data=RetainerCreate(project_id=other_world.project().pk, hours_per_month=Decimal("5"),
                            monthly_fee=Decimal("500"), start_date=dt.date(2026, 1, 1)),
    )  # fmt: skip
    assert api.patch(f"retainers/{foreign.pk}", {"monthly_fee": "1"}).status_code == 404


# --- issue 14: a reopened month is billed by the next run, whichever month it runs ---------


def _credit(world, invoice, *, release: bool):
    return credit_note_create(
        world.ctx,
        invoice_id=invoice.pk,
        data=parse(CreditNoteCreate, dict(release_entries=release, issue_date=dt.date(2026, 4, 2))),
    )


def _run(world, period: str) -> list[int]:
    return billing_run(world.ctx, data=parse(BillingRun, dict(period=period))).invoice_ids


def _march_fee_drafts() -> list[int]:
    return list(
        InvoiceLine.objects.filter(
            invoice__status="draft", title__startswith="Retainer 2026-03", unit="MON"
        ).values_list("invoice_id", flat=True)
    )


def test_a_reopened_month_is_billed_once_on_the_next_months_run(world):
    # given: March issued, then credited with its time released: the month is reopened
    project, _retainer_row, invoice = _issued_march(world)
    _credit(world, invoice, release=True)
    billable_items_compile(world.ctx, data=parse(ItemsCompile, dict(until=dt.date(2026, 4, 30))))
    _work(world, project, 4, [5])

    # when: April is run (nobody runs March again)
    touched = _run(world, "2026-04")

    # then: March has its own draft again, the fee and its 14 h anew; April its own draft
    [march_draft] = _march_fee_drafts()
    assert march_draft in touched and march_draft != invoice.pk
    march = Invoice.objects.get(pk=march_draft)
    assert (march.service_period_start, march.service_period_end) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
    )
    assert _fee_lines(march_draft) == [("Retainer 2026-03: 20 h included", Decimal("1800.00"))]
    march_items = BillableItem.objects.filter(invoice_line__invoice_id=march_draft)
    assert sorted(i.service_date.month for i in march_items) == [3, 3]
    [april_draft] = [pk for pk in touched if pk != march_draft]
    assert _fee_lines(april_draft) == [("Retainer 2026-04: 20 h included", Decimal("1800.00"))]
    month = RetainerMonth.objects.get(month=dt.date(2026, 3, 1))
    assert (month.invoice_id, month.used_hours, month.state) == (
        march_draft,
        Decimal("14"),
        "rebilled",
    )
    assert not BillableItem.objects.filter(status="pending").exists()

    # and neither a rerun of April nor the run of May bills March a second time
    _run(world, "2026-04")
    _run(world, "2026-05")
    assert _march_fee_drafts() == [march_draft]
    assert len(_fee_lines(march_draft)) == 1
    assert BillableItem.objects.filter(invoice_line__invoice_id=march_draft).count() == 2


def test_a_reopened_month_whose_new_draft_is_issued_is_not_billed_again(world):
    _project, _retainer_row, invoice = _issued_march(world)
    _credit(world, invoice, release=True)
    billable_items_compile(world.ctx, data=parse(ItemsCompile, dict(until=dt.date(2026, 4, 30))))
    [march_draft] = [pk for pk in _run(world, "2026-05") if pk in _march_fee_drafts()]
    world.issue(Invoice.objects.get(pk=march_draft), dt.date(2026, 5, 31))

    _run(world, "2026-05")
    _run(world, "2026-06")

    assert _march_fee_drafts() == []
    assert RetainerMonth.objects.get(month=dt.date(2026, 3, 1)).state == "rebilled"


def test_a_month_credited_for_good_passes_no_rollover_and_built_months_stay(world):
    # given: a rollover retainer; March (14 of 20 h used) issued, April built on a draft with
    # March's 6 unused hours rolled in
    project = world.project(world.contact(language="en"))
    _retainer(world, project, rollover="next_month", rollover_cap_hours=Decimal("10"))
    _work(world, project, 3, [14])
    [draft_id] = _run(world, "2026-03")
    invoice = world.issue(Invoice.objects.get(pk=draft_id), dt.date(2026, 4, 1))
    _work(world, project, 4, [4])
    _run(world, "2026-04")
    april = RetainerMonth.objects.get(month=dt.date(2026, 4, 1))
    assert (april.rolled_in_hours, april.carried_hours) == (Decimal("6"), Decimal("10"))

    # when: March is credited for good (its time written off)
    _credit(world, invoice, release=False)
    _run(world, "2026-04")
    _run(world, "2026-05")

    # then: March stays credited and is not billed again; April, built already, keeps its
    # rollover; and a month built after a month credited for good gets nothing from it
    assert RetainerMonth.objects.get(month=dt.date(2026, 3, 1)).state == "credited"
    assert _march_fee_drafts() == []
    april.refresh_from_db()
    assert (april.rolled_in_hours, april.carried_hours) == (Decimal("6"), Decimal("10"))
    may = RetainerMonth.objects.get(month=dt.date(2026, 5, 1))
    assert may.rolled_in_hours == Decimal("10")  # from April, which stands


def test_a_month_after_one_credited_for_good_gets_no_rollover(world):
    project = world.project(world.contact(language="en"))
    _retainer(world, project, rollover="next_month")
    _work(world, project, 3, [14])
    [draft_id] = _run(world, "2026-03")
    invoice = world.issue(Invoice.objects.get(pk=draft_id), dt.date(2026, 4, 1))
    _credit(world, invoice, release=False)

    _run(world, "2026-04")

    april = RetainerMonth.objects.get(month=dt.date(2026, 4, 1))
    assert (april.rolled_in_hours, april.carried_hours) == (Decimal("0"), Decimal("20"))


def test_a_rebuilt_month_passes_its_new_rollover_to_the_month_built_in_the_same_run(world):
    # given: a rollover retainer; March (14 of 20 h) issued, credited with its time released,
    # and 4 more hours of March logged late
    project = world.project(world.contact(language="en"))
    _retainer(world, project, rollover="next_month")
    _work(world, project, 3, [14])
    [draft_id] = _run(world, "2026-03")
    invoice = world.issue(Invoice.objects.get(pk=draft_id), dt.date(2026, 4, 1))
    _credit(world, invoice, release=True)
    billable_items_compile(world.ctx, data=parse(ItemsCompile, dict(until=dt.date(2026, 4, 30))))
    _work(world, project, 3, [4])

    # when: April is run
    _run(world, "2026-04")

    # then: March is rebuilt with 18 h (2 h roll over) before April is built with them
    march = RetainerMonth.objects.get(month=dt.date(2026, 3, 1))
    april = RetainerMonth.objects.get(month=dt.date(2026, 4, 1))
    assert (march.used_hours, march.carried_hours, march.state) == (
        Decimal("18"),
        Decimal("2"),
        "rebilled",
    )
    assert april.rolled_in_hours == Decimal("2")
