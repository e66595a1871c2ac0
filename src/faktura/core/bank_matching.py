"""Which open invoices an incoming bank transaction pays: pure rules over plain values.

A credit is matched automatically only when its remittance text names open invoices by number
and the amount fits: one invoice and at most its open amount (a partial payment), or exactly
its open amount less its cash discount when booked within the discount period (the discount
then settles the rest), or exactly its open amount plus its open dunning charges (fees and
interest of its reminders), or several invoices and exactly the sum of their open amounts.
Everything less certain becomes a suggestion for a person to confirm: a number that fits but
an amount that does not, a number with a typo (one close to an open invoice's), or only the
payer's name with invoices of exactly that amount. Debits and amounts in a currency other
than the account's are never matched.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from faktura.core.money import exact_sum, negate

MATCHED = "matched"
SUGGESTED = "suggested"
UNMATCHED = "unmatched"

# Tokens in a remittance text that could be invoice numbers: letters, digits and the
# separators numbering formats use, with at least one digit.
_TOKEN = re.compile(r"[A-Z0-9][A-Z0-9\-/_.]*[0-9][A-Z0-9]*")
TYPO_CUTOFF = 0.8


@dataclass(frozen=True)
class OpenItem:
    invoice_id: int
    number: str
    contact_id: int
    contact_name: str
    currency: str
    open: Decimal
    issue_date: dt.date | None = None
    discount: Decimal | None = None  # the cash discount still to be earned, if any
    discount_until: dt.date | None = None  # the last day of the discount period
    charges: Decimal | None = None  # open dunning fees and interest of a reminded invoice

    def discount_for(self, amount: Decimal, day: dt.date | None) -> Decimal | None:
        """The discount a payment of `amount` on `day` earns: exactly the open amount less the
        discount, within the period; None otherwise."""
        if self.discount is None or self.discount_until is None or day is None:
            return None
        if day > self.discount_until:
            return None
        if amount != exact_sum([self.open, negate(self.discount)]):
            return None
        return self.discount


@dataclass(frozen=True)
class Line:
    amount: Decimal  # negative for a debit
    currency: str
    remittance: str
    counterparty: str
    date: dt.date | None = None  # the booking date (for the cash discount period)


@dataclass(frozen=True)
class Decision:
    status: str
    allocations: tuple[tuple[int, Decimal], ...] = ()  # (invoice id, amount), when matched
    suggestions: tuple[int, ...] = ()  # invoice ids, when suggested
    discounts: tuple[tuple[int, Decimal], ...] = ()  # (invoice id, cash discount), when matched
    reason: str = ""


def _fold(text: str) -> str:
    """Upper case without accents, so "Müller" and "MUELLER" compare close."""
    text = text.upper().replace("Ä", "AE").replace("Ö", "OE").replace("Ü", "UE").replace("ß", "SS")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _squash(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", _fold(text))


def tokens(remittance: str) -> list[str]:
    """The candidate numbers in a remittance text; a word glued to a number ("RE2026-0001")
    also yields the number alone."""
    found = []
    for token in _TOKEN.findall(_fold(remittance)):
        found.append(token)
        bare = token.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        if bare != token and bare:
            found.append(bare)
    return found


@dataclass
class Book:
    """The open invoices to match against, indexed once per import; `settle` keeps the open
    amounts current while one statement's lines are matched one after another."""

    items: dict[int, OpenItem]
    by_number: dict[str, int] = field(default_factory=dict)
    by_contact: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    names: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, items: Iterable[OpenItem]) -> Book:
        book = cls(items={item.invoice_id: item for item in items})
        for item in book.items.values():
            book.by_number[_fold(item.number)] = item.invoice_id
            if item.contact_id not in book.by_contact:  # a customer's name is folded once
                name = _squash(item.contact_name)
                if len(name) >= 4:
                    book.names[name] = item.contact_id
            book.by_contact[item.contact_id].append(item.invoice_id)
        return book

    def open(self, invoice_id: int) -> Decimal:
        return self.items[invoice_id].open

    def settle(self, invoice_id: int, amount: Decimal, discount: Decimal | None = None) -> None:
        """Take `amount` (and a cash discount it earned) off the invoice; a discount is
        earned once. What goes beyond the open amount settles the open dunning charges."""
        item = self.items[invoice_id]
        zero = item.open * 0
        if item.charges and amount > max(item.open, zero):
            beyond = exact_sum([amount, negate(max(item.open, zero))])
            taken = min(beyond, item.charges)
            item = replace(item, charges=exact_sum([item.charges, negate(taken)]))
            amount = exact_sum([amount, negate(taken)])
        remaining = exact_sum([item.open, negate(amount), negate(discount or zero)])
        if discount is not None:
            item = replace(item, discount=None, discount_until=None)
        self.items[invoice_id] = replace(item, open=remaining)


