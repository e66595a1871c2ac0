"""Helpers the browser tests share (the fixtures are in conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(os.environ.get("FAKTURA_SCREENSHOTS", "/tmp"))
EMAIL, PASSWORD = "jana@nordlicht.test", "correct-horse-9"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def sign_in(page, email: str = EMAIL, password: str = PASSWORD, *, start: str = "/login/"):
    """Signs in through the form, starting from `start` (a protected page redirects to it)."""
    page.goto(start)
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


def shot(page, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(SHOTS / f"faktura-e2e-{name}.png"), full_page=full_page)
