"""``concurrent.futures`` internals: the worker processes of a ``ProcessPoolExecutor``.

Tested with CPython 3.11 (:data:`GATE`). A pool broken by one dead worker must not wait for
the cases still running in its other workers (they are retried one by one), so they are
killed; the executor keeps its processes in the private ``_processes`` mapping and has no
public way to kill them. Fallback: they are not killed, and the pool shuts down without
waiting for them (each dies with cpcdocs, see :func:`cpcdocs.workers.worker_init`).
"""

from __future__ import annotations

import contextlib
from typing import Any

from . import Gate

__all__ = ["GATE", "kill_workers"]

GATE = Gate("Python (concurrent.futures)", "python", ">=3.11,<3.12")


def kill_workers(executor: Any) -> int:
    """Kill every worker process of a ``ProcessPoolExecutor``; how many were signalled."""
    fallback = "a broken pool's remaining workers are left to finish rather than killed"
    if not GATE.supported(fallback):
        return 0
    processes = getattr(executor, "_processes", None)
    if not isinstance(processes, dict):
        GATE.missing("ProcessPoolExecutor._processes", fallback)
        return 0
    killed = 0
    for process in list(processes.values()):
        with contextlib.suppress(Exception):
            process.kill()
            killed += 1
    return killed
