"""Read queries of tenancy."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.utils import timezone

from faktura.tenancy.models import (
    LOGO_CONTENT_TYPES,
    ApiToken,
    Invitation,
    Membership,
    Team,
    Tenant,
)


def memberships_of_user(user) -> QuerySet[Membership]:
    return Membership.objects.select_related("tenant").filter(user=user, is_active=True)


def membership_list(*, tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.select_related("user", "team").filter(tenant=tenant)


def invitation_list(*, tenant: Tenant, open_only: bool = False) -> QuerySet[Invitation]:
    """The company's invitations, newest first; `open_only`: not accepted and not revoked
    (pending or expired, which can be sent again)."""
    qs = Invitation.objects.select_related("team").filter(tenant=tenant)
    if open_only:
        qs = qs.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    return qs


def team_list(*, tenant: Tenant) -> QuerySet[Team]:
    return Team.objects.filter(tenant=tenant)


def token_list(*, tenant: Tenant, membership: Membership | None, all_members: bool) -> QuerySet:
    qs = ApiToken.objects.select_related("membership__user").filter(tenant=tenant)
    if not all_members and membership is not None:
        qs = qs.filter(membership=membership)
    return qs


@dataclass(frozen=True)
class Logo:
    name: str  # the storage name, logos/<tenant id>/<sha256>.<kind>
    sha256: str
    content_type: str


def tenant_logo(*, tenant: Tenant) -> Logo | None:
    """The tenant's current logo as stored (from its name alone; no storage access)."""
    name = tenant.logo.name if tenant.logo else ""
    if not name:
        return None
    path = PurePosixPath(name)
    kind = path.suffix.lstrip(".").lower()
    return Logo(
        name=name,
        sha256=path.stem,
        content_type=LOGO_CONTENT_TYPES.get(kind, "application/octet-stream"),
    )


def tenant_logo_content(*, tenant: Tenant) -> tuple[Logo, bytes] | None:
    """The tenant's current logo and its bytes, or None when it has none (or the file is gone)."""
    logo = tenant_logo(tenant=tenant)
    if logo is None:
        return None
    try:
        with default_storage.open(logo.name, "rb") as handle:
            return logo, handle.read()
    except FileNotFoundError:
        return None


def tenant_today(tenant: Tenant, now: dt.datetime | None = None) -> dt.date:
    """Today in the tenant's time zone (days, months, years and due dates are cut there)."""
    now = now or timezone.now()
    return now.astimezone(zoneinfo.ZoneInfo(tenant.timezone)).date()


def account_exists(email: str) -> bool:
    """Whether a login exists for the e-mail address. Only for the accept page, whose
    visitor holds the invitation sent to that address; never shown to an inviter."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=email.lower()).exists()
