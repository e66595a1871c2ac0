"""Store rendered documents exactly once and hand back the identical bytes later."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from faktura.common.errors import Conflict
from faktura.documents.models import StoredDocument


class DocumentTampered(Conflict):
    """A stored document no longer matches the SHA-256 recorded when it was written."""

    code = "document_tampered"


def document_store(
    *, tenant, invoice_id: int, format: str, content: bytes, filename: str, media_type: str
) -> StoredDocument:
    """Store the bytes of `format` for an invoice unless they are stored already.

    The first stored document wins: a second render (a retry, a concurrent worker) returns the
    existing row and its file is never replaced, so every download gives identical bytes.
    """
    existing = StoredDocument.objects.filter(invoice_id=invoice_id, format=format).first()
    if existing is not None:
        return existing
    digest = hashlib.sha256(content).hexdigest()
    document = StoredDocument(
        tenant=tenant,
        invoice_id=invoice_id,
        format=format,
        filename=filename,
        media_type=media_type,
        size=len(content),
        sha256=digest,
    )
    document.file.save(f"{digest}-{filename}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        document.file.delete(save=False)
        return StoredDocument.objects.get(invoice_id=invoice_id, format=format)
    return document


def document_read(document: StoredDocument) -> bytes:
    """The stored bytes, verified against the recorded SHA-256."""
    with document.file.open("rb") as fh:
        content = fh.read()
    if hashlib.sha256(content).hexdigest() != document.sha256:
        raise DocumentTampered(f"{document.filename} does not match its recorded checksum.")
    return content
