"""Tenant (the invoicing company), teams, memberships with roles, and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from faktura.common.models import TenantOwnedModel, TimeStampedModel
from faktura.core.numbering import DEFAULT_CREDIT_NOTE_FORMAT, DEFAULT_INVOICE_FORMAT
from faktura.core.time_rounding import DEFAULT_POLICY
from faktura.tenancy.roles import Role

DEFAULT_EMAIL = {
    "de": (
        "{kind} {number} von {company}",
        "Guten Tag,\n\nanbei erhalten Sie unsere {kind} {number} über {gross}, "
        "zahlbar bis {due_date}.\n\nMit freundlichen Grüßen\n{company}",
    ),
    "en": (
        "{kind} {number} from {company}",
        "Hello,\n\nplease find attached our {kind} {number} for {gross}, "
        "due on {due_date}.\n\nKind regards\n{company}",
    ),
}

# The logo kinds the invoice PDF can show, by the suffix of the stored file.
LOGO_CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "svg": "image/svg+xml"}


def _default_rounding() -> dict:
    return DEFAULT_POLICY.to_dict()


class BillingTrigger(models.TextChoices):
    """When a ticket's finished work becomes billable (company setting, overridable per
    project)."""

    CONTINUOUS = "continuous", _("Continuously")  # each finished, approved entry
    ON_CLOSE = "on_close", _("When the ticket is closed")  # single projects: ready to bill


class Tenant(TimeStampedModel):
    """The company that issues invoices: everything its invoices need about the seller."""

    class NumberReset(models.TextChoices):
        NEVER = "never", _("Never")  # one counter for all time
        YEARLY = "yearly", _("Every year")  # the counter restarts at 1 each calendar year

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("legal name"), max_length=200)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="DE")
    vat_id = models.CharField(_("VAT ID"), max_length=20, blank=True)
    tax_number = models.CharField(_("tax number"), max_length=30, blank=True)
    # "scheme:value" from the EAS code list (e.g. 0088:4012345000009): the seller's electronic
    # address BT-34 in Peppol; empty: derived from the VAT ID (9930:DE… for Germany).
    peppol_id = models.CharField(_("Peppol ID"), max_length=140, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    managing_directors = models.CharField(_("managing directors"), max_length=200, blank=True)
    register_court = models.CharField(_("register court"), max_length=100, blank=True)
    register_number = models.CharField(_("register number"), max_length=40, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    language = models.CharField(_("language"), max_length=2, default="de")
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=14)
    # Cash discount (Skonto): percent off the gross when paid within the days; null or 0: none.
    cash_discount_percent = models.DecimalField(
        _("cash discount (%)"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    cash_discount_days = models.PositiveSmallIntegerField(
        _("cash discount (days)"), null=True, blank=True
    )
    invoice_number_format = models.CharField(max_length=60, default=DEFAULT_INVOICE_FORMAT)
    credit_note_number_format = models.CharField(max_length=60, default=DEFAULT_CREDIT_NOTE_FORMAT)
    number_reset = models.CharField(
        max_length=10, choices=NumberReset.choices, default=NumberReset.NEVER
    )
    require_approval = models.BooleanField(_("entries need approval"), default=True)
    time_rounding = models.JSONField(default=_default_rounding)
    # The scheduler closes the previous month on this day of each month (null: nobody but a
    # person closes months); a day past the month's end means its last day.
    month_end_day = models.PositiveSmallIntegerField(_("month-end day"), null=True, blank=True)
    billing_trigger = models.CharField(
        max_length=12, choices=BillingTrigger.choices, default=BillingTrigger.CONTINUOUS
    )
    accent_color = models.CharField(max_length=7, default="#1f4e79")
    # The footer printed on documents in the customer's language; either one stands in for
    # the other when it is empty.
    invoice_footer = models.TextField(_("invoice footer (German)"), blank=True)
    invoice_footer_en = models.TextField(_("invoice footer (English)"), blank=True)
    # Set only by tenant_logo_set: logos/<tenant id>/<sha256>.<png|jpg|svg>. Named by content
    # and never overwritten, so an issued invoice's seller snapshot keeps its exact bytes.
    logo = models.FileField(_("logo"), upload_to="logos/", max_length=200, blank=True)
    timesheet_appendix = models.BooleanField(_("timesheet appendix on invoices"), default=False)
    # E-mail that carries an invoice, per customer language. Placeholders: {number},
    # {customer}, {company}, {gross}, {due_date}, {kind}.
    email_subject_de = models.CharField(max_length=200, default=DEFAULT_EMAIL["de"][0])
    email_body_de = models.TextField(default=DEFAULT_EMAIL["de"][1])
    email_subject_en = models.CharField(max_length=200, default=DEFAULT_EMAIL["en"][0])
    email_body_en = models.TextField(default=DEFAULT_EMAIL["en"][1])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(TenantOwnedModel):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="team_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(TenantOwnedModel):
    """A user's place in a tenant: role, team and default billing rate."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="memberships"
    )
    default_billing_rate = models.DecimalField(
        max_digits=18, decimal_places=6, null=True, blank=True
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__first_name", "user__last_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.email or self.user.username


class MembershipTerms(TenantOwnedModel):
    """A member's working terms from a day on: the internal cost of one hour (what the
    company pays for it, for the value-group cost report) and the weekly target of hours
    (for utilization). The terms on a day are the row with the latest ``valid_from`` on or
    before it; before the first row a member has no cost rate and no target.

    Both figures are dated together because they change together (a new contract, part-time
    with its salary): one row is one contract state, and the history reads as one list."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="terms")
    valid_from = models.DateField()
    cost_rate = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    weekly_hours = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["membership_id", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "valid_from"], name="membership_terms_unique_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} from {self.valid_from}"


class ApiToken(TenantOwnedModel):
    """A bearer token acting as one membership. Only its SHA-256 is stored; shown once."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_tokens")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)  # first characters, to recognise a token in lists
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Invitation(TenantOwnedModel):
    """An offer to join the tenant, sent to an e-mail address; it becomes a Membership only
    when the person accepts it by its link (signed, expiring, usable once). The raw token is
    in the link alone: only its SHA-256 is stored."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")  # sent, waiting for the person to accept
        ACCEPTED = "accepted", _("Accepted")  # the person joined: a membership exists
        REVOKED = "revoked", _("Revoked")  # withdrawn, or replaced by a newer invitation
        EXPIRED = "expired", _("Expired")  # not accepted in time (derived, never stored)

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    default_billing_rate = models.DecimalField(
        max_digits=18, decimal_places=6, null=True, blank=True
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    membership = models.OneToOneField(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "email"])]

    def __str__(self) -> str:
        return f"{self.email} ({self.role})"

    def status_at(self, now) -> str:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= now:
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def status(self) -> str:
        from django.utils import timezone

        return self.status_at(timezone.now())
