"""Fixtures every browser test shares: one Chromium (Debian's /usr/bin/chromium) driven by
Playwright per test, and a page factory. Helpers (sign-in, screenshots) are in browser.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def browser(live_server, transactional_db, monkeypatch) -> Iterator[Any]:
    """One Chromium for the test; closes the test's own database connections at the end."""
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"!!! {CHROMIUM} is missing: browser tests did NOT run. "
            "Install Chromium with `make e2e-deps` (apt-get install chromium). !!!"
        )
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls
    # (setting up data, running the worker, checking results) are synchronous and safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
    # The ORM calls ran beside Playwright's event loop, on a connection of their own;
    # close it so the test database can be dropped.
    connections.close_all()


@pytest.fixture
def new_page(browser, live_server) -> Callable[..., Any]:
    """A page in a fresh context: `new_page(viewport=PHONE, locale="de-DE", init_script=...)`."""
    contexts = []

    def make(
        *,
        viewport: dict[str, int] | None = None,
        locale: str = "en-US",
        init_script: str | None = None,
        timeout: int = 15_000,
    ):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or {"width": 1400, "height": 900},
            locale=locale,
            accept_downloads=True,
        )
        if init_script:
            context.add_init_script(init_script)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(timeout)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A desktop page in English."""
    return new_page()
