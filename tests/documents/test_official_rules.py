"""The Factur-X PDF checked by the official EN 16931 rules (../shared/einvoice/validate.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from einvoice.official import require_official_rules
from faktura.documents.rendering import render_facturx_pdf
from faktura.documents.samples import sample_snapshot
from faktura.einvoice.formats import build

SHARED_EINVOICE = (Path(__file__).resolve().parents[2] / ".." / "shared" / "einvoice").resolve()
require_official_rules()  # fails in CI, skips loudly elsewhere


@pytest.fixture(scope="module")
def validator():
    sys.path.insert(0, str(SHARED_EINVOICE))
    try:
        from validate import Validator
    finally:
        sys.path.remove(str(SHARED_EINVOICE))
    return Validator()


CASES = {
    "domestic": {},
    "english": {"language": "en"},
    "several-rates": {"tax": "mixed"},
    "credit-note": {"kind": "credit_note"},
    "reverse-charge": {"tax": "reverse_charge"},
    "exempt": {"tax": "exempt"},
    "export": {"tax": "export"},
    "public-customer": {"public": True},
    "eighty-lines": {"lines": 80},
}


@pytest.mark.parametrize("case", CASES)
def test_facturx_pdf_passes_the_official_rules(validator, case):
    snapshot = sample_snapshot(**{"lines": 6, **CASES[case]})
    pdf = render_facturx_pdf(snapshot, build(snapshot, "facturx"))
    problems = validator.validate(pdf)  # extracts the embedded XML, then XSD + EN 16931
    assert [p for p in problems if p.fatal] == []
