"""Use cases of tenancy: tenants, memberships, teams, API tokens."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import secrets
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from faktura.common.context import CommandContext
from faktura.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from faktura.common.inputs import vat_id_message
from faktura.common.services import audit_record
from faktura.core.numbering import OFFER_RESET, validate_format
from faktura.einvoice.identifiers import vat_id_check
from faktura.tenancy.errors import (
    AlreadyMember,
    Duplicate,
    LastOwner,
    LogoTooLarge,
    LogoUnrenderable,
    OwnerProtected,
    ReferenceNotFound,
    Required,
)
from faktura.tenancy.inputs import (
    MembershipProvision,
    MembershipUpdate,
    TeamCreate,
    TenantCreate,
    TenantUpdate,
    TokenCreate,
)
from faktura.tenancy.invitations import password_check
from faktura.tenancy.models import ApiToken, Membership, Team, Tenant
from faktura.tenancy.roles import Role

User = get_user_model()

TOKEN_PREFIX = "fk_"

LOGO_MAX_BYTES = 1024 * 1024
# A logo is printed at most 60 x 15 mm; 4000 x 4000 pixels is far more than that needs, and a
# small file that decodes to gigabytes (a "decompression bomb") is refused before decoding.
LOGO_MAX_PIXELS = 4000 * 4000
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]*)""")


def tenant_create(*, data: TenantCreate) -> tuple[Tenant, Membership]:
    """Create a tenant and its owner (a new user, or an existing one by e-mail)."""
    name, owner_name, owner_password = data.name, data.owner_name, data.owner_password
    owner_email = data.owner_email.lower()
    slug = slugify(data.slug or name)[:60] or "tenant"
    clean = {
        key: value
        for key, value in _profile_fields(data).items()
        if key not in TenantCreate.not_profile
    }
    with transaction.atomic():
        base, n = slug, 1
        while Tenant.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base[:55]}-{n}"
        tenant = Tenant.objects.create(slug=slug, name=name, **clean)
        user = User.objects.filter(username=owner_email).first()
        if user is None:
            first, _, last = (owner_name or "").partition(" ")
            user = User(username=owner_email, email=owner_email, first_name=first, last_name=last)
            password_check(owner_password or "", user=user)
            user.set_password(owner_password)
            user.save()
        membership = Membership.objects.create(tenant=tenant, user=user, role=Role.OWNER)
        ctx = CommandContext(tenant=tenant, membership=membership, user=user, source="cli")
        audit_record(ctx, action="tenant_create", obj=tenant)
    return tenant, membership


def _profile_fields(data: TenantUpdate) -> dict[str, Any]:
    values = {name: getattr(data, name) for name in data.model_fields_set}
    if values.get("time_rounding") is not None:
        values["time_rounding"] = values["time_rounding"].model_dump()
    return values


def _check_profile(tenant: Tenant, clean: dict[str, Any]) -> None:
    """Rules on the profile as it will be, all reported at once: a counter that resets yearly
    needs the year in both number formats (or two years would print the same numbers), and
    the VAT ID fits the country (the one VAT-ID check) when either changes."""
    found: dict[str, str] = {}
    reset = clean.get("number_reset", tenant.number_reset)
    for name in ("invoice_number_format", "credit_note_number_format"):
        problems = validate_format(clean.get(name, getattr(tenant, name)), reset=reset)
        if problems:
            field = name if name in clean or "number_reset" not in clean else "number_reset"
            found.setdefault(field, problems[0].message)
    offer_problems = validate_format(
        clean.get("offer_number_format", tenant.offer_number_format), reset=OFFER_RESET
    )
    if offer_problems and "offer_number_format" in clean:
        found.setdefault("offer_number_format", offer_problems[0].message)
    if {"vat_id", "country"} & set(clean):
        vat_id, code = vat_id_check(
            clean.get("vat_id", tenant.vat_id), clean.get("country", tenant.country)
        )
        if code:
            found["vat_id"] = vat_id_message(code)
        elif "vat_id" in clean:
            clean["vat_id"] = vat_id
    if found:
        name, message = next(iter(found.items()))
        raise ValidationFailed(f"{name}: {message}", fields=found)


