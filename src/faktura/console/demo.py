"""A believable IT-service company for demos and trying Faktura out.

Deterministic (a fixed random seed) relative to the day it is built: three months of work
ending yesterday. Customers, projects and products go through the services so they are
validated like user input; the thousands of tickets and entries are bulk-inserted.

The billing history is made only through the billing services, as a person would make it:
the work of the two oldest months is compiled and put on drafts by the billing run; the
oldest month's drafts are issued at the end of that month (all but two, left for review), one
invoice gets a partial credit note, and the documents of every issued invoice are rendered
and stored. The last month's work stays unbilled for trying compile and the run oneself.
"""

from __future__ import annotations

import calendar
import random
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from faktura.billing.inputs import (
    BillingRun,
    CreditNoteCreate,
    InvoiceIssue,
    InvoiceUpdate,
    ItemsCompile,
)
from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.billing.services.compile import billable_items_compile
from faktura.billing.services.credit_notes import credit_note_create
from faktura.billing.services.documents import invoice_documents_render
from faktura.billing.services.generation import billing_run
from faktura.billing.services.invoices import invoice_update
from faktura.billing.services.issue import invoice_issue
from faktura.billing.services.sending import invoice_send
from faktura.catalog.models import (
    AssignmentScope,
    LineKind,
    PriceList,
    PriceListItem,
    Product,
    ProductAssignment,
    Unit,
)
from faktura.catalog.services import units_ensure_defaults
from faktura.common.context import CommandContext
from faktura.contacts.inputs import ContactCreate
from faktura.contacts.models import Contact, TaxTreatment
from faktura.contacts.services import contact_create
from faktura.core.money import quantize_amount
from faktura.documents.models import DocumentFormat, StoredDocument
from faktura.frameorders.inputs import FrameOrderCreate, RetainerCreate
from faktura.frameorders.retainers import retainer_create
from faktura.frameorders.selectors import open_frame_orders
from faktura.frameorders.services import frame_order_create
from faktura.offers.inputs import (
    OfferAccept,
    OfferCreate,
    OfferLineIn,
    OfferSend,
    PartialInvoiceCreate,
)
from faktura.offers.services import (
    offer_accept,
    offer_create,
    offer_send,
    project_partial_invoice,
)
from faktura.receivables.dunning_selectors import dunning_levels, dunning_proposals
from faktura.receivables.inputs import DunningRunStart, PaymentRecord
from faktura.receivables.models import Payment
from faktura.receivables.selectors import invoice_balance, open_items
from faktura.receivables.services import dunning_run, payment_record
from faktura.subscriptions.inputs import ProjectProductCreate, SubscriptionCreate
from faktura.subscriptions.models import Subscription
from faktura.subscriptions.services import project_product_create, subscription_create
from faktura.tenancy.inputs import (
    MembershipProvision,
    TeamCreate,
    TenantCreate,
    TenantUpdate,
    TokenCreate,
)
from faktura.tenancy.models import Membership, MembershipTerms, Tenant
from faktura.tenancy.selectors import tenant_today
from faktura.tenancy.services import (
    membership_provision,
    team_create,
    tenant_create,
    tenant_update,
    token_create,
)
from faktura.work.models import Project, ProjectMember, Task, TaskEntry

DEMO_SLUG = "demo"
DEMO_EMAIL = "demo@faktura.test"
DEMO_PASSWORD = "faktura-demo-2026"

SELLER = {
    "street": "Speicherstadt 12",
    "postal_code": "20457",
    "city": "Hamburg",
    "country": "DE",
    "vat_id": "DE136695976",
    "tax_number": "47/123/04567",
    "peppol_id": "9930:DE136695976",  # Peppol participant: the VAT ID (EAS 9930)
    "iban": "DE89370400440532013000",
    "bic": "COBADEFFXXX",
    "bank_name": "Commerzbank",
    "email": "rechnung@nordlicht-it.test",
    "phone": "+49 40 555 0100",
    "website": "https://nordlicht-it.test",
    "managing_directors": "Jana Petersen",
    "register_court": "Amtsgericht Hamburg",
    "register_number": "HRB 123456",
    "invoice_footer": "Vielen Dank für Ihren Auftrag.",
    "invoice_footer_en": "Thank you for your business.",
}

PEOPLE = [
    ("jana.petersen", "Jana Petersen", "admin", "Management", "135"),
    ("lars.hansen", "Lars Hansen", "approver", "Service desk", "95"),
    ("mia.becker", "Mia Becker", "member", "Service desk", "85"),
    ("tim.schulz", "Tim Schulz", "member", "Service desk", "85"),
    ("sara.yilmaz", "Sara Yılmaz", "member", "Engineering", "110"),
    ("paul.wagner", "Paul Wagner", "member", "Engineering", "120"),
    ("eva.richter", "Eva Richter", "billing", "Management", None),
]

