"""The subscriptions benchmark behind ``faktura bench subscriptions`` (issue 13).

A synthetic company with ``subscriptions`` active subscriptions (monthly, quarterly and yearly,
a tenth with a variable quantity, a tenth priced by a price list, a tenth starting mid-month
and so prorated) over 100 customers, each with exactly one period due. Timed:

- ``first_s``: the due run creating one billable item per subscription;
- ``second_s``: the same run again, which must create nothing.

The company is deleted afterwards.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal

from django.db import connection, transaction

from benchmarks.company import company_create, company_delete
from faktura.billing.models import BillableItem
from faktura.catalog.models import PriceList, PriceListItem, Product, Unit
from faktura.catalog.services import units_ensure_defaults
from faktura.common.context import CommandContext
from faktura.contacts.models import Contact
from faktura.subscriptions.inputs import DueRun
from faktura.subscriptions.models import Subscription
from faktura.subscriptions.services.due import due_run
from faktura.tenancy.models import Tenant

SLUG_PREFIX = "bench-subscriptions-"
BATCH = 2000


def _build(count: int, start: dt.date, log: Callable[[str], None]) -> Tenant:
    tenant, _owner = company_create("Benchmark Subscriptions GmbH", SLUG_PREFIX)
    started = time.perf_counter()
    with transaction.atomic():
        units_ensure_defaults(tenant=tenant)
        month = Unit.objects.get(tenant=tenant, code="MON")
        products = [
            Product.objects.create(
                tenant=tenant, name=name, unit=month, default_unit_price=Decimal(price)
            )
            for name, price in (("Hosting", "49.00"), ("Backup", "19.90"), ("Licence", "5.00"))
        ]
        gold = PriceList.objects.create(tenant=tenant, name="Gold", currency="EUR")
        PriceListItem.objects.create(
            tenant=tenant, price_list=gold, product=products[0], unit_price=Decimal("45.00")
        )
        contacts = Contact.objects.bulk_create(
            Contact(tenant=tenant, name=f"Kunde {n}", price_list=gold if n % 10 == 0 else None)
            for n in range(100)
        )
        rows = []
        intervals = ("monthly", "quarterly", "yearly")
        for n in range(count):
            first = start.replace(day=15) if n % 10 == 3 else start
            rows.append(
                Subscription(
                    tenant=tenant, contact=contacts[n % 100], product=products[n % 3],
                    interval=intervals[n % 3] if start.month == 1 else "monthly",
                    start_date=first, quantity=None if n % 10 == 5 else Decimal(1 + n % 7),
                    unit_price=Decimal("39.00") if n % 10 == 7 else None, next_due=first,
                )
            )  # fmt: skip
            if len(rows) >= BATCH:
                Subscription.objects.bulk_create(rows)
                rows = []
        if rows:
            Subscription.objects.bulk_create(rows)
    log(f"{count} subscriptions written in {time.perf_counter() - started:.1f} s")
    return tenant


def cleanup_tenant(tenant: Tenant) -> None:
    tables = (
        "billing_billableitem", "subscriptions_subscriptionprice", "subscriptions_subscription",
        "catalog_pricelistitem", "catalog_pricelist", "catalog_product", "catalog_unit",
        "contacts_contact",
    )  # fmt: skip
    company_delete(tenant, tables)


def bench_subscriptions(subscriptions: int, log: Callable[[str], None] = print) -> dict:
    """Build, measure, clean up. Returns ``subscriptions``, ``items``, ``first_s``,
    ``second_items``, ``second_s``, ``database``."""
    start = dt.date(2026, 1, 1)
    tenant = _build(subscriptions, start, log)
    ctx = CommandContext(tenant=tenant, source="cli")
    until = dt.date(2026, 1, 31)
    try:
        started = time.perf_counter()
        first = due_run(ctx, data=DueRun(until=until))
        first_s = time.perf_counter() - started
        log(f"{first.items} items in {first_s:.2f} s")
        started = time.perf_counter()
        second = due_run(ctx, data=DueRun(until=until))
        second_s = time.perf_counter() - started
        log(f"second run: {second.items} items in {second_s:.2f} s")
        stored = BillableItem.objects.filter(tenant=tenant).count()
    finally:
        cleanup_tenant(tenant)
    return {
        "database": connection.vendor,
        "subscriptions": subscriptions,
        "items": first.items,
        "items_stored": stored,
        "needs_quantity": first.needs_quantity,
        "first_s": round(first_s, 3),
        "second_items": second.items,
        "second_s": round(second_s, 3),
    }
