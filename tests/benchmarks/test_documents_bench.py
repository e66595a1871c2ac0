"""`faktura bench documents`: what it renders and what it reports."""

from __future__ import annotations

import json

import pytest

from benchmarks.documents import bench_documents, render_documents, sample_factory
from faktura.einvoice.formats import build


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


def test_the_command_prints_its_numbers(capsys):
    from faktura.cli import main

    main(["bench", "documents", "--invoices", "3", "--workers", "1", "--json"])

    numbers = json.loads(capsys.readouterr().out)
    assert numbers["invoices"] == 3 and numbers["workers"] == 1
    assert numbers["per_second"] > 0
