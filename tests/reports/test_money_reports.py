"""The money reports pinned on a small known data set (issue 17): revenue per customer,
project, product and month with a credit note and two currencies, the realised against list
rate with a price correction, a credit note and a write-off, fixed-price budget against actual,
receivables aging with a partial payment and a dunned invoice, DSO, and frame orders."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from faktura.billing.inputs import (
    CreditNoteCreate,
    InvoiceIssue,
    InvoiceLineUpdate,
    InvoicesGenerate,
    InvoiceUpdate,
)
from faktura.billing.models import BillableItem
from faktura.billing.services.credit_notes import credit_note_create
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.invoices import invoice_line_update, invoice_update
from faktura.billing.services.issue import invoice_issue
from faktura.billing.states import entry_states_sync
from faktura.common.inputs import parse
from faktura.frameorders.inputs import FrameOrderCreate
from faktura.frameorders.services import frame_order_create
from faktura.offers.models import Offer
from faktura.receivables.inputs import DunningRunStart, PaymentRecord
from faktura.receivables.services.dunning import dunning_run
from faktura.receivables.services.payments import payment_record
from faktura.reports import money
from faktura.work.models import Project

# The company's "today" of these tests: every invoice lies before it.
NOW = dt.datetime(2026, 4, 30, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
Q1 = {"date_from": dt.date(2026, 1, 1), "date_to": dt.date(2026, 3, 31)}


def _billing_world_class():
    path = Path(__file__).resolve().parents[1] / "billing" / "conftest.py"
    name = "billing_tests_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].BillingWorld


BillingWorld = _billing_world_class()


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


class Books:
    """The known data set (amounts net; 19 % VAT, 14 days to pay):

    - Müller (EUR), invoice 1 of 10 March, frame order PO-7: "Printer" 1:30 h at 100.00
      corrected to 90.00 (135.00) and "Server" 1:00 h at 100.00; gross 279.65. The "Server"
      line is credited on 20 March (-100.00, gross -119.00), its time written off.
    - Müller, invoice 3 of 15 January: "Backup" 0:30 h at 100.00 (50.00, gross 59.50),
      reminded once (dunning level 1).
    - Smith Ltd (USD), invoice 2 of 12 March: "Migration" 2:00 h at 80.00 (160.00, gross
      190.40), 50.00 paid on 25 March.
    - 0:45 h at 100.00 of Müller written off in the billing review (5 March).
    - A fixed-price project "Website" of Müller, offer accepted at 1,000.00, budget 10 h,
      2:00 h logged, nothing billed.
    """

    def __init__(self, owner):
        self.world = BillingWorld(owner)
        world = self.world
        self.ctx = world.ctx
        self.mueller = world.contact("Müller Maschinenbau GmbH")
        self.smith = world.contact("Smith Ltd", currency="USD")
        self.support = world.project(self.mueller, name="Support Müller")
        self.frame_order = frame_order_create(
            self.ctx,
            data=FrameOrderCreate(
                contact_id=self.mueller.pk,
                po_number="PO-7",
                hours=Decimal("10"),
                valid_from=dt.date(2026, 1, 1),
                valid_to=dt.date(2026, 6, 30),
            ),
        )
        self.invoice3 = self._issue(
            [("Backup", 30, "100")], dt.date(2026, 1, 15), project=self.support
        )
        self.invoice1 = self._issue(
            [("Printer", 90, "100"), ("Server", 60, "100")],
            dt.date(2026, 3, 10),
            project=self.support,
            correct={"Printer": Decimal("90")},
            frame_order=self.frame_order,
        )
        migration = world.project(self.smith, name="Migration Smith")
        self.invoice2 = self._issue([("Migration", 120, "80")], dt.date(2026, 3, 12), migration)
        server = self.invoice1.lines.get(title__contains="Server")
        self.credit_note = credit_note_create(
            self.ctx,
            invoice_id=self.invoice1.pk,
            data=parse(
                CreditNoteCreate, dict(line_ids=[server.pk], issue_date=dt.date(2026, 3, 20))
            ),
        )
        payment_record(
            self.ctx,
            invoice_id=self.invoice2.pk,
            data=PaymentRecord(amount=Decimal("50.00"), date=dt.date(2026, 3, 25)),
        )
        written = world.item(
            world.task(self.support, title="Coffee machine"), minutes=45, day=dt.date(2026, 3, 5)
        )
        # as the billing review's "write off" decision leaves it
        BillableItem.objects.filter(pk=written.pk).update(status="written_off")
        entry_states_sync(entry_ids=[written.entry_id])
        dunning_run(self.ctx, data=DunningRunStart(invoice_ids=[self.invoice3.pk]))
        website = world.project(
            self.mueller,
            name="Website",
            kind="single",
            billing_model=Project.BillingModel.FIXED_PRICE,
            budget_hours=Decimal("10"),
        )
        Offer.objects.create(
            tenant=world.tenant,
            contact=self.mueller,
            project=website,
            title="Website",
            currency="EUR",
            status=Offer.Status.ACCEPTED,
            number="A-1",
            net_total=Decimal("1000.00"),
        )
        world.entry(world.task(website, title="Design"), minutes=120)

    def _issue(self, lines, day, project, correct=None, frame_order=None):
        world = self.world
        items = [
            world.item(world.task(project, title=title), minutes=minutes, unit_price=price)
            for title, minutes, price in lines
        ]
        [draft] = invoices_generate(
            self.ctx,
            data=parse(
                InvoicesGenerate, dict(billable_item_ids=[i.pk for i in items], grouping="contact")
            ),
        )
        for line in draft.lines.all():
            for title, price in (correct or {}).items():
                if title in line.title:
                    invoice_line_update(
                        self.ctx,
                        invoice_id=draft.pk,
                        line_id=line.pk,
                        data=parse(InvoiceLineUpdate, dict(unit_price=price)),
                    )
        if frame_order is not None:
            invoice_update(
                self.ctx,
                invoice_id=draft.pk,
                data=parse(InvoiceUpdate, dict(frame_order_id=frame_order.pk)),
            )
        return invoice_issue(
            self.ctx, invoice_id=draft.pk, data=parse(InvoiceIssue, dict(issue_date=day))
        )


@pytest.fixture
def books(owner, clock) -> Books:
    return Books(owner)


@pytest.fixture
def other_books(other_owner, clock) -> Books:
    """The same data set in another company: never counted in the first one's reports."""
    return Books(other_owner)


