"""Every response says how long the server took (Server-Timing), pages and API alike."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_responses_carry_their_server_time(client):
    for url in ("/login/", "/api/v1/openapi.json", "/no-such-page/"):
        response = client.get(url)
        match = re.fullmatch(r"app;dur=(\d+\.\d)", response["Server-Timing"])
        assert match, (url, response.get("Server-Timing"))
        assert 0 <= float(match.group(1)) < 60_000
