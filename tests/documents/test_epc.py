"""The EPC "GiroCode" payload (EPC069-12) and its QR symbol."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import segno

from faktura.documents.rendering.epc import epc_payload, epc_qr_svg, matrix_svg


def test_payload_follows_epc069_12():
    payload = epc_payload(
        name="Nordlicht IT-Service GmbH",
        iban="DE02 2005 0550 1015 8713 93",
        bic="haspdehhxxx",
        amount=Decimal("4715.77"),
        text="RE-2026-0001",
    )
    assert payload.decode("utf-8").split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "HASPDEHHXXX",
        "Nordlicht IT-Service GmbH",
        "DE02200505501015871393",
        "EUR4715.77",
        "",
        "",
        "RE-2026-0001",
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("1000000000.00")}, "amount"),
        ({"name": ""}, "name"),
        ({"name": "x" * 71}, "name"),
        ({"bic": "HASPDE"}, "BIC"),
        ({"text": "x" * 141}, "remittance"),
    ],
)
def test_payload_refuses_what_the_standard_forbids(changes, message):
    values = {
        "name": "Nordlicht",
        "iban": "DE02200505501015871393",
        "amount": Decimal("1.00"),
        "text": "RE-1",
        "bic": "",
    }
    with pytest.raises(ValueError, match=message):
        epc_payload(**{**values, **changes})


def test_svg_draws_exactly_the_dark_modules():
    payload = epc_payload(
        name="Nordlicht", iban="DE02200505501015871393", amount=Decimal("12.34"), text="RE-1"
    )
    qr = segno.make_qr(payload, error="m", boost_error=False, mask=4)
    svg = epc_qr_svg(
        name="Nordlicht", iban="DE02200505501015871393", amount=Decimal("12.34"), text="RE-1"
    )
    assert svg == matrix_svg(qr.matrix)
    assert qr.error == "M"  # EPC069-12 requires level M
    # Redraw the modules from the path and compare them with the symbol's matrix.
    size = len(qr.matrix)
    drawn = [[0] * size for _ in range(size)]
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", svg):
        for dx in range(int(width)):
            drawn[int(y)][int(x) + dx] = 1
    assert drawn == [[1 if cell else 0 for cell in row] for row in qr.matrix]
    assert f'viewBox="0 0 {size} {size}"' in svg
