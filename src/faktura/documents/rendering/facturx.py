"""Factur-X / ZUGFeRD 2: the XMP metadata that marks a PDF/A-3 as a hybrid e-invoice.

Typst already writes the PDF/A-3b file with the CII XML attached as ``factur-x.xml``
(AFRelationship ``Alternative``, MIME ``text/xml``, listed in the catalog's ``/AF``). What is
left is the XMP: the ``fx:`` properties (document type, file name, version, conformance level)
and their PDF/A extension-schema description, which PDF/A requires for every non-standard
property.

The new metadata stream is appended as an incremental update (ISO 32000-1, 7.5.6: the changed
object, a cross-reference section for it and a trailer pointing back to the previous one), which
PDF/A-3 permits. That costs well under a millisecond; rewriting the file with qpdf (pikepdf)
costs ~10-15 ms and the ``factur-x`` package's ``generate_from_binary`` (pypdf) ~60 ms. When
the file's structure is not the plain one Typst writes (a cross-reference table, an unfiltered
metadata stream), pikepdf rewrites it instead. The ``factur-x`` package checks the result in the
tests.
"""

from __future__ import annotations

import hashlib
import io
import re

import pikepdf
from lxml import etree

FX_NS = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
FACTURX_FILENAME = "factur-x.xml"
FACTURX_VERSION = "1.0"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFA_EXTENSION = "http://www.aiim.org/pdfa/ns/extension/"
PDFA_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
PDFA_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
_NS = {"rdf": RDF, "pdfaExtension": PDFA_EXTENSION, "pdfaid": PDFAID}

# Guideline (BT-24) -> Factur-X conformance level written into the XMP.
_LEVELS = (
    ("urn:factur-x.eu:1p0:extended", "EXTENDED"),
    ("xrechnung", "XRECHNUNG"),
    ("urn:factur-x.eu:1p0:basicwl", "BASIC WL"),
    ("urn:factur-x.eu:1p0:basic", "BASIC"),
    ("urn:factur-x.eu:1p0:minimum", "MINIMUM"),
    ("urn:cen.eu:en16931:2017", "EN 16931"),
)
_GUIDELINE = re.compile(
    rb"GuidelineSpecifiedDocumentContextParameter>\s*<(?:\w+:)?ID>([^<]+)<", re.S
)

