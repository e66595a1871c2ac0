"""PDF rendering with Typst: one compiler per process, the shipped fonts only.

The compiler is created once per process (fonts indexed once, templates parsed once, Typst's
incremental caches warm: the next invoice re-lays out only what differs from the previous one)
and used for every document. Its project root is a scratch folder holding a copy of the
templates. Each compilation receives its data as virtual files beside the template:
``data.json`` (the formatted view), the GiroCode and text attachments such as
the Factur-X XML. The Python binding only passes UTF-8 text that way, so binary files (a PNG
logo, a PDF attachment) are written to the scratch folder: a logo under its content hash, kept
for the next invoice, an attachment only for the one compilation.

Output is deterministic: the PDF's dates come from the invoice's issue date, never the clock,
and the same snapshot renders the same bytes on every machine (fonts come from
``documents/fonts``; system fonts are ignored).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import typst

from faktura.einvoice.snapshot import InvoiceSnapshot

from .facturx import FACTURX_FILENAME, add_facturx_metadata, conformance_level
from .view import Attachment, build_view

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PACKAGE_DIR / "templates_typst"
FONTS_DIR = PACKAGE_DIR / "fonts"

AttachmentLike = Attachment | tuple[str, bytes, str, str] | tuple[str, bytes, str, str, str]


class RenderError(RuntimeError):
    """Typst could not compile a document. Texts and logos are checked before they get here
    (``coverage``, ``render_logo``), so this is a template or data error."""

    @property
    def reason(self) -> str:
        """Typst's own message, the first line only (what a person can act on)."""
        text = str(self).split("\n", 1)[0]
        return text.split(": ", 1)[1] if ": " in text else text


class Renderer:
    """A Typst compiler bound to the shipped templates and fonts."""

    def __init__(self, templates: Path = TEMPLATES_DIR, fonts: Path = FONTS_DIR) -> None:
        self.templates = Path(templates)
        self.fonts = typst.Fonts(
            include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(fonts)]
        )
        self.scratch = Path(tempfile.mkdtemp(prefix="faktura-typst-"))
        atexit.register(_remove_scratch, self.scratch, os.getpid())
        # The templates are copied into the compiler's root once: Typst then parses each one
        # once per process instead of once per document.
        for path in self.templates.glob("*.typ"):
            shutil.copyfile(path, self.scratch / path.name)
        self._compiler = typst.Compiler(
            root=str(self.scratch), font_paths=self.fonts, ignore_system_fonts=True
        )
        self._lock = threading.Lock()  # one compiler, used by one thread at a time

    def font_families(self) -> list[str]:
        return self.fonts.families()

    def compile(
        self,
        template: str,
        files: dict[str, bytes],
        *,
        pdf_a: bool = True,
        created: date | None = None,
    ) -> bytes:
        """Compile ``template`` (a file in the templates folder) with ``files`` beside it.

        ``files`` maps names the template reads to their content. Returns the PDF.
        """
        if not (self.scratch / template).is_file():
            raise ValueError(f"unknown template {template!r}")
        # PDF creation date: the document's own date, so the output does not depend on the clock.
        day = created or date(2000, 1, 1)
        timestamp = datetime(day.year, day.month, day.day, tzinfo=UTC)
        virtual: dict[str, bytes] = {"main.typ": f'#include "{template}"'.encode()}
        on_disk: list[Path] = []
        with self._lock:
            try:
                for name, content in files.items():
                    if _is_text(content):
                        virtual[name] = content
                    else:
                        path = self.scratch / name
                        path.write_bytes(content)
                        on_disk.append(path)
                pdf = self._compiler.compile(
                    input=virtual,
                    format="pdf",
                    pdf_standards=["a-3b"] if pdf_a else [],
                    timestamp=timestamp,
                )
            except typst.TypstError as exc:
                raise RenderError(f"{template}: {exc.message}\n{exc.diagnostic}") from exc
            finally:
                for path in on_disk:
                    path.unlink(missing_ok=True)
        assert isinstance(pdf, bytes)
        return pdf

    def asset(self, content: bytes, suffix: str) -> str:
        """A file the templates may read for as long as this renderer lives (logos): its name.

        Named by content, so a tenant's logo is written once per process, not per invoice.
        """
        name = f"asset-{hashlib.sha256(content).hexdigest()[:32]}{suffix}"
        path = self.scratch / name
        if not path.exists():
            with tempfile.NamedTemporaryFile(dir=self.scratch, suffix=".part", delete=False) as f:
                f.write(content)
            Path(f.name).replace(path)  # atomic: a concurrent reader sees all or nothing
        return name


def _remove_scratch(path: Path, owner: int) -> None:
    # Only the process that made the folder removes it (a forked child inherits the handler).
    if os.getpid() == owner:
        shutil.rmtree(path, ignore_errors=True)