def _rows(report):
    return [(r.label, r.currency, r.invoiced, r.credited, r.net, r.hours) for r in report.rows]


D = Decimal


def test_revenue_per_customer_in_each_currency(books, other_books):
    report = money.revenue(tenant=books.world.tenant, group_by="customer", **Q1)

    assert _rows(report) == [
        ("Müller Maschinenbau GmbH", "EUR", D("285.00"), D("-100.00"), D("185.00"), D("2.00")),
        ("Smith Ltd", "USD", D("160.00"), D("0.00"), D("160.00"), D("2.00")),
    ]
    assert [(t.currency, t.invoiced, t.credited, t.net) for t in report.totals] == [
        ("EUR", D("285.00"), D("-100.00"), D("185.00")),
        ("USD", D("160.00"), D("0.00"), D("160.00")),
    ]


def test_revenue_per_month_cuts_by_issue_date(books):
    report = money.revenue(tenant=books.world.tenant, group_by="month", **Q1)

    assert [(r.key, r.currency, r.net) for r in report.rows] == [
        ("2026-01", "EUR", D("50.00")),
        ("2026-03", "EUR", D("135.00")),
        ("2026-03", "USD", D("160.00")),
    ]
    march = money.revenue(
        tenant=books.world.tenant,
        group_by="month",
        date_from=dt.date(2026, 3, 11),
        date_to=dt.date(2026, 3, 31),
    )
    # invoice 1 (10 March) is outside, its credit note (20 March) inside
    assert [(r.key, r.currency, r.net) for r in march.rows] == [
        ("2026-03", "EUR", D("-100.00")),
        ("2026-03", "USD", D("160.00")),
    ]


