"""Read queries of tenancy."""

from __future__ import annotations

from django.db.models import QuerySet

from faktura.tenancy.models import ApiToken, Membership, Team, Tenant


def memberships_of_user(user) -> QuerySet[Membership]:
    return Membership.objects.select_related("tenant").filter(user=user, is_active=True)


def membership_list(*, tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.select_related("user", "team").filter(tenant=tenant)


def team_list(*, tenant: Tenant) -> QuerySet[Team]:
    return Team.objects.filter(tenant=tenant)


def token_list(*, tenant: Tenant, membership: Membership | None, all_members: bool) -> QuerySet:
    qs = ApiToken.objects.select_related("membership__user").filter(tenant=tenant)
    if not all_members and membership is not None:
        qs = qs.filter(membership=membership)
    return qs
