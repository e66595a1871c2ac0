"""Fixtures of the billing tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from faktura.billing.models import BillableItem
from faktura.billing.states import entry_states_sync
from faktura.catalog.models import PriceList, PriceListItem, Product, ProductAssignment, Unit
from faktura.common.context import CommandContext
from faktura.common.inputs import parse
from faktura.contacts.inputs import ContactCreate
from faktura.contacts.services import contact_create
from faktura.core.invoice_math import line_net
from faktura.core.time_rounding import seconds_to_hours
from faktura.tenancy.models import Membership
from faktura.work import services as work
from faktura.work.inputs import EntryCreate, ProjectCreate, TaskCreate
from faktura.work.models import Project, Task, TaskEntry

UTC = dt.UTC


def at(day: int, hour: int = 9, minute: int = 0, *, month: int = 3) -> dt.datetime:
    """A fixed instant in 2026 (UTC); Berlin is ahead, so the work date is the same day."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class CompileKit:
    """Builds customers, projects, tasks and approved entries for compile tests."""

    owner: Membership

    @property
    def tenant(self):
        return self.owner.tenant

    @property
    def ctx(self) -> CommandContext:
        return CommandContext(
            tenant=self.owner.tenant, membership=self.owner, user=self.owner.user, source="api"
        )

    def ctx_of(self, membership: Membership) -> CommandContext:
        return CommandContext(
            tenant=membership.tenant, membership=membership, user=membership.user, source="api"
        )

    # -- customers and work -------------------------------------------------------------------

    def contact(self, name: str = "Müller Maschinenbau GmbH", **kw: Any):
        return contact_create(self.ctx, data=ContactCreate(name=name, **kw))

    def project(self, contact=None, **kw: Any):
        data: dict[str, Any] = {"name": "Support 2026", "scope": "external"}
        data.update(kw)
        if data["scope"] == "external" and "contact_id" not in data:
            data["contact_id"] = (contact or self.contact()).pk
        return work.project_create(self.ctx, data=parse(ProjectCreate, dict(**data)))

    def task(self, project=None, **kw: Any):
        project = project or self.project()
        return work.task_create(
            self.ctx,
            data=parse(
                TaskCreate, dict(project_id=project.pk, title=kw.pop("title", "Printer"), **kw)
            ),
        )

    def entry(self, task, *, member: Membership | None = None, approve: bool = True, **data):
        """An entry logged by `member` (default: the owner), submitted and approved. Entries
        without a start are dated 2 March 2026 unless a `date` is given (never "today")."""
        member = member or self.owner
        if data.get("kind") != "time":
            data.setdefault("date", dt.date(2026, 3, 2))
        entry = work.entry_create(
            self.ctx_of(member), data=parse(EntryCreate, dict(task_id=task.pk, **data))
        )
        if approve and not entry.is_running:
            work.entry_submit(self.ctx_of(member), entry_id=entry.pk)
            work.entry_approve(self.ctx, entry_id=entry.pk)
        entry.refresh_from_db()
        return entry

    def time(self, task, *, day: int = 2, hour: int = 9, minutes: int = 60, **kw: Any):
        start = at(day, hour)
        return self.entry(
            task, kind="time", started_at=start, stopped_at=start + dt.timedelta(minutes=minutes),
            **kw,
        )  # fmt: skip

    def mileage(self, task, km: str, transport_minutes: int | None = None, **kw: Any):
        return self.entry(
            task, kind="mileage", distance_km=Decimal(km), transport_minutes=transport_minutes,
            **kw,
        )  # fmt: skip

    def expense(self, task, quantity: str = "1", unit_price: str | None = None, **kw: Any):
        price = None if unit_price is None else Decimal(unit_price)
        return self.entry(task, kind="expense", quantity=Decimal(quantity), unit_price=price, **kw)

    def goods(self, task, quantity: str = "1", unit_price: str | None = None, **kw: Any):
        price = None if unit_price is None else Decimal(unit_price)
        return self.entry(task, kind="goods", quantity=Decimal(quantity), unit_price=price, **kw)

    def bulk_time(
        self, task, count: int, *, seconds: int = 1800, day: int = 2, member=None
    ) -> list[int]:
        """`count` approved, stopped time entries written directly (for volume tests)."""
        member = member or self.owner
        rows = []
        for n in range(count):
            start = at(day, 8) + dt.timedelta(minutes=n)
            rows.append(
                TaskEntry(
                    tenant=self.tenant,
                    task=task,
                    membership=member,
                    kind="time",
                    date=start.date(),
                    started_at=start,
                    stopped_at=start + dt.timedelta(seconds=seconds),
                    duration_seconds=seconds,
                    approval_status="approved",
                )
            )
        TaskEntry.objects.bulk_create(rows, batch_size=500)
        return list(TaskEntry.objects.filter(task=task).order_by("pk").values_list("pk", flat=True))

    # -- catalog ------------------------------------------------------------------------------

    def product(self, name: str, price: str | None = None, *, unit: str = "HUR", **kw: Any):
        return Product.objects.create(
            tenant=self.tenant,
            name=name,
            unit=Unit.objects.get(tenant=self.tenant, code=unit),
            default_unit_price=None if price is None else Decimal(price),
            **kw,
        )

    def price_list(self, name: str, prices: dict | None = None, **kw: Any) -> PriceList:
        price_list = PriceList.objects.create(tenant=self.tenant, name=name, **kw)
        for product, price in (prices or {}).items():
            PriceListItem.objects.create(
                tenant=self.tenant, price_list=price_list, product=product,
                unit_price=Decimal(price),
            )  # fmt: skip
        return price_list

    def assign(self, scope: str, product, line_kind: str = "task_entry", target=None, **kw):
        return ProductAssignment.objects.create(
            tenant=self.tenant, scope=scope, line_kind=line_kind, product=product,
            **({scope: target} if target is not None else {}), **kw,
        )  # fmt: skip

    # -- reading results ----------------------------------------------------------------------

    def items(self, entry=None, **filters: Any) -> list[BillableItem]:
        qs = BillableItem.objects.filter(tenant=self.tenant, **filters)
        if entry is not None:
            qs = qs.filter(entry=entry)
        return list(qs.order_by("entry_id", "kind", "id"))

    def item(self, entry, kind: str | None = None) -> BillableItem:
        items = [i for i in self.items(entry) if kind is None or i.kind == kind]
        assert len(items) == 1, items
        return items[0]


