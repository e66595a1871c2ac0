"""Tenant profile, members, teams and API tokens."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from faktura.common.errors import NotFound
from faktura.common.schemas import ERRORS, PathId
from faktura.tenancy import invitations, selectors, services, terms
from faktura.tenancy.auth import request_context
from faktura.tenancy.http import logo_response, site_url
from faktura.tenancy.inputs import (
    MembershipInvite,
    MembershipTermsSet,
    MembershipUpdate,
    TeamCreate,
    TenantUpdate,
    TokenCreate,
)

router = Router(tags=["tenancy"])


class LogoOut(Schema):
    sha256: str  # of the file's bytes; changes with every new logo
    content_type: str  # image/png, image/jpeg or image/svg+xml
    url: str  # GET it (authenticated) for the bytes


class TenantOut(Schema):
    id: int
    slug: str
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    vat_id: str
    tax_number: str
    peppol_id: str  # "scheme:value" (EAS), e.g. 0088:4012345000009; "" = derived from vat_id
    iban: str
    bic: str
    bank_name: str
    email: str
    phone: str
    website: str
    managing_directors: str
    register_court: str
    register_number: str
    currency: str
    timezone: str
    language: str
    payment_terms_days: int
    cash_discount_percent: Decimal | None
    cash_discount_days: int | None
    invoice_number_format: str
    credit_note_number_format: str
    offer_number_format: str
    number_reset: str
    require_approval: bool
    month_end_day: int | None = Field(
        None, description="the scheduler closes the previous month on this day (null: off)"
    )
    billing_trigger: str = Field(
        "continuous", description="continuous or on_close (when the ticket is closed)"
    )
    time_rounding: dict[str, Any]
    accent_color: str
    invoice_footer: str  # German; stands in for the English one when that is empty
    invoice_footer_en: str
    logo: LogoOut | None  # set with POST /tenant/logo, removed with DELETE /tenant/logo
    timesheet_appendix: bool
    email_subject_de: str
    email_body_de: str
    email_subject_en: str
    email_body_en: str

    @staticmethod
    def resolve_logo(obj) -> dict | None:
        logo = selectors.tenant_logo(tenant=obj)
        if logo is None:
            return None
        return {"sha256": logo.sha256, "content_type": logo.content_type, "url": LOGO_URL}


@router.get("/tenant", response={200: TenantOut, **ERRORS})
def tenant_detail(request):
    return request.auth.tenant


@router.patch("/tenant", response={200: TenantOut, **ERRORS})
def tenant_patch(request, payload: TenantUpdate):
    return services.tenant_update(request_context(request), data=payload)


LOGO_URL = "/api/v1/tenant/logo"


@router.get(
    "/tenant/logo",
    response={200: None, **ERRORS},
    summary="The company logo's bytes (404 when there is none)",
)
def tenant_logo(request):
    found = selectors.tenant_logo_content(tenant=request.auth.tenant)
    if found is None:
        raise NotFound("The company has no logo.")
    return logo_response(*found)


# POST, not PUT: Django fills request.FILES for POST only (PUT would need ninja's
# fix_request_files_middleware in settings).
@router.post(
    "/tenant/logo",
    response={200: TenantOut, **ERRORS},
    summary="Upload the company logo (multipart field `logo`: PNG, JPEG or SVG, at most 1 MB)",
)
def tenant_logo_upload(request, logo: File[UploadedFile]):
    return services.tenant_logo_set(request_context(request), upload=logo)


@router.delete("/tenant/logo", response={200: TenantOut, **ERRORS})
def tenant_logo_delete(request):
    return services.tenant_logo_remove(request_context(request))


class TeamOut(Schema):
    id: int
    name: str


@router.get("/teams", response=list[TeamOut])
@paginate
def team_list(request):
    return selectors.team_list(tenant=request.auth.tenant)


@router.post("/teams", response={201: TeamOut, **ERRORS})
def team_create(request, payload: TeamCreate):
    return Status(201, services.team_create(request_context(request), data=payload))


class MembershipOut(Schema):
    id: int
    email: str
    name: str
    role: str
    team_id: int | None
    default_billing_rate: Decimal | None
    is_active: bool

    @staticmethod
    def resolve_email(obj) -> str:
        return obj.user.email

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name

    @staticmethod
    def resolve_default_billing_rate(obj, context) -> Decimal | None:
        auth = context["request"].auth
        return obj.default_billing_rate if auth.role in ("owner", "admin", "billing") else None


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    team_id: int | None
    default_billing_rate: Decimal | None
    status: str  # pending, accepted, revoked or expired
    expires_at: datetime
    accepted_at: datetime | None
    membership_id: int | None  # once accepted
    created_at: datetime

    @staticmethod
    def resolve_default_billing_rate(obj, context) -> Decimal | None:
        auth = context["request"].auth
        return obj.default_billing_rate if auth.role in ("owner", "admin", "billing") else None


class InvitationSentOut(InvitationOut):
    # The link to pass on, in this answer only (it is also e-mailed to the address). The
    # answer is the same whether the address has an account or not.
    accept_url: str
    replaced: bool = False  # an earlier pending invitation to the address stops working


@router.get("/memberships", response=list[MembershipOut])
@paginate
def membership_list(request):
    return selectors.membership_list(tenant=request.auth.tenant)


@router.post(
    "/memberships",
    response={201: InvitationSentOut, **ERRORS},
    summary="Invite a person by e-mail; they join when they accept the link",
)
def membership_invite(request, payload: MembershipInvite):
    invitation, link = invitations.membership_invite(
        request_context(request), data=payload, base_url=site_url(request)
    )
    invitation.accept_url = link
    return Status(201, invitation)


@router.get("/invitations", response={200: list[InvitationOut], **ERRORS})
@paginate
def invitation_list(request):
    request_context(request).require("manage_members")
    return selectors.invitation_list(tenant=request.auth.tenant)


@router.post("/invitations/{invitation_id}/resend", response={200: InvitationSentOut, **ERRORS})
def invitation_resend(request, invitation_id: PathId):
    invitation, link = invitations.invitation_resend(
        request_context(request),
        invitation_id=invitation_id,
        base_url=site_url(request),
    )
    invitation.accept_url = link
    return invitation


@router.delete("/invitations/{invitation_id}", response={200: InvitationOut, **ERRORS})
def invitation_revoke(request, invitation_id: PathId):
    return invitations.invitation_revoke(request_context(request), invitation_id=invitation_id)


@router.patch("/memberships/{membership_id}", response={200: MembershipOut, **ERRORS})
def membership_patch(request, membership_id: PathId, payload: MembershipUpdate):
    return services.membership_update(
        request_context(request),
        membership_id=membership_id,
        data=payload,
    )


class MembershipTermsOut(Schema):
    id: int
    membership_id: int
    valid_from: date
    cost_rate: Decimal | None  # internal cost of one hour, in the company's currency
    weekly_hours: Decimal | None  # weekly target of hours


@router.get(
    "/memberships/{membership_id}/terms",
    response={200: list[MembershipTermsOut], **ERRORS},
    summary="A member's dated cost rate and weekly target, the latest first",
)
def membership_terms_list(request, membership_id: PathId):
    return list(terms.membership_terms_list(request_context(request), membership_id=membership_id))


@router.post(
    "/memberships/{membership_id}/terms",
    response={200: MembershipTermsOut, **ERRORS},
    summary="Set a member's cost rate and weekly target from a day on (replaces that day's)",
)
def membership_terms_set(request, membership_id: PathId, payload: MembershipTermsSet):
    return terms.membership_terms_set(
        request_context(request), membership_id=membership_id, data=payload
    )


@router.delete(
    "/memberships/{membership_id}/terms/{terms_id}",
    response={204: None, **ERRORS},
)
def membership_terms_delete(request, membership_id: PathId, terms_id: PathId):
    terms.membership_terms_delete(
        request_context(request), membership_id=membership_id, terms_id=terms_id
    )
    return Status(204, None)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    membership_id: int
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str  # the raw key, shown only in this answer


@router.get("/tokens", response=list[TokenOut])
@paginate
def token_list(request):
    ctx = request_context(request)
    return selectors.token_list(
        tenant=ctx.tenant, membership=ctx.membership, all_members=ctx.can("manage_all_tokens")
    )


@router.post("/tokens", response={201: TokenCreatedOut, **ERRORS})
def token_create(request, payload: TokenCreate):
    token, raw = services.token_create(request_context(request), data=payload)
    token.token = raw
    return Status(201, token)


@router.delete("/tokens/{token_id}", response={200: TokenOut, **ERRORS})
def token_revoke(request, token_id: PathId):
    return services.token_revoke(request_context(request), token_id=token_id)
