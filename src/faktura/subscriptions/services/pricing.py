"""The terms of a subscription's or project product's billable item: product, unit, VAT and
unit price, read for many at once.

Unit price (`core.pricing.resolve_price`, the first source with a price wins, 0 included):
the subscription's price change in force on the period's first served day (``price_change``),
the price set on the subscription or project product (``subscription`` / ``manual``), the
product in the customer's price list, then in the company's default list of the currency
(``price_list``), the product's own default price (``product_default``); none: 0 with a
``no_price`` warning. Currency: the project's, else the customer's. VAT: the product's, unless
the customer's tax treatment says otherwise (as in compile).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from faktura.billing.services.pricing import TREATMENT_VAT
from faktura.catalog.models import PriceList, PriceListItem, Product
from faktura.contacts.models import Contact
from faktura.core.money import amount_places
from faktura.core.pricing import PriceCandidate, resolve_price
from faktura.work.models import Project


@dataclass(frozen=True, slots=True)
class Terms:
    product_name: str
    unit: str
    currency: str
    places: int
    unit_price: Decimal
    price_source: str
    warnings: tuple[dict[str, str], ...]
    vat_category: str
    vat_rate: Decimal


class ItemPricing:
    """Everything the terms of a batch need, in a handful of queries."""

    def __init__(
        self,
        tenant,
        *,
        contact_ids: Iterable[int],
        product_ids: Iterable[int],
        project_ids: Iterable[int],
    ) -> None:
        self.contacts = {
            row[0]: row
            for row in Contact.objects.filter(tenant=tenant, pk__in=set(contact_ids)).values_list(
                "id", "currency", "price_list_id", "tax_treatment"
            )
        }
        self.projects = dict(
            Project.objects.filter(tenant=tenant, pk__in=set(project_ids) - {None}).values_list(
                "id", "currency"
            )
        )
        self.products = {
            row[0]: row
            for row in Product.objects.filter(tenant=tenant, pk__in=set(product_ids)).values_list(
                "id", "name", "unit__code", "default_unit_price", "vat_category", "vat_rate"
            )
        }
        self.default_lists = dict(
            PriceList.objects.filter(tenant=tenant, is_tenant_default=True, is_active=True)
            .values_list("currency", "id")
        )  # fmt: skip
        list_ids = {row[2] for row in self.contacts.values() if row[2]} | set(
            self.default_lists.values()
        )
        self.list_currency = dict(
            PriceList.objects.filter(tenant=tenant, pk__in=list_ids, is_active=True).values_list(
                "id", "currency"
            )
        )
        self.prices = {
            (list_id, product_id): price
            for list_id, product_id, price in PriceListItem.objects.filter(
                tenant=tenant, price_list_id__in=list(self.list_currency), product_id__in=list(
                    self.products)
            ).values_list("price_list_id", "product_id", "unit_price")
        }  # fmt: skip
        self._cache: dict[tuple, Terms] = {}

    def _list_price(self, product_id: int, currency: str, contact_list: int | None):
        for list_id in (contact_list, self.default_lists.get(currency)):
            if list_id is None or self.list_currency.get(list_id) != currency:
                continue
            price = self.prices.get((list_id, product_id))
            if price is not None:
                return price
        return None

    def terms(
        self,
        *,
        contact_id: int,
        product_id: int,
        project_id: int | None,
        own_price: tuple[str, Decimal | None] = ("subscription", None),
        change: Decimal | None = None,
    ) -> Terms:
        key = (contact_id, product_id, project_id, own_price, change)
        found = self._cache.get(key)
        if found is not None:
            return found
        _, contact_currency, contact_list, treatment = self.contacts[contact_id]
        _, name, unit, default_price, category, rate = self.products[product_id]
        currency = self.projects.get(project_id) or contact_currency
        resolution = resolve_price(
            [
                PriceCandidate("price_change", change),
                PriceCandidate(*own_price),
                PriceCandidate("price_list", self._list_price(product_id, currency, contact_list)),
                PriceCandidate("product_default", default_price),
            ]
        )
        category, rate = TREATMENT_VAT.get(treatment, (category, rate))
        found = self._cache[key] = Terms(
            product_name=name,
            unit=unit,
            currency=currency,
            places=amount_places(currency),
            unit_price=resolution.price,
            price_source=resolution.source,
            warnings=tuple(problem.as_dict() for problem in resolution.warnings),
            vat_category=category,
            vat_rate=rate,
        )
        return found
