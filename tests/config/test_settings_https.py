"""FAKTURA_HTTPS=1 behind a TLS proxy (issue 10, finding 4: signing in through the proxy
answered 403, the CSRF check refusing the https origin)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from faktura.config.settings import https_settings
from faktura.web.security import client_ip

LOGIN = reverse("web:login")
# What the TLS proxy passes on: the browser's Host and Origin, and the scheme it spoke.
THROUGH_PROXY = {
    "HTTP_HOST": "faktura.example.com",
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_ORIGIN": "https://faktura.example.com",
}


def _sign_in(client: Client):
    client.get(LOGIN, **THROUGH_PROXY)
    token = client.cookies["csrftoken"].value
    return client.post(
        LOGIN,
        {
            "username": "owner@acme.test",
            "password": "correct-horse-9",
            "csrfmiddlewaretoken": token,
        },
        **THROUGH_PROXY,
    )


@pytest.fixture
def behind_tls_proxy(settings):
    for name, value in https_settings(True).items():
        setattr(settings, name, value)


def test_signing_in_through_the_tls_proxy_works(owner, behind_tls_proxy):
    client = Client(enforce_csrf_checks=True)

    response = _sign_in(client)

    assert response.status_code == 302, response.content[:300]
    assert response.cookies["sessionid"]["secure"]
    assert client.cookies["csrftoken"]["secure"]
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert client.get(reverse("web:task_list"), **THROUGH_PROXY).status_code == 200


def test_without_the_https_settings_the_proxys_origin_is_refused(owner, settings):
    """What FAKTURA_HTTPS=1 fixes: the request looks like plain http, the origin does not."""
    for name, value in https_settings(False).items():
        setattr(settings, name, value)

    assert _sign_in(Client(enforce_csrf_checks=True)).status_code == 403


def test_the_environment_switches_the_https_settings(tmp_path):
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "faktura.config.settings",
        "FAKTURA_DATA_DIR": str(tmp_path),
    }
    on = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "FAKTURA_HTTPS": "1", "FAKTURA_HSTS_SECONDS": "600"},
        capture_output=True,
        text=True,
        check=True,
    )
    off = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )

    assert on.stdout.split() == ["('HTTP_X_FORWARDED_PROTO',", "'https')", "True", "True", "600"]
    assert off.stdout.split() == ["None", "False", "False", "0"]


def test_login_throttling_counts_the_address_the_proxy_saw(rf, settings):
    request = rf.post(LOGIN, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    settings.FAKTURA_TRUST_FORWARDED_FOR = False
    assert client_ip(request) == "10.0.0.2"  # directly exposed: the header could be anything
    settings.FAKTURA_TRUST_FORWARDED_FOR = True
    assert client_ip(request) == "203.0.113.5"  # the entry our proxy appended, not the client's
