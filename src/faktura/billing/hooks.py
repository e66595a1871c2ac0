"""Where apps above billing take part in billing's use cases and reads without billing
importing them (billing sits below receivables in the layers, `.importlinter`).

An app registers its functions in its `AppConfig.ready()`:

- `credit_note_issued`: `f(ctx, note)`, called inside the transaction that issues a credit
  note, after its invoice's status is set (receivables settles it; retainers reverse a month).
- `draft_header_checks`: `f(ctx, invoice, fields)`, called inside the transaction that edits a
  draft's header, after the new values are set on `invoice` and before it is saved, with the
  names of the fields the request changed (frame orders: `frame_order_id` must be one of the
  customer's). Raise a `FakturaError` to refuse the edit.
- `invoice_issuing`: `f(ctx, invoice)`, called inside the issuing transaction with the draft
  locked, before it is checked and numbered: an app may still fill the draft's header
  (frame orders: their PO number as BT-13).
- `invoice_issued`: `f(ctx, invoice)`, called inside the transaction that issues an invoice or
  a credit note, after it is numbered and frozen (an app that must refuse the issue raises a
  `FakturaError` and the whole issue rolls back; an outbox row written here commits with it).
- `run_draft_filled`: `f(ctx, invoice, period_start=, period_end=)`, called inside the billing
  run's transaction for each month draft of an ongoing project after its items joined it
  (retainers turn the month's time lines into the retainer's lines).
- `run_fixed_drafts`: `f(ctx, period_start, period_end) -> list[(contact, currency, project)]`,
  called inside the billing run's transaction: the ongoing projects whose month draft the run
  opens even without pending items (a retainer's monthly fee). The run opens (or reuses) each
  one's draft and calls `run_draft_filled` for it when no items joined it.
- `run_earlier_months`: `f(ctx, period_start, period_end) -> list[(contact, currency, project,
  month_start, month_end)]`, called inside the billing run's transaction before it claims its
  items: months before the run's month that an ongoing project must have billed again (a
  retainer month reopened by a credit note). The run opens (or reuses) that month's own draft,
  puts the project's pending items of that month on it and calls `run_draft_filled` for it
  with that month's bounds. The app answers only months still waiting, so a rerun finds none.
- `run_catch_up_excluded`: `f(tenant, period_start, period_end) -> list[project id]`, called
  by the billing run before it claims its items (and by the review counting what the next run
  catches up): ongoing projects whose pending time items (kind `task_entry`) of earlier months
  the run leaves alone instead of catching them up on the run's month draft (a retainer's
  project: a month draft counts every time line on it against that month's included hours, so
  earlier time would be counted in the wrong month; it is billed by running its own month
  again).
- `invoice_sent`: `f(ctx, invoice)`, called inside the transaction in which an issued invoice
  becomes `sent` (e-mailed, or marked sent by receivables).
- `invoice_readers`: `f(tenant, invoices)`, called with each page of invoices the invoice API
  answers, to attach what the app adds to them (receivables: the open amount and payment
  state) in a fixed number of queries.
- `frame_order_options`: `f(tenant, contact_id, on_date) -> list[dict]` with `id`,
  `po_number` and `hours_remaining` (a decimal or None) of the customer's frame orders open on
  that date; the billing review offers them (frame orders registers them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

draft_header_checks: list[Callable[[Any, Any, set[str]], Any]] = []
invoice_issuing: list[Callable[[Any, Any], Any]] = []
credit_note_issued: list[Callable[[Any, Any], Any]] = []
invoice_issued: list[Callable[[Any, Any], Any]] = []
run_draft_filled: list[Callable[..., Any]] = []
run_fixed_drafts: list[Callable[..., list[tuple[Any, str, Any]]]] = []
run_earlier_months: list[Callable[..., list[tuple[Any, str, Any, Any, Any]]]] = []
run_catch_up_excluded: list[Callable[..., list[int]]] = []
invoice_sent: list[Callable[[Any, Any], Any]] = []
invoice_readers: list[Callable[[Any, Sequence[Any]], None]] = []
frame_order_options: list[Callable[[Any, int, Any], list[dict[str, Any]]]] = []


def invoices_read(tenant, invoices: Sequence[Any]) -> None:
    for reader in invoice_readers:
        reader(tenant, invoices)


def frame_orders_open(tenant, contact_id: int, on_date) -> list[dict[str, Any]]:
    """Every registered app's open frame orders of the customer on that date."""
    found: list[dict[str, Any]] = []
    for options in frame_order_options:
        found += options(tenant, contact_id, on_date)
    return found