# Internal cost per hour of the owner and the people above, in order.
COST_RATES = ["78", "72", "52", "46", "44", "58", "62", "48"]

# name, city, postal code, street, extra fields
CUSTOMERS = [
    ("Hafenlogistik Nord GmbH", "Hamburg", "20095", "Kaiserkai 3", {}),
    ("Bäckerei Kröger KG", "Lübeck", "23552", "Breite Str. 18", {}),
    ("Elbe Steuerberatung Partnerschaft", "Hamburg", "22767", "Große Elbstr. 145", {}),
    ("Möbelhaus Sander GmbH & Co. KG", "Kiel", "24103", "Holstenstr. 40", {}),
    ("Praxis Dr. Lorenz", "Norderstedt", "22846", "Ulzburger Str. 7", {}),
    ("Werft & Technik AG", "Bremerhaven", "27568", "Am Seedeich 22",
     {"peppol_id": "0088:4000001000005", "einvoice_format": "peppol"}),
    ("Architekturbüro Falk", "Hamburg", "20354", "Neuer Wall 61", {"payment_terms_days": 30}),
    ("Donau Software GmbH", "Wien", "1010", "Graben 19",
     {"country": "AT", "vat_id": "ATU13585627", "tax_treatment": "reverse_charge",
      "language": "en"}),
    ("Freie und Hansestadt Musterstadt – Bezirksamt", "Musterstadt", "21000", "Rathausmarkt 1",
     {"leitweg_id": "04011000-1234512345-06", "payment_terms_days": 30}),
    ("Kita Sonnenschein e.V.", "Hamburg", "22081", "Wandsbeker Chaussee 8", {}),
]  # fmt: skip

TICKET_TITLES = {
    "support": [
        "Outlook synchronises no calendar", "Printer on 2nd floor offline", "VPN drops hourly",
        "New employee laptop setup", "Password reset for shared mailbox", "Teams audio echo",
        "Scanner to e-mail fails", "Slow file server", "Backup report shows warnings",
        "Phone system: forward after hours", "Wi-Fi in meeting room unstable",
    ],
    "incident": [
        "Server does not boot after update", "Ransomware alert on workstation",
        "Mail server rejects external mail", "Firewall lost configuration",
    ],
    "maintenance": [
        "Monthly patch day", "Firewall firmware update", "Renew SSL certificates",
        "Check backup restore", "Replace UPS batteries",
    ],
    "development": [
        "Shop: new payment provider", "Export of orders to ERP", "Customer portal login via SSO",
        "Report: monthly revenue per branch", "Migrate database to PostgreSQL",
    ],
    "consulting": ["IT security workshop", "Cloud migration assessment", "Licence review"],
    "installation": ["Install new switch rack", "Set up 5 workstations", "Mount access points"],
}  # fmt: skip

INTERNAL = [
    # name, value group, kind, ticket titles
    ("Product development: monitoring service", "B", "single",
     ["Alerting rules", "Dashboard prototype", "Agent packaging"]),
    ("Quality management", "B", "ongoing", ["Review ticket templates", "Update runbooks"]),
    ("Administration & accounting", "C", "ongoing",
     ["Month-end close", "Supplier invoices", "Team meeting"]),
    ("Sales & offers", "C", "ongoing", ["Offers for new customers", "Trade fair preparation"]),
    ("Technical issues", "D", "ongoing",
     ["Own VPN outage", "Laptop crashed", "Waiting for supplier", "Lost time: wrong site"]),
]  # fmt: skip


@dataclass
class DemoResult:
    tenant: Tenant
    created: bool
    token: str
    counts: dict[str, int]
    statement: Path | None = None  # a bank statement to import, made from the open invoices


