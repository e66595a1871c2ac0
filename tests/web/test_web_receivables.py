"""The receivables screens: the invoice page records, reverses and writes off payments, marks
invoices sent and applies credit; the receivables page filters, ages and exports."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from faktura.billing.inputs import InvoiceIssue, InvoicesGenerate
from faktura.billing.models import Invoice
from faktura.billing.services.generation import invoices_generate
from faktura.billing.services.issue import invoice_issue
from faktura.receivables.models import BankTransaction, Payment, PaymentReversal, SentMark
from faktura.receivables.selectors import invoice_balance
from faktura.tenancy.selectors import tenant_today
from tests.web.web_helpers import signed_in


def _billing_world_class():
    name = "billing_tests_conftest"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "billing" / "conftest.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[name].BillingWorld


@pytest.fixture
def world(owner):
    return _billing_world_class()(owner)


def issue(world, *, contact=None, minutes: int = 60, day: dt.date | None = None) -> Invoice:
    """An issued invoice of one hour at 100.00 + 19 % (gross 119.00 for 60 minutes)."""
    project = world.project(contact) if contact is not None else None
    item = world.item(world.task(project), minutes=minutes)
    [draft] = invoices_generate(
        world.ctx, data=InvoicesGenerate(billable_item_ids=[item.pk], grouping="contact")
    )
    return invoice_issue(
        world.ctx,
        invoice_id=draft.pk,
        data=InvoiceIssue(issue_date=day or tenant_today(world.tenant)),
    )


def _page(browser, invoice) -> str:
    return browser.get(reverse("web:invoice_detail", args=[invoice.pk])).content.decode()


def test_record_a_partial_payment_in_german_and_see_the_badge(owner, world):
    browser = signed_in(owner, "de")
    invoice = issue(world)

    response = browser.post(
        reverse("web:payment_record", args=[invoice.pk]),
        {"amount": "1.000,00", "method": "bank_transfer", "allow_overpayment": ""},
    )
    assert response.status_code == 400  # 1,000.00 is more than the 119.00 open
    assert "overpayment" in response.content.decode() or "Überzahlung" in response.content.decode()

    response = browser.post(
        reverse("web:payment_record", args=[invoice.pk]),
        {"amount": "19,00", "method": "cash", "reference": "Kasse"},
    )

    assert response.status_code == 302
    [payment] = Payment.objects.all()
    assert (str(payment.amount), payment.method, payment.reference) == ("19.00", "cash", "Kasse")
    page = _page(browser, invoice)
    assert "teilweise bezahlt" in page
    assert "100,00" in page  # open


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "Must be more than 0."),
        ("-3", "Must be more than 0."),
        ("1.001", "At most 2 decimals."),
        ("zwei", "Enter an amount"),
    ],
)
def test_bad_amounts_are_shown_on_the_form(browser, world, amount, message):
    invoice = issue(world)

    response = browser.post(
        reverse("web:payment_record", args=[invoice.pk]), {"amount": amount, "method": "cash"}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Payment.objects.exists()


def test_pay_in_full_reverse_with_reason_and_the_invoice_opens_again(browser, world):
    invoice = issue(world)
    browser.post(
        reverse("web:payment_record", args=[invoice.pk]), {"amount": "119.00", "method": "card"}
    )
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    payment = Payment.objects.get()

    no_reason = browser.post(reverse("web:payment_reverse", args=[payment.pk]), {"reason": ""})
    assert no_reason.status_code == 400
    assert not PaymentReversal.objects.exists()

    response = browser.post(
        reverse("web:payment_reverse", args=[payment.pk]), {"reason": "Card charged back"}
    )

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == "issued"
    page = _page(browser, invoice)
    assert "Card charged back" in page and "reversed" in page
    assert f'data-testid="reverse-{payment.pk}"' not in page


def test_mark_sent_then_write_off_the_remainder(browser, world):
    invoice = issue(world, day=tenant_today(world.tenant) - dt.timedelta(days=1))

    sent = browser.post(
        reverse("web:invoice_mark_sent", args=[invoice.pk]),
        {"channel": "post", "date": tenant_today(world.tenant).isoformat()},
    )
    assert sent.status_code == 302
    assert SentMark.objects.get().channel == "post"
    browser.post(
        reverse("web:payment_record", args=[invoice.pk]), {"amount": "118.70", "method": "cash"}
    )

    response = browser.post(
        reverse("web:invoice_write_off", args=[invoice.pk]), {"reason": "Bank fees"}
    )

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert str(invoice_balance(invoice).written_off) == "0.30"
    assert 'data-testid="write-off"' not in _page(browser, invoice)


def test_overpayment_becomes_credit_applied_from_the_other_invoice(browser, world):
    customer = world.contact(name="Kredit GmbH")
    first, second = issue(world, contact=customer), issue(world, contact=customer, minutes=30)
    browser.post(
        reverse("web:payment_record", args=[first.pk]),
        {"amount": "130.00", "method": "bank_transfer", "allow_overpayment": "on"},
    )
    page = _page(browser, second)
    assert 'data-testid="apply-credit"' in page and "11.00" in page

    response = browser.post(reverse("web:credit_apply", args=[second.pk]), {"amount": ""})

    assert response.status_code == 302
    assert str(invoice_balance(second).open) == "48.50"


def test_member_cannot_record_payments_and_other_tenants_get_404(browser_as, world, other_owner):
    invoice = issue(world)
    member, _membership = browser_as("member")
    stranger = signed_in(other_owner)

    assert member.post(reverse("web:payment_record", args=[invoice.pk]), {}).status_code == 403
    assert (
        stranger.post(
            reverse("web:payment_record", args=[invoice.pk]), {"amount": "1", "method": "cash"}
        ).status_code
        == 404
    )
    assert not Payment.objects.exists()


def test_receivables_page_filters_ages_and_exports(browser, world):
    today = tenant_today(world.tenant)
    alpha, beta = world.contact(name="Alpha GmbH"), world.contact(name="Beta AG")
    old = issue(world, contact=alpha, day=today - dt.timedelta(days=100))  # 86 days overdue
    new = issue(world, contact=beta, day=today)
    browser.post(reverse("web:payment_record", args=[new.pk]), {"amount": "9.00", "method": "cash"})

    page = browser.get(reverse("web:receivables")).content.decode()
    assert old.number in page and new.number in page
    assert "86 days" in page and "partially paid" in page
    assert f'data-aging="{alpha.pk}"' in page
    filtered = browser.get(reverse("web:receivables"), {"contact": beta.pk}).content.decode()
    assert new.number in filtered and old.number not in filtered
    overdue = browser.get(reverse("web:receivables"), {"state": "overdue"}).content.decode()
    assert old.number in overdue and new.number not in overdue
    csv = browser.get(reverse("web:receivables_export"), {"state": "overdue"})
    assert csv["Content-Type"].startswith("text/csv")
    rows = csv.content.decode().splitlines()
    assert len(rows) == 2 and rows[1].startswith(f"{old.number},Alpha GmbH,")
    wrong = browser.get(
        reverse("web:receivables"), {"date_from": "2026-05-01", "date_to": "2026-04-01"}
    )
    assert wrong.status_code == 200
    assert "Must be on or after the start of the period." in wrong.content.decode()


def test_invoice_page_queries_do_not_grow_with_payments(
    browser, world, django_assert_max_num_queries
):
    invoice = issue(world)
    for _ in range(15):
        browser.post(
            reverse("web:payment_record", args=[invoice.pk]), {"amount": "1.00", "method": "cash"}
        )
    _page(browser, invoice)

    with django_assert_max_num_queries(30):
        page = _page(browser, invoice)

    assert page.count("data-payment=") == 15


# --- bank statements --------------------------------------------------------------------------


def _camt(entries):
    spec = importlib.util.spec_from_file_location(
        "bank_files", Path(__file__).resolve().parents[1] / "receivables" / "bank_files.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.camt(entries)


@pytest.mark.django_db(transaction=True)
def test_bank_page_uploads_then_confirms_a_suggestion_and_ignores_fees(browser, world):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    today = tenant_today(world.tenant)
    invoice = issue(world, day=today - dt.timedelta(days=5))
    day = (today - dt.timedelta(days=1)).isoformat()
    content = _camt(
        [
            {"amount": "119.00", "date": day, "ref": "W1", "text": f"RE {invoice.number}X"},
            {"amount": "9.90", "date": day, "ref": "W2", "debit": True, "text": "Gebühren"},
        ]
    )
    bad = browser.post(
        reverse("web:bank_upload"), {"file": SimpleUploadedFile("x.txt", b"no statement")}
    )
    assert bad.status_code == 400 and "Not a CAMT.053" in bad.content.decode()

    response = browser.post(
        reverse("web:bank_upload"), {"file": SimpleUploadedFile("camt.xml", content)}
    )
    assert response.status_code == 302
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0,
                 verbosity=0)  # fmt: skip

    page = browser.get(reverse("web:bank"), {"status": "suggested"}).content.decode()
    tx = BankTransaction.objects.get(bank_reference="W1")
    assert f'data-testid="confirm-{tx.pk}-{invoice.pk}"' in page
    confirmed = browser.post(
        reverse("web:bank_transaction_match", args=[tx.pk]), {"invoice_id": invoice.pk}
    )
    assert confirmed.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    fees = BankTransaction.objects.get(bank_reference="W2")
    browser.post(reverse("web:bank_transaction_ignore", args=[fees.pk]), {"note": "Konto"})
    fees.refresh_from_db()
    assert fees.status == "ignored"
    unmatched = browser.get(reverse("web:bank")).content.decode()
    assert "No transactions in this list." in unmatched


def test_bank_page_matches_by_typed_number(browser, world):
    from faktura.receivables.inputs import BankStatementUpload
    from faktura.receivables.services.bank import bank_statement_import, bank_statement_receive

    today = tenant_today(world.tenant)
    invoice = issue(world, day=today - dt.timedelta(days=5))
    content = _camt([{"amount": "100.00", "date": today.isoformat(), "ref": "N1", "text": "?"}])
    statement = bank_statement_receive(
        world.ctx, data=BankStatementUpload(filename="c.xml", content=content)
    )
    bank_statement_import(world.ctx, statement_id=statement.pk)
    tx = BankTransaction.objects.get()

    unknown = browser.post(
        reverse("web:bank_transaction_match", args=[tx.pk]), {"number": "nope"}, follow=True
    )
    assert "No invoice with this number." in unknown.content.decode()
    browser.post(reverse("web:bank_transaction_match", args=[tx.pk]), {"number": invoice.number})

    assert str(invoice_balance(invoice).open) == "19.00"
    tx.refresh_from_db()
    assert tx.status == "matched"