def test_revenue_per_project_and_product(books):
    tenant = books.world.tenant
    by_project = money.revenue(tenant=tenant, group_by="project", **Q1)
    by_product = money.revenue(tenant=tenant, group_by="product", **Q1)

    assert [(r.label, r.currency, r.net) for r in by_project.rows] == [
        ("Support Müller", "EUR", D("185.00")),
        ("Migration Smith", "USD", D("160.00")),
    ]
    # no line names a product here: one row per currency "without product"
    assert [(r.key, r.label, r.currency, r.net) for r in by_product.rows] == [
        ("", "", "EUR", D("185.00")),
        ("", "", "USD", D("160.00")),
    ]


def test_realised_against_list_rate(books):
    report = money.revenue(tenant=books.world.tenant, **Q1)

    eur, usd = report.rates
    # list: 1.5 + 1 + 0.5 h invoiced and 0.75 h written off, all at 100.00 = 375.00
    assert (eur.currency, eur.hours_logged, eur.list_amount, eur.list_rate) == (
        "EUR",
        D("3.75"),
        D("375.00"),
        D("100.00"),
    )
    # 375.00 - 15.00 (price correction) - 75.00 (write-off) - 100.00 (credit note) = 185.00
    assert (eur.corrections, eur.write_offs, eur.credit_notes, eur.billed) == (
        D("-15.00"),
        D("-75.00"),
        D("-100.00"),
        D("185.00"),
    )
    assert eur.realised_rate == D("49.33")  # 185.00 / 3.75 h
    assert eur.hours_billed == D("2.00")
    assert (usd.list_rate, usd.realised_rate, usd.billed) == (D("80.00"), D("80.00"), D("160.00"))


def test_fixed_price_budget_against_actual(books):
    [website] = money.revenue(tenant=books.world.tenant, **Q1).fixed_price

    assert (website.project, website.budget, website.billed, website.remaining) == (
        "Website",
        D("1000.00"),
        D("0.00"),
        D("1000.00"),
    )
    assert (website.budget_hours, website.actual_hours, website.hours_percent) == (
        D("10.00"),
        D("2.00"),
        D("20.0"),
    )
    assert website.realised_rate == D("0.00")


def test_revenue_refuses_an_unknown_grouping(books):
    from faktura.reports.errors import QueryInvalid

    with pytest.raises(QueryInvalid) as refused:
        money.revenue(tenant=books.world.tenant, group_by="colour", **Q1)
    assert "group_by" in refused.value.fields


def test_receivables_aging_per_customer_with_dunning_and_dso(books, other_books):
    report = money.receivables_aging(
        tenant=books.world.tenant,
        today=TODAY,
        date_from=dt.date(2026, 2, 1),
        date_to=dt.date(2026, 4, 30),
    )

    mueller, smith = report.rows
    # invoice 1: 279.65 - 119.00 credited = 160.65, due 24 March: 37 days overdue;
    # invoice 3: 59.50, due 29 January: 91 days overdue, reminded
    assert (mueller.contact, mueller.currency, mueller.total, mueller.count) == (
        "Müller Maschinenbau GmbH",
        "EUR",
        D("220.15"),
        2,
    )
    assert mueller.buckets == {
        "current": D("0.00"), "days_1_30": D("0.00"), "days_31_60": D("160.65"),
        "days_61_90": D("0.00"), "days_over_90": D("59.50"),
    }  # fmt: skip
    assert (mueller.dunning_level, mueller.dunned) == (1, 1)
    # 190.40 - 50.00 paid, due 26 March: 35 days overdue
    assert (smith.currency, smith.total, smith.buckets["days_31_60"]) == (
        "USD",
        D("140.40"),
        D("140.40"),
    )
    assert (smith.dunning_level, smith.dunned) == (0, 0)
    eur, usd = report.totals
    # sales Feb-Apr: 279.65 - 119.00 = 160.65; DSO = 220.15 / 160.65 x 89 days
    assert (eur.total, eur.sales, eur.dso) == (D("220.15"), D("160.65"), D("122.0"))
    assert (usd.total, usd.sales, usd.dso) == (D("140.40"), D("190.40"), D("65.6"))
    assert [(d.level, d.currency, d.count, d.open) for d in report.dunning] == [
        (0, "EUR", 1, D("160.65")),
        (0, "USD", 1, D("140.40")),
        (1, "EUR", 1, D("59.50")),
    ]