def tenant_update(ctx: CommandContext, *, data: TenantUpdate) -> Tenant:
    ctx.require("manage_settings")
    clean = _profile_fields(data)
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=ctx.tenant.pk)
        _check_profile(tenant, clean)
        changed = {k: val for k, val in clean.items() if getattr(tenant, k) != val}
        for key, value in changed.items():
            setattr(tenant, key, value)
        if changed:
            tenant.save(update_fields=[*changed, "updated_at"])
            audit_record(ctx, action="tenant_update", obj=tenant, data={"fields": list(changed)})
    return tenant


def logo_check(content: bytes) -> str:
    """The kind of a logo image ("png", "jpg" or "svg"), judged by its bytes, never its name.

    Every invoice PDF renders the logo, so what is accepted here must render: a PNG or JPEG
    that Pillow can read through, at most `LOGO_MAX_PIXELS`, or an SVG that parses as XML with
    an <svg> root, no DOCTYPE (entities) and no links to other files, and starts the way the
    PDF renderer recognises (`<svg`, or `<?xml` with `<svg` in the first 2 KB). Then it is
    rendered the way the invoice places it, by the same Typst renderer (issue 9: an SVG whose
    nested <use> elements Typst refuses would otherwise break every invoice).
    """
    if not content:
        raise Required.field("logo", "The file is empty.")
    if len(content) > LOGO_MAX_BYTES:
        raise LogoTooLarge.field("logo", "At most 1 MB.")
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif content.startswith(b"\xff\xd8\xff"):
        kind = "jpg"
    else:
        head = content[:512].lstrip()
        if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in content[:2048]):
            kind = "svg"
        else:
            raise ValidationFailed.field("logo", "Must be a PNG, JPEG or SVG image.")
    if kind == "svg":
        _check_svg(content)
    else:
        _check_bitmap(content, kind)
    _check_renders(content)
    return kind


def _check_renders(content: bytes) -> None:
    from faktura.documents.rendering import RenderError, render_logo

    try:
        render_logo(content)
    except (RenderError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, RenderError) else str(exc)
        raise LogoUnrenderable.field(
            "logo", f"The invoice renderer cannot draw this image: {reason}"
        ) from exc


