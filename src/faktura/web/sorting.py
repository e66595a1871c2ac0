"""Sorting a list page by a column: `?sort=name` ascending, `?sort=-name` descending.

Each page names the columns it may be sorted by and the fields behind each (a whitelist); any
other value in the address is ignored and the list keeps its default order, so a bad or
hand-made `sort` never reaches the database. The sort stays in the address with the filters,
so pagination, reloads and shared links keep it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F
from django.http import HttpRequest

PARAM = "sort"


@dataclass(frozen=True)
class Sorting:
    columns: Mapping[str, tuple[str, ...]]
    key: str = ""  # the chosen column ("" = the page's default order)
    descending: bool = False
    fields: tuple[str, ...] = field(default=())

    @property
    def param(self) -> str:
        """The value of `sort` in the address ("" for the default order)."""
        if not self.key:
            return ""
        return f"-{self.key}" if self.descending else self.key

    def order_by(self) -> list[Any]:
        """The ordering for the queryset: the column's fields (empty values last), then id."""
        ordering: list[Any] = []
        for name in self.fields:
            expression = F(name)
            ordering.append(
                expression.desc(nulls_last=True)
                if self.descending
                else expression.asc(nulls_last=True)
            )
        ordering.append("-id" if self.descending else "id")
        return ordering

    def apply(self, queryset):
        """The queryset in the chosen order; unchanged when no column is chosen."""
        return queryset.order_by(*self.order_by()) if self.key else queryset


def sorting(request: HttpRequest, columns: Mapping[str, tuple[str, ...]]) -> Sorting:
    """The sort the address asks for, if it names one of `columns`; else the default."""
    raw = (request.GET.get(PARAM) or "").strip()
    descending = raw.startswith("-")
    key = raw[1:] if descending else raw
    if key not in columns:
        return Sorting(columns)
    return Sorting(columns, key=key, descending=descending, fields=columns[key])
