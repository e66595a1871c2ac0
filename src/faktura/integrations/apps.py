from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "faktura.integrations"
    label = "integrations"

    def ready(self) -> None:
        from faktura.billing import hooks as billing_hooks
        from faktura.integrations import outbox
        from faktura.integrations.selectors import invoices_sync_status, payments_sync_status
        from faktura.receivables import hooks as receivables_hooks

        for registry, fn in (
            (billing_hooks.invoice_issued, outbox.on_invoice_issued),
            (billing_hooks.invoice_sent, outbox.on_invoice_sent),
            (billing_hooks.invoice_readers, invoices_sync_status),
            (receivables_hooks.payment_recorded, outbox.on_payment_recorded),
            (receivables_hooks.payment_reversed, outbox.on_payment_reversed),
            (receivables_hooks.payment_readers, payments_sync_status),
        ):
            if fn not in registry:
                registry.append(fn)