def build_demo(*, today: date | None = None, seed: int = 20261) -> DemoResult:
    """Create the demo tenant once; later calls only issue a fresh API token (and render a
    document an earlier run could not store)."""
    existing = Tenant.objects.filter(slug=DEMO_SLUG).first()
    created = existing is None
    if created:
        day = today or timezone.localdate()
        with transaction.atomic():
            tenant = _build(day, random.Random(seed))
            _prepaid(tenant, day)
            _bill(tenant, day)
            _offers(tenant, day)
    else:
        tenant = existing
    # Documents are files: stored after the commit, so a failed build leaves none behind.
    _render_documents(tenant)
    if created:
        _send_some(tenant)
        _collect_some(tenant)
        _remind_some(tenant)
    owner = Membership.objects.get(tenant=tenant, user__username=DEMO_EMAIL)
    ctx = CommandContext(tenant=tenant, membership=owner, user=owner.user, source="cli")
    _, raw = token_create(ctx, data=TokenCreate(name="demo"))
    invoices = Invoice.objects.filter(tenant=tenant)
    issued = invoices.exclude(status=Invoice.Status.DRAFT)
    counts = {
        "contacts": Contact.objects.filter(tenant=tenant).count(),
        "projects": Project.objects.filter(tenant=tenant).count(),
        "tasks": Task.objects.filter(tenant=tenant).count(),
        "entries": TaskEntry.objects.filter(tenant=tenant).count(),
        "products": Product.objects.filter(tenant=tenant).count(),
        "subscriptions": Subscription.objects.filter(tenant=tenant).count(),
        "issued invoices": issued.filter(kind=Invoice.Kind.INVOICE).count(),
        "sent": issued.filter(status=Invoice.Status.SENT).count(),
        "paid": issued.filter(status=Invoice.Status.PAID).count(),
        "payments": Payment.objects.filter(tenant=tenant).count(),
        "credit notes": issued.filter(kind=Invoice.Kind.CREDIT_NOTE).count(),
        "open drafts": invoices.filter(status=Invoice.Status.DRAFT).count(),
        "pending items": BillableItem.objects.filter(
            tenant=tenant, status=BillableItem.Status.PENDING
        ).count(),
        "unbilled entries": TaskEntry.objects.filter(
            tenant=tenant, billing_state=TaskEntry.BillingState.UNBILLED
        ).count(),
    }
    statement = settings.DATA_DIR / "demo-bank-statement.xml"
    statement.write_bytes(demo_statement(tenant))
    return DemoResult(tenant=tenant, created=created, token=raw, counts=counts, statement=statement)


def _build(today: date, rng: random.Random) -> Tenant:
    tenant, owner = tenant_create(
        data=TenantCreate(
            name="Nordlicht IT-Service GmbH",
            slug=DEMO_SLUG,
            owner_email=DEMO_EMAIL,
            owner_password=DEMO_PASSWORD,
            owner_name="Demo Owner",
        )
    )
    ctx = CommandContext(tenant=tenant, membership=owner, user=owner.user, source="cli")
    tenant = tenant_update(ctx, data=TenantUpdate(**SELLER))
    ctx = CommandContext(tenant=tenant, membership=owner, user=owner.user, source="cli")
    units = {u.code: u for u in units_ensure_defaults(tenant=tenant)}

    teams = {
        name: team_create(ctx, data=TeamCreate(name=name))
        for name in ("Management", "Service desk", "Engineering")
    }
    members = [owner]
    system = CommandContext(tenant=tenant, source="cli")  # the operator sets demo passwords
    for login, name, role, team, rate in PEOPLE:
        members.append(
            membership_provision(system, data=MembershipProvision(
                email=f"{login}@nordlicht-it.test", name=name, role=role,
                team_id=teams[team].pk, default_billing_rate=rate, password=DEMO_PASSWORD,
            ))
        )  # fmt: skip
    # The owner logs time too, so the demo login's "My time" is not empty.
    workers = [m for m in members if m.role in ("owner", "member", "approver", "admin")]
    # Internal cost per hour and weekly target (the value-group cost and utilization reports).
    MembershipTerms.objects.bulk_create(
        MembershipTerms(
            tenant=tenant, membership=m, valid_from=today - timedelta(days=400),
            cost_rate=Decimal(COST_RATES[i % len(COST_RATES)]),
            weekly_hours=Decimal("30" if i == 3 else "40"),
        )
        for i, m in enumerate(members)
    )  # fmt: skip

    products = _catalog(tenant, units)
    price_lists = _price_lists(tenant, products)
    contacts = [
        contact_create(ctx, data=ContactCreate(
            name=name, city=city, postal_code=plz, street=street,
            email=f"rechnung@{_domain(name)}.test",
            price_list_id=price_lists["partner"].pk if i in (2, 6) else None,
            **extra,
        ))
        for i, (name, city, plz, street, extra) in enumerate(CUSTOMERS)
    ]  # fmt: skip
    _assignments(tenant, products, price_lists, contacts, members, teams)

    projects = _projects(tenant, contacts, today)
    for project in projects:
        if project.scope == "external":
            for m in rng.sample(workers, 2):
                ProjectMember.objects.create(
                    tenant=tenant, project=project, membership=m,
                    hourly_rate=(m.default_billing_rate or Decimal("95")) + Decimal("10"),
                )  # fmt: skip
    tasks = _tasks(tenant, projects, workers, units, rng, today)
    _entries(tenant, tasks, workers, rng, today, teams)
    _subscriptions(ctx, products, projects, today)
    return tenant


