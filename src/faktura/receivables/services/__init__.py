"""Use cases of receivables, one module per area: `payments` (payments, reversals,
write-offs, credit, credit notes, sending) and `bank` (bank statement import and matching)."""

from faktura.receivables.services.bank import (
    bank_statement_import,
    bank_statement_import_start,
    bank_statement_receive,
    bank_transaction_ignore,
    bank_transaction_match,
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
    "credit_apply",
    "credit_note_settle",
    "invoice_mark_sent",
    "invoice_write_off",
    "payment_record",
    "payment_reverse",
    "status_follow",
]
