"""Manual lines: what a reviewer may type in."""

from __future__ import annotations

import pytest

from faktura.billing.services.invoices import invoice_create

LINE = {"title": "Travel Hamburg", "quantity": "1", "unit": "C62", "unit_price": "100"}


@pytest.mark.parametrize("rate", ["100.01", "999", "-1"])
def test_a_vat_rate_outside_0_to_100_percent_is_refused(world, api, rate):
    draft = invoice_create(world.ctx, contact_id=world.contact().pk)

    response = api.post(f"invoices/{draft.pk}/lines", {**LINE, "vat_rate": rate})

    assert response.status_code == 400
    assert "vat_rate" in response.json()["error"]["fields"]
    assert not draft.lines.exists()
