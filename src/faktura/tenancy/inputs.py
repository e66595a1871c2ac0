"""Typed inputs of tenancy's use cases: types and limits declared once, for the API body,
the UI form and the service alike."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar

from django.utils.translation import gettext
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
)

from faktura.common.inputs import (
    Bic,
    CashDiscountDays,
    Country,
    Currency,
    Day,
    Email,
    HexColor,
    Iban,
    Input,
    Language,
    LongText,
    PaymentTermsDays,
    PeppolId,
    Text,
    TimeRounding,
    TimeZone,
    UnitPrice,
    VatId,
    lines,
    problem,
)
from faktura.common.schemas import CashDiscountPercent, Id
from faktura.core.numbering import validate_format
from faktura.tenancy.models import BillingTrigger, Tenant
from faktura.tenancy.roles import Role


class MembershipInvite(BaseModel):
    """Invite a person by e-mail. No name and no password: the person chooses them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    email: Annotated[Email, StringConstraints(min_length=1)]
    role: Role = Role.MEMBER
    team_id: Id | None = None
    default_billing_rate: UnitPrice | None = None


class InvitationAccept(BaseModel):
    """A new person's account, made when they accept an invitation."""

    model_config = ConfigDict(frozen=True)

    name: str = Field("", max_length=150)
    password: str = Field(..., min_length=1, max_length=128)


def _number_format(value: str) -> str:
    found = validate_format(value)
    if found:
        raise problem(found[0].code, found[0].message)
    return value


NumberFormat = Annotated[
    str, StringConstraints(min_length=1, max_length=60), AfterValidator(_number_format)
]

# The placeholders billing's sending service fills in, in the order the UI lists them.
EMAIL_PLACEHOLDERS = ("number", "kind", "customer", "company", "gross", "due_date")


def _email_template(value: str) -> str:
    """An e-mail subject or body whose placeholders are all known, so sending cannot fail."""
    try:
        value.format(**dict.fromkeys(EMAIL_PLACEHOLDERS, ""))
    except (KeyError, IndexError, ValueError) as exc:
        known = ", ".join("{" + p + "}" for p in sorted(EMAIL_PLACEHOLDERS))
        raise problem(
            "invalid",
            gettext("Unknown placeholder %(name)s; use %(known)s.") % {"name": exc, "known": known},
        ) from None
    return value


EmailSubject = Annotated[str, Text(200, required=True), AfterValidator(_email_template)]
EmailBody = Annotated[
    str,
    StringConstraints(min_length=1, max_length=10_000),
    AfterValidator(lines),
    AfterValidator(_email_template),
]


class TenantUpdate(Input):
    """A change of the company profile: the fields sent are changed, the others stay. Whether
    a yearly counter has the year in both number formats depends on the stored profile: the
    service checks it."""

    partial = True

    name: Annotated[str, Text(200, required=True)] | None = None
    street: Annotated[str, Text(200)] | None = None
    postal_code: Annotated[str, Text(20)] | None = None
    city: Annotated[str, Text(100)] | None = None
    country: Country | None = None
    vat_id: VatId | None = None
    tax_number: Annotated[str, Text(30)] | None = None
    peppol_id: PeppolId | None = None
    iban: Iban | None = None
    bic: Bic | None = None
    bank_name: Annotated[str, Text(100)] | None = None
    email: Email | None = None
    phone: Annotated[str, Text(40)] | None = None
    website: Annotated[str, Text(200)] | None = None
    managing_directors: Annotated[str, Text(200)] | None = None
    register_court: Annotated[str, Text(100)] | None = None
    register_number: Annotated[str, Text(40)] | None = None
    currency: Currency | None = None
    timezone: TimeZone | None = None
    language: Language | None = None
    payment_terms_days: PaymentTermsDays | None = None
    cash_discount_percent: CashDiscountPercent | None = None
    cash_discount_days: CashDiscountDays | None = None
    invoice_number_format: NumberFormat | None = None
    credit_note_number_format: NumberFormat | None = None
    offer_number_format: NumberFormat | None = Field(
        None, description="the offers' series; its counter restarts yearly, so it needs the year"
    )
    number_reset: Tenant.NumberReset | None = None
    require_approval: bool | None = None
    month_end_day: Annotated[StrictInt, Field(ge=1, le=31)] | None = None
    billing_trigger: BillingTrigger | None = None
    time_rounding: TimeRounding | None = None
    accent_color: HexColor | None = None
    invoice_footer: LongText | None = None
    invoice_footer_en: LongText | None = None
    timesheet_appendix: bool | None = None
    email_subject_de: EmailSubject | None = None
    email_body_de: EmailBody | None = None
    email_subject_en: EmailSubject | None = None
    email_body_en: EmailBody | None = None

    nullable = frozenset({"cash_discount_percent", "cash_discount_days", "month_end_day"})


class TenantCreate(TenantUpdate):
    """A new company and its owner (a new user, or an existing one by e-mail); the profile
    fields sent are set, the others take their defaults. The password is checked against
    the owner (Django's password validators) by the service."""

    name: Annotated[str, Text(200, required=True)]
    slug: Annotated[str, Text(60)] = Field(default="", description="default: from the name")
    owner_email: Annotated[Email, StringConstraints(min_length=1)]
    owner_password: Annotated[str, StringConstraints(max_length=128)]
    owner_name: Annotated[str, Text(150)] = ""

    # Not profile fields of the tenant.
    not_profile: ClassVar[frozenset[str]] = frozenset(
        {"name", "slug", "owner_email", "owner_password", "owner_name"}
    )


class TeamCreate(Input):
    """A new team of the company."""

    name: Annotated[str, Text(100, required=True)]


class TokenCreate(Input):
    """A new API token: one's own, or (with `manage_all_tokens`) one acting as another
    member of the company (the service looks the member up)."""

    name: Annotated[str, Text(100, required=True)]
    membership_id: Id | None = None


class MembershipProvision(Input):
    """The operator's way to add a login with a password they choose (the demo, set-up
    scripts); the password is checked by the service against the user."""

    email: Annotated[Email, StringConstraints(min_length=1)]
    password: Annotated[str, StringConstraints(max_length=128)]
    role: Role = Role.MEMBER
    name: Annotated[str, Text(150)] = ""
    team_id: Id | None = None
    default_billing_rate: UnitPrice | None = None


class MembershipUpdate(Input):
    """A change of a member's role, team, rate or active state (the fields sent)."""

    partial = True
    nullable = frozenset({"team_id", "default_billing_rate"})

    role: Role | None = None
    team_id: Id | None = None
    default_billing_rate: UnitPrice | None = None
    is_active: bool | None = None


# At most a full week of 7 x 24 hours.
WeeklyHours = Annotated[Decimal, Field(ge=0, le=168, max_digits=5, decimal_places=2)]


class MembershipTermsSet(Input):
    """A member's terms from ``valid_from`` on (a cost rate per hour, a weekly target of
    hours); setting terms for a day that has them replaces them."""

    valid_from: Day
    cost_rate: UnitPrice | None = None
    weekly_hours: WeeklyHours | None = None
