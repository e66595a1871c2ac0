"""Errors with stable codes; `faktura.common.api` maps them to HTTP in one place.

A service raises one of these; the API answers `{"error": {"code", "message", "fields"}}` with the
class's status and the UI shows the message next to the named fields.
"""

from __future__ import annotations


class FakturaError(Exception):
    """Base class: `code` is stable for clients, `message` is for people."""

    status = 400
    code = "error"

    def __init__(
        self, message: str = "", *, code: str | None = None, fields: dict[str, str] | None = None
    ):
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        if code:
            self.code = code
        self.fields = fields or {}


class ValidationFailed(FakturaError):
    """The input is invalid."""

    status = 400
    code = "invalid"

    @classmethod
    def field(cls, name: str, message: str, *, code: str | None = None) -> ValidationFailed:
        """The error naming one field; its code is the class's unless given."""
        return cls(f"{name}: {message}", code=code, fields={name: message})


class NotAuthenticated(FakturaError):
    """Authentication is required."""

    status = 401
    code = "not_authenticated"


class PermissionDenied(FakturaError):
    """Your role does not allow this."""

    status = 403
    code = "permission_denied"


class NotFound(FakturaError):
    """Not found."""

    status = 404
    code = "not_found"


class Conflict(FakturaError):
    """The object is in a state that does not allow this."""

    status = 409
    code = "conflict"


class BusinessRuleViolation(FakturaError):
    """A business rule forbids this."""

    status = 422
    code = "business_rule"


class Required(ValidationFailed):
    """This field is required."""

    code = "required"


class InvalidText(ValidationFailed):
    """A text has characters the documents cannot print or a line break where none belongs."""

    code = "invalid_text"


class ReferenceNotFound(ValidationFailed):
    """An id in the input names nothing of this company (400 naming the field)."""

    code = "not_found"
