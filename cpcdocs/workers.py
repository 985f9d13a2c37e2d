"""Forked worker processes: how one pack's files are rendered and audited on every CPU.

Rendering a letter is CPU-bound Python (WeasyPrint's layout, about 150 ms a page of text), so
a pack of 70 files takes ten seconds on one core. :func:`fork_map` spreads a list of such
tasks over forked processes. Forked, not spawned: a worker starts with everything the parent
had already loaded (WeasyPrint imported, stylesheets parsed, fonts loaded, search terms
normalised), inherits the task list instead of unpickling it, and sends back only its result.

A batch puts one case in each worker instead (:mod:`cpcdocs.batch`); a worker never forks
again (:func:`can_fork`), so a batch's packs are rendered with one process each.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .errors import RenderError

__all__ = ["can_fork", "default_jobs", "fork_map", "worker_init"]

T = TypeVar("T")
R = TypeVar("R")

#: What a forked worker inherits: the function and the items (see :func:`fork_map`).
_INHERITED: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def default_jobs() -> int:
    """The CPUs this process may run on (its affinity, as in a container), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    """Fork only where it is safe and allowed: Linux, and not inside a pool worker already.

    (macOS forks badly once system frameworks are loaded; a daemonic pool worker may not have
    children.)
    """
    import multiprocessing

    return sys.platform.startswith("linux") and not multiprocessing.current_process().daemon


def fork_map(function: Callable[[T], R], items: Sequence[T], jobs: int) -> list[R]:
    """``[function(item) for item in items]``, computed by ``jobs`` forked processes.

    In this process when ``jobs`` is 1, there is one item, or forking is not possible. Results
    come back in order and must pickle; ``function`` and ``items`` need not (they are
    inherited). A worker that dies (a crash in a C library, the OOM killer) is a
    :class:`RenderError`, never a hang.
    """
    jobs = min(jobs, len(items))
    if jobs <= 1 or not can_fork():
        return [function(item) for item in items]
    import concurrent.futures as cf
    import multiprocessing

    global _INHERITED
    _INHERITED = (function, items)
    try:
        with cf.ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=multiprocessing.get_context("fork"),
            initializer=worker_init,
        ) as pool:
            return list(pool.map(_call, range(len(items))))
    except cf.process.BrokenProcessPool as err:
        msg = f"a worker process died ({err}); nothing was published"
        raise RenderError(msg) from err
    finally:
        _INHERITED = None


def _call(index: int) -> Any:
    assert _INHERITED is not None, "only called in a worker forked by fork_map"
    function, items = _INHERITED
    return function(items[index])


def worker_init() -> None:
    """Worker set-up: die with the parent process, and leave Ctrl-C to it.

    ``PR_SET_PDEATHSIG`` makes a worker exit when its parent dies, ``kill -9`` included, so an
    orphan can neither keep working after its run is gone nor keep holding an inherited lock
    that a re-run needs.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
            if os.getppid() == 1:  # the parent died before we got here
                os._exit(1)
