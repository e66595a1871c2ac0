"""The project page says which price wins: next to each member rate, the price the member's
latest time was billed at and its source (a price list wins over a member rate)."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from faktura.common.inputs import parse
from faktura.work.inputs import ProjectMemberRate
from faktura.work.services import project_member_set_rate


def _price_cell(page: str) -> str:
    start = page.index('data-testid="price-source"')
    return page[start : page.index("</td>", start)]


def test_project_page_shows_the_price_source_that_won(browser, world):
    task = world.task(title="Printer")
    project_member_set_rate(
        world.ctx,
        project_id=task.project_id,
        membership_id=world.owner.pk,
        data=parse(ProjectMemberRate, dict(hourly_rate=Decimal("120"))),
    )
    world.item(task, unit_price="90", price_source="price_list")

    page = browser.get(reverse("web:project_detail", args=[task.project_id])).content.decode()

    cell = _price_cell(page)
    assert "€90.00" in cell and "Price list" in cell
    assert "wins over the member rate" in cell


def test_a_member_rate_that_won_is_not_flagged(browser, world):
    task = world.task(title="Printer")
    project_member_set_rate(
        world.ctx,
        project_id=task.project_id,
        membership_id=world.owner.pk,
        data=parse(ProjectMemberRate, dict(hourly_rate=Decimal("120"))),
    )
    world.item(task, unit_price="120", price_source="project_member")

    page = browser.get(reverse("web:project_detail", args=[task.project_id])).content.decode()

    cell = _price_cell(page)
    assert "€120.00" in cell and "Member rate on project" in cell
    assert "wins over" not in cell
