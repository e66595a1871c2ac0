"""Factur-X / ZUGFeRD: the CII XML inside the PDF/A-3 and the XMP that announces it."""

from __future__ import annotations

import io

import facturx
import pikepdf
import pytest
from lxml import etree

from faktura.documents.rendering import render_facturx_pdf, render_invoice_pdf
from faktura.documents.rendering.facturx import (
    FX_NS,
    _append_metadata,
    _rewrite_metadata,
    add_facturx_metadata,
    conformance_level,
    xmp_properties,
)
from faktura.documents.samples import sample_snapshot
from faktura.einvoice.formats import FACTURX_CONFORMANCE_LEVEL, build

from .conftest import pdf_text, squash


@pytest.mark.parametrize(
    "snapshot",
    [
        sample_snapshot(lines=25),
        sample_snapshot(lines=3, kind="credit_note", language="en"),
        sample_snapshot(lines=4, tax="reverse_charge"),
    ],
    ids=["invoice", "credit-note-en", "reverse-charge"],
)
def test_facturx_package_finds_the_same_xml_at_level_en16931(snapshot):
    # given
    xml = build(snapshot, "facturx")
    # when
    pdf = render_facturx_pdf(snapshot, xml)
    # then: the reference implementation extracts it, XSD-valid, and detects the profile
    name, extracted = facturx.get_facturx_xml_from_pdf(pdf, check_xsd=True)
    assert (name, extracted) == ("factur-x.xml", xml)
    assert facturx.get_level(etree.fromstring(extracted)) == "en16931"
    assert facturx.get_flavor(etree.fromstring(extracted)) == "factur-x"
    # the XMP says the same, and the file stays PDF/A-3b
    props = xmp_properties(pdf)
    assert props == {
        "pdfaid:part": "3",
        "pdfaid:conformance": "B",
        "fx:DocumentType": "INVOICE",
        "fx:DocumentFileName": "factur-x.xml",
        "fx:Version": "1.0",
        "fx:ConformanceLevel": FACTURX_CONFORMANCE_LEVEL,
    }
    # the human-readable invoice is unchanged
    assert squash(pdf_text(pdf)) == squash(pdf_text(render_invoice_pdf(snapshot)))


def test_attachment_is_the_alternative_representation():
    snapshot = sample_snapshot(lines=2)
    xml = build(snapshot, "facturx")
    with pikepdf.open(io.BytesIO(render_facturx_pdf(snapshot, xml))) as doc:
        (spec,) = list(doc.Root.AF)
        assert str(spec.F) == "factur-x.xml" and str(spec.UF) == "factur-x.xml"
        assert spec.AFRelationship == pikepdf.Name.Alternative
        stream = spec.EF.F
        assert stream.Subtype == pikepdf.Name("/text/xml")
        assert stream.read_bytes() == xml
        assert doc.attachments["factur-x.xml"].get_file().read_bytes() == xml


def test_xmp_declares_the_fx_schema_as_pdfa_extension():
    snapshot = sample_snapshot(lines=1)
    pdf = render_facturx_pdf(snapshot, build(snapshot, "facturx"))
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        xmp = bytes(doc.Root.Metadata.read_bytes())
        assert "/Filter" not in doc.Root.Metadata.stream_dict  # PDF/A: unfiltered metadata
    root = etree.fromstring(xmp[xmp.index(b"<x:xmpmeta") : xmp.index(b"</x:xmpmeta>") + 12])
    ns = {
        "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
        "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
    }
    schemas = {
        s.findtext("pdfaSchema:namespaceURI", namespaces=ns): s
        for s in root.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}li")
        if s.find("pdfaSchema:namespaceURI", ns) is not None
    }
    fx = schemas[FX_NS]
    assert fx.findtext("pdfaSchema:prefix", namespaces=ns) == "fx"
    assert {p.text for p in fx.iterfind(".//pdfaProperty:name", ns)} == {
        "DocumentFileName",
        "DocumentType",
        "Version",
        "ConformanceLevel",
    }
    # Typst's own extension schemas are still there
    assert "http://ns.adobe.com/pdf/1.3/" in schemas
    assert xmp.startswith(b'<?xpacket begin="\xef\xbb\xbf"')


def test_incremental_update_and_rewrite_agree():
    snapshot = sample_snapshot(lines=3)
    xml = build(snapshot, "facturx")
    base = render_invoice_pdf(
        snapshot, attachments=[("factur-x.xml", xml, "text/xml", "Alternative")]
    )
    appended = _append_metadata(base, "EN 16931")
    assert appended is not None and appended.startswith(base)  # an incremental update
    rewritten = _rewrite_metadata(base, "EN 16931")
    for pdf in (appended, rewritten):
        assert xmp_properties(pdf)["fx:ConformanceLevel"] == "EN 16931"
        assert facturx.get_facturx_xml_from_pdf(pdf)[1] == xml
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            assert len(doc.pages) == 1
            assert doc.trailer.ID[0] == pikepdf.open(io.BytesIO(base)).trailer.ID[0]
    # a second update of an already updated file goes through qpdf
    assert _append_metadata(appended, "EN 16931") is None
    assert "fx:DocumentType" in xmp_properties(add_facturx_metadata(appended))


def test_output_is_deterministic():
    snapshot = sample_snapshot(lines=5)
    xml = build(snapshot, "facturx")
    assert render_facturx_pdf(snapshot, xml) == render_facturx_pdf(snapshot, xml)


def test_a_pdf_without_the_xml_is_refused():
    pdf = render_invoice_pdf(sample_snapshot(lines=1))
    with pytest.raises(ValueError, match=r"factur-x\.xml"):
        add_facturx_metadata(pdf)


@pytest.mark.parametrize(
    ("guideline", "level"),
    [
        ("urn:cen.eu:en16931:2017", "EN 16931"),
        ("urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended", "EXTENDED"),
        ("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0", "XRECHNUNG"),
        ("urn:factur-x.eu:1p0:basicwl", "BASIC WL"),
        ("urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic", "BASIC"),
    ],
)
def test_conformance_level_follows_the_guideline(guideline, level):
    xml = (
        "<rsm:CrossIndustryInvoice xmlns:rsm='r' xmlns:ram='a'><rsm:ExchangedDocumentContext>"
        "<ram:GuidelineSpecifiedDocumentContextParameter>"
        f"<ram:ID>{guideline}</ram:ID>"
        "</ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>"
        "</rsm:CrossIndustryInvoice>"
    ).encode()
    assert conformance_level(xml) == level