def _check_bitmap(content: bytes, kind: str) -> None:
    # Pillow comes with pikepdf; verify() reads the whole image without decoding it for display.
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content), formats=["PNG" if kind == "png" else "JPEG"]) as img:
            width, height = img.size
            if width * height > LOGO_MAX_PIXELS:
                raise LogoTooLarge.field(
                    "logo",
                    f"The image has {width} x {height} pixels; at most 4000 x 4000 are "
                    "accepted (a logo is printed 60 mm wide).",
                )
            img.verify()
    except Image.DecompressionBombError as exc:
        raise LogoTooLarge.field(
            "logo", "The image has too many pixels; at most 4000 x 4000."
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationFailed.field("logo", "The image file is damaged.") from exc


def _check_svg(content: bytes) -> None:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise ValidationFailed.field("logo", "The SVG file is not valid XML.") from exc
    # A DOCTYPE brings entities (expanded differently, or not at all, by each SVG reader, and
    # the classic way to blow up a parser); a logo needs none.
    if root.getroottree().docinfo.doctype or b"<!ENTITY" in content or b"<!DOCTYPE" in content:
        raise ValidationFailed.field(
            "logo", "The SVG file has a DOCTYPE or entities; save it without them."
        )
    if etree.QName(root).localname != "svg":
        raise ValidationFailed.field("logo", "Must be a PNG, JPEG or SVG image.")
    # The renderer refuses an SVG that links to files (and must not read any): only links
    # inside the SVG (#id) and embedded data: images are allowed.
    for element in root.iter(etree.Element):
        links = [value for key, value in element.attrib.items() if key.endswith("href")]
        styles = [element.attrib.get("style", "")]
        if etree.QName(element).localname == "style":
            styles.append(element.text or "")
        for style in styles:
            if "@import" in style:
                links.append("@import")
            links.extend(_CSS_URL.findall(style))
        if any(not link.strip().startswith(("#", "data:")) for link in links):
            raise ValidationFailed.field(
                "logo", "The SVG links to other files; embed its images instead."
            )
        for link in links:
            _check_embedded_bitmap(link.strip())


_DATA_IMAGE = re.compile(r"data:image/(png|jpe?g);base64,(.*)", re.S | re.I)


def _check_embedded_bitmap(link: str) -> None:
    """A PNG or JPEG embedded in the SVG gets the same pixel limit as an uploaded one: the
    renderer decodes it as well."""
    match = _DATA_IMAGE.match(link)
    if match is None:
        return
    try:
        data = base64.b64decode("".join(match.group(2).split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed.field("logo", "An image embedded in the SVG is damaged.") from exc
    _check_bitmap(data, "png" if match.group(1).lower() == "png" else "jpg")


def _read_upload(upload: bytes | IO[bytes]) -> bytes:
    if isinstance(upload, bytes | bytearray):
        return bytes(upload)
    # One byte more than allowed is enough to know it is too large.
    return upload.read(LOGO_MAX_BYTES + 1)


def tenant_logo_set(ctx: CommandContext, *, upload: bytes | IO[bytes]) -> Tenant:
    """Make an image the company logo printed on every invoice issued from now on.

    The file is stored under its SHA-256 (logos/<tenant>/<sha256>.<kind>) and never replaced
    or deleted: invoices issued with an earlier logo keep pointing at their own bytes.
    """
    ctx.require("manage_settings")
    content = _read_upload(upload)
    kind = logo_check(content)
    digest = hashlib.sha256(content).hexdigest()
    name = f"logos/{ctx.tenant.pk}/{digest}.{kind}"
    if not default_storage.exists(name):
        # Written before the transaction: an orphan file (if the update fails) is harmless,
        # a logo name without its file is not.
        saved = default_storage.save(name, ContentFile(content))
        if saved != name:  # a concurrent upload of the same bytes won; keep one copy
            default_storage.delete(saved)
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=ctx.tenant.pk)
        if tenant.logo.name != name:
            tenant.logo.name = name
            tenant.save(update_fields=["logo", "updated_at"])
            audit_record(
                ctx,
                action="tenant_logo_set",
                obj=tenant,
                data={"sha256": digest, "kind": kind, "size": len(content)},
            )
    return tenant


def tenant_logo_remove(ctx: CommandContext) -> Tenant:
    """Print no logo on invoices issued from now on (issued ones keep theirs: the file stays)."""
    ctx.require("manage_settings")
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=ctx.tenant.pk)
        if tenant.logo.name:
            previous = tenant.logo.name
            tenant.logo.name = ""
            tenant.save(update_fields=["logo", "updated_at"])
            audit_record(ctx, action="tenant_logo_remove", obj=tenant, data={"was": previous})
    return tenant


def team_create(ctx: CommandContext, *, data: TeamCreate) -> Team:
    ctx.require("manage_members")
    name = data.name
    with transaction.atomic():
        if Team.objects.filter(tenant=ctx.tenant, name=name).exists():
            raise Duplicate.field("name", "A team with this name exists.")
        team = Team.objects.create(tenant=ctx.tenant, name=name)
        audit_record(ctx, action="team_create", obj=team)
    return team


def membership_provision(ctx: CommandContext, *, data: MembershipProvision) -> Membership:
    """The operator's way to add a login with a password they choose (the demo, set-up
    scripts): a system context only. People acting in the API or UI invite instead
    (`invitations.membership_invite`), so no member ever sets another person's password."""
    if ctx.membership is not None:
        raise PermissionDenied("Members are added by invitation.")
    email, role = data.email.lower(), data.role
    with transaction.atomic():
        team = _team(ctx, data.team_id)
        user = User.objects.filter(username=email).first()
        if user is None:
            first, _, last = data.name.partition(" ")
            user = User(username=email, email=email, first_name=first, last_name=last)
            password_check(data.password, user=user)
            user.set_password(data.password)
            user.save()
        if Membership.objects.filter(tenant=ctx.tenant, user=user).exists():
            raise AlreadyMember.field("email", "Already a member.")
        membership = Membership.objects.create(
            tenant=ctx.tenant,
            user=user,
            role=role,
            team=team,
            default_billing_rate=data.default_billing_rate,
        )
        audit_record(ctx, action="membership_provision", obj=membership, data={"role": role})
    return membership


def membership_update(
    ctx: CommandContext, *, membership_id: int, data: MembershipUpdate
) -> Membership:
    """Change a member's role, team, rate or active state.

    Owners cannot be locked out: only an owner may deactivate, demote or appoint an owner,
    and the company always keeps at least one active owner (so the last one cannot step
    down or deactivate themself).
    """
    ctx.require("manage_members")
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(tenant=ctx.tenant, pk=membership_id)
            .first()
        )
        if membership is None:
            raise NotFound("Membership not found.")
        sent = data.model_fields_set
        role = data.role if "role" in sent and data.role is not None else membership.role
        is_active = membership.is_active
        if "is_active" in sent and data.is_active is not None:
            is_active = data.is_active
        was_active_owner = membership.role == Role.OWNER and membership.is_active
        stays_active_owner = role == Role.OWNER and is_active
        ownership_changes = role != membership.role and Role.OWNER in (role, membership.role)
        if ctx.role not in (None, Role.OWNER) and (
            ownership_changes or (membership.role == Role.OWNER and not is_active)
        ):
            field = "role" if ownership_changes else "is_active"
            message = "Only an owner can deactivate, demote or appoint an owner."
            raise OwnerProtected(message, fields={field: message})
        if was_active_owner and not stays_active_owner:
            # Lock the owners in primary-key order, so two owners stepping down at once
            # cannot both pass the check.
            others = list(
                Membership.objects.select_for_update()
                .filter(tenant=ctx.tenant, role=Role.OWNER, is_active=True)
                .exclude(pk=membership.pk)
                .order_by("pk")
            )
            if not others:
                field = "role" if role != Role.OWNER else "is_active"
                message = "The company keeps at least one active owner."
                raise LastOwner(message, fields={field: message})
        membership.role = role
        membership.is_active = is_active
        if "team_id" in sent:
            membership.team = _team(ctx, data.team_id)
        if "default_billing_rate" in sent:
            membership.default_billing_rate = data.default_billing_rate
        membership.save()
        audit_record(ctx, action="membership_update", obj=membership, data={"fields": sorted(sent)})
    return membership


