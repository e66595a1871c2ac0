"""Render an issued invoice's documents in the background, right after it is issued."""

from django_tasks import task

from faktura.billing.services.documents import invoice_documents_render


@task()
def invoice_documents_task(invoice_id: int) -> int:
    """Idempotent: stores only formats not stored yet; returns how many documents exist."""
    return len(invoice_documents_render(invoice_id=invoice_id))
