"""PostgreSQL triggers: issued invoices, their lines and their stored documents cannot be
changed or deleted, whatever code (or person with a SQL prompt) tries. A second line behind
the services, which refuse the same with clear errors; SQLite relies on the services alone.

billing_invoice, once its status is not `draft`:
- frozen: everything printed on or identifying the document: tenant, kind, number and its
  sequence, customer, project, grouping, currency, language, dates, payment terms, PO number,
  buyer reference, texts, the credited invoice, seller and buyer snapshots, totals, VAT
  breakdown, issued_at, created_at.
- may change: `status` along its life (issued -> sent -> paid, -> void; never back to draft,
  never out of void), `sync_status`, `updated_at`, and `issued_by` only to NULL (the user
  was deleted; the audit log keeps who issued).
- no DELETE.
billing_invoiceline: no INSERT, UPDATE or DELETE while its invoice is not a draft.
documents_storeddocument: written once; no UPDATE, no DELETE.
"""

from django.db import migrations

INVOICE_FROZEN = (
    "tenant_id, kind, number, sequence_value, sequence_period, contact_id, project_id, "
    "grouping, currency, language, issue_date, due_date, service_period_start, "
    "service_period_end, payment_terms_days, po_number, buyer_reference, intro_text, "
    "closing_text, credit_note_of_id, seller, buyer, net_total, vat_total, gross_total, "
    "vat_breakdown, issued_at, created_at"
)
_OLD = ", ".join(f"OLD.{c.strip()}" for c in INVOICE_FROZEN.split(","))
_NEW = ", ".join(f"NEW.{c.strip()}" for c in INVOICE_FROZEN.split(","))

CREATE = f"""
CREATE OR REPLACE FUNCTION faktura_invoice_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'invoice % (%) is issued: it cannot be deleted', OLD.id, OLD.number
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'draft' THEN
        RETURN NEW;
    END IF;
    IF NEW.status = 'draft' OR (OLD.status = 'void' AND NEW.status <> 'void') THEN
        RAISE EXCEPTION 'invoice % (%): status % cannot become %',
            OLD.id, OLD.number, OLD.status, NEW.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF ROW({_NEW}) IS DISTINCT FROM ROW({_OLD})
       OR (NEW.issued_by_id IS DISTINCT FROM OLD.issued_by_id AND NEW.issued_by_id IS NOT NULL)
    THEN
        RAISE EXCEPTION 'invoice % (%) is issued: its content is frozen', OLD.id, OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER faktura_invoice_immutable
    BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION faktura_invoice_immutable();

CREATE OR REPLACE FUNCTION faktura_invoice_line_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    invoice_ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        invoice_ids := ARRAY[NEW.invoice_id];
    ELSIF TG_OP = 'UPDATE' THEN
        invoice_ids := ARRAY[OLD.invoice_id, NEW.invoice_id];
    ELSE
        invoice_ids := ARRAY[OLD.invoice_id];
    END IF;
    IF EXISTS (
        SELECT 1 FROM billing_invoice
        WHERE id = ANY(invoice_ids) AND status <> 'draft'
    ) THEN
        RAISE EXCEPTION 'the lines of issued invoice % cannot change', invoice_ids[1]
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER faktura_invoice_line_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION faktura_invoice_line_immutable();

CREATE OR REPLACE FUNCTION faktura_stored_document_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stored document % (%) is written once: it cannot change',
        OLD.id, OLD.filename
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER faktura_stored_document_immutable
    BEFORE UPDATE OR DELETE ON documents_storeddocument
    FOR EACH ROW EXECUTE FUNCTION faktura_stored_document_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS faktura_stored_document_immutable ON documents_storeddocument;
DROP FUNCTION IF EXISTS faktura_stored_document_immutable();
DROP TRIGGER IF EXISTS faktura_invoice_line_immutable ON billing_invoiceline;
DROP FUNCTION IF EXISTS faktura_invoice_line_immutable();
DROP TRIGGER IF EXISTS faktura_invoice_immutable ON billing_invoice;
DROP FUNCTION IF EXISTS faktura_invoice_immutable();
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_numbering_start_idempotency"),
        ("documents", "0002_delivery"),
    ]

    operations = [
        migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP), elidable=False),
    ]
