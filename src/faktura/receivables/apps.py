from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "faktura.receivables"
    label = "receivables"

    def ready(self) -> None:
        from faktura.billing import hooks
        from faktura.receivables.selectors import invoices_annotate
        from faktura.receivables.services import credit_note_settle

        if credit_note_settle not in hooks.credit_note_issued:
            hooks.credit_note_issued.append(credit_note_settle)
        if invoices_annotate not in hooks.invoice_readers:
            hooks.invoice_readers.append(invoices_annotate)
