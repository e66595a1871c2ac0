"""Pages answer bad query values with the product's 400 page, never 500 (issue 10)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.parametrize(
    "week", ["2026-02-30", "2026-13-01", "9999-12-31", "9999-01-04", "0001-01-01", "0000-00-00"]
)
def test_my_time_answers_a_week_it_cannot_show_with_400(browser, week):
    response = browser.get(reverse("web:my_time"), {"week": week})

    assert response.status_code == 400
    assert b"Bad request" in response.content


def test_my_time_still_shows_a_real_week(browser):
    response = browser.get(reverse("web:my_time"), {"week": "2026-03-04"})

    assert response.status_code == 200
    assert b"?week=2026-02-23" in response.content  # the previous week's link
    # a value not written as a date is no week at all: the current one is shown
    assert browser.get(reverse("web:my_time"), {"week": "soon"}).status_code == 200


@pytest.mark.parametrize("period", ["9999-12", "2026-13", "0001-01", "0000-00", "2026-00"])
def test_reports_answer_a_month_they_cannot_show_with_400(browser, period):
    response = browser.get(reverse("web:reports"), {"period": period})

    assert response.status_code == 400
    assert b'role="alert"' in response.content
    assert b"period:" in response.content


def test_a_body_over_the_limit_answers_the_styled_400_page(browser, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = browser.post(reverse("web:my_time"), {"description": "x" * 2000})

    assert response.status_code == 400
    assert b"too large" in response.content
    assert b"app.css" in response.content


def test_the_404_page_is_the_products_page(browser):
    response = browser.get("/no/such/page/")

    assert response.status_code == 404
    assert b"app.css" in response.content
    assert b"This page does not exist" in response.content


def test_the_500_page_is_the_products_page(owner, settings, monkeypatch):
    # given: a page whose view fails unexpectedly
    import faktura.web.views.reports as reports

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(reports, "value_group_costs", broken)
    client = Client(raise_request_exception=False)
    client.force_login(owner.user)

    # when
    response = client.get(reverse("web:reports"))

    # then: the product's styled page, not Django's bare text
    assert response.status_code == 500
    assert b"app.css" in response.content
    assert b"Something went wrong" in response.content
