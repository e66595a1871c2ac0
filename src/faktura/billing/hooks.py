"""Where apps above billing take part in billing's use cases and reads without billing
importing them (billing sits below receivables in the layers, `.importlinter`).

An app registers its functions in its `AppConfig.ready()`:

- `credit_note_issued`: `f(ctx, note)`, called inside the transaction that issues a credit
  note, after its invoice's status is set (receivables settles the invoice with it).
- `invoice_issued`: `f(ctx, invoice)`, called inside the transaction that issues an invoice or
  a credit note, after it is numbered and frozen (an app that must refuse the issue raises a
  `FakturaError` and the whole issue rolls back; an outbox row written here commits with it).
- `invoice_sent`: `f(ctx, invoice)`, called inside the transaction in which an issued invoice
  becomes `sent` (e-mailed, or marked sent by receivables).
- `invoice_readers`: `f(tenant, invoices)`, called with each page of invoices the invoice API
  answers, to attach what the app adds to them (receivables: the open amount and payment
  state) in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

credit_note_issued: list[Callable[[Any, Any], Any]] = []
invoice_issued: list[Callable[[Any, Any], Any]] = []
invoice_sent: list[Callable[[Any, Any], Any]] = []
invoice_readers: list[Callable[[Any, Sequence[Any]], None]] = []


def invoices_read(tenant, invoices: Sequence[Any]) -> None:
    for reader in invoice_readers:
        reader(tenant, invoices)
