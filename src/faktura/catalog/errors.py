"""Error codes of the catalog, one class each; `config/api.py` maps them to HTTP."""

from __future__ import annotations

from faktura.common.errors import Conflict, ValidationFailed


class Duplicate(ValidationFailed):
    """Another unit, product, price list or assignment has this code, number, name or target."""

    code = "duplicate"


class Required(ValidationFailed):
    """This field is required."""

    code = "required"


class ReferenceNotFound(ValidationFailed):
    """An id (or unit code) in the input names nothing of this company (400 naming it)."""

    code = "not_found"


class ProductInactive(ValidationFailed):
    """An inactive product cannot be assigned."""

    code = "inactive"


class PriceListInUse(Conflict):
    """The currency of a price list with prices or customers cannot change."""

    code = "price_list_in_use"


class ConcurrentUpdate(Conflict):
    """Another price list became the default at the same time; try again."""

    code = "concurrent_update"
