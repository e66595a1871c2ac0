"""Use cases of invitations: how a person joins a company.

Adding a member never creates or changes a login. It creates an invitation to the e-mail
address and sends its link; the person accepts by the link, either signing in to their
existing account or, if they have none, choosing their own name and password. Until then
there is no membership. The answer to the inviter is the same whether the address has an
account or not (no name, no other companies), so adding a member discloses nothing about
anyone's account.

The link's token is signed (a forged or truncated one is refused without a database look-up),
expires after settings.FAKTURA_INVITATION_DAYS, works once, and is stored only as its SHA-256.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from faktura.common.context import CommandContext
from faktura.common.errors import NotFound
from faktura.common.services import audit_record
from faktura.tenancy.errors import (
    AccountExists,
    AlreadyMember,
    InvitationExpired,
    InvitationForAnotherAccount,
    InvitationInvalid,
    InvitationNotPending,
    InvitationRevoked,
    InvitationUsed,
    NotSignedIn,
    OwnerProtected,
    ReferenceNotFound,
    WeakPassword,
)
from faktura.tenancy.inputs import InvitationAccept, MembershipInvite
from faktura.tenancy.models import Invitation, Membership, Team
from faktura.tenancy.roles import Role

logger = logging.getLogger(__name__)
User = get_user_model()

_SALT = "faktura.tenancy.invitation"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SALT)


def _max_age() -> timedelta:
    return timedelta(days=settings.FAKTURA_INVITATION_DAYS)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return _signer().sign(secrets.token_urlsafe(32))


def accept_path(token: str) -> str:
    from django.urls import reverse

    return reverse("web:invitation_accept", args=[token])


def membership_invite(
    ctx: CommandContext, *, data: MembershipInvite, base_url: str
) -> tuple[Invitation, str]:
    """Invite a person to the company; returns the invitation and its link (shown once).

    A pending invitation to the same address is replaced (its link stops working). The
    e-mail with the link is sent after commit; `base_url` is the site's address the link
    starts with (https://faktura.example.com).
    """
    ctx.require("manage_members")
    email = data.email.lower()
    if data.role == Role.OWNER and ctx.role not in (None, Role.OWNER):
        raise OwnerProtected(
            "Only an owner can invite another owner.",
            fields={"role": "Only an owner can invite another owner."},
        )
    now = timezone.now()
    token = _new_token()
    with transaction.atomic():
        team = _team(ctx, data.team_id)
        if Membership.objects.filter(tenant=ctx.tenant, user__username=email).exists():
            raise AlreadyMember.field("email", "Already a member.")
        replaced = list(
            Invitation.objects.select_for_update().filter(
                tenant=ctx.tenant,
                email=email,
                accepted_at__isnull=True,
                revoked_at__isnull=True,
            )
        )
        for old in replaced:
            old.revoked_at = now
            old.save(update_fields=["revoked_at", "updated_at"])
        invitation = Invitation.objects.create(
            tenant=ctx.tenant,
            email=email,
            role=data.role,
            team=team,
            default_billing_rate=data.default_billing_rate,
            invited_by=ctx.user,
            token_hash=token_hash(token),
            expires_at=now + _max_age(),
        )
        audit_record(
            ctx,
            action="membership_invite",
            obj=invitation,
            data={"role": data.role, "replaced": [o.pk for o in replaced]},
        )
        link = base_url.rstrip("/") + accept_path(token)
        transaction.on_commit(lambda: _send_invitation(invitation.pk, link))
    invitation.replaced = bool(replaced)
    return invitation, link


def invitation_resend(
    ctx: CommandContext, *, invitation_id: int, base_url: str
) -> tuple[Invitation, str]:
    """A new link (and e-mail) for a pending or expired invitation; the old link stops working."""
    ctx.require("manage_members")
    token = _new_token()
    with transaction.atomic():
        invitation = _locked(ctx, invitation_id)
        if invitation.accepted_at is not None or invitation.revoked_at is not None:
            raise InvitationNotPending()
        if invitation.role == Role.OWNER and ctx.role not in (None, Role.OWNER):
            raise OwnerProtected("Only an owner can invite another owner.")
        invitation.token_hash = token_hash(token)
        invitation.expires_at = timezone.now() + _max_age()
        invitation.save(update_fields=["token_hash", "expires_at", "updated_at"])
        audit_record(ctx, action="invitation_resend", obj=invitation)
        link = base_url.rstrip("/") + accept_path(token)
        transaction.on_commit(lambda: _send_invitation(invitation.pk, link))
    return invitation, link


def invitation_revoke(ctx: CommandContext, *, invitation_id: int) -> Invitation:
    """Withdraw a pending invitation: its link stops working."""
    ctx.require("manage_members")
    with transaction.atomic():
        invitation = _locked(ctx, invitation_id)
        if invitation.accepted_at is not None:
            raise InvitationNotPending("The invitation was accepted already.")
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at", "updated_at"])
            audit_record(ctx, action="invitation_revoke", obj=invitation)
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """The pending invitation a link's token stands for, or the error that says why not."""
    try:
        _signer().unsign(token, max_age=_max_age())
    except signing.SignatureExpired as exc:
        raise InvitationExpired() from exc
    except signing.BadSignature as exc:
        raise InvitationInvalid() from exc
    invitation = (
        Invitation.objects.select_related("tenant", "team")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        # A valid signature whose token is no longer stored: replaced by a newer link.
        raise InvitationRevoked()
    _check_pending(invitation)
    return invitation


def _check_pending(invitation: Invitation) -> None:
    status = invitation.status_at(timezone.now())
    if status == Invitation.Status.ACCEPTED:
        raise InvitationUsed()
    if status == Invitation.Status.REVOKED:
        raise InvitationRevoked()
    if status == Invitation.Status.EXPIRED:
        raise InvitationExpired()


def invitation_accept(*, token: str, user) -> Membership:
    """The signed-in account accepts the invitation sent to its e-mail address."""
    if user is None or not user.is_authenticated:
        raise NotSignedIn("Sign in to accept the invitation.")
    with transaction.atomic():
        invitation = _locked_by_token(token)
        if (user.username or "").lower() != invitation.email:
            raise InvitationForAnotherAccount()
        return _join(invitation, user)


def invitation_accept_new(*, token: str, data: InvitationAccept):
    """A person without an account accepts: the account is made with their own name and
    password (checked by the password validators). Returns the new membership."""
    with transaction.atomic():
        invitation = _locked_by_token(token)
        if User.objects.filter(username=invitation.email).exists():
            raise AccountExists()
        first, _, last = data.name.strip().partition(" ")
        user = User(
            username=invitation.email,
            email=invitation.email,
            first_name=first[:150],
            last_name=last.strip()[:150],
        )
        password_check(data.password, user=user)
        user.set_password(data.password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:  # made at the same moment by another request
            raise AccountExists() from exc
        return _join(invitation, user)


def password_check(password: str, *, user=None, field: str = "password") -> None:
    """Django's password validators (settings.AUTH_PASSWORD_VALIDATORS) as a field error."""
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise WeakPassword.field(field, " ".join(exc.messages)) from exc


def _join(invitation: Invitation, user) -> Membership:
    if Membership.objects.filter(tenant=invitation.tenant, user=user).exists():
        raise AlreadyMember("You are a member of this company already.")
    membership = Membership.objects.create(
        tenant=invitation.tenant,
        user=user,
        role=invitation.role,
        team=invitation.team,
        default_billing_rate=invitation.default_billing_rate,
    )
    invitation.accepted_at = timezone.now()
    invitation.membership = membership
    invitation.save(update_fields=["accepted_at", "membership", "updated_at"])
    ctx = CommandContext(tenant=invitation.tenant, membership=membership, user=user, source="ui")
    audit_record(
        ctx,
        action="invitation_accept",
        obj=invitation,
        data={"membership": membership.pk, "role": membership.role},
    )
    return membership


def _locked_by_token(token: str) -> Invitation:
    invitation = invitation_for_token(token)
    invitation = (
        # Only the invitation row is locked: its team is optional (an outer join, which
        # PostgreSQL cannot lock).
        Invitation.objects.select_for_update(of=("self",))
        .select_related("tenant", "team")
        .get(pk=invitation.pk)
    )
    _check_pending(invitation)  # again under the lock: two tabs accepting at once
    return invitation


def _locked(ctx: CommandContext, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update().filter(tenant=ctx.tenant, pk=invitation_id).first()
    )
    if invitation is None:
        raise NotFound("Invitation not found.")
    return invitation


def _team(ctx: CommandContext, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(tenant=ctx.tenant, pk=team_id).first()
    if team is None:
        raise ReferenceNotFound.field("team_id", "No such team.")
    return team


def _zone(tenant) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(tenant.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _send_invitation(invitation_id: int, link: str) -> None:
    """The invitation e-mail, in the company's language. A mail server that refuses it is
    logged, not raised: the inviter has the link to pass on."""
    invitation = Invitation.objects.select_related("tenant", "invited_by").get(pk=invitation_id)
    tenant = invitation.tenant
    inviter = invitation.invited_by
    context = {
        "company": tenant.name,
        "inviter": (inviter.get_full_name() or inviter.email) if inviter else "",
        "role": invitation.get_role_display(),
        "link": link,
        "expires_at": invitation.expires_at,
    }
    # In the company's language and time zone (the expiry is a moment there).
    with translation.override(tenant.language or "de"), timezone.override(_zone(tenant)):
        subject = render_to_string("tenancy/invitation_subject.txt", context).strip()
        body = render_to_string("tenancy/invitation_email.txt", context)
    try:
        send_mail(subject, body, None, [invitation.email])
    except Exception:  # any transport error; the link is shown to the inviter as well
        logger.exception("invitation %s: e-mail not sent", invitation_id)
