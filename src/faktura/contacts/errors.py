"""Error codes of contacts, one class each; `config/api.py` maps them to HTTP."""

from __future__ import annotations

from faktura.common.errors import ValidationFailed


class DuplicateCustomerNumber(ValidationFailed):
    """Another customer has this number."""

    code = "duplicate"


class ContactNotFound(ValidationFailed):
    """A contact id in the input names no customer of this company (400 naming the field)."""

    code = "not_found"
