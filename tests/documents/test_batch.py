"""Batch rendering on several processes and the document benchmark."""

from __future__ import annotations

import pytest

from faktura.documents.bench import bench_documents, render_documents, sample_factory
from faktura.documents.rendering import render_batch, render_invoice_pdf
from faktura.einvoice.formats import build


def test_workers_render_the_same_bytes_in_order():
    snapshots = [sample_factory(i) for i in range(5)]
    expected = [render_invoice_pdf(s) for s in snapshots]
    assert render_batch(snapshots, workers=2) == expected
    assert render_batch(snapshots, workers=1) == expected
    assert render_batch([], workers=2) == []


def test_benchmark_reports_what_it_rendered():
    result = bench_documents(4, workers=2, factory=sample_factory)
    assert result["invoices"] == 4 and result["workers"] == 2
    assert result["seconds"] > 0
    assert result["per_second"] == pytest.approx(4 / result["seconds"], abs=0.051)  # 1 decimal


def test_benchmark_job_builds_the_documents_issuing_stores():
    snapshot = sample_factory(0)
    pdf, xrechnung = render_documents(snapshot)
    assert pdf.startswith(b"%PDF-") and b"factur-x.xml" in pdf
    assert xrechnung == build(snapshot, "xrechnung-ubl")
