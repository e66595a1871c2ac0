"""Where the official e-invoice rules live (``../shared/einvoice`` beside the repository)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SHARED_EINVOICE = (Path(__file__).resolve().parents[2] / ".." / "shared" / "einvoice").resolve()
SAMPLES = SHARED_EINVOICE / "samples"


def require_official_rules() -> None:
    """Skip the calling test module, loudly, when the official rules are not checked out."""
    if not (SHARED_EINVOICE / "validate.py").is_file():
        pytest.skip(
            f"OFFICIAL E-INVOICE RULES MISSING: {SHARED_EINVOICE} not found. The EN 16931 / "
            "XRechnung validation and the test-suite sample checks did NOT run.",
            allow_module_level=True,
        )


def make_validator():
    """The official validator (XSD + EN 16931 + XRechnung schematron); compiling takes ~2 s."""
    if str(SHARED_EINVOICE) not in sys.path:
        sys.path.insert(0, str(SHARED_EINVOICE))
    from validate import Validator

    return Validator(SHARED_EINVOICE)
