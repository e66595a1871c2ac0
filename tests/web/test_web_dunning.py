"""The Dunning page (proposals -> reminders, PDF, sending, levels and options) and pausing and
resuming dunning on the invoice page, in German and English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from faktura.receivables.models import DunningHold, DunningLevel, DunningSettings, Reminder
from tests.web.test_web_receivables import _billing_world_class, issue
from tests.web.web_helpers import signed_in


@pytest.fixture
def world(owner):
    return _billing_world_class()(owner)


@pytest.fixture
def overdue(world, monkeypatch):
    invoice = issue(world)
    later = timezone.now() + dt.timedelta(days=(invoice.due_date - invoice.issue_date).days + 8)
    monkeypatch.setattr(timezone, "now", lambda: later)
    return invoice


def test_tick_proposals_create_reminders_and_send_one(owner, world, overdue, mailoutbox):
    browser = signed_in(owner, "de")
    overdue.contact.email = "ap@customer.test"
    overdue.contact.save(update_fields=["email"])

    page = browser.get(reverse("web:dunning")).content.decode()
    assert f'data-proposal="{overdue.pk}"' in page
    assert "Zahlungserinnerung" in page or "Payment reminder" in page

    response = browser.post(reverse("web:dunning_create"), {"invoice_ids": [str(overdue.pk)]})
    assert response.status_code == 302
    [reminder] = Reminder.objects.all()
    page = browser.get(reverse("web:dunning")).content.decode()
    assert f'data-reminder="{reminder.pk}"' in page
    assert f'data-proposal="{overdue.pk}"' not in page

    pdf = browser.get(reverse("web:reminder_pdf", args=[reminder.pk]))
    assert pdf.content.startswith(b"%PDF")
    sent = browser.post(reverse("web:reminder_send", args=[reminder.pk]))
    assert sent.status_code == 302
    assert [m.to for m in mailoutbox] == [["ap@customer.test"]]
    invoice_page = browser.get(reverse("web:invoice_detail", args=[overdue.pk])).content.decode()
    assert 'data-testid="dunning-level">1<' in invoice_page


def test_pause_and_resume_on_the_invoice_page(owner, world, overdue):
    browser = signed_in(owner, "en")
    url = reverse("web:invoice_dunning_pause", args=[overdue.pk])

    missing = browser.post(url, {"reason": ""})
    assert missing.status_code == 400
    assert browser.post(url, {"reason": "Payment plan", "disputed": ""}).status_code == 302
    page = browser.get(reverse("web:invoice_detail", args=[overdue.pk])).content.decode()
    assert "Payment plan" in page and 'data-testid="dunning-resume"' in page
    assert (
        f'data-proposal="{overdue.pk}"' not in browser.get(reverse("web:dunning")).content.decode()
    )

    resume = reverse("web:invoice_dunning_resume", args=[overdue.pk])
    assert browser.post(resume).status_code == 302
    assert not DunningHold.objects.exists()


def test_levels_and_options_in_the_settings(owner, world):
    browser = signed_in(owner, "de")
    assert browser.get(reverse("web:dunning_levels_page")).status_code == 302

    bad = browser.post(
        reverse("web:dunning_levels"),
        {"name_1": "Erinnerung", "days_1": "14", "name_2": "Mahnung", "days_2": "7"},
    )
    ok = browser.post(
        reverse("web:dunning_levels"),
        {"name_1": "Erinnerung", "days_1": "10", "fee_1": "0",
         "name_2": "Mahnung", "days_2": "30", "fee_2": "7,50", "interest_2": "on"},
    )  # fmt: skip
    options = browser.post(
        reverse("web:dunning_settings"), {"flat_fee": "on", "deadline_days": "14"}
    )

    assert bad.status_code == 400
    assert ok.status_code == 302
    assert [(lv.name, str(lv.fee), lv.interest) for lv in DunningLevel.objects.all()] == [
        ("Erinnerung", "0.00", False),
        ("Mahnung", "7.50", True),
    ]
    assert options.status_code == 302
    saved = DunningSettings.objects.get()
    assert (saved.flat_fee, saved.auto_send, saved.deadline_days) == (True, False, 14)


def test_fees_show_on_the_receivables_page_and_are_waived_with_a_reason(owner, world, monkeypatch):
    from faktura.receivables.inputs import DunningRunStart
    from faktura.receivables.models import ChargeAllocation, ReceivableCharge
    from faktura.receivables.services.dunning import dunning_run

    invoice = issue(world)
    base = timezone.now()
    for days in (8, 22):  # the payment reminder, then the first dunning with its fee
        later = base + dt.timedelta(days=(invoice.due_date - invoice.issue_date).days + days)
        monkeypatch.setattr(timezone, "now", lambda later=later: later)
        dunning_run(world.ctx, data=DunningRunStart())
    [fee] = ReceivableCharge.objects.filter(invoice=invoice)
    browser = signed_in(owner, "de")

    page = browser.get(reverse("web:receivables")).content.decode()
    assert f'data-charge="{fee.pk}"' in page and "Mahngebühr" in page

    url = reverse("web:charge_waive", args=[fee.pk])
    assert browser.post(url, {"reason": ""}).status_code == 302
    assert not ChargeAllocation.objects.exists()
    assert browser.post(url, {"reason": "Kulanz"}).status_code == 302
    assert ChargeAllocation.objects.get(charge=fee).reason == "Kulanz"
    page = browser.get(reverse("web:receivables")).content.decode()
    assert f'data-charge="{fee.pk}"' not in page


def _remind_twice(world, invoice, monkeypatch):
    """The payment reminder, then the first dunning with its fee of 5.00."""
    from faktura.receivables.inputs import DunningRunStart
    from faktura.receivables.services.dunning import dunning_run

    base = timezone.now()
    for days in (8, 22):
        later = base + dt.timedelta(days=(invoice.due_date - invoice.issue_date).days + days)
        monkeypatch.setattr(timezone, "now", lambda later=later: later)
        dunning_run(world.ctx, data=DunningRunStart())


def test_the_invoice_page_lists_its_charges_and_waives_one_with_a_reason(
    owner, world, monkeypatch, make_member
):
    from faktura.receivables.models import ChargeAllocation, ReceivableCharge

    invoice = issue(world)
    _remind_twice(world, invoice, monkeypatch)
    [fee] = ReceivableCharge.objects.filter(invoice=invoice)
    browser = signed_in(owner, "de")
    url = reverse("web:invoice_detail", args=[invoice.pk])

    page = browser.get(url).content.decode()
    row = page[page.index(f'data-charge="{fee.pk}"') :].split("</tr>")[0]
    assert "Mahngebühr" in row and ">2<" in row and "5,00" in row
    assert f'data-testid="waive-{fee.pk}"' in row

    waive = reverse("web:charge_waive", args=[fee.pk])
    missing = browser.post(waive, {"reason": "", "next": url + "#charges"})
    assert missing.status_code == 302 and not ChargeAllocation.objects.exists()
    done = browser.post(waive, {"reason": "Kulanz", "next": url + "#charges"})
    assert done.status_code == 302 and done["Location"] == url + "#charges"
    assert ChargeAllocation.objects.get(charge=fee).reason == "Kulanz"
    page = browser.get(url).content.decode()
    row = page[page.index(f'data-charge="{fee.pk}"') :].split("</tr>")[0]
    assert "erlassen" in row and f'data-testid="waive-{fee.pk}"' not in row

    # a member (who manages no invoices) cannot waive
    member = signed_in(make_member("member"), "en")
    assert member.post(waive, {"reason": "x"}).status_code in (403, 404)


def test_the_dunning_page_shows_one_row_per_letter_with_its_invoices(owner, world, monkeypatch):
    from faktura.receivables.inputs import DunningRunStart
    from faktura.receivables.services.dunning import dunning_run

    customer = world.contact()
    first, second = issue(world, contact=customer), issue(world, contact=customer, minutes=30)
    alone = issue(world, contact=world.contact(name="Schmidt Logistik AG"))
    later = timezone.now() + dt.timedelta(days=(first.due_date - first.issue_date).days + 8)
    monkeypatch.setattr(timezone, "now", lambda: later)
    dunning_run(world.ctx, data=DunningRunStart())
    one, two = Reminder.objects.filter(invoice__in=[first, second]).order_by("id")
    own = Reminder.objects.get(invoice=alone)
    assert one.letter_id == two.letter_id is not None and own.letter_id is None
    browser = signed_in(owner, "en")

    page = browser.get(reverse("web:dunning")).content.decode()
    assert page.count("data-reminder=") == 2
    row = page[page.index(f'data-letter="{one.letter_id}"') :].split("</tr>")[0]
    assert first.number in row and second.number in row and "2 invoices in one letter" in row
    assert reverse("web:reminder_pdf", args=[one.pk]) in row
    assert "178.50" in row  # the letter's total: 119.00 + 59.50
    assert f'data-reminder="{own.pk}"' in page and alone.number in page

    pdf = browser.get(reverse("web:reminder_pdf", args=[one.pk]))
    assert pdf.content.startswith(b"%PDF")