def _subscriptions(ctx, products, projects, today: date) -> None:
    """Recurring and one-time products: licences per user (a variable quantity), monitoring
    monthly and quarterly, a setup fee with the next run and a workshop when the single
    project is ready to bill. They start this month, so the next month-end bills them."""
    first = today.replace(day=1)
    support = {p.contact_id: p for p in projects if p.kind == "ongoing" and p.contact_id}
    by_name = {p.name: p for p in projects}
    plans = [
        (0, "m365", {"quantity": None, "description": "Microsoft 365, per user"}),
        (0, "monitoring", {}),
        (1, "monitoring", {"interval": "quarterly", "billing": "arrears"}),
        (2, "m365", {"quantity": Decimal("12")}),
    ]
    contacts = list(support)
    for index, key, extra in plans:
        project = support[contacts[index]]
        subscription_create(
            ctx,
            data=SubscriptionCreate(
                contact_id=project.contact_id, product_id=products[key].pk,
                project_id=project.pk, start_date=first, **extra,
            ),
        )  # fmt: skip
    project_product_create(
        ctx, project_id=support[contacts[1]].pk,
        data=ProjectProductCreate(product_id=products["ssd"].pk, quantity=Decimal("2")),
    )  # fmt: skip
    project_product_create(
        ctx, project_id=by_name["New web shop"].pk,
        data=ProjectProductCreate(
            product_id=products["consulting"].pk, quantity=Decimal("2"),
            description="Kick-off workshop", due="on_ready_to_bill",
        ),
    )  # fmt: skip


def _catalog(tenant: Tenant, units: dict[str, Unit]) -> dict[str, Product]:
    # A German company names its products in German (the documents print them as they are).
    spec = [
        ("support", "IT-Support (Stunde)", "service", "HUR", "95.00", "S", "19"),
        ("engineering", "Systemtechnik (Stunde)", "service", "HUR", "120.00", "S", "19"),
        ("development", "Softwareentwicklung (Stunde)", "service", "HUR", "110.00", "S", "19"),
        ("consulting", "IT-Beratung (Tag)", "service", "DAY", "1100.00", "S", "19"),
        ("onsite", "Vor-Ort-Service (Stunde)", "service", "HUR", "105.00", "S", "19"),
        ("km", "Fahrtkosten (km)", "transport", "KMT", "0.60", "S", "19"),
        ("traveltime", "Reisezeit (Stunde)", "transport", "HUR", "65.00", "S", "19"),
        ("ssd", "SSD 1 TB", "goods", "C62", "89.90", "S", "19"),
        ("cable", "Netzwerkkabel Cat6, 5 m", "goods", "C62", "7.50", "S", "19"),
        ("book", "Fachbuch", "goods", "C62", "39.00", "S", "7"),
        ("m365", "Microsoft 365 Business (Monat)", "subscription", "MON", "12.50", "S", "19"),
        ("monitoring", "Server-Monitoring (Monat)", "subscription", "MON", "49.00", "S", "19"),
        ("expense", "Fremdleistungen", "expense", "C62", None, "S", "19"),
    ]
    return {
        key: Product.objects.create(
            tenant=tenant, name=name, kind=kind, unit=units[unit],
            default_unit_price=Decimal(price) if price else None,
            vat_category=cat, vat_rate=Decimal(rate),
            sku=f"NL-{i + 100}",
        )
        for i, (key, name, kind, unit, price, cat, rate) in enumerate(spec)
    }  # fmt: skip


def _price_lists(tenant: Tenant, products: dict[str, Product]) -> dict[str, PriceList]:
    standard = PriceList.objects.create(
        tenant=tenant, name="Standard 2026", currency="EUR", is_tenant_default=True
    )
    partner = PriceList.objects.create(tenant=tenant, name="Partner (-10 %)", currency="EUR")
    for product in products.values():
        if product.default_unit_price is None:
            continue
        PriceListItem.objects.create(
            tenant=tenant, price_list=standard, product=product,
            unit_price=product.default_unit_price,
        )  # fmt: skip
        PriceListItem.objects.create(
            tenant=tenant, price_list=partner, product=product,
            unit_price=(product.default_unit_price * Decimal("0.9")).quantize(Decimal("0.01")),
        )  # fmt: skip
    return {"standard": standard, "partner": partner}


def _assignments(tenant, products, price_lists, contacts, members, teams) -> None:
    rows = [
        ProductAssignment(
            tenant=tenant, scope=AssignmentScope.TENANT, line_kind=LineKind.TASK_ENTRY,
            product=products["support"],
        ),
        ProductAssignment(
            tenant=tenant, scope=AssignmentScope.TENANT, line_kind=LineKind.TRANSPORT_DISTANCE,
            product=products["km"],
        ),
        ProductAssignment(
            tenant=tenant, scope=AssignmentScope.TENANT, line_kind=LineKind.TRANSPORT_TIME,
            product=products["traveltime"],
        ),
        ProductAssignment(
            tenant=tenant, scope=AssignmentScope.TENANT, line_kind=LineKind.EXPENSE,
            product=products["expense"],
        ),
        ProductAssignment(
            tenant=tenant, scope=AssignmentScope.TEAM, team=teams["Engineering"],
            line_kind=LineKind.TASK_ENTRY, product=products["engineering"],
        ),
        ProductAssignment(
            tenant=tenant, scope=AssignmentScope.MEMBERSHIP, membership=members[5],
            line_kind=LineKind.TASK_ENTRY, product=products["development"],
        ),
        ProductAssignment(
            tenant=tenant, scope=AssignmentScope.CONTACT, contact=contacts[5],
            line_kind=LineKind.TASK_ENTRY, product=products["onsite"],
            price_list=price_lists["standard"],
        ),
    ]  # fmt: skip
    ProductAssignment.objects.bulk_create(rows)


