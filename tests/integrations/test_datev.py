"""The DATEV EXTF Buchungsstapel (issue 16), checked field by field against DATEV's format
description: header record, column names, one booking per VAT group of invoices and credit
notes, payments and reversals against the debtor; windows-1252, CRLF, decimal comma."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from faktura.billing.services.credit_notes import credit_note_create
from faktura.integrations.datev import COLUMNS
from faktura.receivables.inputs import PaymentRecord, PaymentReverse
from faktura.receivables.services import payment_record, payment_reverse
from faktura.tenancy.selectors import tenant_today


def _parse(content: bytes) -> list[list[str]]:
    text = content.decode("cp1252")
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    assert all("\n" not in line for line in lines)
    return [line.split(";") for line in lines]


def test_the_export_field_by_field(api, world):
    # given: an invoice of 119.00 (19 %), paid, the payment reversed, and credited in full
    today = tenant_today(world.tenant)
    contact = world.contact('Müller "Maschinen" GmbH', customer_number="4711")
    invoice = world.issued(contact=contact)
    payment = payment_record(
        world.ctx, invoice_id=invoice.pk, data=PaymentRecord(amount=Decimal("119.00"))
    )
    payment_reverse(world.ctx, payment_id=payment.pk, data=PaymentReverse(reason="bounced"))
    note = credit_note_create(world.ctx, invoice_id=invoice.pk)
    r = api.patch("tenant/datev", {"consultant_number": 29098, "client_number": 55003,
                                   "fiscal_year_start_month": 1})  # fmt: skip
    assert r.status_code == 200, r.content
    assert r.json()["chart"] == "SKR03" and r.json()["presets"]["SKR04"]["S:19.00"] == "4400"

    # when
    r = api.get("exports/datev", period=f"{today:%Y-%m}")

    # then
    assert r.status_code == 200
    assert r["Content-Type"] == "text/csv; charset=windows-1252"
    assert r["Content-Disposition"].startswith('attachment; filename="EXTF_Buchungsstapel_')
    rows = _parse(r.content)
    head, columns, *bookings = rows
    start = today.replace(day=1)
    assert head[:5] == ['"EXTF"', "700", "21", '"Buchungsstapel"', "13"]
    assert len(head[5]) == 17 and head[5].isdigit()  # created, YYYYMMDDHHMMSSmmm
    assert head[7] == '"RE"'
    assert head[10:14] == ["29098", "55003", f"{today.year}0101", "4"]
    assert head[14] == start.strftime("%Y%m%d")
    assert head[15][:6] == start.strftime("%Y%m")
    assert head[18:22] == ["1", "0", "0", '"EUR"']
    assert head[26] == '"03"'
    assert len(head) == 31
    assert columns == COLUMNS and columns[0] == "Umsatz (ohne Soll/Haben-Kz)"
    assert all(len(b) == len(COLUMNS) for b in bookings)
    by_kind = {(b[1], b[6], b[7]): b for b in bookings}
    debtor = str(10000 + 4711)
    day = today.strftime("%d%m")
    # the invoice: debtor S against revenue 19 % (SKR03 8400), gross of the group
    sale = by_kind[('"S"', debtor, "8400")]
    assert sale[0] == "119,00" and sale[2] == '"EUR"' and sale[8] == ""
    assert sale[9] == day and sale[10] == f'"{invoice.number}"'
    assert sale[13] == '"Müller ""Maschinen"" GmbH"'
    # the credit note: the same accounts, H, referencing the invoice
    credit = by_kind[('"H"', debtor, "8400")]
    assert credit[0] == "119,00" and credit[10] == f'"{note.number}"'
    assert credit[11] == '"' + invoice.number[:12] + '"'  # Belegfeld 2: at most 12
    # the payment: bank (SKR03 1200) S against the debtor; the reversal H
    assert by_kind[('"S"', "1200", debtor)][0] == "119,00"
    assert by_kind[('"H"', "1200", debtor)][0] == "119,00"
    assert by_kind[('"S"', "1200", debtor)][10] == f'"{invoice.number}"'
    assert len(bookings) == 4
    assert r["X-Faktura-Bookings"] == "4"
    assert "X-Faktura-Changed-Since" not in r


def test_skr04_and_reverse_charge_with_a_bu_key(api, world):
    contact = world.contact(
        "Nordic Consulting AB", country="SE", vat_id="SE556677889901",
        tax_treatment="reverse_charge",
    )  # fmt: skip
    invoice = world.issued(contact=contact)
    assert invoice.vat_breakdown[0]["category"] == "AE"
    api.patch("tenant/datev", {"chart": "SKR04", "bu_keys": {"AE": "94"}})
    today = tenant_today(world.tenant)
    [_head, _cols, booking] = _parse(api.get("exports/datev", period=f"{today:%Y-%m}").content)
    assert booking[0] == "100,00" and booking[1] == '"S"'
    assert booking[7] == "4337" and booking[8] == '"94"'
    assert booking[39] == '"SE556677889901"'


def test_an_export_of_a_changed_period_says_so(api, world):
    today = tenant_today(world.tenant)
    world.issued()
    first = api.get("exports/datev", period=f"{today:%Y-%m}")
    again = api.get("exports/datev", period=f"{today:%Y-%m}")
    assert "X-Faktura-Changed-Since" not in again
    world.issued()
    changed = api.get("exports/datev", period=f"{today:%Y-%m}")
    assert "X-Faktura-Changed-Since" in changed
    assert first.content.split(b"\r\n")[1:] != changed.content.split(b"\r\n")[1:]


def test_bad_periods_and_settings_are_400(api, api_as):
    assert api.get("exports/datev", period="2026-13").status_code == 400
    assert api.get("exports/datev").status_code == 400
    r = api.get("exports/datev", **{"from": "2026-03-10", "to": "2026-03-01"})
    assert r.status_code == 400 and "to" in r.json()["error"]["fields"]
    r = api.patch("tenant/datev", {"revenue_accounts": {"S:19.00": "84x0"}})
    assert r.status_code == 400
    assert api.patch("tenant/datev", {"consultant_number": 5}).status_code == 400
    assert api_as("member").get("exports/datev", period="2026-03").status_code == 403
    assert api_as("billing").patch("tenant/datev", {"client_number": 2}).status_code == 403


DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("chart", ["SKR03", "SKR04"])
def test_reverse_charge_and_eu_delivery_match_the_hand_checked_file(api, world, chart):
    """Every field of every booking against `data/datev_<chart>_bookings.csv`, written and
    checked by hand from DATEV's format description: a domestic invoice, its credit note and
    payment, an EU service under reverse charge (AE, BU key 47: "Erlöse aus im anderen
    EU-Land steuerpflichtigen sonstigen Leistungen, für die der Leistungsempfänger die
    Umsatzsteuer schuldet") and an intra-community supply (K, booked to the chart's automatic
    account, so without a key)."""
    # given
    domestic_contact = world.contact("Müller Maschinenbau GmbH", customer_number="4711")
    nordic = world.contact(
        "Nordic Consulting AB", country="SE", vat_id="SE556677889901",
        tax_treatment="reverse_charge", customer_number="4712",
    )  # fmt: skip
    vienna = world.contact(
        "Wien Technik GmbH", country="AT", vat_id="ATU12345675", customer_number="4713",
    )  # fmt: skip
    domestic = world.issued(contact=domestic_contact)
    payment_record(world.ctx, invoice_id=domestic.pk, data=PaymentRecord(amount=Decimal("119")))
    reverse = world.issued(contact=nordic)
    draft = api.post("invoices", {"contact_id": vienna.pk, "currency": "EUR"}).json()
    line = {"title": "Router", "quantity": "1", "unit": "C62", "unit_price": "250.00",
            "vat_rate": "0", "vat_category": "K"}  # fmt: skip
    r = api.post(f"invoices/{draft['id']}/lines", line)
    assert r.status_code == 201, r.content
    r = api.post(f"invoices/{draft['id']}/issue")
    assert r.status_code == 200, r.content
    eu = r.json()
    assert [row["category"] for row in eu["vat_breakdown"]] == ["K"]
    note = credit_note_create(world.ctx, invoice_id=domestic.pk)
    r = api.patch("tenant/datev", {"chart": chart, "bu_keys": {"AE": "47"}})
    assert r.status_code == 200, r.content
    today = tenant_today(world.tenant)

    # when
    _head, _columns, *bookings = _parse(api.get("exports/datev", period=f"{today:%Y-%m}").content)

    # then
    text = (DATA / f"datev_{chart.lower()}_bookings.csv").read_text(encoding="utf-8")
    expected = text.format(
        day=today.strftime("%d%m"), credit=note.number, domestic=domestic.number,
        domestic12=domestic.number[:12], reverse=reverse.number, eu=eu["number"],
    ).splitlines()  # fmt: skip
    assert len(bookings) == len(expected)
    for n, (got, want) in enumerate(zip(bookings, expected, strict=True)):
        want_fields = want.split(";")
        assert len(got) == len(want_fields) == len(COLUMNS)
        for column, g, w in zip(COLUMNS, got, want_fields, strict=True):
            assert g == w, f"booking {n + 1}, {column}: {g!r} != {w!r}"
