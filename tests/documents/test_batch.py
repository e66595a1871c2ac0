"""Batch rendering on several processes."""

from __future__ import annotations

from faktura.documents.rendering import render_batch, render_invoice_pdf
from faktura.documents.samples import sample_snapshot


def test_workers_render_the_same_bytes_in_order():
    snapshots = [sample_snapshot(seed=i, number=f"RE-{i}", lines=25) for i in range(5)]
    expected = [render_invoice_pdf(s) for s in snapshots]
    assert render_batch(snapshots, workers=2) == expected
    assert render_batch(snapshots, workers=1) == expected
    assert render_batch([], workers=2) == []
