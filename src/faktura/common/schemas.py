"""Schemas shared by all routers: the error body, operations and list envelopes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from ninja import Path, Schema
from pydantic import AfterValidator, Field

from faktura.core import money

# Ids are 64-bit integers in both databases. Bounding them in the schema makes an id no row
# can have a clear 400 (or, in a path, a 404) instead of a database overflow.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, str] = {}


class ErrorOut(Schema):
    error: ErrorBody


class OperationOut(Schema):
    id: UUID
    kind: str
    status: str
    progress: int
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


# The error answers every authenticated endpoint may give, for the OpenAPI document.
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# A cash discount percentage (Skonto): 0 to 99.99, at most 2 decimals (the bound limits the
# digits, so a too large value is reported as above 99.99).
# Kept with its 2 decimals ("2.50"), as the database gives it back; nothing is rounded here.
CashDiscountPercent = Annotated[
    Decimal,
    Field(ge=0, le=Decimal("99.99"), decimal_places=2),
    AfterValidator(lambda value: money.quantize(value, 2)),
]
