"""Rendering many documents on every core: a process pool whose workers each keep one compiler."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from faktura.einvoice.snapshot import InvoiceSnapshot

from .renderer import get_renderer, render_invoice_pdf

T = TypeVar("T")


def _warm_up() -> None:
    get_renderer()


def render_batch(
    snapshots: Sequence[InvoiceSnapshot],
    workers: int | None = None,
    *,
    render: Callable[[InvoiceSnapshot], T] = render_invoice_pdf,  # type: ignore[assignment]
) -> list[T]:
    """``render(snapshot)`` for every snapshot, in order, on ``workers`` processes.

    ``render`` must be a module-level function (the workers import it by name); the default
    renders the invoice PDF. ``workers`` defaults to the number of cores; with ``1`` (or a
    single snapshot) everything runs in this process. Each worker creates its Typst compiler
    once and keeps it for all the documents it renders.
    """
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(snapshots) <= 1:
        return [render(s) for s in snapshots]
    # spawn: a fresh interpreter per worker; nothing (locks, Typst's threads) is forked along.
    context = multiprocessing.get_context("spawn")
    # Small chunks: the workers finish together (a 16-invoice chunk left to one worker at the
    # end idles the other cores for a third of a second); a chunk costs one message each way.
    chunksize = max(1, min(4, len(snapshots) // (workers * 8)))
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_warm_up) as pool:
        return list(pool.map(render, snapshots, chunksize=chunksize))