def test_frame_orders_utilization_and_expiry(books, other_books):
    [row] = money.frame_orders(tenant=books.world.tenant, today=TODAY, **Q1)

    # invoice 1 drew 2.5 h and 235.00; its credit note gave 1 h and 100.00 back
    assert (row.po_number, row.contact, row.hours, row.hours_billed, row.hours_remaining) == (
        "PO-7",
        "Müller Maschinenbau GmbH",
        D("10.00"),
        D("1.5000"),
        D("8.5000"),
    )
    assert (row.amount_billed, row.utilization_percent) == (D("135.00"), D("15.0"))
    assert (row.valid_to, row.days_left, row.status) == (dt.date(2026, 6, 30), 61, "active")
    later = money.frame_orders(
        tenant=books.world.tenant,
        today=TODAY,
        date_from=dt.date(2026, 7, 1),
        date_to=dt.date(2026, 7, 31),
    )
    assert later == []


# --- through the HTTP API ---------------------------------------------------------------------


def test_revenue_api_answers_decimal_strings_per_currency(books, api):
    response = api.get("reports/revenue", period="2026-Q1", group_by="customer")

    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"from": "2026-01-01", "to": "2026-03-31"}
    assert body["group_by"] == "customer"
    assert [(r["label"], r["currency"], r["net"], r["hours"]) for r in body["rows"]] == [
        ("Müller Maschinenbau GmbH", "EUR", "185.00", "2.00"),
        ("Smith Ltd", "USD", "160.00", "2.00"),
    ]
    assert body["totals"]["currencies"][0] == {
        "currency": "EUR", "invoiced": "285.00", "credited": "-100.00", "net": "185.00",
        "hours": "2.00",
    }  # fmt: skip
    eur = body["rates"][0]
    assert (eur["list_rate"], eur["realised_rate"], eur["write_offs"]) == (
        "100.00",
        "49.33",
        "-75.00",
    )
    assert body["fixed_price"][0]["budget"] == "1000.00"


def test_aging_api_and_frame_orders_api(books, api):
    aging = api.get("reports/receivables-aging", **{"from": "2026-02-01", "to": "2026-04-30"})
    frames = api.get("reports/frame-orders", period="2026")

    assert aging.status_code == 200 and frames.status_code == 200
    body = aging.json()
    assert body["today"] == "2026-04-30"
    found = [
        (r["contact"], r["days_over_90"], r["total"], r["dunning_level"]) for r in body["rows"]
    ]
    assert found == [
        ("Müller Maschinenbau GmbH", "59.50", "220.15", 1),
        ("Smith Ltd", "0.00", "140.40", 0),
    ]  # fmt: skip
    assert [(t["currency"], t["dso"]) for t in body["totals"]["currencies"]] == [
        ("EUR", "122.0"), ("USD", "65.6"),
    ]  # fmt: skip
    [row] = frames.json()["rows"]
    assert (row["po_number"], row["hours_remaining"], row["utilization_percent"]) == (
        "PO-7",
        "8.5000",
        "15.0",
    )
    assert frames.json()["totals"]["currencies"] == [
        {"currency": "EUR", "hours": "10.00", "hours_billed": "1.5000", "amount": "0.00",
         "amount_billed": "0.00", "count": 1},
    ]  # fmt: skip


@pytest.mark.parametrize("path", ["revenue", "receivables-aging", "frame-orders"])
def test_money_reports_need_the_role_that_sees_invoices(path, books, api_as):
    for role in ("member", "approver"):
        assert api_as(role).get(f"reports/{path}").status_code == 403
    assert api_as("billing").get(f"reports/{path}").status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "colour"}, "group_by"),
        ({"period": "2026-13"}, "period"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"format": "pdf"}, "format"),
    ],
)
def test_bad_queries_answer_400_naming_the_field(api, params, field):
    response = api.get("reports/revenue", **params)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_another_company_sees_none_of_it(books, other_api):
    assert other_api.get("reports/revenue", period="2026-Q1").json()["rows"] == []
    assert other_api.get("reports/receivables-aging").json()["rows"] == []
    assert other_api.get("reports/frame-orders", period="2026").json()["rows"] == []


