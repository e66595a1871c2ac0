"""The report pages in Chromium at 1280 px and 390 px, English and German (issue 17): no page
scrolls sideways, the charts are drawn, the filters stay in the address."""

from __future__ import annotations

import pytest

from tests.e2e.browser import DESKTOP, PHONE, shot, sign_in
from tests.e2e.test_browser_layout import _sideways, company  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e

PAGES = (
    "/",
    "/reports/?period=2026-03&group_by=project",
    "/reports/utilization/?period=2026-03",
    "/reports/wip/?period=2026-03",
)


@pytest.mark.parametrize(
    ("viewport", "language"),
    [(DESKTOP, "en"), (DESKTOP, "de"), (PHONE, "en"), (PHONE, "de")],
    ids=["1280-en", "1280-de", "390-en", "390-de"],
)
def test_report_pages_fit_and_draw_their_charts(new_page, company, viewport, language):  # noqa: F811
    from playwright.sync_api import expect

    page = new_page(viewport=viewport, locale="de-DE" if language == "de" else "en-US")
    sign_in(page)
    page.click(f"button.lang[value={language}]")
    expect(page.locator("html")).to_have_attribute("lang", language)
    wide = {}
    for url in PAGES:
        page.goto(url)
        if "wip" not in url:  # everything of the company is on a draft: no unbilled work
            expect(page.locator("svg[role=img]").first).to_be_visible()
        else:
            expect(page.locator("main table.report")).to_be_visible()
        if _sideways(page) > 0:
            wide[url] = _sideways(page)
        name = url.split("?")[0].strip("/").replace("/", "-") or "start"
        shot(page, f"reports-{viewport['width']}-{language}-{name}")
    assert wide == {}, f"pages scrolling sideways (pixels): {wide}"
    # the filter form keeps its values in the address
    page.goto("/reports/")
    page.fill("input[name=period]", "2026-Q1")
    page.select_option("select[name=group_by]", "member")
    page.click(".report-filters button[type=submit]")
    assert "period=2026-Q1" in page.url and "group_by=member" in page.url
