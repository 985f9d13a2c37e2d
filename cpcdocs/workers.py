"""Forked worker processes: how one pack's files are rendered and audited on every CPU.

Rendering a letter is CPU-bound Python (WeasyPrint's layout, about 150 ms a page of text), so
a pack of 70 files takes ten seconds on one core. :func:`fork_map` spreads a list of such
tasks over forked processes. Forked, not spawned: a worker starts with everything the parent
had already loaded (WeasyPrint imported, stylesheets parsed, fonts loaded, search terms
normalised), inherits the task list instead of unpickling it, and sends back only its result.

A batch puts one case in each worker instead (:mod:`cpcdocs.batch`); a worker never forks
again, and nor does a process with other threads running (:func:`can_fork`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .errors import RenderError

__all__ = [
    "can_fork",
    "default_jobs",
    "fork_map",
    "own_std_streams",
    "release_memory",
    "worker_init",
]

T = TypeVar("T")
R = TypeVar("R")

#: True in a worker process started by cpcdocs (:func:`worker_init`).
_IN_WORKER = False
#: What a forked worker inherits: the function and the items (see :func:`fork_map`).
_INHERITED: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def default_jobs() -> int:
    """The CPUs this process may run on (its affinity, as in a container), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    """Fork only where it is safe: Linux, one thread, and not inside a worker already.

    A process with other threads (a web server, a Dask client, a test runner's I/O thread)
    can fork while one of them holds a lock the child then waits on for ever, so it renders
    in one process instead. macOS forks badly once system frameworks are loaded. A worker
    (of a batch, or of :func:`fork_map`) does its one task in one process.
    """
    import multiprocessing
    import threading

    return (
        sys.platform.startswith("linux")
        and not _IN_WORKER
        and not multiprocessing.current_process().daemon
        and threading.active_count() == 1
    )


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


def release_memory() -> None:
    """Collect garbage and give freed heap back to the operating system (glibc's malloc_trim).

    Called by a batch worker after each case. Rendering allocates and frees a great deal in C
    (Pango, HarfBuzz, lxml, PDFium) as well as in Python; glibc keeps freed pages for reuse,
    fragmented, so a worker's resident size crept up case after case from fragmentation
    alone. (What a library truly keeps is not returned this way: see the ``::marker`` rule,
    :func:`~cpcdocs._compat.weasyprint.install_font_name_fix`, and the batch pool's worker
    recycling, which bounds whatever is left.) Trimming after each case costs a few
    milliseconds in a case of seconds.
    """
    import gc

    gc.collect()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL("libc.so.6").malloc_trim(0)


def worker_init() -> None:
    """Worker set-up: die with the parent process, leave Ctrl-C to it, own stdout and stderr.

    ``PR_SET_PDEATHSIG`` makes a worker exit when its parent dies, ``kill -9`` included, so an
    orphan can neither keep working after its run is gone nor keep holding an inherited lock
    that a re-run needs. See :func:`own_std_streams` for the streams.
    """
    global _IN_WORKER
    _IN_WORKER = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    own_std_streams()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
            if os.getppid() == 1:  # the parent died before we got here
                os._exit(1)


def own_std_streams() -> None:
    """Give this forked process ``sys.stdout`` and ``sys.stderr`` objects of its own.

    A batch forks fresh workers while it runs (worker recycling, a broken pool), when the
    parent may have other threads: the progress bar's, which writes to the terminal ten times
    a second. A thread that held a stream's lock at the moment of the fork holds it for ever
    in the child, and the child's first warning would then wait on it for ever. New stream
    objects over duplicates of the same file descriptors have locks of their own; the old
    objects are left untouched (flushing one could be the very wait this avoids). Streams
    without a file descriptor (a test runner's capture) are left as they are.
    """
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name, None)
        if stream is None:
            continue
        try:
            descriptor = os.dup(stream.fileno())
        except (AttributeError, OSError, ValueError):
            continue
        own = open(  # noqa: SIM115 - the process's stream, open for its whole life
            descriptor,
            "w",
            buffering=1,
            encoding=getattr(stream, "encoding", None) or "utf-8",
            errors=getattr(stream, "errors", None) or "backslashreplace",
            closefd=True,
        )
        setattr(sys, name, own)