def test_revenue_csv_and_xlsx_exports_read_back(books, api):
    import csv
    import io
    import zipfile

    from lxml import etree

    # a customer name a spreadsheet would run as a formula
    books.mueller.name = '=HYPERLINK("http://evil")'
    books.mueller.save(update_fields=["name"])
    response = api.get("reports/revenue", period="2026-Q1", format="csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Key", "Name", "Currency", "Invoiced", "Credited", "Net revenue",
                       "Hours billed"]  # fmt: skip
    assert rows[1][1:] == ["'=HYPERLINK(\"http://evil\")", "EUR", "285.00", "-100.00", "185.00",
                           "2.00"]  # fmt: skip

    xlsx = api.get("reports/revenue", period="2026-Q1", format="xlsx")
    assert xlsx.status_code == 200
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as archive:
        sheet = etree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    assert sheet.findall(".//m:f", ns) == []
    second = sheet.findall(".//m:sheetData/m:row", ns)[1].findall("m:c", ns)
    # Invoiced, Credited, Net revenue, Hours: numbers, not text
    assert [c.get("t") for c in second[3:]] == [None, None, None, None]
    assert [c.find("m:v", ns).text for c in second[3:]] == ["285", "-100", "185", "2"]


# --- the pages --------------------------------------------------------------------------------


def test_revenue_page_shows_the_table_the_rates_and_a_chart(books, owner):
    from django.urls import reverse

    from tests.web.web_helpers import signed_in

    response = signed_in(owner).get(
        reverse("web:report_revenue"), {"period": "2026-Q1", "group_by": "project"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Support Müller" in html and "Migration Smith" in html
    assert html.count('<svg class="chart-svg"') == 2  # one chart per currency
    assert 'data-testid="rates-table"' in html and 'data-testid="fixed-price-table"' in html
    assert 'value="project" selected' in html
    assert "/api/v1/reports/revenue?period=2026-Q1&amp;group_by=project&amp;format=xlsx" in html
    assert " style=" not in html.split("<main", 1)[-1]  # the CSP forbids inline styles


def test_aging_and_frame_order_pages(books, owner):
    from django.urls import reverse

    from tests.web.web_helpers import signed_in

    client = signed_in(owner)
    aging = client.get(reverse("web:report_receivables_aging"))
    frames = client.get(reverse("web:report_frame_orders"), {"period": "2026"})

    assert aging.status_code == 200 and frames.status_code == 200
    assert 'data-testid="aging-table"' in aging.content.decode()
    assert "Smith Ltd" in aging.content.decode()
    assert "PO-7" in frames.content.decode()


def test_money_report_pages_are_closed_to_members_and_bad_filters_answer_400(
    books, owner, make_member
):
    from django.urls import reverse

    from tests.web.web_helpers import signed_in

    member = signed_in(make_member("member"))
    for name in ("report_revenue", "report_receivables_aging", "report_frame_orders"):
        assert member.get(reverse(f"web:{name}")).status_code == 403
    bad = signed_in(owner).get(reverse("web:report_revenue"), {"period": "2026-Q7"})
    assert bad.status_code == 400
    assert 'role="alert"' in bad.content.decode()


def test_hostile_names_are_escaped_on_the_page_and_in_the_chart(books, owner):
    from django.urls import reverse

    from tests.web.web_helpers import signed_in

    books.smith.name = '<script>alert("x")</script>'
    books.smith.save(update_fields=["name"])
    html = signed_in(owner).get(reverse("web:report_revenue"), {"period": "2026-Q1"}).content
    html = html.decode()

    assert '<script>alert("x")' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html  # the table
    assert "&lt;script&gt;ale…" in html  # the chart's shortened label


@pytest.mark.parametrize("path", ["revenue", "receivables-aging", "frame-orders"])
def test_the_number_of_queries_does_not_grow_with_the_rows(path, books, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api.get(f"reports/{path}", period="2026")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        assert api.get(f"reports/{path}", period="2026").status_code == 200
    books._issue([("Extra", 60, "100")], dt.date(2026, 4, 1), books.support)
    books._issue(
        [("Other", 30, "80")],
        dt.date(2026, 4, 2),
        books.world.project(books.world.contact("Third GmbH"), name="Third"),
    )
    with CaptureQueriesContext(connection) as more:
        assert api.get(f"reports/{path}", period="2026").status_code == 200

    assert len(more.captured_queries) == len(few.captured_queries)
