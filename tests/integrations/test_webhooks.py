"""Webhooks (issue 16): subscriptions with a secret shown once, events written in the event's
transaction, signed deliveries, retries for a slow or failing endpoint, 410 disables the
subscription, redelivery, and the request forgery guard."""

from __future__ import annotations

import json
import time
from decimal import Decimal

from faktura.integrations.models import WebhookDelivery, WebhookSubscription
from faktura.integrations.signing import signature, verify
from faktura.receivables.inputs import InvoiceMarkSent, PaymentRecord, PaymentReverse
from faktura.receivables.services import invoice_mark_sent, payment_record, payment_reverse

ALL = ["invoice.issued", "invoice.sent", "invoice.paid", "credit_note.issued",
       "payment.recorded", "payment.reversed"]  # fmt: skip


def _subscribe(api, receiver, events=ALL):
    r = api.post("webhooks", {"url": receiver.url + "/hook", "events": events})
    assert r.status_code == 201, r.content
    return r.json()


def test_the_secret_is_answered_once_and_stored_encrypted(api, receiver):
    created = _subscribe(api, receiver)
    assert created["secret"].startswith("whsec_")
    row = WebhookSubscription.objects.get()
    assert created["secret"] not in row.secret
    detail = api.get(f"webhooks/{created['id']}").json()
    assert "secret" not in detail
    assert created["secret"] not in str(api.get("webhooks").json())


def test_events_are_delivered_signed_with_the_documented_body(api, world, receiver, run_pass):
    created = _subscribe(api, receiver)
    invoice = world.issued()
    invoice_mark_sent(world.ctx, invoice_id=invoice.pk, data=InvoiceMarkSent())
    payment = payment_record(
        world.ctx, invoice_id=invoice.pk, data=PaymentRecord(amount=Decimal("119.00"))
    )
    payment_reverse(world.ctx, payment_id=payment.pk, data=PaymentReverse(reason="bounced"))

    result = run_pass()

    assert result.delivered == 5
    assert sorted(receiver.events()) == sorted(
        [
            ("invoice.issued", invoice.pk),
            ("invoice.sent", invoice.pk),
            ("payment.recorded", payment.pk),
            ("invoice.paid", invoice.pk),
            ("payment.reversed", payment.pk),
        ]
    )
    headers, raw = next(
        (h, b) for h, b in receiver.received if json.loads(b)["type"] == "invoice.issued"
    )
    assert verify(created["secret"], raw, headers["Faktura-Signature"], now=int(time.time()))
    t = int(headers["Faktura-Signature"].split(",")[0][2:])
    assert headers["Faktura-Signature"] == signature(created["secret"], raw, t)
    assert not verify("whsec_other", raw, headers["Faktura-Signature"], now=int(time.time()))
    assert not verify(created["secret"], raw, headers["Faktura-Signature"], now=t + 3600)
    body = json.loads(raw)
    assert set(body) == {"id", "type", "created_at", "data"}
    data = body["data"]
    assert data["number"] == invoice.number
    assert data["totals"] == {"net": "100.00", "vat": "19.00", "gross": "119.00"}
    assert data["vat_breakdown"][0]["rate"] in ("19.00", "19")
    assert len(data["lines"]) == 1 and data["lines"][0]["net_amount"] == "100.00"
    assert data["customer"]["name"]
    assert data["links"]["pdf"].endswith(f"/api/v1/invoices/{invoice.pk}/pdf")
    deliveries = api.get(f"webhooks/{created['id']}/deliveries").json()["items"]
    assert {d["status"] for d in deliveries} == {"delivered"}
    assert {d["status_code"] for d in deliveries} == {200}


def test_a_slow_or_failing_endpoint_is_retried_and_nothing_is_sent_twice(
    api, world, receiver, run_pass
):
    _subscribe(api, receiver, ["invoice.issued"])
    invoice = world.issued()
    receiver.faults = ["slow", "500"]
    assert run_pass().delivery_retrying == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.status_code is None
    assert run_pass().delivery_retrying == 1
    delivery.refresh_from_db()
    assert delivery.status_code == 500 and delivery.attempts == 2
    assert run_pass().delivered == 1
    assert run_pass().delivered == 0
    assert receiver.events() == [("invoice.issued", invoice.pk)]


def test_410_disables_the_subscription(api, world, receiver, run_pass):
    created = _subscribe(api, receiver, ["invoice.issued"])
    world.issued()
    receiver.faults = ["410"]
    result = run_pass()
    assert result.delivery_failed == 1
    detail = api.get(f"webhooks/{created['id']}").json()
    assert detail["enabled"] is False and "410" in detail["disabled_reason"]
    world.issued()
    assert WebhookDelivery.objects.count() == 1  # a disabled subscription gets no events


def test_redeliver_sends_again(api, world, receiver, run_pass):
    _subscribe(api, receiver, ["invoice.issued"])
    world.issued()
    run_pass()
    delivery = WebhookDelivery.objects.get()
    r = api.post(f"webhook-deliveries/{delivery.pk}/redeliver")
    assert r.status_code == 200 and r.json()["status"] == "pending"
    run_pass()
    assert len(receiver.received) == 2
    assert receiver.received[0][1] == receiver.received[1][1]  # the same event, same id


def test_private_urls_are_refused_unless_allowed(api, monkeypatch, receiver):
    monkeypatch.delenv("FAKTURA_ALLOW_PRIVATE_URLS")
    for url in ("http://127.0.0.1/x", "http://10.0.0.8/x", "http://169.254.169.254/latest",
                "http://[::1]/x", "http://localhost:8000/x"):  # fmt: skip
        r = api.post("webhooks", {"url": url, "events": ["invoice.issued"]})
        assert r.status_code == 400, url
        assert r.json()["error"]["fields"] == {"url": r.json()["error"]["fields"]["url"]}
    r = api.post("webhooks", {"url": "ftp://example.com/x", "events": ["invoice.issued"]})
    assert r.status_code == 400
    assert not WebhookSubscription.objects.exists()


def test_a_url_that_turns_private_is_refused_at_delivery(
    api, world, receiver, monkeypatch, run_pass
):
    _subscribe(api, receiver, ["invoice.issued"])
    world.issued()
    monkeypatch.delenv("FAKTURA_ALLOW_PRIVATE_URLS")
    run_pass()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and "private" in delivery.error
    assert receiver.received == []


def test_bad_events_and_other_tenants(api, other_api, receiver):
    r = api.post("webhooks", {"url": receiver.url, "events": ["invoice.exploded"]})
    assert r.status_code == 400 and "events.0" in r.json()["error"]["fields"]
    created = _subscribe(api, receiver)
    assert other_api.get(f"webhooks/{created['id']}").status_code == 404
    assert other_api.get(f"webhooks/{created['id']}/deliveries").status_code == 404
    assert other_api.delete(f"webhooks/{created['id']}").status_code == 404
    assert api.delete(f"webhooks/{created['id']}").status_code == 204
    assert not WebhookSubscription.objects.exists()
