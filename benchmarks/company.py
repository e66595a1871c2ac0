"""The synthetic company every benchmark builds and deletes: a tenant with an owner whose
user names end in ``USER_DOMAIN``, and a deletion that clears the big tables by SQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import connection, transaction

from faktura.tenancy.inputs import TenantCreate
from faktura.tenancy.models import Membership, Tenant
from faktura.tenancy.services import tenant_create

USER_DOMAIN = "bench.invalid"


def company_create(name: str, slug_prefix: str) -> tuple[Tenant, Membership]:
    """A German company named `name` with a slug starting `slug_prefix` (so leftovers of a
    killed run can be found) and its owner."""
    slug = f"{slug_prefix}{uuid.uuid4().hex[:8]}"
    return tenant_create(
        data=TenantCreate(
            name=name,
            slug=slug,
            owner_email=f"owner@{slug}.{USER_DOMAIN}",
            owner_password=uuid.uuid4().hex,
            street="Benchweg 1",
            postal_code="10115",
            city="Berlin",
            country="DE",
            vat_id="DE136695976",
        )
    )


def member_username(tenant_slug: str, n: int) -> str:
    return f"m{n}@{tenant_slug}.{USER_DOMAIN}"


def company_delete(
    tenant: Tenant,
    tables: Iterable[str],
    *,
    statements: Iterable[str] = (),
    triggers_off: bool = False,
) -> None:
    """Delete the company in one transaction: first each of `statements` (SQL taking the
    tenant id as its one parameter), then the rows of `tables` by tenant id, then the rest
    through the ORM. `triggers_off`: on PostgreSQL with the issued-invoice triggers off,
    which needs a superuser (issued invoices are never deleted otherwise)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            if triggers_off and connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = replica")
            for sql in statements:
                cursor.execute(sql, [tenant.pk])
            for table in tables:
                cursor.execute(
                    f"DELETE FROM {connection.ops.quote_name(table)} WHERE tenant_id = %s",
                    [tenant.pk],
                )
        Tenant.objects.filter(pk=tenant.pk).delete()
        User.objects.filter(username__endswith=f"@{tenant.slug}.{USER_DOMAIN}").delete()


def companies_left(slug_prefix: str) -> list[Tenant]:
    """The companies that killed or ``--keep`` runs left behind."""
    return list(Tenant.objects.filter(slug__startswith=slug_prefix))
