"""Typed inputs of tenancy's use cases: types and limits declared once, for the API body,
the UI form and the service alike."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StrictStr

from faktura.common.inputs import problem
from faktura.common.schemas import Id
from faktura.core.time_rounding import policy_problems
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


def _policy_field(name: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        found = policy_problems({name: value})
        if found:
            raise problem(found[0].code, found[0].message)
        return value

    return AfterValidator(check)  # type: ignore[return-value]


class TimeRounding(BaseModel):
    """A time-rounding rule (core's RoundingPolicy): increment, direction, minimum, level."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    increment_minutes: Annotated[StrictInt, _policy_field("increment_minutes")] = 15
    direction: Annotated[StrictStr, _policy_field("direction")] = "up"
    minimum_minutes: Annotated[StrictInt, _policy_field("minimum_minutes")] = 0
    level: Annotated[StrictStr, _policy_field("level")] = "entry"
