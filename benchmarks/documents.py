"""The document benchmark behind ``faktura bench documents`` (DESIGN.md section 7).

For each invoice it builds what issuing produces: the Factur-X PDF (Typst PDF/A-3b with the
CII XML embedded) and the XRechnung XML, on every core. Snapshots come from a factory so the
command can feed issued invoices from the database or the built-in samples.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from faktura.documents.rendering import render_batch, render_facturx_pdf
from faktura.documents.samples import sample_snapshot
from faktura.einvoice.formats import build
from faktura.einvoice.snapshot import InvoiceSnapshot

SnapshotFactory = Callable[[int], InvoiceSnapshot]


def sample_factory(index: int) -> InvoiceSnapshot:
    """Invoice ``index`` of the synthetic batch: 25 lines, varied content, unique number."""
    return sample_snapshot(seed=index, number=f"RE-2026-{index + 1:05d}", lines=25)


def render_documents(snapshot: InvoiceSnapshot) -> tuple[bytes, bytes]:
    """The documents issuing stores for one invoice: (Factur-X PDF, XRechnung UBL XML)."""
    pdf = render_facturx_pdf(snapshot, build(snapshot, "facturx"))
    return pdf, build(snapshot, "xrechnung-ubl")


def bench_documents(
    n: int, workers: int | None = None, factory: SnapshotFactory = sample_factory
) -> dict[str, float | int]:
    """Render the documents of ``n`` invoices on ``workers`` processes (default: every core).

    Snapshots are built first and not timed; the time covers starting the workers, their
    compilers and all rendering. Returns ``invoices``, ``seconds``, ``per_second``, ``workers``
    and ``per_second_per_worker``.
    """
    workers = max(1, workers or os.cpu_count() or 1)
    snapshots = [factory(i) for i in range(n)]
    start = time.perf_counter()
    results = render_batch(snapshots, workers, render=render_documents)
    seconds = time.perf_counter() - start
    if len(results) != n or not all(pdf and xml for pdf, xml in results):
        raise RuntimeError("the benchmark produced incomplete documents")
    per_second = n / seconds if seconds else 0.0
    return {
        "invoices": n,
        "seconds": round(seconds, 3),
        "per_second": round(per_second, 1),
        "workers": workers,
        "per_second_per_worker": round(per_second / workers, 1),
    }
