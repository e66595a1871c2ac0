"""Typed inputs of tenancy's use cases: types and limits declared once, for the API body,
the UI form and the service alike."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from faktura.common.schemas import Id
from faktura.tenancy.roles import Role


class MembershipInvite(BaseModel):
    """Invite a person by e-mail. No name and no password: the person chooses them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    email: str = Field(..., max_length=254)
    role: Role = Role.MEMBER
    team_id: Id | None = None
    default_billing_rate: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=6)


class InvitationAccept(BaseModel):
    """A new person's account, made when they accept an invitation."""

    model_config = ConfigDict(frozen=True)

    name: str = Field("", max_length=150)
    password: str = Field(..., min_length=1, max_length=128)