_PROPERTIES = (
    ("DocumentFileName", "The name of the embedded XML document"),
    ("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
    ("Version", "The actual version of the standard applying to the embedded XML document"),
    ("ConformanceLevel", "The conformance level of the embedded XML document"),
)


def conformance_level(cii_xml: bytes) -> str:
    """The Factur-X conformance level named by the CII document's guideline ID (BT-24)."""
    match = _GUIDELINE.search(cii_xml[:4096])
    guideline = match.group(1).decode().strip().lower() if match else ""
    for marker, level in _LEVELS:
        if marker in guideline:
            return level
    return "EN 16931"


def add_facturx_metadata(pdf: bytes, *, level: str = "EN 16931") -> bytes:
    """``pdf`` (PDF/A-3 from Typst with ``factur-x.xml`` attached) with the Factur-X XMP added.

    Keeps everything else as it is, including the PDF/A-3b identification; deterministic (the
    same input gives the same bytes).
    """
    updated = _append_metadata(pdf, level)
    return updated if updated is not None else _rewrite_metadata(pdf, level)


_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_REF = rb"\s+(\d+)\s+(\d+)\s+R"
_TRAILER_ROOT = re.compile(rb"/Root" + _REF)
_TRAILER_INFO = re.compile(rb"/Info" + _REF)
_TRAILER_SIZE = re.compile(rb"/Size\s+(\d+)")
_TRAILER_ID = re.compile(rb"/ID\s*\[\s*(<[0-9A-Fa-f]*>|\([^()\\]*\))")
_METADATA_REF = re.compile(rb"/Metadata" + _REF)


def _append_metadata(pdf: bytes, level: str) -> bytes | None:
    """The incremental update, or ``None`` when the file is not laid out as expected."""
    tail = _STARTXREF.search(pdf, len(pdf) - 64)
    trailer_at = pdf.rfind(b"trailer")
    if tail is None or trailer_at < 0 or pdf.find(b"(" + FACTURX_FILENAME.encode() + b")") < 0:
        return None
    xref_at = int(tail.group(1))
    if pdf[xref_at : xref_at + 4] != b"xref":  # a cross-reference stream: leave it to qpdf
        return None
    trailer = pdf[trailer_at : tail.start()]
    root, size, file_id = (
        _TRAILER_ROOT.search(trailer),
        _TRAILER_SIZE.search(trailer),
        _TRAILER_ID.search(trailer),
    )
    if root is None or size is None or file_id is None:
        return None
    if b"/Prev" in trailer:  # already updated incrementally: leave it to qpdf
        return None
    catalog = _object(pdf, xref_at, int(root.group(1)), int(root.group(2)))
    meta_ref = _METADATA_REF.search(catalog) if catalog is not None else None
    if meta_ref is None:
        return None
    number, generation = int(meta_ref.group(1)), int(meta_ref.group(2))
    meta = _object(pdf, xref_at, number, generation)
    if meta is None or b"/Filter" in meta.split(b"stream", 1)[0]:
        return None
    body = meta.split(b"stream", 1)[1]
    start = 2 if body.startswith(b"\r\n") else 1
    end = body.rfind(b"endstream")
    xmp = facturx_xmp(body[start:end].rstrip(b"\r\n"), level=level)

    offset = len(pdf) + 1
    obj = (
        b"%d %d obj\n<</Type/Metadata/Subtype/XML/Length %d>>\nstream\n"
        % (number, generation, len(xmp))
        + xmp
        + b"\nendstream\nendobj\n"
    )
    xref = offset + len(obj)
    # The second ID changes with the content (ISO 32000-1, 14.4): the original ID identifies
    # the rendered document, the new metadata is the change.
    new_id = hashlib.md5(file_id.group(1) + xmp, usedforsecurity=False).hexdigest().upper().encode()
    info = _TRAILER_INFO.search(trailer)
    trailer_dict = b"/Size %s/Root %s %s R" % (size.group(1), root.group(1), root.group(2))
    if info is not None:
        trailer_dict += b"/Info %s %s R" % (info.group(1), info.group(2))
    trailer_dict += b"/ID[%s<%s>]/Prev %d" % (file_id.group(1), new_id, xref_at)
    section = b"xref\n%d 1\n%010d %05d n\r\ntrailer\n<<%s>>\nstartxref\n%d\n%%%%EOF\n" % (
        number,
        offset,
        generation,
        trailer_dict,
        xref,
    )
    return pdf + b"\n" + obj + section


def _object(pdf: bytes, xref_at: int, number: int, generation: int) -> bytes | None:
    """The text of indirect object ``number generation``, found through the xref table."""
    offset = _xref_offset(pdf, xref_at, number)
    if offset is None:
        return None
    header = b"%d %d obj" % (number, generation)
    if not pdf.startswith(header, offset):
        return None
    end = pdf.find(b"endobj", offset)
    return pdf[offset + len(header) : end] if end > 0 else None


def _xref_offset(pdf: bytes, xref_at: int, number: int) -> int | None:
    """The byte offset of object ``number`` in a classic cross-reference table."""
    pos = pdf.index(b"\n", xref_at) + 1  # after "xref"
    while True:
        eol = pdf.find(b"\n", pos)
        header = pdf[pos:eol].split()
        if len(header) != 2 or not header[0].isdigit():
            return None  # reached "trailer": the object is not in this table
        first, count = int(header[0]), int(header[1])
        entries = eol + 1
        if first <= number < first + count:
            at = entries + 20 * (number - first)  # each entry is exactly 20 bytes
            entry = pdf[at : at + 20]
            return int(entry[:10]) if entry[17:18] == b"n" else None
        pos = entries + 20 * count


def _rewrite_metadata(pdf: bytes, level: str) -> bytes:
    """The same change through qpdf: slower, but for any PDF structure."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        if FACTURX_FILENAME not in _attachment_names(doc):
            raise ValueError(f"the PDF has no {FACTURX_FILENAME} attachment")
        stream = doc.Root.get("/Metadata")
        if stream is None:
            raise ValueError("the PDF has no XMP metadata: render it as PDF/A-3b")
        xmp = facturx_xmp(bytes(stream.read_bytes()), level=level)
        # PDF/A: the metadata stream is not filtered, so XMP scanners can read it.
        stream.write(xmp)
        out = io.BytesIO()
        doc.save(
            out,
            linearize=False,
            object_stream_mode=pikepdf.ObjectStreamMode.preserve,
            compress_streams=False,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
            fix_metadata_version=False,
            deterministic_id=True,
        )
    return out.getvalue()


def facturx_xmp(xmp: bytes, *, level: str = "EN 16931") -> bytes:
    """Typst's XMP packet plus the Factur-X properties and their extension schema."""
    start = xmp.index(b"<x:xmpmeta")
    end = xmp.index(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")
    root = etree.fromstring(xmp[start:end])
    rdf = root.find(f"{{{RDF}}}RDF")
    if rdf is None:
        raise ValueError("XMP packet without rdf:RDF")
    if root.find(".//pdfaid:part", _NS) is None and not _has_attr(root, PDFAID, "part"):
        raise ValueError("XMP packet without PDF/A identification")

    bag = root.find("rdf:RDF/rdf:Description/pdfaExtension:schemas/rdf:Bag", _NS)
    if bag is None:
        description = etree.SubElement(
            rdf, f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""}, nsmap=_ext_nsmap()
        )
        schemas = etree.SubElement(description, f"{{{PDFA_EXTENSION}}}schemas")
        bag = etree.SubElement(schemas, f"{{{RDF}}}Bag")
    bag.append(_extension_schema())

    fx = etree.SubElement(
        rdf, f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""}, nsmap={"fx": FX_NS, "rdf": RDF}
    )
    for name, value in (
        ("DocumentType", "INVOICE"),
        ("DocumentFileName", FACTURX_FILENAME),
        ("Version", FACTURX_VERSION),
        ("ConformanceLevel", level),
    ):
        etree.SubElement(fx, f"{{{FX_NS}}}{name}").text = value
    body = etree.tostring(root, encoding="utf-8")
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'.encode()
        + body
        + b'<?xpacket end="w"?>'
    )


