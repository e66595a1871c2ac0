"""The Content-Security-Policy of the UI (issue 10, finding 4) and what it needs: no inline
script, event handler or style attribute in any template."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

import faktura

TEMPLATES = sorted(Path(faktura.__file__).parent.glob("*/templates/**/*.html"))
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "style element": re.compile(r"<style", re.I),
    "hx-on (evaluated)": re.compile(r"\shx-on", re.I),
}


def test_html_pages_send_the_policy(browser, client, db):
    for response in (browser.get(reverse("web:task_list")), client.get(reverse("web:login"))):
        assert response["Content-Security-Policy"] == settings.FAKTURA_CSP
    policy = settings.FAKTURA_CSP
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_api_answers_and_logos_keep_their_own_headers(api):
    assert "Content-Security-Policy" not in api.get("tenant")


def test_no_template_has_inline_script_or_style():
    assert TEMPLATES
    found = [
        f"{path.relative_to(path.parents[3])}: {what}"
        for path in TEMPLATES
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text())
    ]
    assert found == []


def test_htmx_injects_no_styles_and_evaluates_nothing(browser):
    page = browser.get(reverse("web:task_list")).content.decode()
    assert '"includeIndicatorStyles": false' in page and '"allowEval": false' in page


def test_the_accent_colour_comes_from_a_style_sheet(client, db):
    css = client.get(reverse("web:theme_css"), {"c": "7A1F5C"})
    assert css["Content-Type"] == "text/css"
    assert css.content.decode() == ":root { --accent: #7a1f5c; }\n"
    injected = client.get(reverse("web:theme_css"), {"c": "000;} body{display:none"})
    assert injected.content.decode() == ":root { --accent: #1f4e79; }\n"


def test_the_api_docs_load_swagger_from_this_server(client, db):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn." not in page
