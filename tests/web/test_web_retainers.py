"""The Retainers page (issue 14): each retainer with its terms and its months' usage, and the
create form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from faktura.common.inputs import parse
from faktura.contacts.inputs import ContactCreate
from faktura.contacts.services import contact_create
from faktura.frameorders.inputs import RetainerCreate
from faktura.frameorders.models import Retainer, RetainerMonth
from faktura.frameorders.retainers import retainer_create
from faktura.work.inputs import ProjectCreate
from faktura.work.services import project_create
from tests.web.web_helpers import signed_in

pytestmark = pytest.mark.django_db


def _project(ctx, name="Support 2026"):
    contact = contact_create(ctx, data=ContactCreate(name="Kunde GmbH"))
    return project_create(
        ctx, data=parse(ProjectCreate, dict(name=name, contact_id=contact.pk, kind="ongoing"))
    )


def test_list_shows_terms_and_each_months_usage(browser, ctx):
    project = _project(ctx)
    retainer = retainer_create(
        ctx,
        data=RetainerCreate(project_id=project.pk, hours_per_month=Decimal("20"),
                            monthly_fee=Decimal("1800"), rollover="next_month",
                            rollover_cap_hours=Decimal("4"), start_date=dt.date(2026, 1, 1)),
    )  # fmt: skip
    RetainerMonth.objects.create(
        tenant=ctx.tenant, retainer=retainer, month=dt.date(2026, 3, 1),
        used_hours=Decimal("25"), included_hours=Decimal("20"), rolled_in_hours=Decimal("2"),
        overage_hours=Decimal("3"), carried_hours=Decimal("0"), expired_hours=Decimal("0"),
    )  # fmt: skip

    page = browser.get("/billing/retainers/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Support 2026" in html and "Kunde GmbH" in html
    row = html[html.index('data-month="2026-03"') :].split("</tr>")[0]
    cells = [cell.split(">", 1)[1].split("<")[0] for cell in row.split("<td")[1:]]
    assert cells[0] == "2026-03" and len(cells) == 8
    assert cells[1:] == ["20.00 h", "2.00 h", "25.00 h", "3.00 h", "0.00 h", "0.00 h", "Billed"]
    assert 'href="/billing/retainers/"' in html  # the nav under Billing


def test_create_through_the_form(browser, ctx):
    project = _project(ctx)

    created = browser.post(
        "/billing/retainers/new/",
        {"project_id": project.pk, "hours_per_month": "10", "monthly_fee": "900",
         "rollover": "none", "start_date": "2026-01-01"},
    )  # fmt: skip

    assert created.status_code == 302, created.context and created.context["form"].errors
    retainer = Retainer.objects.get()
    assert (retainer.project_id, retainer.hours_per_month, retainer.monthly_fee) == (
        project.pk, Decimal("10.00"), Decimal("900.00"),
    )  # fmt: skip
    assert "Kunde GmbH" in browser.get(created["Location"]).content.decode()


def test_form_errors_name_the_field_and_store_nothing(browser, ctx):
    project = _project(ctx)

    answer = browser.post(
        "/billing/retainers/new/",
        {"project_id": project.pk, "hours_per_month": "-5", "monthly_fee": "900",
         "rollover": "none", "start_date": "2026-01-01"},
    )  # fmt: skip

    assert answer.status_code == 200
    assert "hours_per_month" in answer.context["form"].errors
    assert not Retainer.objects.exists()


def test_the_page_speaks_german(owner, ctx):
    _project(ctx)

    page = signed_in(owner, language="de").get("/billing/retainers/").content.decode()

    assert "Neuer Retainer" in page and "Noch keine Retainer." in page


def test_change_from_a_month_through_the_form(browser, ctx, monkeypatch):
    # given: a retainer whose March is billed, on 15 April
    monkeypatch.setattr(
        "django.utils.timezone.now", lambda: dt.datetime(2026, 4, 15, 10, tzinfo=dt.UTC)
    )
    project = _project(ctx)
    retainer = retainer_create(
        ctx,
        data=RetainerCreate(project_id=project.pk, hours_per_month=Decimal("20"),
                            monthly_fee=Decimal("1800"), start_date=dt.date(2026, 1, 1)),
    )  # fmt: skip
    RetainerMonth.objects.create(
        tenant=ctx.tenant, retainer=retainer, month=dt.date(2026, 3, 1),
        used_hours=Decimal("5"), included_hours=Decimal("20"), rolled_in_hours=Decimal("0"),
        overage_hours=Decimal("0"), carried_hours=Decimal("0"), expired_hours=Decimal("15"),
    )  # fmt: skip
    url = f"/billing/retainers/{retainer.pk}/edit/"
    assert 'name="effective_from"' in browser.get(url).content.decode()
    assert f'href="{url}"' in browser.get("/billing/retainers/").content.decode()

    # a change into the billed March is refused next to the field
    refused = browser.post(
        url, {"effective_from": "2026-03", "hours_per_month": "20", "monthly_fee": "2000.00"}
    )
    assert refused.status_code == 400
    assert "2026-04-01 or later" in refused.content.decode(), refused.context["form"].errors

    # when: the fee goes up from May
    changed = browser.post(
        url, {"effective_from": "2026-05", "hours_per_month": "20", "monthly_fee": "2000.00"}
    )

    # then: March and April keep 1800, May on is 2000
    assert changed.status_code == 302
    versions = list(Retainer.objects.filter(project=project).order_by("start_date"))
    assert [(r.start_date, r.end_date, r.monthly_fee) for r in versions] == [
        (dt.date(2026, 1, 1), dt.date(2026, 4, 30), Decimal("1800.00")),
        (dt.date(2026, 5, 1), None, Decimal("2000.00")),
    ]
