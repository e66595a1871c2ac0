"""Dunning through the API: levels, proposals, runs (idempotent), fees and default interest,
pauses and disputes, the daily run of the scheduler, bad input and other tenants."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.utils import timezone

from faktura.common.context import CommandContext
from faktura.common.models import AuditEvent
from faktura.receivables.inputs import DunningRunStart
from faktura.receivables.models import DunningRun, DunningSettings, Reminder
from faktura.receivables.services.dunning import dunning_daily, dunning_run

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = START

        def days(self, n: int) -> None:
            self.now = START + dt.timedelta(days=n)

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


def _ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json() if status != 204 else None


def _days_after_due(clock, invoice, days: int) -> None:
    clock.days((invoice.due_date - START.date()).days + days)


def test_default_levels_and_replacing_them(api):
    levels = _ok(api.get("dunning/levels"))
    assert [(lv["level"], lv["days_after_due"], lv["fee"], lv["interest"]) for lv in levels] == [
        (1, 7, "0.00", False),
        (2, 21, "5.00", False),
        (3, 35, "10.00", True),
    ]

    mine = [
        {"level": 1, "name": "Erinnerung", "days_after_due": 10, "fee": "0"},
        {"level": 2, "name": "Mahnung", "days_after_due": 30, "fee": "7.50", "interest": True},
    ]
    saved = _ok(api.put("dunning/levels", {"levels": mine}))

    assert [(lv["name"], lv["fee"]) for lv in saved] == [
        ("Erinnerung", "0.00"),
        ("Mahnung", "7.50"),
    ]
    assert AuditEvent.objects.filter(action="dunning_levels_set").count() == 1


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("de", ["Zahlungserinnerung", "1. Mahnung", "2. Mahnung"]),
        ("en", ["Payment reminder", "First dunning", "Second dunning"]),
    ],
)
def test_default_levels_are_named_in_the_company_language(api, tenant, language, names):
    tenant.language = language
    tenant.save(update_fields=["language"])

    levels = _ok(api.get("dunning/levels"))

    assert [level["name"] for level in levels] == names


@pytest.mark.parametrize(
    "levels",
    [
        [{"level": 2, "name": "A", "days_after_due": 7}],
        [
            {"level": 1, "name": "A", "days_after_due": 14},
            {"level": 2, "name": "B", "days_after_due": 14},
        ],
    ],
)
def test_levels_out_of_order_are_refused(api, levels):
    response = api.put("dunning/levels", {"levels": levels})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "dunning_levels_invalid"
    assert "levels" in response.json()["error"]["fields"]


def test_a_negative_fee_is_refused_naming_the_field(api):
    response = api.put(
        "dunning/levels", {"levels": [{"level": 1, "name": "A", "days_after_due": 7, "fee": "-1"}]}
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]


@pytest.mark.django_db(transaction=True)
def test_levels_follow_each_other_with_fees_and_interest(world, api, clock, run_queued_tasks):
    invoice = world.issued()  # gross 119.00
    _days_after_due(clock, invoice, 6)
    assert _ok(api.get("dunning/proposals")) == []

    # given the invoice is 7 days overdue: the payment reminder, no fee
    _days_after_due(clock, invoice, 7)
    [proposal] = _ok(api.get("dunning/proposals"))
    assert (proposal["invoice_id"], proposal["level"], proposal["fee"]) == (invoice.pk, 1, "0.00")

    # when a run creates it, twice
    runs = [_ok(api.post("dunning/runs", {}), 202) for _ in range(2)]
    run_queued_tasks()
    results = [_ok(api.get(f"operations/{run['id']}"))["result"] for run in runs]
    assert sorted(r["reminders"] for r in results) == [0, 1]

    # then there is one reminder, with a new deadline
    [first] = _ok(api.get(f"reminders?invoice_id={invoice.pk}"))["items"]
    assert first == {
        **first,
        "level": 1,
        "open_amount": "119.00",
        "fee": "0.00",
        "interest": "0.00",
        "total_due": "119.00",
        "sent_at": None,
    }
    assert first["new_due_date"] == (clock.now.date() + dt.timedelta(days=10)).isoformat()
    assert _ok(api.get("dunning/proposals")) == []
    body = _ok(api.get(f"invoices/{invoice.pk}"))
    assert body["dunning_level"] == 1

    # the first dunning after 21 days: fee 5.00
    _days_after_due(clock, invoice, 21)
    dunning_run(world.ctx, data=DunningRunStart())
    # the second after 35 days: fee 10.00 and interest, base rate + 9 points (business)
    _days_after_due(clock, invoice, 35)
    dunning_run(world.ctx, data=DunningRunStart())

    reminders = list(Reminder.objects.filter(invoice=invoice).order_by("level"))
    assert [(r.level, r.fee) for r in reminders] == [
        (1, Decimal("0.00")),
        (2, Decimal("5.00")),
        (3, Decimal("10.00")),
    ]
    third = reminders[2]
    days = (third.interest_to - third.interest_from).days + 1
    assert third.interest_from == invoice.due_date + dt.timedelta(days=1)
    assert days == 35
    # 119.00 * (1.27 + 9) % * 35 / 365 = 1.1719
    assert third.interest == Decimal("1.17")
    # the first dunning's fee of 5.00 is still open: the letter claims it too
    assert third.earlier_charges == Decimal("5.00")
    assert third.total_due == Decimal("119.00") + Decimal("5.00") + Decimal("10.00") + Decimal(
        "1.17"
    )
    # the invoice itself is unchanged
    invoice.refresh_from_db()
    assert invoice.gross_total == Decimal("119.00")
    # nothing after the last level
    _days_after_due(clock, invoice, 400)
    assert _ok(api.get("dunning/proposals")) == []


def test_only_the_open_balance_is_reminded_and_paid_invoices_never(world, api, clock):
    partly = world.issued()
    paid = world.issued()
    _ok(api.post(f"invoices/{partly.pk}/payments", {"amount": "19.00"}), 201)
    _ok(api.post(f"invoices/{paid.pk}/payments", {"amount": "119.00"}), 201)
    _days_after_due(clock, partly, 8)

    proposals = _ok(api.get("dunning/proposals"))

    assert [(p["invoice_id"], p["open_amount"]) for p in proposals] == [(partly.pk, "100.00")]


def test_a_run_limited_to_some_invoices(world, clock):
    first, second = world.issued(), world.issued()
    _days_after_due(clock, first, 8)

    created = dunning_run(world.ctx, data=DunningRunStart(invoice_ids=[second.pk]))

    assert [r.invoice_id for r in created] == [second.pk]
    assert not Reminder.objects.filter(invoice=first).exists()


def test_paused_and_disputed_invoices_are_not_reminded(world, api, clock):
    paused, disputed = world.issued(), world.issued()
    _days_after_due(clock, paused, 8)
    until = (clock.now.date() + dt.timedelta(days=5)).isoformat()

    hold = _ok(api.post(f"invoices/{paused.pk}/dunning-pause", {"reason": "Plan", "until": until}))
    _ok(
        api.post(
            f"invoices/{disputed.pk}/dunning-pause", {"reason": "Wrong hours", "disputed": True}
        )
    )

    assert hold == {"invoice_id": paused.pk, "kind": "paused", "reason": "Plan", "until": until}
    assert _ok(api.get("dunning/proposals")) == []
    # after the pause's end the invoice comes back; a dispute lasts until resumed
    clock.days((clock.now.date() - START.date()).days + 6)
    assert [p["invoice_id"] for p in _ok(api.get("dunning/proposals"))] == [paused.pk]
    _ok(api.delete(f"invoices/{disputed.pk}/dunning-pause"), 204)
    ids = {p["invoice_id"] for p in _ok(api.get("dunning/proposals"))}
    assert ids == {paused.pk, disputed.pk}
    assert AuditEvent.objects.filter(action="invoice_dunning_resume").count() == 1


def test_pause_bad_input(world, api, clock):
    invoice = world.issued()
    _ok(api.post(f"invoices/{invoice.pk}/payments", {"amount": "119.00"}), 201)

    no_reason = api.post(f"invoices/{invoice.pk}/dunning-pause", {"reason": ""})
    paid = api.post(f"invoices/{invoice.pk}/dunning-pause", {"reason": "x"})
    past = api.post(
        f"invoices/{world.issued().pk}/dunning-pause", {"reason": "x", "until": "2020-01-01"}
    )

    assert no_reason.status_code == 400
    assert paid.status_code == 409
    assert paid.json()["error"]["code"] == "invoice_not_dunnable"
    assert past.status_code == 400
    assert "until" in past.json()["error"]["fields"]


def test_the_flat_fee_for_business_customers(world, api, clock):
    invoice = world.issued()
    _ok(api.put("dunning/settings", {"flat_fee": True}))
    _days_after_due(clock, invoice, 8)

    [proposal] = _ok(api.get("dunning/proposals"))

    assert proposal["fee"] == "40.00"


def test_consumers_pay_less_interest(world, api, clock):
    invoice = world.issued()
    _ok(api.patch(f"contacts/{invoice.contact_id}", {"customer_kind": "consumer"}))
    _ok(api.put("dunning/levels", {"levels": [
        {"level": 1, "name": "Mahnung", "days_after_due": 30, "interest": True},
    ]}))  # fmt: skip
    _days_after_due(clock, invoice, 73)

    [proposal] = _ok(api.get("dunning/proposals"))

    # 119.00 * (1.27 + 5) % * 73 / 365 = 1.4923
    assert proposal["interest"] == "1.49"


def test_the_company_extends_the_base_rate_table(world, api, clock):
    _ok(api.post("dunning/base-rates", {"valid_from": "2026-01-01", "rate": "2.50"}), 201)

    rates = _ok(api.get("dunning/base-rates"))

    assert rates[-1] == {"valid_from": "2026-01-01", "rate": "2.50"}
    assert {"valid_from": "2025-07-01", "rate": "1.27"} in rates


def test_the_daily_run_once_per_company_and_day(world, clock):
    invoice = world.issued()
    _days_after_due(clock, invoice, 8)
    ctx = CommandContext(tenant=world.tenant, source="task")

    # without automatic sending the proposals wait for a person
    assert dunning_daily(ctx).reminders == 0
    assert not Reminder.objects.exists()

    DunningSettings.objects.create(tenant=world.tenant, auto_send=True)
    clock.days((clock.now.date() - START.date()).days + 1)
    first = dunning_daily(ctx)
    second = dunning_daily(ctx)

    assert first.reminders == 1
    assert second is None
    assert Reminder.objects.count() == 1
    assert DunningRun.objects.count() == 2


def test_another_tenants_invoices_and_reminders_are_invisible(world, api, other_api, clock):
    invoice = world.issued()
    _days_after_due(clock, invoice, 8)
    [reminder] = dunning_run(world.ctx, data=DunningRunStart())

    assert other_api.get("dunning/proposals").json() == []
    assert other_api.get(f"reminders/{reminder.pk}").status_code == 404
    assert other_api.get("reminders").json()["items"] == []
    assert (
        other_api.post(f"invoices/{invoice.pk}/dunning-pause", {"reason": "x"}).status_code == 404
    )
    assert other_api.delete(f"invoices/{invoice.pk}/dunning-pause").status_code == 404
    # a run of the other company with this invoice's id is refused
    refused = other_api.post("dunning/runs", {"invoice_ids": [invoice.pk]})
    assert refused.status_code == 400
    assert "invoice_ids" in refused.json()["error"]["fields"]
    assert Reminder.objects.count() == 1


def test_members_without_invoice_rights_cannot_dun(world, api_as):
    member = api_as("member")
    billing = api_as("billing")

    assert member.get("dunning/proposals").status_code == 403
    assert member.post("dunning/runs", {}).status_code == 403
    assert billing.put("dunning/levels", {"levels": [
        {"level": 1, "name": "A", "days_after_due": 7},
    ]}).status_code == 403  # fmt: skip
    assert billing.get("dunning/levels").status_code == 200


def test_the_reminder_pdf_is_rendered_once_and_stored_with_its_hash(world, api, clock):
    invoice = world.issued()
    _days_after_due(clock, invoice, 8)
    [reminder] = dunning_run(world.ctx, data=DunningRunStart())

    first = api.get(f"reminders/{reminder.pk}/pdf")
    again = api.get(f"reminders/{reminder.pk}/pdf")

    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first.content.startswith(b"%PDF")
    assert first.content == again.content
    reminder.refresh_from_db()
    assert first["X-Content-SHA256"] == reminder.sha256 == hashlib.sha256(first.content).hexdigest()


def test_a_reminder_is_sent_by_email_once_unless_resent(world, api, clock, mailoutbox):
    invoice = world.issued()
    _days_after_due(clock, invoice, 8)
    [reminder] = dunning_run(world.ctx, data=DunningRunStart())

    sent = _ok(api.post(f"reminders/{reminder.pk}/send", {"to": "ap@customer.test"}))
    again = api.post(f"reminders/{reminder.pk}/send", {"to": "ap@customer.test"})
    bad = api.post(f"reminders/{reminder.pk}/send", {"to": "not an address", "resend": True})

    assert sent["sent_at"] is not None
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "reminder_already_sent"
    assert bad.status_code == 400
    [mail] = mailoutbox
    assert mail.to == ["ap@customer.test"]
    assert invoice.number in mail.subject
    [(_name, content, mime)] = mail.attachments
    assert (mime, content[:4]) == ("application/pdf", b"%PDF")


def test_a_reminder_sent_meanwhile_by_another_request_is_not_sent_again(
    world, api, clock, mailoutbox, monkeypatch
):
    # given: the reminder as one request read it, while another request sends it
    invoice = world.issued()
    _days_after_due(clock, invoice, 8)
    [reminder] = dunning_run(world.ctx, data=DunningRunStart())
    from faktura.receivables.services import dunning as dunning_services

    read = dunning_services.reminder_document

    def read_then_sent_elsewhere(ctx, *, reminder_id):
        found, content = read(ctx, reminder_id=reminder_id)
        Reminder.objects.filter(pk=reminder_id).update(sent_at=timezone.now())
        return found, content

    monkeypatch.setattr(dunning_services, "reminder_document", read_then_sent_elsewhere)

    # when
    response = api.post(f"reminders/{reminder.pk}/send", {"to": "ap@customer.test"})

    # then
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reminder_already_sent"
    assert mailoutbox == []


def test_a_failed_send_leaves_the_reminder_unsent(world, api, clock, monkeypatch):
    invoice = world.issued()
    _days_after_due(clock, invoice, 8)
    [reminder] = dunning_run(world.ctx, data=DunningRunStart())
    from django.core.mail import EmailMessage

    def refuse(self, fail_silently=False):
        raise OSError("connection refused")

    monkeypatch.setattr(EmailMessage, "send", refuse)

    response = api.post(f"reminders/{reminder.pk}/send", {"to": "ap@customer.test"})

    assert response.status_code == 422
    reminder.refresh_from_db()
    assert reminder.sent_at is None


def test_the_daily_run_sends_the_reminders_with_auto_send(world, clock, mailoutbox):
    invoice = world.issued()
    _days_after_due(clock, invoice, 8)
    DunningSettings.objects.create(tenant=world.tenant, auto_send=True)
    invoice.contact.email = "ap@customer.test"
    invoice.contact.save(update_fields=["email"])

    run = dunning_daily(CommandContext(tenant=world.tenant, source="task"))

    assert (run.reminders, run.sent) == (1, 1)
    assert Reminder.objects.get().sent_at is not None
    assert [m.to for m in mailoutbox] == [["ap@customer.test"]]
