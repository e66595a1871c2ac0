"""Price precedence and product resolution over plain values.

The services look up every candidate (entry price, task price, price list, ...) and pass them
here as plain values; the precedence itself is pure and tested in one place.

- ``STANDARD_ORDER``: time entries, goods, expenses and products.
- ``TRANSPORT_ORDER``: transport lines (distance, travel time): an explicit price on the entry,
  then the transport product's default, then the task's price.
- ``PRODUCT_SCOPE_ORDER``: which product assignment applies, from the most specific scope
  (the task) to the most general (the tenant).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from faktura.core.money import UNIT_PRICE_PLACES, has_places, quantize_unit_price, to_decimal
from faktura.core.problems import Problem, warning

TRANSPORT_ORDER: tuple[str, ...] = ("entry", "product_default", "task")
STANDARD_ORDER: tuple[str, ...] = (
    "entry",
    "task",
    "price_list",
    "project_member",
    "project",
    "member_default",
    "product_default",
)
PRODUCT_SCOPE_ORDER: tuple[str, ...] = ("task", "contact", "membership", "team", "tenant")
NO_PRICE_SOURCE = "none"

X = TypeVar("X")


@dataclass(frozen=True, slots=True)
class PriceCandidate:
    """A price from one source; ``None`` = that source has no price (not: a price of 0)."""

    source: str
    price: Decimal | None

    def __post_init__(self) -> None:
        if self.price is not None:
            object.__setattr__(self, "price", to_decimal(self.price))


@dataclass(frozen=True, slots=True)
class PriceResolution:
    """The winning unit price (6 decimals), the source it came from, and warnings."""

    price: Decimal
    source: str
    warnings: tuple[Problem, ...] = ()


def resolve_price(candidates: Sequence[PriceCandidate]) -> PriceResolution:
    """The first candidate whose price is not ``None`` wins, even if it is 0 (an explicit 0
    is a decision, e.g. goodwill work).

    No price at all -> price 0, source ``"none"`` and a ``no_price`` warning, so the item is
    still compiled and a reviewer sees it. A winning price with more than 6 decimals is
    rounded ROUND_HALF_UP (warning ``unit_price_rounded``); a negative one is kept with a
    ``negative_price`` warning (EN 16931 needs discounts as negative quantities).
    """
    for candidate in candidates:
        if candidate.price is None:
            continue
        price = quantize_unit_price(candidate.price)
        found: list[Problem] = []
        if not has_places(candidate.price, UNIT_PRICE_PLACES):
            found.append(
                warning(
                    "unit_price_rounded",
                    f"The {candidate.source} price {candidate.price} is rounded to "
                    f"{UNIT_PRICE_PLACES} decimals.",
                    "unit_price",
                )
            )
        if price < 0:
            found.append(
                warning(
                    "negative_price",
                    f"The {candidate.source} price is negative.",
                    "unit_price",
                )
            )
        return PriceResolution(price=price, source=candidate.source, warnings=tuple(found))
    return PriceResolution(
        price=quantize_unit_price(0),
        source=NO_PRICE_SOURCE,
        warnings=(warning("no_price", "No price was found for this item.", "unit_price"),),
    )


def _check_keys(order: Sequence[str], keys: Mapping[str, object]) -> None:
    # A misspelt source would otherwise be skipped silently and a lower-ranked price would win.
    unknown = set(keys) - set(order)
    if unknown:
        raise ValueError(f"sources not in the order: {sorted(unknown)}")


def resolve_by_order(order: Sequence[str], values: Mapping[str, Decimal | None]) -> PriceResolution:
    """``resolve_price`` over ``values`` taken in ``order``; missing keys count as no price.
    ``ValueError`` for a key that is not in ``order``."""
    _check_keys(order, values)
    return resolve_price([PriceCandidate(source, values.get(source)) for source in order])


def resolve_product(
    order: Sequence[str], found: Mapping[str, X | None]
) -> tuple[X | None, str | None]:
    """The first scope in ``order`` with a product, as ``(product, scope)``; ``(None, None)``
    when no scope has one. ``ValueError`` for a key that is not in ``order``."""
    _check_keys(order, found)
    for scope in order:
        product = found.get(scope)
        if product is not None:
            return product, scope
    return None, None
