"""Customers: everything an invoice needs about the buyer."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from faktura.common.models import TenantOwnedModel


class TaxTreatment(models.TextChoices):
    DOMESTIC = "domestic", _("Domestic")  # seller's country VAT at standard/reduced rates (S)
    REVERSE_CHARGE = "reverse_charge", _("EU reverse charge")  # AE; buyer VAT ID required
    EXPORT = "export", _("Export")  # outside the EU (G)
    EXEMPT = "exempt", _("Exempt")  # E; an exemption reason goes on the invoice


class EInvoiceFormat(models.TextChoices):
    """How the customer wants its invoices (the PDF always goes along)."""

    FACTURX = "facturx", _("PDF with Factur-X")  # the PDF/A-3 with its EN 16931 XML embedded
    XRECHNUNG_UBL = "xrechnung-ubl", _("XRechnung (UBL)")  # German public sector, UBL syntax
    XRECHNUNG_CII = "xrechnung-cii", _("XRechnung (CII)")  # German public sector, CII syntax
    PEPPOL = "peppol", _("Peppol BIS Billing 3.0")  # through the Peppol network


class CustomerKind(models.TextChoices):
    """Decides the default interest on late payment (§ 288 BGB) and the flat fee."""

    BUSINESS = "business", _("Business")  # a company or trader: base rate + 9 points
    CONSUMER = "consumer", _("Consumer")  # a private person: base rate + 5 points


class Contact(TenantOwnedModel):
    customer_number = models.CharField(_("customer number"), max_length=30, blank=True)
    name = models.CharField(_("legal name"), max_length=200)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="DE")
    vat_id = models.CharField(_("VAT ID"), max_length=20, blank=True)
    leitweg_id = models.CharField(_("Leitweg-ID"), max_length=46, blank=True)
    # "scheme:value" (EAS code list): the buyer's electronic address BT-49; empty: derived
    # from the Leitweg-ID (0204) or the VAT ID when a format needs one.
    peppol_id = models.CharField(_("Peppol ID"), max_length=140, blank=True)
    einvoice_format = models.CharField(
        _("e-invoice format"), max_length=20, choices=EInvoiceFormat.choices,
        default=EInvoiceFormat.FACTURX,
    )  # fmt: skip
    email = models.EmailField(_("invoice e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=2, default="de")
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), null=True, blank=True
    )  # null: the tenant's terms
    # Cash discount (Skonto); null: the tenant's, a percent of 0: no discount for this customer.
    cash_discount_percent = models.DecimalField(
        _("cash discount (%)"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    cash_discount_days = models.PositiveSmallIntegerField(
        _("cash discount (days)"), null=True, blank=True
    )
    tax_treatment = models.CharField(
        _("tax treatment"), max_length=20, choices=TaxTreatment.choices,
        default=TaxTreatment.DOMESTIC,
    )  # fmt: skip
    exemption_reason = models.CharField(_("exemption reason"), max_length=300, blank=True)
    customer_kind = models.CharField(
        _("customer kind"), max_length=10, choices=CustomerKind.choices,
        default=CustomerKind.BUSINESS,
    )  # fmt: skip
    price_list = models.ForeignKey(
        "catalog.PriceList", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    time_rounding = models.JSONField(null=True, blank=True)  # null: the tenant's rule
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["tenant", "name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "customer_number"],
                condition=~models.Q(customer_number=""),
                name="contact_unique_customer_number",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public_sector(self) -> bool:
        return bool(self.leitweg_id)

    @property
    def address_complete(self) -> bool:
        return all((self.street, self.postal_code, self.city, self.country))
