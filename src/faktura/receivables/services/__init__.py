"""Use cases of receivables, one module per area: `payments` (payments, reversals,
write-offs, credit, credit notes, sending), `bank` (bank statement import and matching) and
`dunning` (levels, runs, reminders, pauses)."""

from faktura.receivables.services.bank import (
    bank_statement_import,
    bank_statement_import_start,
    bank_statement_receive,
    bank_transaction_ignore,
    bank_transaction_match,
)
from faktura.receivables.services.charges import charge_waive
from faktura.receivables.services.dunning import (
    base_rate_add,
    dunning_daily,
    dunning_levels_set,
    dunning_run,
    dunning_run_start,
    dunning_settings_set,
    invoice_dunning_pause,
    invoice_dunning_resume,
    reminder_document,
    reminder_send,
)
from faktura.receivables.services.payments import (
    credit_apply,
    credit_note_settle,
    invoice_mark_sent,
    invoice_write_off,
    payment_record,
    payment_reverse,
    status_follow,
)

__all__ = [
    "bank_statement_import",
    "bank_statement_import_start",
    "bank_statement_receive",
    "bank_transaction_ignore",
    "bank_transaction_match",
    "base_rate_add",
    "charge_waive",
    "credit_apply",
    "credit_note_settle",
    "dunning_daily",
    "dunning_levels_set",
    "dunning_run",
    "dunning_run_start",
    "dunning_settings_set",
    "invoice_dunning_pause",
    "invoice_dunning_resume",
    "invoice_mark_sent",
    "invoice_write_off",
    "payment_record",
    "payment_reverse",
    "reminder_document",
    "reminder_send",
    "status_follow",
]