def _projects(tenant: Tenant, contacts: list[Contact], today: date) -> list[Project]:
    start = today - timedelta(days=120)
    projects = []
    n = 0

    def add(**kw) -> Project:
        nonlocal n
        n += 1
        p = Project.objects.create(tenant=tenant, number=f"P-{n:04d}", **kw)
        projects.append(p)
        return p

    for c in contacts:
        add(
            name=f"Service & support {c.name.split()[0]}", contact=c, kind="ongoing",
            scope="external", value_group="A", billing_model="time_and_materials",
            hourly_rate=Decimal("95.00"), currency=c.currency, start_date=start,
            po_number="4500012345" if c.leitweg_id else "",
        )  # fmt: skip
    add(name="New web shop", contact=contacts[3], kind="single", scope="external",
        value_group="A", billing_model="time_and_materials", hourly_rate=Decimal("110.00"),
        start_date=start, budget_hours=Decimal("160"))  # fmt: skip
    add(name="Network refresh yard", contact=contacts[5], kind="single", scope="external",
        value_group="A", billing_model="fixed_price", fixed_price=Decimal("18500.00"),
        start_date=start)  # fmt: skip
    add(name="Citizen portal accessibility audit", contact=contacts[8], kind="single",
        scope="external", value_group="A", billing_model="time_and_materials",
        hourly_rate=Decimal("105.00"), start_date=start, po_number="4500099881")  # fmt: skip
    for name, group, kind, _ in INTERNAL:
        add(name=name, kind=kind, scope="internal", value_group=group,
            billing_model="non_billable", start_date=start)  # fmt: skip
    return projects


def _domain(name: str) -> str:
    """An ASCII mail domain from a company name ("Bäckerei Huber" -> "baeckerei")."""
    word = name.split()[0].lower().strip("&.,")
    for umlaut, ascii_ in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        word = word.replace(umlaut, ascii_)
    return word


def _tasks(tenant, projects, workers, units, rng, today) -> list[Task]:
    internal_titles = {name: titles for name, _, _, titles in INTERNAL}
    tasks = []
    number = 0
    for project in projects:
        if project.scope == "internal":
            pool = [(t, "other") for t in internal_titles[project.name]]
            count = len(pool) * 3
        else:
            pool = [(t, typ) for typ, ts in TICKET_TITLES.items() for t in ts]
            count = 30 if project.kind == "ongoing" else 18
        for i in range(count):
            title, task_type = (
                pool[i % len(pool)] if project.scope == "internal" else rng.choice(pool)
            )
            number += 1
            status = rng.choices(["closed", "done", "in_progress", "open"], [55, 15, 20, 10])[0]
            tasks.append(
                Task(
                    tenant=tenant, number=number, project=project, title=title,
                    task_type=task_type, status=status,
                    billable=project.billing_model == "time_and_materials",
                    client=project.contact, assignee=rng.choice(workers),
                    estimate_hours=Decimal(rng.choice([1, 2, 2, 4, 8, 16])),
                    closed_at=timezone.now() if status == "closed" else None,
                )
            )  # fmt: skip
    return Task.objects.bulk_create(tasks)


def _entries(tenant, tasks, workers, rng, today, teams) -> None:
    zone = zoneinfo.ZoneInfo(tenant.timezone)
    first_day = today - timedelta(days=91)
    entries = []
    approver = next(m for m in workers if m.role in ("approver", "admin"))
    for task in tasks:
        n_entries = rng.randint(2, 9) if task.status != "open" else rng.randint(0, 2)
        for _ in range(n_entries):
            day = first_day + timedelta(days=rng.randint(0, 90))
            if day.weekday() >= 5:
                day -= timedelta(days=day.weekday() - 4)
            who = task.assignee if rng.random() < 0.8 else rng.choice(workers)
            start = datetime.combine(day, time(rng.randint(8, 16), rng.choice([0, 15, 30, 45])))
            start = start.replace(tzinfo=zone)
            seconds = rng.choice([600, 900, 1380, 1800, 2700, 3600, 4500, 5400, 7200, 10800])
            seconds += rng.randint(0, 300)
            recent = (today - day).days < 7
            status = rng.choice(["draft", "submitted", "approved"]) if recent else "approved"
            common = dict(
                tenant=tenant, task=task, membership=who, date=day,
                approval_status=status,
                approved_by=approver if status == "approved" else None,
                approved_at=timezone.now() if status == "approved" else None,
            )  # fmt: skip
            entries.append(
                TaskEntry(
                    kind="time", started_at=start, stopped_at=start + timedelta(seconds=seconds),
                    duration_seconds=seconds,
                    description=rng.choice(["", "Analysis", "Fixed and tested", "Call with user",
                                            "Remote session", "Documentation"]),
                    **common,
                )
            )  # fmt: skip
            if task.project.scope == "external" and rng.random() < 0.06:
                entries.append(
                    TaskEntry(
                        kind="mileage", distance_km=Decimal(rng.randint(8, 140)),
                        transport_minutes=rng.choice([None, 20, 35, 50, 90]),
                        description="Drive to customer site", **common,
                    )
                )  # fmt: skip
            if task.project.scope == "external" and rng.random() < 0.03:
                entries.append(
                    TaskEntry(
                        kind=rng.choice(["expense", "goods"]), quantity=Decimal(rng.randint(1, 4)),
                        unit_price=Decimal(rng.choice(["7.50", "19.90", "89.90", "149.00"])),
                        description=rng.choice(["Parking", "Network cable", "SSD 1 TB",
                                                "Replacement power supply"]),
                        **common,
                    )
                )  # fmt: skip
    TaskEntry.objects.bulk_create(entries, batch_size=1000)


