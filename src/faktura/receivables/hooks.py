"""Where apps above receivables take part in its use cases without receivables importing them
(the same pattern as `billing/hooks.py`). An app registers its functions in `AppConfig.ready()`:

- `payment_recorded`: `f(ctx, payment)`, called inside the transaction that records a payment,
  after the invoice's status followed it (an outbox row written here commits with it).
- `payment_reversed`: `f(ctx, payment)`, called inside the transaction that reverses one.
- `payment_readers`: `f(tenant, payments)`, called with each page of payments the API answers,
  to attach what the app adds to them in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

payment_recorded: list[Callable[[Any, Any], Any]] = []
payment_reversed: list[Callable[[Any, Any], Any]] = []
payment_readers: list[Callable[[Any, Sequence[Any]], None]] = []


def payments_read(tenant: Any, payments: Sequence[Any]) -> None:
    for reader in payment_readers:
        reader(tenant, payments)
