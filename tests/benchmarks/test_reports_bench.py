"""`faktura bench reports`: every money report answers 200 over the synthetic company, and
the company is gone afterwards (issue 17)."""

from __future__ import annotations

import json

import pytest

from faktura.billing.models import Invoice
from faktura.tenancy.models import Tenant


@pytest.mark.django_db(transaction=True)
def test_the_command_times_every_report_and_cleans_up(capsys):
    from faktura.cli import main

    main(["bench", "reports", "--entries", "300", "--invoices", "60", "--repeat", "1", "--json"])

    numbers = json.loads(capsys.readouterr().out)
    assert (numbers["entries"], numbers["invoices"]) == (300, 60)
    money = {name: row for name, row in numbers["reports"].items() if name.startswith(
        ("revenue", "receivables-aging", "frame-orders")
    )}  # fmt: skip
    assert len(money) == 6
    assert {row["status"] for row in money.values()} == {200}
    assert numbers["reports"]["value-groups"]["status"] == 200
    assert not Tenant.objects.filter(slug__startswith="bench-reports-").exists()
    assert not Invoice.objects.exists()
