"""Login throttling per account and per address (issue 10, finding 3: 30 wrong passwords in
7 s, then the right one worked; the same on /admin/login/)."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from faktura.tenancy.inputs import MembershipProvision
from faktura.tenancy.services import membership_provision

LOGIN = reverse("web:login")
RIGHT = "correct-horse-9"


def _fail(client: Client, username: str, times: int, url: str = LOGIN, **extra) -> list[int]:
    return [
        client.post(url, {"username": username, "password": "wrong-guess"}, **extra).status_code
        for _ in range(times)
    ]


def _sign_in(client: Client, username: str = "owner@acme.test", url: str = LOGIN, **extra):
    return client.post(url, {"username": username, "password": RIGHT}, **extra)


def test_wrong_passwords_lock_the_account_even_for_the_right_one(client, owner):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = _fail(client, "owner@acme.test", limit)
    assert statuses[:-1] == [200] * (limit - 1)
    assert statuses[-1] == 429

    refused = _sign_in(client)

    assert refused.status_code == 429
    assert "Too many failed sign-in attempts" in refused.content.decode()
    assert client.get(reverse("web:task_list")).status_code == 302  # not signed in


def test_after_the_cool_off_the_right_password_works(client, owner):
    _fail(client, "owner@acme.test", settings.AXES_FAILURE_LIMIT)
    assert _sign_in(client).status_code == 429

    # the cool-off passes
    earlier = settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1)
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=attempt.attempt_time - earlier
        )

    assert _sign_in(client).status_code == 302


def test_the_account_is_counted_whatever_the_address_and_the_spelling(client, owner):
    """Guessing from many addresses, or with the e-mail in other letter cases, still counts
    against the one account."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        spelled = "Owner@Acme.test" if n % 2 else "owner@ACME.TEST"
        _fail(client, spelled, 1, REMOTE_ADDR=f"198.51.100.{n + 1}")

    assert _sign_in(client, REMOTE_ADDR="203.0.113.9").status_code == 429


def test_the_address_is_counted_across_accounts(client, owner, make_member):
    other = make_member("member")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail(client, f"guess{n}@acme.test", 1, REMOTE_ADDR="198.51.100.7")

    assert _sign_in(client, other.user.email, REMOTE_ADDR="198.51.100.7").status_code == 429
    assert _sign_in(Client(), other.user.email, REMOTE_ADDR="198.51.100.8").status_code == 302


def test_a_successful_sign_in_resets_the_count(client, owner):
    limit = settings.AXES_FAILURE_LIMIT
    _fail(client, "owner@acme.test", limit - 1)
    assert _sign_in(client).status_code == 302
    client.post(reverse("web:logout"))

    assert _fail(client, "owner@acme.test", limit - 1) == [200] * (limit - 1)
    assert _sign_in(client).status_code == 302


def test_the_admin_login_is_throttled_too(owner, django_user_model):
    admin = django_user_model.objects.create_superuser(
        "root@acme.test", "root@acme.test", "admin-password-77"
    )
    client = Client()
    url = "/admin/login/?next=/admin/"
    statuses = _fail(client, admin.username, settings.AXES_FAILURE_LIMIT, url=url)
    assert statuses[-1] == 429

    refused = client.post(url, {"username": admin.username, "password": "admin-password-77"})

    assert refused.status_code == 429
    assert "Too many failed sign-in attempts" in refused.content.decode()
    assert client.get("/admin/").status_code == 302


def test_api_tokens_are_not_affected(client, api, owner):
    _fail(client, "owner@acme.test", settings.AXES_FAILURE_LIMIT)
    assert _sign_in(client).status_code == 429

    assert api.get("tenant").status_code == 200


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Too many failed sign-in attempts"), ("de", "Zu viele fehlgeschlagene Anmeldungen")],
)
def test_the_lockout_message_is_in_the_users_language(owner, language, text):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    _fail(client, "owner@acme.test", settings.AXES_FAILURE_LIMIT)

    assert text in _sign_in(client).content.decode()


def test_a_provisioned_login_signs_in(client, owner):
    from faktura.common.context import CommandContext

    membership_provision(
        CommandContext(tenant=owner.tenant, source="cli"),
        data=MembershipProvision(email="new@acme.test", password="brand-new-pass-5"),
    )
    assert (
        client.post(
            LOGIN, {"username": "new@acme.test", "password": "brand-new-pass-5"}
        ).status_code
        == 302
    )
