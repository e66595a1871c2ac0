"""Password reset by e-mail and password change in the UI, with Django's password
validators (issue 10, finding 1)."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

LOGIN = reverse("web:login")


def _signs_in(email: str, password: str) -> bool:
    return Client().post(LOGIN, {"username": email, "password": password}).status_code == 302


def test_password_reset_by_email(client, owner):
    page = client.get(LOGIN).content.decode()
    assert reverse("web:password_reset") in page

    sent = client.post(reverse("web:password_reset"), {"email": "owner@acme.test"})

    assert sent.status_code == 302 and sent["Location"] == reverse("web:password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["owner@acme.test"]
    link = re.search(r"http://testserver(/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    form_url = form.redirect_chain[-1][0]

    common = client.post(form_url, {"new_password1": "password123", "new_password2": "password123"})
    assert "too common" in common.content.decode()

    done = client.post(
        form_url, {"new_password1": "a-new-secret-42", "new_password2": "a-new-secret-42"}
    )

    assert done.status_code == 302 and done["Location"] == reverse("web:password_reset_complete")
    assert _signs_in("owner@acme.test", "a-new-secret-42")
    assert not _signs_in("owner@acme.test", "correct-horse-9")
    # the link works once
    again = client.get(link, follow=True).content.decode()
    assert "This link is not valid" in again


def test_password_reset_does_not_tell_whether_an_account_exists(client, db):
    sent = client.post(reverse("web:password_reset"), {"email": "nobody@acme.test"})

    assert sent.status_code == 302 and sent["Location"] == reverse("web:password_reset_done")
    assert mail.outbox == []


def test_password_reset_pages_are_in_german(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    page = client.get(reverse("web:password_reset")).content.decode()
    assert "Passwort zurücksetzen" in page


def test_password_change(browser, owner):
    url = reverse("web:password_change")
    assert 'name="old_password"' in browser.get(url).content.decode()

    wrong = browser.post(
        url,
        {
            "old_password": "nope",
            "new_password1": "x-y-z-secret-9",
            "new_password2": "x-y-z-secret-9",
        },
    )
    assert wrong.status_code == 200
    common = browser.post(
        url,
        {
            "old_password": "correct-horse-9",
            "new_password1": "qwerty123",
            "new_password2": "qwerty123",
        },
    )
    assert "too common" in common.content.decode()

    changed = browser.post(
        url,
        {
            "old_password": "correct-horse-9",
            "new_password1": "x-y-z-secret-9",
            "new_password2": "x-y-z-secret-9",
        },
    )

    assert changed.status_code == 302
    assert browser.get(reverse("web:task_list")).status_code == 200  # still signed in
    assert _signs_in("owner@acme.test", "x-y-z-secret-9")


def test_the_password_change_needs_a_sign_in(client, db):
    assert client.get(reverse("web:password_change")).status_code == 302


def test_reset_links_point_to_the_configured_address(client, owner, settings):
    """A forged Host header must not put another site into the link (it would receive the
    token when the person clicks)."""
    settings.FAKTURA_BASE_URL = "https://faktura.example.com"

    client.post(reverse("web:password_reset"), {"email": "owner@acme.test"}, HTTP_HOST="evil.test")

    body = mail.outbox[0].body
    assert "https://faktura.example.com/password/reset/" in body and "evil.test" not in body


def test_invitation_links_point_to_the_configured_address(api, settings):
    settings.FAKTURA_BASE_URL = "https://faktura.example.com/"
    answer = api.post("memberships", {"email": "neo@example.test"}, HTTP_HOST="evil.test")
    assert answer.json()["accept_url"].startswith("https://faktura.example.com/invitation/")
