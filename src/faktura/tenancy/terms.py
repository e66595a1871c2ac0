"""A member's dated working terms: internal cost rate and weekly target of hours
(`MembershipTerms`). Owners and admins (`manage_members`) read and set them: a cost rate is
what the company pays, which the other roles do not see."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from faktura.common.context import CommandContext
from faktura.common.errors import NotFound
from faktura.common.services import audit_record
from faktura.tenancy.inputs import MembershipTermsSet
from faktura.tenancy.models import Membership, MembershipTerms


def _membership(ctx: CommandContext, membership_id: int) -> Membership:
    membership = Membership.objects.filter(tenant=ctx.tenant, pk=membership_id).first()
    if membership is None:
        raise NotFound("Membership not found.")
    return membership


def membership_terms_list(ctx: CommandContext, *, membership_id: int) -> QuerySet[MembershipTerms]:
    """The member's terms, the latest first."""
    ctx.require("manage_members")
    membership = _membership(ctx, membership_id)
    return MembershipTerms.objects.filter(tenant=ctx.tenant, membership=membership).order_by(
        "-valid_from"
    )


def membership_terms_set(
    ctx: CommandContext, *, membership_id: int, data: MembershipTermsSet
) -> MembershipTerms:
    """The member's terms from ``data.valid_from`` on; terms of the same day are replaced
    (a correction), later and earlier ones stay."""
    ctx.require("manage_members")
    with transaction.atomic():
        membership = _membership(ctx, membership_id)
        terms, created = MembershipTerms.objects.select_for_update().update_or_create(
            tenant=ctx.tenant,
            membership=membership,
            valid_from=data.valid_from,
            defaults={"cost_rate": data.cost_rate, "weekly_hours": data.weekly_hours},
        )
        audit_record(
            ctx,
            action="membership_terms_set",
            obj=terms,
            data={
                "membership_id": membership.pk,
                "valid_from": data.valid_from.isoformat(),
                "cost_rate": None if data.cost_rate is None else str(data.cost_rate),
                "weekly_hours": None if data.weekly_hours is None else str(data.weekly_hours),
                "created": created,
            },
        )
    terms.refresh_from_db()  # the stored decimals (30 -> 30.00)
    return terms


def membership_terms_delete(ctx: CommandContext, *, membership_id: int, terms_id: int) -> None:
    """Remove one dated row (the terms before it apply again from its day)."""
    ctx.require("manage_members")
    with transaction.atomic():
        membership = _membership(ctx, membership_id)
        terms = MembershipTerms.objects.filter(
            tenant=ctx.tenant, membership=membership, pk=terms_id
        ).first()
        if terms is None:
            raise NotFound("Terms not found.")
        audit_record(
            ctx,
            action="membership_terms_delete",
            obj=terms,
            data={"membership_id": membership.pk, "valid_from": terms.valid_from.isoformat()},
        )
        terms.delete()