def _extension_schema() -> etree._Element:
    resource = {f"{{{RDF}}}parseType": "Resource"}
    li = etree.Element(f"{{{RDF}}}li", resource, nsmap=_ext_nsmap())
    etree.SubElement(li, f"{{{PDFA_SCHEMA}}}schema").text = "Factur-X PDFA Extension Schema"
    etree.SubElement(li, f"{{{PDFA_SCHEMA}}}namespaceURI").text = FX_NS
    etree.SubElement(li, f"{{{PDFA_SCHEMA}}}prefix").text = "fx"
    seq = etree.SubElement(etree.SubElement(li, f"{{{PDFA_SCHEMA}}}property"), f"{{{RDF}}}Seq")
    for name, description in _PROPERTIES:
        prop = etree.SubElement(seq, f"{{{RDF}}}li", resource)
        etree.SubElement(prop, f"{{{PDFA_PROPERTY}}}name").text = name
        etree.SubElement(prop, f"{{{PDFA_PROPERTY}}}valueType").text = "Text"
        etree.SubElement(prop, f"{{{PDFA_PROPERTY}}}category").text = "external"
        etree.SubElement(prop, f"{{{PDFA_PROPERTY}}}description").text = description
    return li


def _ext_nsmap() -> dict[str, str]:
    return {
        "rdf": RDF,
        "pdfaExtension": PDFA_EXTENSION,
        "pdfaSchema": PDFA_SCHEMA,
        "pdfaProperty": PDFA_PROPERTY,
    }


def _has_attr(root: etree._Element, ns: str, name: str) -> bool:
    return any(el.get(f"{{{ns}}}{name}") is not None for el in root.iter(f"{{{RDF}}}Description"))


def _attachment_names(doc: pikepdf.Pdf) -> list[str]:
    names = doc.Root.get("/Names")
    files = names.get("/EmbeddedFiles") if names is not None else None
    entries = files.get("/Names") if files is not None else None
    if entries is None:
        return []
    return [str(entries[i]) for i in range(0, len(entries), 2)]


def xmp_properties(pdf: bytes) -> dict[str, str]:
    """The ``fx:`` and ``pdfaid:`` properties of a PDF's XMP (for checks and tests)."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        xmp = bytes(doc.Root.Metadata.read_bytes())
    root = etree.fromstring(xmp[xmp.index(b"<x:xmpmeta") : xmp.index(b"</x:xmpmeta>") + 12])
    out: dict[str, str] = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        qname = etree.QName(el)
        if qname.namespace in (FX_NS, PDFAID) and el.text and len(el) == 0:
            prefix = "fx" if qname.namespace == FX_NS else "pdfaid"
            out[f"{prefix}:{qname.localname}"] = el.text
    return out
