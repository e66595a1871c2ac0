"""The API's list pagination: ninja's limit/offset, with an offset a database can take.

An offset beyond 2**63 - 1 overflows the 64-bit integer both databases bind it as; bounding
it in the schema turns that into a 400 naming `offset` (issue 10).
"""

from __future__ import annotations

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

from faktura.common.schemas import MAX_ID


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(
            settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT
        )
        offset: int = Field(0, ge=0, le=MAX_ID)