def _is_text(content: bytes) -> bool:
    """Whether the binding can pass ``content`` as a virtual file (UTF-8 without a BOM)."""
    if content.startswith(b"\xef\xbb\xbf"):
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_renderer: Renderer | None = None
_renderer_pid = 0
_renderer_lock = threading.Lock()


def get_renderer() -> Renderer:
    """This process's renderer, created on first use (and anew in a forked child)."""
    global _renderer, _renderer_pid
    pid = os.getpid()
    if _renderer is None or _renderer_pid != pid:
        with _renderer_lock:
            if _renderer is None or _renderer_pid != pid:
                _renderer = Renderer()
                _renderer_pid = pid
    return _renderer


def render_invoice_pdf(
    snapshot: InvoiceSnapshot,
    *,
    attachments: Iterable[AttachmentLike] = (),
    pdf_a: bool = True,
    timesheet: bool = False,
    logo: bytes | None = None,
) -> bytes:
    """The invoice or credit note as PDF (PDF/A-3b unless ``pdf_a=False``).

    ``attachments`` are files embedded in the PDF as associated files: ``Attachment`` objects
    or tuples ``(filename, data, mime, relationship)`` with relationship one of ``Source``,
    ``Data``, ``Alternative``, ``Supplement``, ``Unspecified``. ``timesheet`` appends the
    entries behind each line. ``logo`` (PNG, JPEG or SVG) defaults to the file at
    ``snapshot.logo_path``, if any.
    """
    files_attached = tuple(_attachment(a) for a in attachments)
    if logo is None and snapshot.logo_path:
        path = Path(snapshot.logo_path)
        logo = path.read_bytes() if path.is_file() else None
    renderer = get_renderer()
    logo_name = renderer.asset(logo, _logo_suffix(logo)) if logo else None

    view, qr_svg = build_view(
        snapshot, timesheet=timesheet, logo_file=logo_name, attachments=files_attached
    )
    # The view alone: the template prints only what the view formatted (the snapshot would
    # double the JSON Typst parses for every document).
    files: dict[str, bytes] = {"data.json": json.dumps({"view": view}).encode()}
    if qr_svg:
        files["qr.svg"] = qr_svg.encode()
    for i, a in enumerate(files_attached):
        files[f"attachment-{i}"] = a.data
    return renderer.compile("invoice.typ", files, pdf_a=pdf_a, created=snapshot.issue_date)


def render_facturx_pdf(
    snapshot: InvoiceSnapshot,
    cii_xml: bytes,
    *,
    attachments: Iterable[AttachmentLike] = (),
    timesheet: bool = False,
    logo: bytes | None = None,
) -> bytes:
    """The invoice as Factur-X / ZUGFeRD 2 PDF: PDF/A-3b with ``cii_xml`` as ``factur-x.xml``.

    ``cii_xml`` is the UN/CEFACT CII invoice (profile EN 16931) built from the same snapshot.
    The conformance level written into the XMP follows its guideline ID (BT-24).
    """
    xml = Attachment(
        filename=FACTURX_FILENAME,
        data=cii_xml,
        mime="text/xml",
        relationship="Alternative",
        description="Factur-X/ZUGFeRD invoice",
    )
    pdf = render_invoice_pdf(
        snapshot,
        attachments=(xml, *attachments),
        pdf_a=True,
        timesheet=timesheet,
        logo=logo,
    )
    return add_facturx_metadata(pdf, level=conformance_level(cii_xml))


_RELATIONSHIPS = ("source", "data", "alternative", "supplement", "unspecified")


def _attachment(value: AttachmentLike) -> Attachment:
    if not isinstance(value, Attachment):
        filename, data, mime, relationship, *rest = value
        value = Attachment(filename, bytes(data), mime, relationship, rest[0] if rest else "")
    if value.relationship.lower() not in _RELATIONSHIPS:
        raise ValueError(f"unknown attachment relationship {value.relationship!r}")
    if not value.filename:
        raise ValueError("an attachment needs a file name")
    return value


def _logo_suffix(logo: bytes) -> str:
    if logo.startswith(b"\x89PNG"):
        return ".png"
    if logo.startswith(b"\xff\xd8"):
        return ".jpg"
    head = logo[:512].lstrip()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in logo[:2048]):
        return ".svg"
    raise ValueError("the logo must be a PNG, JPEG or SVG image")


def render_logo(logo: bytes) -> bytes:
    """The logo alone on a small PDF/A page, placed as on the invoice: proves at upload that
    every invoice can render it. Raises ``RenderError`` naming what Typst could not do, or
    ``ValueError`` for a file that is no PNG, JPEG or SVG."""
    renderer = get_renderer()
    name = renderer.asset(logo, _logo_suffix(logo))
    files = {"data.json": json.dumps({"logo": name}).encode()}
    return renderer.compile("logo.typ", files, pdf_a=True)


def renderer_fonts() -> Sequence[str]:
    """The font families available to the templates (only the shipped ones)."""
    return get_renderer().font_families()
