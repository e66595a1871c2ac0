"""The Retainers page (issue 14): each retainer with its terms and its months' usage, and the
create form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from web_helpers import signed_in

from faktura.common.inputs import parse
from faktura.contacts.inputs import ContactCreate
from faktura.contacts.services import contact_create
from faktura.frameorders.inputs import RetainerCreate
from faktura.frameorders.models import Retainer, RetainerMonth
from faktura.frameorders.retainers import retainer_create
from faktura.work.inputs import ProjectCreate
from faktura.work.services import project_create

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
    assert cells[0] == "2026-03" and len(cells) == 7
    assert cells[1:] == ["20.00 h", "2.00 h", "25.00 h", "3.00 h", "0.00 h", "0.00 h"]
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
