"""What keeps a worker process honest: it ends with the process that started it, and it
settles operations whose worker died (their lease ran out)."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _set_parent_death_signal(sig: int) -> bool:
    """Ask the Linux kernel to send `sig` to this process when its parent dies."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def exit_with_parent(parent_pid: int, *, poll_seconds: int = 1) -> None:
    """End this process (SIGTERM: a worker finishes its current task, then stops) when the
    process `parent_pid` is gone, even if it was killed with SIGKILL and could not say so.

    On Linux the kernel signals at once (prctl PR_SET_PDEATHSIG); everywhere a thread also
    watches the parent id, which changes when the parent dies (the orphan is re-parented).
    """
    _set_parent_death_signal(signal.SIGTERM)

    def watch() -> None:
        stopped = threading.Event()
        while os.getppid() == parent_pid:
            stopped.wait(poll_seconds)
        log.warning("parent process %s is gone; stopping", parent_pid)
        os.kill(os.getpid(), signal.SIGTERM)

    # The parent may have died before prctl took effect: the watch sees it on its first look.
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _sweep_once() -> None:
    from django.db import connections

    from faktura.common.services import operations_expire

    try:
        operations_expire()
    except Exception:  # a locked or unreachable database: try again next round
        log.exception("could not sweep expired operations")
    finally:
        connections.close_all()


def start_lease_sweeper(interval_seconds: int) -> threading.Thread:
    """Mark operations whose lease ran out as failed (interrupted): once now, before the
    worker takes its first task, then every `interval_seconds` from a thread with its own
    database connection."""
    _sweep_once()

    def sweep() -> None:
        stopped = threading.Event()
        while not stopped.wait(interval_seconds):
            _sweep_once()

    thread = threading.Thread(target=sweep, name="lease-sweeper", daemon=True)
    thread.start()
    return thread


def start_sync_loop(interval_seconds: int) -> threading.Thread:
    """Work the accounting sync outbox (`faktura sync-run`) every `interval_seconds` from a
    thread with its own database connection; leases keep several workers from sending one
    row twice."""

    def loop() -> None:
        from django.db import close_old_connections

        from faktura.integrations.worker import sync_run

        stopped = threading.Event()
        while not stopped.wait(interval_seconds):
            try:
                sync_run(workers=4)
            except Exception:
                log.exception("sync pass failed")
            finally:
                close_old_connections()

    thread = threading.Thread(target=loop, name="sync-outbox", daemon=True)
    thread.start()
    return thread
