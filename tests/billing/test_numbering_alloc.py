"""Number allocation, the starting counter for migrations, and the gap report."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.db import connection, transaction

from faktura.billing.inputs import CreditNoteCreate, InvoiceCreate, InvoiceIssue, InvoiceLineAdd
from faktura.billing.models import Invoice, NumberSequence
from faktura.billing.services.credit_notes import credit_note_create
from faktura.billing.services.invoices import invoice_create, invoice_line_add
from faktura.billing.services.issue import invoice_issue
from faktura.billing.services.numbering import number_allocate

MARCH_31 = dt.date(2026, 3, 31)


NOW = dt.datetime(2027, 6, 1, 12, tzinfo=dt.UTC)  # the clock for these tests


def _issue(world, day: dt.date = MARCH_31) -> Invoice:
    invoice = invoice_create(world.ctx, data=InvoiceCreate(contact_id=world.contact().pk))
    invoice_line_add(
        world.ctx,
        invoice_id=invoice.pk,
        data=InvoiceLineAdd(
            title="Consulting", quantity="1", unit="HUR", unit_price="100", vat_rate="19"
        ),
    )
    return invoice_issue(
        world.ctx, invoice_id=invoice.pk, now=NOW, data=InvoiceIssue(issue_date=day)
    )


@pytest.mark.django_db(transaction=True)
def test_allocation_only_inside_the_issuing_transaction(world):
    with pytest.raises(RuntimeError):
        number_allocate(tenant=world.tenant, kind="invoice", issue_date=MARCH_31)
    with transaction.atomic():
        allocated = number_allocate(tenant=world.tenant, kind="invoice", issue_date=MARCH_31)
        transaction.set_rollback(True)
    assert allocated.number == "2026-0001"
    # rolled back with the transaction: the number is free again
    assert not NumberSequence.objects.filter(tenant=world.tenant, last_value__gt=0).exists()
    assert _issue(world).number == "2026-0001"


def test_invoices_and_credit_notes_have_separate_series(world):
    first = _issue(world)
    note = credit_note_create(
        world.ctx,
        invoice_id=first.pk,
        data=CreditNoteCreate(release_entries=True, issue_date=MARCH_31),
    )
    second = _issue(world)
    assert (first.number, note.number, second.number) == ("2026-0001", "CN-2026-0001", "2026-0002")


def test_starting_counter_continues_another_tools_series(world, api):
    response = api.put("numbering/invoice", {"next_value": 1042})
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "kind": "invoice",
        "period": "all",
        "first_value": 1042,
        "last_value": 1041,
        "next_value": 1042,
    }
    assert _issue(world).number == "2026-1042"
    assert _issue(world).number == "2026-1043"

    report = api.get("numbering/report").json()
    assert report == [
        {
            "kind": "invoice",
            "period": "all",
            "first": 1042,
            "last": 1043,
            "count": 2,
            "missing": [],
            "duplicates": [],
            "next_value": 1044,
        },
    ]


def test_starting_counter_never_goes_back_nor_leaves_a_gap(world, api):
    _issue(world)
    _issue(world)
    backwards = api.put("numbering/invoice", {"next_value": 2})
    assert backwards.status_code == 409
    assert backwards.json()["error"]["code"] == "numbering_backwards"
    gap = api.put("numbering/invoice", {"next_value": 10})
    assert gap.status_code == 409
    assert gap.json()["error"]["code"] == "numbering_gap"
    same = api.put("numbering/invoice", {"next_value": 3})
    assert same.status_code == 200
    assert _issue(world).number == "2026-0003"
    assert api.get("numbering/report").json()[0]["missing"] == []


def test_starting_counter_per_period_with_yearly_reset(world, api):
    world.tenant.number_reset = "yearly"
    world.tenant.save()
    response = api.put("numbering/credit_note", {"next_value": 17, "period": "2027"})
    assert response.json()["period"] == "2027"
    first = _issue(world, dt.date(2027, 2, 1))
    note = credit_note_create(
        world.ctx,
        invoice_id=first.pk,
        now=NOW,
        data=CreditNoteCreate(issue_date=dt.date(2027, 2, 2)),
    )
    assert note.number == "CN-2027-0017"


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("numbering/invoice", {"next_value": 0}, "next_value"),
        ("numbering/invoice", {"next_value": 1, "period": "26"}, "period"),
        ("numbering/offer", {"next_value": 5}, "kind"),
    ],
)
def test_starting_counter_input_is_checked(world, api, path, payload, field):
    response = api.put(path, payload)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_numbering_needs_manage_invoices(world, api_as):
    assert api_as("member").put("numbering/invoice", {"next_value": 5}).status_code == 403
    assert api_as("member").get("numbering/report").status_code == 403
    assert api_as("billing").get("numbering/report").status_code == 200


@contextlib.contextmanager
def _issued_invoices_unguarded():
    """Switch PostgreSQL's trigger that freezes issued invoices off for a moment, as someone
    with the database's owner rights could (SQLite has no such trigger)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before ALTER
        cursor.execute("ALTER TABLE billing_invoice DISABLE TRIGGER faktura_invoice_immutable")
        yield
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE billing_invoice ENABLE TRIGGER faktura_invoice_immutable")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.mark.invariants_broken  # makes a gap on purpose for the report to find
def test_gap_report_shows_a_missing_number(world, api):
    # given: three issued invoices, and the middle one vanished (e.g. deleted in the database)
    invoices = [_issue(world) for _ in range(3)]
    with _issued_invoices_unguarded():  # only past PostgreSQL's immutability trigger
        Invoice.objects.filter(pk=invoices[1].pk).update(number=None, status="draft")

    report = api.get("numbering/report").json()

    assert report == [
        {
            "kind": "invoice",
            "period": "all",
            "first": 1,
            "last": 3,
            "count": 2,
            "missing": [2],
            "duplicates": [],
            "next_value": 4,
        },
    ]


def test_gap_report_counts_numbers_handed_out_beyond_the_last_document(world, api):
    _issue(world)
    NumberSequence.objects.filter(tenant=world.tenant, kind="invoice").update(last_value=3)
    report = api.get("numbering/report").json()
    assert report[0]["missing"] == [2, 3]


def test_gap_report_of_a_clean_series_is_empty_per_series(world, api):
    for _ in range(3):
        invoice = _issue(world)
    credit_note_create(world.ctx, invoice_id=invoice.pk, data=CreditNoteCreate(issue_date=MARCH_31))
    report = {row["kind"]: row for row in api.get("numbering/report").json()}
    assert report["invoice"]["missing"] == [] and report["invoice"]["count"] == 3
    assert report["credit_note"]["missing"] == [] and report["credit_note"]["count"] == 1
    sequences = api.get("numbering").json()
    assert [(s["kind"], s["next_value"]) for s in sequences] == [
        ("credit_note", 2),
        ("invoice", 4),
    ]