# --- billing history --------------------------------------------------------------------------


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _next_month(day: date) -> date:
    return _month_end(day) + timedelta(days=1)


def billed_months(today: date) -> tuple[list[date], date]:
    """(first days of the months whose drafts are issued, first day of the month whose drafts
    stay open). Work starts 91 days before `today` (see `_entries`); a first month with less
    than ten days of it is billed together with the next one, the month after those is run
    but not issued, and everything later stays unbilled."""
    first_day = today - timedelta(days=91)
    months = [first_day.replace(day=1)]
    if first_day.day > 20:
        months.append(_next_month(months[0]))
    return months, _next_month(months[-1])


def _prepaid(tenant: Tenant, today: date) -> None:
    """A frame order of the first customer (400 h, warns beyond) and a retainer on the second
    customer's support project (20 h a month, unused hours roll over, at most 5 h)."""
    owner = Membership.objects.get(tenant=tenant, role="owner")
    ctx = CommandContext(tenant=tenant, membership=owner, user=owner.user, source="cli")
    start = today - timedelta(days=120)
    first, second = Contact.objects.filter(tenant=tenant).order_by("pk")[:2]
    frame_order_create(
        ctx,
        data=FrameOrderCreate(
            contact_id=first.pk, po_number="BA-2026-0815", hours=Decimal("400"),
            valid_from=start.replace(day=1), valid_to=date(start.year + 1, 12, 31),
            overage_policy="warn", low_threshold_percent=25,
        ),
    )  # fmt: skip
    project = Project.objects.filter(tenant=tenant, contact=second, kind="ongoing").first()
    if project is not None:
        retainer_create(
            ctx,
            data=RetainerCreate(
                project_id=project.pk, hours_per_month=Decimal("20"),
                monthly_fee=Decimal("1750.00"), rollover="next_month",
                rollover_cap_hours=Decimal("5"), start_date=start.replace(day=1),
            ),
        )  # fmt: skip


def _draw_frame_orders(ctx: CommandContext, drafts: list[Invoice], today: date) -> None:
    """Drafts of a customer with one open frame order draw it when issued."""
    for draft in drafts:
        options = open_frame_orders(ctx.tenant, draft.contact_id, on=today)
        if len(options) == 1:
            invoice_update(
                ctx, invoice_id=draft.pk, data=InvoiceUpdate(frame_order_id=options[0]["id"])
            )


def _bill(tenant: Tenant, today: date) -> None:
    """Compile, run, issue and credit through the services (no billing row written here)."""
    clerk = Membership.objects.get(tenant=tenant, role="billing")
    ctx = CommandContext(tenant=tenant, membership=clerk, user=clerk.user, source="cli")
    issued_months, review_month = billed_months(today)
    billable_items_compile(ctx, data=ItemsCompile(until=_month_end(review_month)))
    for month in [*issued_months, review_month]:
        billing_run(ctx, data=BillingRun(period=month.strftime("%Y-%m")))

    to_issue = []
    for month in issued_months:
        drafts = list(
            Invoice.objects.filter(
                tenant=tenant, status=Invoice.Status.DRAFT, service_period_start=month
            )
            .select_related("contact")
            .order_by("pk")
        )
        to_issue += [(draft, _month_end(month)) for draft in drafts]
    # Two ordinary domestic drafts of the last issued month wait for review; the reverse-charge
    # and public-sector customers are always issued (their documents are worth looking at).
    ordinary = [
        draft
        for draft, day in to_issue
        if day == _month_end(issued_months[-1])
        and draft.contact.tax_treatment == TaxTreatment.DOMESTIC
        and not draft.contact.leitweg_id
    ]
    held = {draft.pk for draft in ordinary[-2:]}
    _draw_frame_orders(ctx, [draft for draft, _ in to_issue if draft.pk not in held], today)
    issued = [
        invoice_issue(ctx, invoice_id=draft.pk, data=InvoiceIssue(issue_date=day))
        for draft, day in to_issue
        if draft.pk not in held
    ]

    # A goodwill credit note for one ticket line of the biggest ordinary invoice, a few days
    # into the next month (never after today).
    domestic = [
        invoice
        for invoice in issued
        if invoice.contact.tax_treatment == TaxTreatment.DOMESTIC and not invoice.contact.leitweg_id
    ]
    if domestic:
        invoice = max(domestic, key=lambda i: (i.gross_total, -i.pk))
        line = (
            InvoiceLine.objects.filter(invoice=invoice, do_not_bill=False)
            .order_by("-position")
            .first()
        )
        day = min(review_month + timedelta(days=6), today)
        credit_note_create(
            ctx.with_reason("Goodwill: the customer reported the ticket was a warranty case."),
            invoice_id=invoice.pk,
            data=CreditNoteCreate(line_ids=[line.pk], issue_date=day),
        )


