"""Use cases of the catalog: units, products, price lists with their prices, assignments.

One module per entity; everything callers use is importable from here.
"""

from faktura.catalog.services.assignments import (
    product_assignment_create,
    product_assignment_delete,
    product_assignment_update,
)
from faktura.catalog.services.price_lists import (
    price_list_create,
    price_list_item_delete,
    price_list_item_set,
    price_list_update,
)
from faktura.catalog.services.products import (
    DEFAULT_PRODUCTS,
    DEFAULT_VAT_RATE,
    default_product_ensure,
    product_create,
    product_update,
)
from faktura.catalog.services.units import (
    DEFAULT_UNITS,
    KNOWN_UNITS,
    unit_create,
    unit_update,
    units_ensure_defaults,
)

__all__ = [
    "DEFAULT_PRODUCTS",
    "DEFAULT_UNITS",
    "DEFAULT_VAT_RATE",
    "KNOWN_UNITS",
    "default_product_ensure",
    "price_list_create",
    "price_list_item_delete",
    "price_list_item_set",
    "price_list_update",
    "product_assignment_create",
    "product_assignment_delete",
    "product_assignment_update",
    "product_create",
    "product_update",
    "unit_create",
    "unit_update",
    "units_ensure_defaults",
]
