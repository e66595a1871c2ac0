"""Units, products, price lists and product assignments."""

from __future__ import annotations

import functools
import operator

from django.db import models
from django.utils.translation import gettext_lazy as _

from faktura.catalog.unit_names import unit_name, unit_symbol
from faktura.common.models import TenantOwnedModel


class LineKind(models.TextChoices):
    """What a billable item is; product assignments and default products are per kind."""

    TASK_ENTRY = "task_entry", _("Time")  # logged time on a ticket
    GOODS = "goods", _("Goods")  # goods delivered on a ticket
    EXPENSE = "expense", _("Expense")  # an expense passed on to the customer
    TRANSPORT_DISTANCE = "transport_distance", _("Transport (distance)")  # km driven
    TRANSPORT_TIME = "transport_time", _("Transport (time)")  # hours on the road
    PRODUCT = "product", _("Product")  # a catalog product sold as such
    SUBSCRIPTION = "subscription", _("Subscription")  # a recurring charge
    MANUAL = "manual", _("Manual")  # typed in on a draft


class VatCategory(models.TextChoices):
    """EN 16931 VAT category codes (UNTDID 5305 subset)."""

    STANDARD = "S", _("Standard rate")
    ZERO = "Z", _("Zero rated")
    EXEMPT = "E", _("Exempt")
    REVERSE_CHARGE = "AE", _("Reverse charge")
    INTRA_COMMUNITY = "K", _("Intra-community supply")
    EXPORT = "G", _("Export outside the EU")
    NOT_SUBJECT = "O", _("Not subject to VAT")


class Unit(TenantOwnedModel):
    """A unit of measure with its UN/ECE Recommendation 20 code (used in e-invoices)."""

    code = models.CharField(_("UN/ECE code"), max_length=3)
    name = models.CharField(_("name"), max_length=60)
    symbol = models.CharField(_("symbol"), max_length=12, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="unit_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name as shown: a built-in unit's name in the reader's language."""
        return unit_name(self.code, self.name)

    @property
    def display_symbol(self) -> str:
        return unit_symbol(self.code, self.symbol)


class Product(TenantOwnedModel):
    class Kind(models.TextChoices):
        SERVICE = "service", _("Service")  # work sold by time
        GOODS = "goods", _("Goods")  # hardware, licences, material
        EXPENSE = "expense", _("Expense")  # costs passed on
        TRANSPORT = "transport", _("Transport")  # travel by distance or time
        SUBSCRIPTION = "subscription", _("Subscription")  # recurring fee

    name = models.CharField(_("name"), max_length=200)
    sku = models.CharField(_("article number"), max_length=60, blank=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SERVICE)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="products")
    default_unit_price = models.DecimalField(
        max_digits=18, decimal_places=6, null=True, blank=True
    )  # null: no default price
    vat_category = models.CharField(
        max_length=2, choices=VatCategory.choices, default=VatCategory.STANDARD
    )
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, default=19)
    auto_created = models.BooleanField(default=False)  # made by compile as a default product
    auto_created_for = models.CharField(max_length=20, choices=LineKind.choices, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "sku"], condition=~models.Q(sku=""), name="product_unique_sku"
            ),
            # One default product per line kind, so concurrent compiles reuse it.
            models.UniqueConstraint(
                fields=["tenant", "auto_created_for"],
                condition=models.Q(auto_created=True),
                name="product_unique_auto_created",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PriceList(TenantOwnedModel):
    name = models.CharField(_("name"), max_length=100)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    is_tenant_default = models.BooleanField(default=False)  # the tenant's price list
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="price_list_unique_name"),
            models.UniqueConstraint(
                fields=["tenant", "currency"],
                condition=models.Q(is_tenant_default=True),
                name="price_list_one_default_per_currency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class PriceListItem(TenantOwnedModel):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    unit_price = models.DecimalField(max_digits=18, decimal_places=6)

    class Meta:
        ordering = ["product__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product"], name="price_list_item_unique_product"
            ),
        ]


class AssignmentScope(models.TextChoices):
    """Where a product assignment applies; resolution goes task, contact, member, team, tenant."""

    TASK = "task", _("Task")
    CONTACT = "contact", _("Customer")
    MEMBERSHIP = "membership", _("Member")
    TEAM = "team", _("Team")
    TENANT = "tenant", _("Company")


_TARGETS = ("task", "contact", "membership", "team")


def _only_target(scope: str) -> models.Q:
    """The row of `scope` sets exactly its own target (the tenant scope sets none)."""
    return models.Q(scope=scope, **{f"{t}__isnull": t != scope for t in _TARGETS})


class ProductAssignment(TenantOwnedModel):
    """Which product (and optionally price list) a line kind uses at a scope."""

    scope = models.CharField(max_length=12, choices=AssignmentScope.choices)
    task = models.ForeignKey("work.Task", null=True, blank=True, on_delete=models.CASCADE)
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.CASCADE)
    membership = models.ForeignKey(
        "tenancy.Membership", null=True, blank=True, on_delete=models.CASCADE
    )
    team = models.ForeignKey("tenancy.Team", null=True, blank=True, on_delete=models.CASCADE)
    line_kind = models.CharField(max_length=20, choices=LineKind.choices)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="assignments")
    price_list = models.ForeignKey(
        PriceList, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["scope", "line_kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=functools.reduce(
                    operator.or_, [_only_target(scope) for scope in AssignmentScope.values]
                ),
                name="assignment_scope_matches_target",
            ),
            # One assignment per target and line kind (partial indexes: NULLs never collide).
            *(
                models.UniqueConstraint(
                    fields=["tenant", target, "line_kind"],
                    condition=models.Q(scope=target),
                    name=f"assignment_unique_{target}",
                )
                for target in _TARGETS
            ),
            models.UniqueConstraint(
                fields=["tenant", "line_kind"],
                condition=models.Q(scope="tenant"),
                name="assignment_unique_tenant",
            ),
        ]

    @property
    def scope_id(self) -> int | None:
        return {
            "task": self.task_id,
            "contact": self.contact_id,
            "membership": self.membership_id,
            "team": self.team_id,
        }.get(self.scope)