IN_MEMORY_MAIL = "django.core.mail.backends.locmem.EmailBackend"


def _offers(tenant: Tenant, today: date) -> None:
    """An accepted offer whose fixed-price project has a 30 % partial invoice waiting in the
    review, a sent offer that waits for an answer, and a draft."""
    owner = Membership.objects.get(tenant=tenant, user__username=DEMO_EMAIL)
    ctx = CommandContext(tenant=tenant, membership=owner, user=owner.user, source="cli")
    customer = Contact.objects.filter(tenant=tenant).order_by("pk")[3]
    mailbox = "django.core.mail.backends.locmem.EmailBackend"  # the demo mails nobody

    def offer(title: str, lines: list[tuple[str, str, str, str]]):
        return offer_create(ctx, data=OfferCreate(
            contact_id=customer.pk, title=title, valid_until=today + timedelta(days=30),
            lines=[OfferLineIn(title=t, quantity=Decimal(q), unit=u, unit_price=Decimal(p),
                               vat_rate=Decimal("19")) for t, q, u, p in lines],
        ))  # fmt: skip

    accepted = offer("Neues Kassensystem Filiale Kiel", [
        ("Konzept und Workshop", "1", "C62", "1800.00"),
        ("Einrichtung und Schulung", "24", "HUR", "105.00"),
        ("Kassenhardware (3 Plätze)", "3", "C62", "1450.00"),
    ])  # fmt: skip
    offer_send(ctx, offer_id=accepted.pk, data=OfferSend(), mail_backend=mailbox)
    accepted = offer_accept(ctx, offer_id=accepted.pk, data=OfferAccept())
    assert accepted.project_id is not None
    project_partial_invoice(
        ctx, project_id=accepted.project_id, data=PartialInvoiceCreate(percent=Decimal(30))
    )
    waiting = offer("WLAN-Ausleuchtung Lager", [("Ausleuchtung vor Ort", "6", "HUR", "110.00")])
    offer_send(ctx, offer_id=waiting.pk, data=OfferSend(), mail_backend=mailbox)
    offer("Wartungsvertrag 2027", [("Wartungspauschale", "12", "MON", "249.00")])


