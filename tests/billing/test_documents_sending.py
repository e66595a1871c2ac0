"""Issued invoices: stored documents with identical bytes on every download, and sending by
e-mail through a real local SMTP server."""

import hashlib
import socket
import threading
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from einvoice.official import make_validator, require_official_rules
from faktura.billing.inputs import InvoicesGenerate
from faktura.billing.models import Invoice
from faktura.billing.services.documents import invoice_documents_render
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.issue import invoice_issue
from faktura.documents.models import Delivery, StoredDocument


@pytest.fixture
def issued(world) -> Invoice:
    contact = world.contact(email="rechnung@mueller.test")
    task = world.task(world.project(contact), title="Server migration")
    items = [world.item(task, minutes=90), world.item(task, minutes=45, vat_rate="19")]
    [draft] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[i.pk for i in items], grouping="contact"),
    )
    return invoice_issue(world.ctx, invoice_id=draft.pk)


def test_documents_are_stored_once_with_their_checksum(api, issued):
    first = api.get(f"invoices/{issued.pk}/pdf")
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first.content.startswith(b"%PDF-")
    assert first["X-Content-SHA256"] == hashlib.sha256(first.content).hexdigest()
    again = api.get(f"invoices/{issued.pk}/pdf")
    assert again.content == first.content
    # a second render (a retried task) stores nothing new and keeps the bytes
    invoice_documents_render(invoice_id=issued.pk)
    # the customer has no Peppol ID and no VAT ID to derive one from: no Peppol document
    stored = set(StoredDocument.objects.filter(invoice=issued).values_list("format", flat=True))
    assert stored == {"pdf", "xrechnung-ubl", "xrechnung-cii"}
    assert api.get(f"invoices/{issued.pk}/pdf").content == first.content


@pytest.mark.parametrize("fmt", ["xrechnung-ubl", "xrechnung-cii", "peppol", "facturx"])
def test_every_einvoice_format_passes_the_official_rules(api, world, fmt):
    require_official_rules()
    contact = world.contact(email="rechnung@mueller.test", peppol_id="0088:4000001000005")
    task = world.task(world.project(contact), title="Server migration")
    [draft] = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[world.item(task).pk], grouping="contact"),
    )
    issued = invoice_issue(world.ctx, invoice_id=draft.pk)
    r = api.get(f"invoices/{issued.pk}/einvoice", format=fmt)
    assert r.status_code == 200, r.content[:300]
    problems = [p for p in make_validator().validate(r.content) if p.fatal]
    assert problems == [], problems


def test_a_format_that_would_be_invalid_is_not_served(api, issued):
    """Issue 9: a Peppol document for a customer without a Peppol ID would fail CL008/R010;
    it is neither stored nor served, and the answer names why."""
    r = api.get(f"invoices/{issued.pk}/einvoice", format="peppol")
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "einvoice_format_unavailable"
    assert "buyer.peppol_id" in error["fields"]
    assert not StoredDocument.objects.filter(invoice=issued, format="peppol").exists()
    formats = {f["format"]: f for f in api.get(f"invoices/{issued.pk}").json()["formats"]}
    assert list(formats) == ["pdf", "facturx", "xrechnung-ubl", "xrechnung-cii", "peppol"]
    assert formats["peppol"]["available"] is False
    assert "Peppol ID" in formats["peppol"]["reason"]
    assert formats["facturx"] == {
        "format": "facturx", "available": True, "reason": "", "fields": [], "preferred": True,
    }  # fmt: skip


def test_documents_of_drafts_and_unknown_formats(api, world):
    draft = invoices_generate(
        world.ctx,
        data=InvoicesGenerate(billable_item_ids=[world.item(world.task()).pk], grouping="contact"),
    )[0]
    # a draft's PDF is its preview (issue 9), rendered now and never stored
    r = api.get(f"invoices/{draft.pk}/pdf")
    assert r.status_code == 200
    assert r["X-Faktura-Preview"] == "draft"
    assert not StoredDocument.objects.filter(invoice=draft).exists()
    r = api.get(f"invoices/{draft.pk}/einvoice", format="xrechnung-ubl")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "invoice_not_issued"
    assert api.get(f"invoices/{draft.pk}/einvoice", format="pdf-x").status_code in (400, 409)


def test_documents_are_invisible_to_members_and_other_tenants(api_as, other_api, issued):
    assert api_as("member").get(f"invoices/{issued.pk}/pdf").status_code == 403
    assert other_api.get(f"invoices/{issued.pk}/pdf").status_code == 404


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "billing@nordlicht-it.test"
    yield inbox
    controller.stop()


