"""Fixtures shared by every test: tenants, members of each role, and an API client."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from faktura.catalog.services import units_ensure_defaults
from faktura.common.context import CommandContext
from faktura.tenancy.inputs import MembershipProvision, TenantCreate, TokenCreate
from faktura.tenancy.models import Membership, Tenant
from faktura.tenancy.services import membership_provision, tenant_create, token_create

# Property tests: in CI (the `CI` environment variable is set) every run draws the same examples
# (derandomize: the seed follows from each test), so a red build is reproducible and a green one
# is not luck; locally each run explores new examples. A shared, busy machine is no finding, so
# there is no deadline in either profile.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


@dataclass
class Api:
    """A JSON client for /api/v1 acting as one membership."""

    client: Client
    token: str
    membership: Membership | None

    def _call(self, method: str, path: str, data: Any = None, raw: str | None = None, **extra):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra)
        body = raw if raw is not None else (json.dumps(data) if data is not None else None)
        kwargs = {"content_type": "application/json"} if body is not None else {}
        if body is not None:
            kwargs["data"] = body
        return getattr(self.client, method)(url, **kwargs, **headers)

    def get(self, path: str, **params):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        return self.client.get(url, params, **headers)

    def post(self, path: str, data: Any = None, **kw):
        return self._call("post", path, data, **kw)

    def patch(self, path: str, data: Any = None, **kw):
        return self._call("patch", path, data, **kw)

    def put(self, path: str, data: Any = None, **kw):
        return self._call("put", path, data, **kw)

    def delete(self, path: str, **kw):
        return self._call("delete", path, **kw)


def make_tenant(name: str = "Acme IT GmbH", email: str = "owner@acme.test") -> Membership:
    tenant, owner = tenant_create(
        data=TenantCreate(
            name=name,
            owner_email=email,
            owner_password="correct-horse-9",
            owner_name="Olivia Owner",
            street="Hauptstraße 1",
            postal_code="10115",
            city="Berlin",
            country="DE",
            vat_id="DE136695976",
        )
    )
    units_ensure_defaults(tenant=tenant)
    return owner


@pytest.fixture(autouse=True)
def _invariants_hold_afterwards(request):
    """After every test that used the database, the billing and receivables invariants
    (DESIGN.md section 4) hold over the whole database: every scenario is also a proof that
    nothing was billed twice or lost. Tests that break them on purpose say so with
    `invariants_broken`."""
    marked = request.node.get_closest_marker("django_db") is not None
    fixtures = {"db", "transactional_db"} & set(request.fixturenames)
    if fixtures and not marked:
        # Set the database up inside this fixture, so the check runs before it is rolled back.
        request.getfixturevalue(max(fixtures))  # transactional_db over db
    yield
    if not (marked or fixtures) or request.node.get_closest_marker("invariants_broken"):
        return
    from faktura.billing.invariants import check_invariants
    from faktura.receivables.invariants import check_invariants as receivables_invariants

    problems = check_invariants() + receivables_invariants()
    assert not problems, "billing invariants broken:\n" + "\n".join(
        f"{p.code}: {p.message}" for p in problems[:10]
    )


@pytest.fixture(autouse=True)
def _login_throttling_starts_clean(request):
    """Failed sign-ins of one test never lock out a later test's logins. django-axes keeps
    them in the database, which each test rolls back or flushes already; this resets them
    explicitly as well, so no test depends on how the database is cleaned."""
    fixtures = {"db", "transactional_db"} & set(request.fixturenames)
    if fixtures:
        request.getfixturevalue(max(fixtures))  # set up first, so it is torn down after us
    yield
    if fixtures:
        from axes.utils import reset

        reset()


@pytest.fixture(autouse=True)
def _language_starts_as_configured():
    """A request in German leaves German active in the thread (Django's locale middleware
    activates the user's language and does not restore it); every test starts and ends in
    the configured language, so no message a test checks depends on the test before it."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests that do not test hashing use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def owner(db) -> Membership:
    return make_tenant()


@pytest.fixture
def tenant(owner) -> Tenant:
    return owner.tenant


@pytest.fixture
def ctx(owner) -> CommandContext:
    return CommandContext(tenant=owner.tenant, membership=owner, user=owner.user, source="api")


@pytest.fixture
def make_member(owner):
    """make_member(role) -> a new membership of the owner's tenant with that role."""
    counter = iter(range(1, 10_000))

    def make(role: str = "member", **kwargs) -> Membership:
        n = next(counter)
        # Provisioned by the operator (a system context): people in the product invite.
        system = CommandContext(tenant=owner.tenant, source="cli")
        data = MembershipProvision(
            email=kwargs.pop("email", f"{role}{n}@acme.test"),
            role=role,
            name=kwargs.pop("name", f"{role.title()} {n}"),
            password="correct-horse-9",
            **kwargs,
        )
        return membership_provision(system, data=data)

    return make


def api_for(membership: Membership) -> Api:
    ctx = CommandContext(
        tenant=membership.tenant, membership=membership, user=membership.user, source="cli"
    )
    _, raw = token_create(ctx, data=TokenCreate(name="test"))
    return Api(client=Client(), token=raw, membership=membership)


@pytest.fixture
def api(owner) -> Api:
    """The owner's API client."""
    return api_for(owner)


@pytest.fixture
def api_as(make_member):
    """api_as(role) -> an API client for a new member with that role."""

    def make(role: str) -> Api:
        return api_for(make_member(role))

    return make


@pytest.fixture
def other_owner(db) -> Membership:
    """The owner of a second, unrelated tenant."""
    return make_tenant("Other Systems AG", "owner@other.test")


@pytest.fixture
def other_api(other_owner) -> Api:
    return api_for(other_owner)


@pytest.fixture
def anon_api(db) -> Api:
    return Api(client=Client(), token="", membership=None)
