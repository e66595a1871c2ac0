"""Offers sent at the same moment get distinct, gapless numbers, and concurrent partial
invoices never bill a fixed price beyond 100 %. Real parallel connections: eight on
PostgreSQL (row locks), four threads on SQLite (one writer at a time)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection, connections

from faktura.contacts.inputs import ContactCreate
from faktura.contacts.services import contact_create
from faktura.offers.errors import PartialBeyondPrice
from faktura.offers.inputs import (
    OfferAccept,
    OfferCreate,
    OfferLineIn,
    OfferSend,
    PartialInvoiceCreate,
)
from faktura.offers.models import Offer, ProjectInvoice
from faktura.offers.services import (
    offer_accept,
    offer_create,
    offer_send,
    project_partial_invoice,
)

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def _threads() -> int:
    return 8 if connection.vendor == "postgresql" else 4


def _in_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _offers(ctx, count: int) -> list[Offer]:
    customer = contact_create(ctx, data=ContactCreate(name="Kunde GmbH", email="k@kunde.test"))
    line = OfferLineIn(title="Paket", quantity=Decimal(1), unit="C62",
                       unit_price=Decimal(1000), vat_rate=Decimal(19))  # fmt: skip
    return [
        offer_create(ctx, data=OfferCreate(contact_id=customer.pk, title=f"O{n}", lines=[line]))
        for n in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_offers_sent_at_once_are_numbered_gaplessly(ctx):
    threads = _threads()
    offers = _offers(ctx, threads * 3)

    def work(index: int) -> None:
        for offer in offers[index::threads]:
            offer_send(ctx, offer_id=offer.pk, data=OfferSend(), mail_backend=LOCMEM)

    assert _in_threads(threads, work) == []
    values = sorted(Offer.objects.values_list("sequence_value", flat=True))
    assert values == list(range(1, threads * 3 + 1))
    assert Offer.objects.values("number").distinct().count() == threads * 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_partial_invoices_stop_at_the_price(ctx):
    [offer] = _offers(ctx, 1)
    offer_send(ctx, offer_id=offer.pk, data=OfferSend(), mail_backend=LOCMEM)
    offer = offer_accept(ctx, offer_id=offer.pk, data=OfferAccept())
    data = PartialInvoiceCreate(percent=Decimal(30))

    def work(index: int) -> None:
        project_partial_invoice(ctx, project_id=offer.project_id, data=data)

    errors = _in_threads(_threads(), work)
    # three of 30 % fit into the price; every other request is refused, none passes 100 %
    assert ProjectInvoice.objects.filter(project_id=offer.project_id).count() == 3
    assert len(errors) == _threads() - 3
    assert all(isinstance(exc, PartialBeyondPrice) for exc in errors), errors
