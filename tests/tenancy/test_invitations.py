"""Invitations instead of pre-registration (issue 10, finding 1: account pre-hijacking).

Adding a member never creates or changes a login and never discloses anything about an
existing account; the person joins by accepting a signed, expiring, single-use link.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from faktura.common.models import AuditEvent
from faktura.tenancy.models import Invitation, Membership

User = get_user_model()

ANSWER_KEYS = {
    "id", "email", "role", "team_id", "default_billing_rate", "status", "expires_at",
    "accepted_at", "membership_id", "created_at", "accept_url", "replaced",
}  # fmt: skip


def _path(answer: dict) -> str:
    return answer["accept_url"].removeprefix("http://testserver")


def _invite(api, email: str, role: str = "member", **extra):
    return api.post("memberships", {"email": email, "role": role, **extra})


def test_an_inviter_cannot_set_a_password_or_a_name(api):
    """Before: POST /memberships created the login with the caller's password."""
    answer = _invite(api, "victim@example.test", password="attacker-knows-1", name="V")

    assert answer.status_code == 400
    assert set(answer.json()["error"]["fields"]) == {"password", "name"}
    assert not User.objects.filter(username="victim@example.test").exists()


def test_inviting_creates_no_login_and_no_membership_until_accepted(
    api, tenant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = _invite(api, "Neo@Example.test", "approver")

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert set(body) == ANSWER_KEYS
    assert (body["email"], body["role"], body["status"]) == (
        "neo@example.test",
        "approver",
        "pending",
    )
    assert not User.objects.filter(username="neo@example.test").exists()
    assert not Membership.objects.filter(tenant=tenant, user__username="neo@example.test").exists()
    # the link went out by e-mail, and only its hash is stored
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["neo@example.test"]
    assert body["accept_url"] in mail.outbox[0].body
    token = _path(body).rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get(pk=body["id"])
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(Invitation.objects.values_list()))
    assert AuditEvent.objects.filter(action="membership_invite", object_id=str(body["id"])).exists()


def test_the_answer_does_not_tell_an_existing_account_from_a_new_one(api, other_owner):
    """Before: adding an e-mail that had a login answered with the person's name and made
    them a member of a company they never agreed to join."""
    existing = _invite(api, other_owner.user.email, "owner").json()
    new = _invite(api, "nobody-yet@example.test", "owner").json()

    def comparable(body):
        skip = ("id", "email", "accept_url", "expires_at", "created_at")  # differ by moments
        return {k: v for k, v in body.items() if k not in skip}

    assert comparable(existing) == comparable(new)
    assert "Olivia" not in str(existing) and "Other Systems" not in str(existing)
    assert not Membership.objects.filter(
        tenant=api.membership.tenant, user=other_owner.user
    ).exists()
    other_owner.user.refresh_from_db()
    assert other_owner.user.check_password("correct-horse-9")


def test_a_new_person_sets_their_own_password_and_joins(api, tenant):
    body = _invite(api, "neo@example.test", "approver").json()
    client = Client()

    page = client.get(_path(body))
    assert page.status_code == 200
    assert "Acme IT GmbH" in page.content.decode() and 'name="password1"' in page.content.decode()
    weak = client.post(
        _path(body), {"name": "Neo", "password1": "password1", "password2": "password1"}
    )
    assert weak.status_code == 200
    assert "too common" in weak.content.decode()
    assert not User.objects.filter(username="neo@example.test").exists()

    joined = client.post(
        _path(body),
        {
            "name": "Neo Anderson",
            "password1": "follow-the-rabbit-7",
            "password2": "follow-the-rabbit-7",
        },
    )

    assert joined.status_code == 302
    membership = Membership.objects.get(tenant=tenant, user__username="neo@example.test")
    assert (membership.role, membership.is_active) == ("approver", True)
    assert membership.user.get_full_name() == "Neo Anderson"
    assert membership.user.check_password("follow-the-rabbit-7")
    assert client.get("/work/tasks/").status_code == 200  # signed in
    assert Invitation.objects.get(pk=body["id"]).status == "accepted"


def test_the_link_works_once(api):
    body = _invite(api, "neo@example.test").json()
    data = {"name": "Neo", "password1": "follow-the-rabbit-7", "password2": "follow-the-rabbit-7"}
    assert Client().post(_path(body), data).status_code == 302

    again = Client().post(_path(body), data)

    assert again.status_code == 410
    assert "accepted already" in again.content.decode()


