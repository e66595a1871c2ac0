"""Matching bank transactions to open invoices (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from decimal import Decimal as D

import pytest

from faktura.core import bank_matching as m


def _book() -> m.Book:
    return m.Book.of(
        [
            m.OpenItem(1, "2026-0001", 10, "Müller Maschinenbau GmbH", "EUR", D("119.00")),
            m.OpenItem(2, "2026-0002", 10, "Müller Maschinenbau GmbH", "EUR", D("59.50")),
            m.OpenItem(3, "2026-0013", 20, "Schmidt AG", "EUR", D("238.00")),
        ]
    )


def _line(amount: str, text: str = "", name: str = "", currency: str = "EUR") -> m.Line:
    return m.Line(D(amount), currency, text, name)


def test_one_number_and_an_amount_up_to_the_open_one_is_a_match():
    book = _book()
    assert m.decide(_line("119.00", "RE 2026-0001"), book, account_currency="EUR") == m.Decision(
        m.MATCHED, allocations=((1, D("119.00")),), reason="number"
    )
    partial = m.decide(_line("20.00", "re2026-0013 teil"), book, account_currency="EUR")
    assert partial.status == m.MATCHED and partial.allocations == ((3, D("20.00")),)


def test_several_numbers_match_only_their_exact_sum():
    book = _book()
    both = m.decide(_line("178.50", "2026-0001, 2026-0002"), book, account_currency="EUR")
    assert both.allocations == ((1, D("119.00")), (2, D("59.50")))
    short = m.decide(_line("170.00", "2026-0001, 2026-0002"), book, account_currency="EUR")
    assert (short.status, short.suggestions) == (m.SUGGESTED, (1, 2))


def test_settled_amounts_are_remembered_within_a_statement():
    book = _book()
    book.settle(1, D("100.00"))
    again = m.decide(_line("50.00", "2026-0001"), book, account_currency="EUR")
    assert (again.status, again.reason) == (m.SUGGESTED, "amount_differs")


def test_typos_names_debits_and_currencies():
    book = _book()
    typo = m.decide(_line("119.00", "Rechnung 2026-O001"), book, account_currency="EUR")
    assert (typo.status, typo.suggestions[0]) == (m.SUGGESTED, 1)
    name = m.decide(_line("238.00", "Danke", "SCHMIDT AG"), book, account_currency="EUR")
    assert (name.status, name.suggestions) == (m.SUGGESTED, (3,))
    assert m.decide(_line("-119.00", "2026-0001"), book, account_currency="EUR").reason == "debit"
    foreign = m.decide(_line("119.00", "2026-0001", currency="USD"), book, account_currency="EUR")
    assert foreign.reason == "foreign_currency"
    nothing = m.decide(_line("5.00", "Spende", "Unbekannt"), book, account_currency="EUR")
    assert nothing.status == m.UNMATCHED


# --- cash discount (issue 12) -----------------------------------------------------------------


def _discount_book():
    from faktura.core.bank_matching import Book, OpenItem

    item = OpenItem(
        invoice_id=1, number="RE-2026-0001", contact_id=1, contact_name="Müller GmbH",
        currency="EUR", open=Decimal("119.00"), issue_date=dt.date(2026, 12, 1),
        discount=Decimal("2.38"), discount_until=dt.date(2026, 12, 11),
    )  # fmt: skip
    return Book.of([item])


@pytest.mark.parametrize(
    ("amount", "day", "status", "reason", "discounts"),
    [
        ("116.62", dt.date(2026, 12, 11), "matched", "cash_discount", ((1, Decimal("2.38")),)),
        ("116.62", dt.date(2026, 12, 12), "matched", "number", ()),  # late: a partial payment
        ("116.63", dt.date(2026, 12, 5), "matched", "number", ()),  # not the exact amount
        ("119.00", dt.date(2026, 12, 5), "matched", "number", ()),
    ],
)
def test_the_discounted_amount_in_the_period_matches_with_its_discount(
    amount, day, status, reason, discounts
):
    from faktura.core.bank_matching import Line, decide

    book = _discount_book()
    line = Line(Decimal(amount), "EUR", "RE-2026-0001", "Müller GmbH", date=day)
    decision = decide(line, book, account_currency="EUR")
    assert (decision.status, decision.reason, decision.discounts) == (status, reason, discounts)
    assert decision.allocations == ((1, Decimal(amount)),)


def test_a_settled_discount_leaves_nothing_open_and_is_earned_once():
    book = _discount_book()
    book.settle(1, Decimal("116.62"), Decimal("2.38"))
    assert book.open(1) == Decimal("0.00")
    assert book.items[1].discount is None