def _send_some(tenant: Tenant) -> None:
    """The older half of the issued invoices went out by e-mail (status "sent", a delivery with
    its Message-ID); the others wait to be sent. The demo sends through Django's in-memory
    backend: no message leaves the machine."""
    clerk = Membership.objects.get(tenant=tenant, role="billing")
    ctx = CommandContext(tenant=tenant, membership=clerk, user=clerk.user, source="cli")
    invoices = list(
        Invoice.objects.filter(
            tenant=tenant, kind=Invoice.Kind.INVOICE, status=Invoice.Status.ISSUED
        ).order_by("issue_date", "sequence_value", "pk")
    )
    for invoice in invoices[: len(invoices) // 2]:
        if (invoice.buyer or {}).get("email"):
            invoice_send(ctx, invoice_id=invoice.pk, mail_backend=IN_MEMORY_MAIL)


def _collect_some(tenant: Tenant) -> None:
    """Customers paid some of what went out: the older half of the sent invoices in full ten
    days after the invoice date (every third in two instalments), one of the others in part;
    the rest stay open and, past their due date, overdue. The invoice a credit note corrects
    stays open too."""
    clerk = Membership.objects.get(tenant=tenant, role="billing")
    ctx = CommandContext(tenant=tenant, membership=clerk, user=clerk.user, source="cli")
    today = tenant_today(tenant)
    sent = list(
        Invoice.objects.filter(
            tenant=tenant, kind=Invoice.Kind.INVOICE, status=Invoice.Status.SENT,
            credit_notes__isnull=True,
        ).order_by("issue_date", "sequence_value", "pk")
    )  # fmt: skip
    paid, unpaid = sent[: len(sent) // 2], sent[len(sent) // 2 :]

    def pay(invoice: Invoice, amount: Decimal | None, days: int, method: str, text: str):
        payment_record(
            ctx,
            invoice_id=invoice.pk,
            data=PaymentRecord(
                amount=invoice_balance(invoice).open if amount is None else amount,
                date=min(invoice.issue_date + timedelta(days=days), today),
                method=method,
                reference=f"{text} {invoice.number}",
            ),
        )

    for n, invoice in enumerate(paid):
        if n % 3 == 1:
            pay(invoice, quantize_amount(invoice.gross_total / 2), 10, "bank_transfer", "RE")
            pay(invoice, None, 12, "bank_transfer", "Rest RE")
        else:
            pay(invoice, None, 10, "direct_debit" if n % 3 else "bank_transfer", "RE")
    partly = [invoice for invoice in unpaid if invoice.gross_total > 100]
    if partly:
        pay(partly[0], Decimal("100.00"), 20, "bank_transfer", "Teilzahlung")


def _remind_some(tenant: Tenant) -> None:
    """The oldest overdue invoice due for a reminder gets its payment reminder a week after
    its due date and, when it is overdue long enough, the first dunning with its fee two weeks
    later (a fee open beside the invoice); the next one gets its payment reminder today; the
    other proposals wait on the Dunning page."""
    clerk = Membership.objects.get(tenant=tenant, role="billing")
    ctx = CommandContext(tenant=tenant, membership=clerk, user=clerk.user, source="cli")
    today = tenant_today(tenant)
    proposals = dunning_proposals(tenant=tenant, today=today)
    if not proposals:
        return
    oldest = proposals[0].invoice
    levels = dunning_levels(tenant=tenant)
    for level in levels[:2]:
        day = oldest.due_date + timedelta(days=level.days_after_due)
        if day <= today:
            dunning_run(ctx, data=DunningRunStart(invoice_ids=[oldest.pk]), today=day)
    if len(proposals) > 1:
        dunning_run(ctx, data=DunningRunStart(invoice_ids=[proposals[1].invoice.pk]))


def demo_statement(tenant: Tenant) -> bytes:
    """A CAMT.053 statement of yesterday as the company's bank would send it, made from the
    invoices open now: one paid in full with its number in the text, one with a typo in the
    number, one paid under the customer's name only, and the bank's fee (a debit). Importing it
    shows a match, two suggestions and an unmatched booking; importing it again changes
    nothing."""
    today = tenant_today(tenant)
    day = (today - timedelta(days=1)).isoformat()
    items = sorted(open_items(tenant=tenant), key=lambda item: (item.number, item.invoice_id))
    entries = []
    if items:
        first = items[0]
        entries.append((first.open, "CRDT", first.contact_name, f"RE {first.number} Danke"))
    if len(items) > 1:
        typo = items[1].number.replace("0", "O", 1)
        entries.append((items[1].open, "CRDT", items[1].contact_name, f"Rechnung {typo}"))
    if len(items) > 2:
        entries.append((items[2].open, "CRDT", items[2].contact_name, "Zahlung"))
    entries.append((Decimal("9.90"), "DBIT", "Nordbank AG", "Kontofuehrung"))
    body = ""
    for n, (amount, mark, name, text) in enumerate(entries, start=1):
        party = "Dbtr" if mark == "CRDT" else "Cdtr"
        body += (
            f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{mark}</CdtDbtInd>'
            f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{day}</Dt></BookgDt>"
            f"<ValDt><Dt>{day}</Dt></ValDt><AcctSvcrRef>DEMO-{day}-{n}</AcctSvcrRef>"
            f"<NtryDtls><TxDtls><RltdPties><{party}><Pty><Nm>{escape(name)}</Nm></Pty>"
            f"</{party}></RltdPties><RmtInf><Ustrd>{escape(text)}</Ustrd></RmtInf></TxDtls>"
            "</NtryDtls></Ntry>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>DEMO-{day}</MsgId><CreDtTm>{day}T18:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>DEMO-{day}</Id><Acct><Id><IBAN>{tenant.iban}</IBAN></Id><Ccy>EUR</Ccy>"
        f"</Acct>{body}</Stmt></BkToCstmrStmt></Document>\n"
    ).encode()


def _render_documents(tenant: Tenant) -> list[Invoice]:
    """Render and store the documents of every issued invoice that lacks one. Issuing
    enqueues this as a task; the demo does not wait for a worker to run it."""
    issued = Invoice.objects.filter(tenant=tenant).exclude(status=Invoice.Status.DRAFT)
    # One render stores the PDF and every e-invoice format valid for the invoice at once.
    complete = StoredDocument.objects.filter(tenant=tenant, format=DocumentFormat.PDF).values(
        "invoice_id"
    )
    missing = list(issued.exclude(pk__in=complete).order_by("pk"))
    for invoice in missing:
        invoice_documents_render(invoice_id=invoice.pk)
    return missing