def test_an_existing_account_signs_in_and_accepts(api, tenant, other_owner):
    body = _invite(api, other_owner.user.email, "billing").json()
    anonymous = Client()
    page = anonymous.get(_path(body)).content.decode()
    assert "Sign in to accept" in page and 'name="password1"' not in page
    # no password can be set for an existing account through the link
    anonymous.post(
        _path(body), {"name": "X", "password1": "hijack-now-123", "password2": "hijack-now-123"}
    )
    other_owner.user.refresh_from_db()
    assert other_owner.user.check_password("correct-horse-9")
    assert not Membership.objects.filter(tenant=tenant, user=other_owner.user).exists()

    client = Client()
    client.force_login(other_owner.user)
    accepted = client.post(_path(body))

    assert accepted.status_code == 302
    membership = Membership.objects.get(tenant=tenant, user=other_owner.user)
    assert membership.role == "billing"
    assert client.session["faktura_tenant_id"] == tenant.pk


def test_another_signed_in_account_cannot_accept(api, tenant, other_owner):
    body = _invite(api, "neo@example.test").json()
    client = Client()
    client.force_login(other_owner.user)

    response = client.post(_path(body))

    assert response.status_code == 403
    assert "signed in with another account" in response.content.decode()
    assert not Membership.objects.filter(tenant=tenant, user=other_owner.user).exists()
    assert Invitation.objects.get(pk=body["id"]).status == "pending"


def test_expired_tampered_and_revoked_links_say_so(api):
    body = _invite(api, "neo@example.test").json()
    Invitation.objects.filter(pk=body["id"]).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = Client().get(_path(body))
    assert expired.status_code == 410 and "has expired" in expired.content.decode()

    tampered = Client().get(_path(body)[:-3] + "xyz/")
    assert tampered.status_code == 404 and "not valid" in tampered.content.decode()

    body = _invite(api, "trin@example.test").json()
    assert api.delete(f"invitations/{body['id']}").json()["status"] == "revoked"
    revoked = Client().get(_path(body))
    assert revoked.status_code == 410 and "withdrawn" in revoked.content.decode()


def test_reinviting_replaces_the_earlier_link(api):
    first = _invite(api, "neo@example.test", "member").json()
    second = _invite(api, "neo@example.test", "approver").json()

    assert second["replaced"] is True
    assert Client().get(_path(first)).status_code == 410
    assert Client().get(_path(second)).status_code == 200
    assert [i["status"] for i in api.get("invitations").json()["items"]] == ["pending", "revoked"]


def test_resend_gives_a_new_link_and_the_old_one_stops(api, django_capture_on_commit_callbacks):
    first = _invite(api, "neo@example.test").json()
    with django_capture_on_commit_callbacks(execute=True):
        resent = api.post(f"invitations/{first['id']}/resend")

    assert resent.status_code == 200
    assert resent.json()["accept_url"] != first["accept_url"]
    assert len(mail.outbox) == 1
    assert Client().get(_path(first)).status_code == 410
    assert Client().get(_path(resent.json())).status_code == 200


def test_inviting_a_member_again_is_refused(api, make_member):
    member = make_member("member")
    answer = _invite(api, member.user.email)
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"email": "Already a member."}


def test_who_may_invite(api_as):
    assert _invite(api_as("billing"), "y@example.test").status_code == 403
    admin = api_as("admin")
    refused = _invite(admin, "boss@example.test", "owner")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "owner_protected"
    assert _invite(admin, "x@example.test", "admin").status_code == 201


def test_invitations_of_another_tenant_are_invisible(api, other_api):
    body = _invite(api, "neo@example.test").json()
    assert other_api.delete(f"invitations/{body['id']}").status_code == 404
    assert other_api.post(f"invitations/{body['id']}/resend").status_code == 404
    assert other_api.get("invitations").json()["items"] == []


@pytest.mark.parametrize("role", ["member", "billing"])
def test_invitation_list_needs_the_members_capability(api_as, role):
    assert api_as(role).get("invitations").status_code == 403


def test_the_invitation_email_is_in_the_companys_language(
    api, tenant, django_capture_on_commit_callbacks
):
    tenant.language = "de"
    tenant.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        _invite(api, "neo@example.test", "billing")

    message = mail.outbox[0]
    assert message.subject == "Einladung zu Acme IT GmbH in Faktura"
    assert "Olivia Owner lädt Sie ein" in message.body


def test_an_accepted_invitation_can_be_neither_withdrawn_nor_sent_again(api):
    body = _invite(api, "neo@example.test").json()
    data = {"name": "Neo", "password1": "follow-the-rabbit-7", "password2": "follow-the-rabbit-7"}
    assert Client().post(_path(body), data).status_code == 302

    for response in (
        api.delete(f"invitations/{body['id']}"),
        api.post(f"invitations/{body['id']}/resend"),
    ):
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "invitation_not_pending"
    accepted = api.get("invitations").json()["items"][0]
    assert accepted["status"] == "accepted" and accepted["membership_id"] is not None
