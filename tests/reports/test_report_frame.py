"""The frame of every report page (web/reports/base.html): filters from the address, the
navigation between reports, export links to the API with the same query."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.test import RequestFactory

from faktura.reports.period import ReportQuery
from faktura.web.views.reports import report_page


def _request(membership, **params):
    request = RequestFactory().get("/reports/", params)
    request.tenant = membership.tenant
    request.membership = membership
    request.user = membership.user
    return request


def test_frame_keeps_the_filters_and_links_the_exports(owner):
    request = _request(owner, period="2026-Q1", group_by="x")
    report = report_page(request, ReportQuery, key="value_groups")

    html = render_to_string("web/reports/base.html", {"report": report}, request=request)

    assert report.status == 200
    assert report.params == {"period": "2026-Q1"}
    assert 'name="period" value="2026-Q1"' in html
    assert 'href="/api/v1/reports/value-groups?period=2026-Q1&amp;format=csv"' in html
    assert 'href="/api/v1/reports/value-groups?period=2026-Q1&amp;format=xlsx"' in html
    assert report.may_see_money is True


def test_frame_shows_a_bad_filter_with_400_and_the_default_period(owner):
    request = _request(owner, period="2026-Q9")
    report = report_page(request, ReportQuery, key="value_groups")

    html = render_to_string("web/reports/base.html", {"report": report}, request=request)

    assert report.status == 400
    assert "period" in report.errors
    assert 'role="alert"' in html
    assert report.params == {}