def _team(ctx: CommandContext, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(tenant=ctx.tenant, pk=team_id).first()
    if team is None:
        raise ReferenceNotFound.field("team_id", "No such team.")
    return team


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(ctx: CommandContext, *, data: TokenCreate) -> tuple[ApiToken, str]:
    """Create an API token; the raw key is returned here once and never stored."""
    name, membership_id = data.name, data.membership_id
    membership = ctx.membership
    if membership_id is not None and (membership is None or membership.pk != membership_id):
        ctx.require("manage_all_tokens")
        membership = Membership.objects.filter(tenant=ctx.tenant, pk=membership_id).first()
    if membership is None:
        raise ReferenceNotFound.field("membership_id", "No such member.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        try:
            token = ApiToken.objects.create(
                tenant=ctx.tenant,
                membership=membership,
                name=name,
                prefix=raw[:10],
                key_hash=_hash(raw),
            )
        except IntegrityError as exc:  # a 256-bit collision; refuse rather than guess
            raise Conflict("Could not create a unique token; try again.") from exc
        audit_record(ctx, action="token_create", obj=token, data={"name": name})
    return token, raw


def token_revoke(ctx: CommandContext, *, token_id: int) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(tenant=ctx.tenant, pk=token_id).first()
        if token is None or (
            ctx.membership is not None
            and token.membership_id != ctx.membership.pk
            and not ctx.can("manage_all_tokens")
        ):
            raise NotFound("Token not found.")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at", "updated_at"])
            audit_record(ctx, action="token_revoke", obj=token)
    return token


def token_authenticate(raw: str) -> Membership | None:
    """The active membership a raw bearer token stands for, or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("membership__user", "membership__tenant")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.membership.is_active or not token.membership.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.membership