@pytest.fixture
def compile_kit(owner) -> CompileKit:
    return CompileKit(owner)


@pytest.fixture
def other_compile_kit(other_owner) -> CompileKit:
    """The kit of a second, unrelated tenant."""
    return CompileKit(other_owner)


@pytest.fixture
def run_queued_tasks(settings):
    """run_queued_tasks() -> runs every queued background task in this process, as a worker
    of the database backend would."""

    def run() -> None:
        call_command(
            "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
        )

    return run


# --- invoices: pending items made directly, as compile leaves them ----------------------------

ITEM_TIME_KINDS = ("task_entry", "transport_time")


class BillingWorld:
    """Builds invoice test data for one tenant: customers, projects, tickets and pending items
    (entry `compiled`), without running compile: `world.item(task, minutes=90)`."""

    def __init__(self, owner: Membership):
        self.owner = owner
        self.tenant = owner.tenant
        self.ctx = CommandContext(tenant=self.tenant, membership=owner, user=owner.user)
        # A complete seller profile, so invoices can be issued.
        self.tenant.iban = "DE89370400440532013000"
        self.tenant.email, self.tenant.phone = "rechnung@acme.test", "+49 30 1234567"
        self.tenant.save(update_fields=["iban", "email", "phone"])
        self._numbers = iter(range(1, 1_000_000))

    def contact(self, name: str = "Müller Maschinenbau GmbH", **kw: Any):
        data: dict[str, Any] = {
            "street": "Industriestraße 5",
            "postal_code": "70173",
            "city": "Stuttgart",
            "country": "DE",
        }
        data.update(kw)
        return contact_create(self.ctx, data=ContactCreate(name=name, **data))

    def project(self, contact=None, *, kind: str = "ongoing", **kw: Any) -> Project:
        contact = contact or self.contact()
        return Project.objects.create(
            tenant=self.tenant,
            name=kw.pop("name", f"Support {contact.name}"),
            contact=contact,
            kind=kind,
            currency=kw.pop("currency", contact.currency),
            **kw,
        )

    def task(self, project: Project | None = None, title: str = "Printer", **kw: Any) -> Task:
        project = project or self.project()
        return Task.objects.create(
            tenant=self.tenant,
            project=project,
            number=next(self._numbers),
            title=title,
            client=kw.pop("client", project.contact),
            **kw,
        )

    def item(
        self,
        task: Task | None = None,
        *,
        kind: str = "task_entry",
        minutes: int | None = 60,
        quantity: Any = None,
        unit_price: Any = "100",
        vat_rate: Any = "19",
        vat_category: str = "S",
        day: dt.date = dt.date(2026, 3, 2),
        contact=None,
        project: Project | None = None,
        unit: str | None = None,
        price_source: str = "project_rate",
        with_entry: bool = True,
        currency: str | None = None,
        product_name: str = "",
        description: str = "",
    ) -> BillableItem:
        """A pending item. Time kinds bill `quantity` hours (default: the logged minutes
        exactly), other kinds `quantity` units (default 1)."""
        if task is not None:
            project = project or task.project
            contact = contact or task.client
        contact = contact or (project.contact if project else self.contact())
        seconds = minutes * 60 if kind in ITEM_TIME_KINDS and minutes is not None else None
        if quantity is None:
            quantity = seconds_to_hours(seconds) if seconds is not None else Decimal("1")
        quantity, unit_price = Decimal(str(quantity)), Decimal(str(unit_price))
        entry = None
        if with_entry and task is not None:
            entry = self._entry(task, kind, day, seconds, quantity)
        item = BillableItem.objects.create(
            tenant=self.tenant,
            kind=kind,
            entry=entry,
            task=task,
            project=project,
            contact=contact,
            membership=self.owner,
            product_name=product_name,
            description=description,
            unit=unit or ("HUR" if kind in ITEM_TIME_KINDS else "C62"),
            logged_seconds=seconds,
            quantity=quantity,
            unit_price=unit_price,
            amount=line_net(quantity, unit_price),
            currency=currency or contact.currency,
            price_source=price_source,
            vat_category=vat_category,
            vat_rate=Decimal(str(vat_rate)),
            service_date=day,
        )
        if entry is not None:
            entry_states_sync(entry_ids=[entry.pk])
        return item

    def entry(self, task: Task, *, minutes: int = 60, day: dt.date = dt.date(2026, 3, 2)):
        """An approved, unbilled time entry, for compile to find."""
        return self._entry(task, "task_entry", day, minutes * 60, None)

    def _entry(self, task, kind: str, day: dt.date, seconds, quantity) -> TaskEntry:
        kinds = {"task_entry": "time", "transport_distance": "mileage"}
        kinds |= {"transport_time": "mileage", "expense": "expense"}
        entry_kind = kinds.get(kind, "goods")
        start = dt.datetime.combine(day, dt.time(8, 0), tzinfo=dt.UTC)
        timed = entry_kind == "time"
        return TaskEntry.objects.create(
            tenant=self.tenant,
            task=task,
            membership=self.owner,
            kind=entry_kind,
            date=day,
            started_at=start if timed else None,
            stopped_at=start + dt.timedelta(seconds=seconds or 0) if timed else None,
            duration_seconds=(seconds or 0) if timed else 0,
            distance_km=quantity if entry_kind == "mileage" else None,
            quantity=quantity if entry_kind in ("goods", "expense") else None,
            approval_status="approved",
        )


@pytest.fixture
def world(owner) -> BillingWorld:
    return BillingWorld(owner)


@pytest.fixture
def other_world(other_owner) -> BillingWorld:
    """The same builder for a second, unrelated tenant."""
    return BillingWorld(other_owner)