def decide(line: Line, book: Book, *, account_currency: str) -> Decision:
    """What to do with one bank transaction (see the module's docstring)."""
    if line.amount <= 0:
        return Decision(UNMATCHED, reason="debit")
    if line.currency != account_currency:
        return Decision(UNMATCHED, reason="foreign_currency")
    found: list[int] = []
    words = tokens(line.remittance)
    for word in words:
        invoice_id = book.by_number.get(word)
        if invoice_id is not None and invoice_id not in found:
            found.append(invoice_id)
    found = [i for i in found if book.items[i].currency == line.currency]
    if found:
        opens = [book.open(i) for i in found if book.open(i) > 0]
        if len(found) == 1:
            discount = book.items[found[0]].discount_for(line.amount, line.date)
            if discount is not None:
                return Decision(
                    MATCHED,
                    allocations=((found[0], line.amount),),
                    discounts=((found[0], discount),),
                    reason="cash_discount",
                )
        if len(found) == 1:
            item = book.items[found[0]]
            if item.charges and line.amount == exact_sum([item.open, item.charges]):
                # a reminded invoice paid with its dunning fees and interest
                return Decision(
                    MATCHED, allocations=((found[0], line.amount),), reason="with_charges"
                )
        if len(found) == 1 and 0 < line.amount <= book.open(found[0]):
            return Decision(MATCHED, allocations=((found[0], line.amount),), reason="number")
        if len(found) > 1 and len(opens) == len(found) and line.amount == exact_sum(opens):
            return Decision(
                MATCHED, allocations=tuple((i, book.open(i)) for i in found), reason="numbers"
            )
        return Decision(SUGGESTED, suggestions=tuple(found), reason="amount_differs")
    close = _close_numbers(words, book)
    if close:
        # of several similar numbers, those whose open amount is the amount paid come first
        fitting = tuple(i for i in close if book.open(i) == line.amount)
        return Decision(SUGGESTED, suggestions=fitting or close, reason="similar_number")
    by_name = _same_amount_of_payer(line, book)
    if by_name:
        return Decision(SUGGESTED, suggestions=by_name, reason="payer_name")
    return Decision(UNMATCHED, reason="no_match")


def _close_numbers(words: list[str], book: Book) -> tuple[int, ...]:
    numbers = list(book.by_number)
    found: list[int] = []
    for word in words:
        if len(word) < 4:
            continue
        for number in difflib.get_close_matches(word, numbers, n=3, cutoff=TYPO_CUTOFF):
            invoice_id = book.by_number[number]
            if book.open(invoice_id) > 0 and invoice_id not in found:
                found.append(invoice_id)
    return tuple(found)


def _same_amount_of_payer(line: Line, book: Book) -> tuple[int, ...]:
    payer = _squash(line.counterparty)
    if len(payer) < 4:
        return ()
    contacts = {cid for name, cid in book.names.items() if name in payer or payer in name}
    return tuple(
        invoice_id
        for cid in sorted(contacts)
        for invoice_id in book.by_contact[cid]
        if book.open(invoice_id) == line.amount and book.items[invoice_id].currency == line.currency
    )