def test_send_delivers_the_factur_x_pdf(api, issued, smtp):
    r = api.post(f"invoices/{issued.pk}/send", {})
    assert r.status_code == 200, r.json()
    delivery = r.json()
    assert delivery["status"] == "sent" and delivery["message_id"]
    [(recipients, raw)] = smtp.messages
    assert recipients == ["rechnung@mueller.test"]
    message = message_from_bytes(raw, policy=default_policy)
    assert message["Message-ID"] == delivery["message_id"]
    assert issued.number in message["Subject"]
    [attachment] = list(message.iter_attachments())
    pdf = attachment.get_content()
    assert pdf == api.get(f"invoices/{issued.pk}/pdf").content
    issued.refresh_from_db()
    assert issued.status == "sent"
    # nothing is sent twice unless asked
    again = api.post(f"invoices/{issued.pk}/send", {})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invoice_already_sent"
    assert len(smtp.messages) == 1
    assert api.post(f"invoices/{issued.pk}/send", {"resend": True}).status_code == 200
    assert len(smtp.messages) == 2


def test_public_customers_also_get_the_xrechnung(api, world, smtp):
    contact = world.contact(
        "Stadt Musterhausen", email="e-rechnung@musterhausen.test",
        leitweg_id="04011000-1234512345-06",
    )  # fmt: skip
    item = world.item(world.task(world.project(contact)))
    [draft] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
    )
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk)
    assert api.post(f"invoices/{invoice.pk}/send", {}).status_code == 200
    message = message_from_bytes(smtp.messages[0][1], policy=default_policy)
    names = sorted(a.get_filename() for a in message.iter_attachments())
    assert names == [f"{invoice.number}-xrechnung-ubl.xml", f"{invoice.number}.pdf"]


def test_smtp_failure_keeps_the_invoice_issued_and_can_be_retried(api, issued, settings, smtp):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = _free_port()  # nobody listens here
    r = api.post(f"invoices/{issued.pk}/send", {})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "send_failed"
    issued.refresh_from_db()
    assert issued.status == "issued"
    assert Delivery.objects.get(invoice=issued).status == "failed"
    assert smtp.messages == []
    settings.EMAIL_PORT = port
    assert api.post(f"invoices/{issued.pk}/send", {}).status_code == 200
    assert len(smtp.messages) == 1
    assert [d.status for d in Delivery.objects.filter(invoice=issued).order_by("id")] == [
        "failed", "sent",
    ]  # fmt: skip


def test_send_without_address_is_422_and_records_nothing(api, world, smtp):
    item = world.item(world.task(world.project(world.contact(email=""))))
    [draft] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
    )
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk)
    r = api.post(f"invoices/{invoice.pk}/send", {})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "no_recipient"
    assert not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_deliver_one_message(world, smtp):
    from faktura.billing.services.sending import invoice_send
    from faktura.common.errors import Conflict

    contact = world.contact(email="rechnung@mueller.test")
    item = world.item(world.task(world.project(contact)))
    [draft] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
    )
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk)
    invoice_documents_render(invoice_id=invoice.pk)
    outcomes = []

    def send():
        from django.db import connection

        try:
            invoice_send(world.ctx, invoice_id=invoice.pk)
            outcomes.append("sent")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[-1] == "sent"
    assert outcomes.count("sent") == 1
    assert len(smtp.messages) == 1


# --- failures never block an invoice (issue: PDF invoices, e-invoices and sending) -----------


def test_a_non_smtp_error_during_send_leaves_a_retryable_failed_delivery(
    api, issued, smtp, monkeypatch
):
    from faktura.billing.services import sending
    from faktura.common.errors import Conflict

    # given: the stored PDF fails its checksum while the message is being built
    def tampered(document):
        raise Conflict("The stored document does not match.", code="document_tampered")

    monkeypatch.setattr(sending, "document_read", tampered)

    # when
    r = api.post(f"invoices/{issued.pk}/send", {})

    # then: the error keeps its own code, the delivery is failed with it, nothing was sent
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "document_tampered"
    [delivery] = Delivery.objects.filter(invoice=issued)
    assert delivery.status == "failed"
    assert "does not match" in delivery.error
    assert smtp.messages == []
    issued.refresh_from_db()
    assert issued.status == "issued"
    # and the next attempt is not refused as "in progress"
    monkeypatch.undo()
    assert api.post(f"invoices/{issued.pk}/send", {}).status_code == 200
    assert len(smtp.messages) == 1


