"""The due run: one billable item per subscription and period, caught up, prorated, priced,
idempotent; variable quantities wait for a person (issue 13)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from faktura.billing.models import BillableItem
from faktura.catalog.models import PriceList, PriceListItem
from faktura.subscriptions.inputs import DueRun, PriceChange, SubscriptionUpdate
from faktura.subscriptions.models import Subscription
from faktura.subscriptions.services import due_run, subscription_update

D = Decimal


def items_of(sub):
    return list(
        BillableItem.objects.filter(source_key__startswith=f"subscription:{sub.pk}:").order_by(
            "service_period_start"
        )
    )


def test_monthly_catch_up_creates_one_item_per_period(world):
    sub = world.subscription()

    result = due_run(world.ctx, data=DueRun(until=dt.date(2026, 3, 15)))

    assert result.items == 3
    items = items_of(sub)
    assert [(i.service_period_start, i.service_period_end) for i in items] == [
        (dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
        (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        (dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
    ]
    assert {(i.kind, i.status, i.quantity, i.unit_price, i.amount, i.unit) for i in items} == {
        ("subscription", "pending", D("1.0000"), D("49.000000"), D("49.00"), "MON")
    }
    assert items[0].price_source == "product_default"
    assert items[0].service_date == dt.date(2026, 1, 1)  # in advance
    sub.refresh_from_db()
    assert sub.billed_through == dt.date(2026, 4, 1)
    assert sub.next_due == dt.date(2026, 4, 1)


def test_a_second_run_creates_nothing(world):
    sub = world.subscription()
    due_run(world.ctx, data=DueRun(until=dt.date(2026, 3, 15)))

    again = due_run(world.ctx, data=DueRun(until=dt.date(2026, 3, 15)))

    assert (again.items, again.subscriptions) == (0, 0)
    assert len(items_of(sub)) == 3


def test_a_run_that_lost_its_bookkeeping_still_bills_no_period_twice(world):
    # given items made, but the subscription's billed_through lost (a crash between the two)
    sub = world.subscription()
    due_run(world.ctx, data=DueRun(until=dt.date(2026, 2, 1)))
    Subscription.objects.filter(pk=sub.pk).update(billed_through=None, next_due=sub.start_date)

    result = due_run(world.ctx, data=DueRun(until=dt.date(2026, 3, 1)))

    assert result.items == 1  # only March is new
    assert len(items_of(sub)) == 3
    assert len({i.source_key for i in items_of(sub)}) == 3


def test_start_on_the_20th_is_prorated(world):
    sub = world.subscription(start_date=dt.date(2026, 11, 20), unit_price=D("30"))

    due_run(world.ctx, data=DueRun(until=dt.date(2026, 11, 30)))

    [item] = items_of(sub)
    assert (item.service_period_start, item.service_period_end) == (
        dt.date(2026, 11, 20),
        dt.date(2026, 11, 30),
    )
    assert item.quantity == D("0.3667")  # 11 of 30 days
    assert item.amount == D("11.00")  # 0.3667 x 30.00
    assert item.price_source == "subscription"


def test_yearly_bills_once_a_year(world):
    sub = world.subscription(interval="yearly", product=world.product("Domain", "120.00"))

    due_run(world.ctx, data=DueRun(until=dt.date(2026, 12, 31)))
    due_run(world.ctx, data=DueRun(until=dt.date(2027, 6, 30)))

    assert [i.service_period_start for i in items_of(sub)] == [
        dt.date(2026, 1, 1),
        dt.date(2027, 1, 1),
    ]


def test_arrears_is_due_at_the_end_and_ended_subscriptions_stop(world):
    sub = world.subscription(billing="arrears", end_date=dt.date(2026, 2, 14))

    due_run(world.ctx, data=DueRun(until=dt.date(2026, 1, 30)))
    assert items_of(sub) == []
    due_run(world.ctx, data=DueRun(until=dt.date(2026, 12, 31)))

    items = items_of(sub)
    assert [(i.service_date, i.quantity) for i in items] == [
        (dt.date(2026, 1, 31), D("1.0000")),
        (dt.date(2026, 2, 14), D("0.5000")),  # 14 of 28 days
    ]
    sub.refresh_from_db()
    assert sub.next_due is None


def test_price_changes_and_price_lists(world):
    contact = world.contact()
    price_list = PriceList.objects.create(tenant=world.tenant, name="Gold", currency="EUR")
    product = world.product("Backup", "10.00")
    PriceListItem.objects.create(
        tenant=world.tenant, price_list=price_list, product=product, unit_price=D("8.00")
    )
    contact.price_list = price_list
    contact.save()
    sub = world.subscription(
        contact=contact,
        product=product,
        prices=[PriceChange(effective_from=dt.date(2026, 3, 1), unit_price=D("9.50"))],
    )

    due_run(world.ctx, data=DueRun(until=dt.date(2026, 3, 1)))

    assert [(i.unit_price, i.price_source) for i in items_of(sub)] == [
        (D("8.000000"), "price_list"),
        (D("8.000000"), "price_list"),
        (D("9.500000"), "price_change"),
    ]


def test_variable_quantity_waits_flagged(world):
    sub = world.subscription(quantity=None, product=world.product("Licence", "5.00", "C62"))

    result = due_run(world.ctx, data=DueRun(until=dt.date(2026, 1, 31)))

    [item] = items_of(sub)
    assert result.needs_quantity == 1
    assert (item.needs_quantity, item.quantity, item.amount) == (True, D("0"), D("0.00"))


def test_paused_subscriptions_skip_their_pause(world, monkeypatch):
    sub = world.subscription()
    due_run(world.ctx, data=DueRun(until=dt.date(2026, 1, 31)))
    subscription_update(world.ctx, subscription_id=sub.pk, data=SubscriptionUpdate(status="paused"))
    due_run(world.ctx, data=DueRun(until=dt.date(2026, 4, 30)))
    assert len(items_of(sub)) == 1

    monkeypatch.setattr(
        "faktura.subscriptions.services.subscriptions.tenant_today",
        lambda tenant: dt.date(2026, 5, 10),
    )
    subscription_update(world.ctx, subscription_id=sub.pk, data=SubscriptionUpdate(status="active"))
    due_run(world.ctx, data=DueRun(until=dt.date(2026, 5, 31)))

    assert [i.service_period_start for i in items_of(sub)] == [
        dt.date(2026, 1, 1),
        dt.date(2026, 5, 1),
    ]


def test_other_tenants_subscriptions_are_not_billed(world, other_world):
    theirs = other_world.subscription()
    due_run(world.ctx, data=DueRun(until=dt.date(2026, 3, 1)))
    assert items_of(theirs) == []


@pytest.mark.parametrize("field", ["start_date", "interval"])
def test_billed_subscription_keeps_its_schedule(world, field):
    from faktura.subscriptions.errors import SubscriptionBilled

    sub = world.subscription()
    due_run(world.ctx, data=DueRun(until=dt.date(2026, 2, 1)))
    value = {"start_date": dt.date(2025, 6, 1), "interval": "yearly"}[field]
    with pytest.raises(SubscriptionBilled):
        subscription_update(
            world.ctx, subscription_id=sub.pk, data=SubscriptionUpdate(**{field: value})
        )
