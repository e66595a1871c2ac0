"""The e-invoice formats Faktura issues and the one entry point that builds them.

- ``xrechnung-ubl``: XRechnung 3.0 in UBL (BT-24 ``XRECHNUNG_3_0``, BT-23 Peppol billing 01)
- ``xrechnung-cii``: XRechnung 3.0 in CII (the same identifiers)
- ``peppol``: Peppol BIS Billing 3.0, UBL (BT-24 ``PEPPOL_BIS_BILLING_3``, BT-23 Peppol billing 01)
- ``facturx``: the CII XML of Factur-X 1.0 / ZUGFeRD 2.x profile EN 16931 (BT-24 ``EN16931``,
  no BT-23)

``build(snapshot, key)`` returns the XML as UTF-8 bytes with an XML declaration, pretty-printed
and deterministic (the same snapshot gives the same bytes). ``problems(snapshot, key)`` lists
what would make that document invalid or hard to process (see ``checks``). For ``facturx`` the
bytes are the CII XML that goes into the PDF/A-3 as ``FACTURX_ATTACHMENT_NAME``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from faktura.core.problems import Problem
from faktura.einvoice import checks
from faktura.einvoice.cii import build_cii
from faktura.einvoice.groups import document
from faktura.einvoice.snapshot import InvoiceSnapshot
from faktura.einvoice.ubl import build_ubl

EN16931 = "urn:cen.eu:en16931:2017"
XRECHNUNG_3_0 = f"{EN16931}#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
PEPPOL_BIS_BILLING_3 = f"{EN16931}#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PEPPOL_BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
FACTURX_EN16931 = EN16931  # the Factur-X 1.0 / ZUGFeRD 2.x profile "EN 16931" (Comfort)

MEDIA_TYPE_XML = "application/xml"
FACTURX_ATTACHMENT_NAME = "factur-x.xml"  # the name the Factur-X standard requires in the PDF
FACTURX_CONFORMANCE_LEVEL = "EN 16931"  # fx:ConformanceLevel in the PDF's XMP metadata

# Written by hand: lxml's own declaration uses single quotes, which some receivers reject.
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

UBL = "ubl"
CII = "cii"


@dataclass(frozen=True)
class Format:
    key: str
    label: str
    syntax: str  # UBL or CII
    specification_id: str  # BT-24
    business_process: str  # BT-23, "" = left out
    media_type: str = MEDIA_TYPE_XML

    @property
    def is_xrechnung(self) -> bool:
        return self.specification_id == XRECHNUNG_3_0

    @property
    def is_peppol(self) -> bool:
        return self.specification_id == PEPPOL_BIS_BILLING_3


XRECHNUNG_UBL = Format(
    "xrechnung-ubl", "XRechnung 3.0 (UBL)", UBL, XRECHNUNG_3_0, PEPPOL_BILLING_PROCESS
)
XRECHNUNG_CII = Format(
    "xrechnung-cii", "XRechnung 3.0 (CII)", CII, XRECHNUNG_3_0, PEPPOL_BILLING_PROCESS
)
PEPPOL = Format(
    "peppol", "Peppol BIS Billing 3.0", UBL, PEPPOL_BIS_BILLING_3, PEPPOL_BILLING_PROCESS
)
FACTURX = Format("facturx", "Factur-X / ZUGFeRD EN 16931", CII, FACTURX_EN16931, "")

FORMATS: dict[str, Format] = {f.key: f for f in (XRECHNUNG_UBL, XRECHNUNG_CII, PEPPOL, FACTURX)}
FORMAT_KEYS: tuple[str, ...] = tuple(FORMATS)


def get_format(format: str | Format) -> Format:
    """The ``Format`` for a key; ``ValueError`` naming the known keys otherwise."""
    if isinstance(format, Format):
        return format
    try:
        return FORMATS[format]
    except KeyError:
        raise ValueError(
            f"unknown e-invoice format {format!r}; expected one of {', '.join(FORMAT_KEYS)}"
        ) from None


def build(snapshot: InvoiceSnapshot, format: str | Format) -> bytes:
    """The e-invoice XML of ``snapshot`` in ``format`` (see the module docstring).

    It writes what the snapshot says and rounds nothing; run ``problems`` first to learn what
    the official rules would reject. ``ValueError`` for an unknown format or kind, or an amount
    with more than 2 decimals.
    """
    fmt = get_format(format)
    doc = document(snapshot, peppol=fmt.is_peppol, xrechnung=fmt.is_xrechnung)
    if fmt.syntax == UBL:
        root = build_ubl(
            doc, customization_id=fmt.specification_id, profile_id=fmt.business_process
        )
    else:
        root = build_cii(
            doc, guideline_id=fmt.specification_id, business_process=fmt.business_process
        )
    return _XML_DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)


def problems(snapshot: InvoiceSnapshot, format: str | Format) -> list[Problem]:
    """What would make the ``format`` document of ``snapshot`` invalid (errors) or hard to
    process (warnings); empty list = nothing known. See ``checks.problems``."""
    fmt = get_format(format)
    return checks.problems(
        snapshot,
        xrechnung=fmt.is_xrechnung,
        peppol=fmt.is_peppol,
        needs_electronic_addresses=fmt.is_xrechnung or fmt.is_peppol,
        needs_buyer_reference=fmt.is_xrechnung or fmt.is_peppol,
    )


_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(snapshot: InvoiceSnapshot, format: str | Format) -> str:
    """``<number>.xml``, with characters unsafe in file names (``/``, spaces) replaced by ``-``."""
    get_format(format)
    stem = _UNSAFE_FILE_CHARS.sub("-", snapshot.number).strip("-.") or "invoice"
    return f"{stem}.xml"


def media_type(format: str | Format) -> str:
    return get_format(format).media_type