def test_a_crash_after_the_server_accepted_is_recorded_with_the_message_id(
    world, issued, smtp, monkeypatch
):
    from faktura.billing.services import sending

    def broken_audit(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(sending, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        sending.invoice_send(world.ctx, invoice_id=issued.pk)
    [delivery] = Delivery.objects.filter(invoice=issued)
    assert delivery.status == "failed"
    assert "accepted the message" in delivery.error and delivery.message_id in delivery.error
    assert "database went away" in delivery.error
    assert len(smtp.messages) == 1


def _claim(invoice, *, minutes_ago: int) -> Delivery:
    """A `sending` delivery claimed `minutes_ago` by a process that never came back."""
    from datetime import timedelta

    from django.utils import timezone

    delivery = Delivery.objects.create(
        tenant=invoice.tenant, invoice=invoice, recipient="rechnung@mueller.test", subject="x"
    )
    Delivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return delivery


def test_a_stale_sending_delivery_is_taken_over(api, issued, smtp):
    from faktura.billing.services.sending import SENDING_TIMEOUT

    stale = _claim(issued, minutes_ago=int(SENDING_TIMEOUT.total_seconds() // 60) + 1)
    r = api.post(f"invoices/{issued.pk}/send", {})
    assert r.status_code == 200, r.json()
    stale.refresh_from_db()
    assert stale.status == "failed" and "taken over" in stale.error
    assert len(smtp.messages) == 1
    assert Delivery.objects.get(pk=r.json()["id"]).status == "sent"


@pytest.mark.parametrize("minutes_ago", [0, 9])
def test_a_fresh_sending_delivery_still_answers_409(api, issued, smtp, minutes_ago):
    claim = _claim(issued, minutes_ago=minutes_ago)
    r = api.post(f"invoices/{issued.pk}/send", {})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "send_in_progress"
    claim.refresh_from_db()
    assert claim.status == "sending"
    assert smtp.messages == []


# --- credit notes are not invoices (issue: PDF invoices, e-invoices and sending) -------------


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        (
            "de",
            "anbei erhalten Sie unsere Rechnungskorrektur {number} über {gross} zu Rechnung "
            "{invoice} vom {date}. Der Betrag wird Ihnen erstattet bzw. verrechnet.",
            ("Gutschrift", "zahlbar"),
        ),
        (
            "en",
            "please find attached our credit note {number} for {gross} relating to invoice "
            "{invoice} of {date}. The amount will be refunded or offset against open invoices.",
            ("due on",),
        ),
    ],
)
def test_credit_note_mail_names_the_corrected_invoice_and_no_due_date(
    world, smtp, language, expected, absent
):
    from faktura.billing.services.credit_notes import credit_note_create
    from faktura.billing.services.sending import invoice_send
    from faktura.documents.rendering.formatting import format_date, number_style

    # given: an issued invoice of 840.44 EUR gross and its full credit note
    contact = world.contact(email="rechnung@mueller.test", language=language)
    item = world.item(world.task(world.project(contact)), minutes=None, quantity="7.4",
                      unit_price="95.44", kind="task_entry")  # fmt: skip
    [draft] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
    )
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk)
    note = credit_note_create(world.ctx, invoice_id=invoice.pk)
    assert note.gross_total < 0

    # when
    invoice_send(world.ctx, invoice_id=note.pk)

    # then
    message = message_from_bytes(smtp.messages[0][1], policy=default_policy)
    body = message.get_body(("plain",)).get_content()
    gross = number_style(language).money(-note.gross_total)
    assert "-" not in gross
    text = expected.format(
        number=note.number, gross=gross, invoice=invoice.number,
        date=format_date(invoice.issue_date, language),
    )  # fmt: skip
    assert " ".join(text.split()) in " ".join(body.split()), body
    for word in absent:
        assert word not in body
    kind = "Rechnungskorrektur" if language == "de" else "Credit note"
    assert message["Subject"].startswith(f"{kind} {note.number}")


# --- the timesheet appendix agrees with the invoice (issue: PDF invoices, e-invoices and
# sending) ------------------------------------------------------------------------------------


def test_timesheet_rows_are_the_logged_time_of_time_lines_only(world):
    from decimal import Decimal

    from faktura.billing.snapshot import invoice_snapshot
    from faktura.core.time_rounding import seconds_to_hours
    from faktura.documents.rendering.view import build_view

    # given: 8:55 logged on a ticket and billed as 10.5 h, and 37 km driven for it
    task = world.task(world.project(world.contact()), title="Server migration")
    time = world.item(task, minutes=535, quantity="10.5", unit_price="95")
    drive = world.item(
        task, kind="transport_distance", minutes=None, quantity="37", unit="KMT",
        unit_price="0.42",
    )  # fmt: skip
    [draft] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[time.pk, drive.pk], grouping="contact")
    )
    invoice = invoice_issue(world.ctx, invoice_id=draft.pk)

    # when
    snapshot = invoice_snapshot(invoice)

    # then: the time line carries its logged seconds, the mileage line no "hours" at all
    by_unit = {line.unit: line for line in snapshot.lines}
    assert by_unit["HUR"].quantity == Decimal("10.5")
    assert [row.hours for row in by_unit["HUR"].timesheet] == [seconds_to_hours(535 * 60)]
    assert by_unit["KMT"].timesheet == ()
    groups = build_view(snapshot, timesheet=True)[0]["timesheet"]["groups"]
    assert [(g["total"], g["billed"]) for g in groups] == [("8:55", "10,5\u00a0Std.")]
