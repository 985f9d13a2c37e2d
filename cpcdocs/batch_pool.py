"""A batch's local render: a fork-based pool of warm workers that survives a crash, recycled.

:class:`_Pool` runs the checks and renders of a local batch, retrying the cases in flight
when a worker dies and replacing each worker after :data:`RECYCLE_AFTER` cases.
Split out of :mod:`cpcdocs.batch`, which re-exports these names.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ._compat.futures import kill_workers
from .batch_inputs import CaseOutcome
from .log_scrubbing import _failure, _reference_of
from .pack import RenderOptions
from .workers import release_memory, worker_init


def _render_task(args: tuple[Path, Path, RenderOptions, float]) -> CaseOutcome:
    """Render one case in a worker (or in-process with ``--jobs 1``); never raises."""
    from .pack import render_pack

    path, out, options, checked_seconds = args
    start = time.perf_counter()
    try:
        result = render_pack(path, out, options, recover=False)
    except Exception as err:
        seconds = checked_seconds + time.perf_counter() - start
        ref = _reference_of(path)
        return _failure(path, ref, err, seconds)
    finally:
        release_memory()
    return CaseOutcome(
        file=str(path),
        case=result.reference,
        status="rendered",
        documents=result.files,
        seconds=checked_seconds + time.perf_counter() - start,
    )


#: Cases (checks and renders) a batch worker process handles before a fresh one replaces it.
#: The bound on what a worker can accumulate that does not depend on any fix inside a library
#: (WeasyPrint's font-name leak, see :mod:`cpcdocs._compat.weasyprint`): whatever a worker
#: keeps, it keeps for at most this many cases. A new worker costs a fork and a cold first
#: case (about a second), so 50 cases of a few seconds each pay well under 1% for it.
RECYCLE_AFTER = 50


def _tagged(fn: Callable[[Any], Any], item: Any) -> tuple[int, Any]:
    """``fn(item)`` with the worker's pid, so that the pool can count each worker's cases."""
    return os.getpid(), fn(item)


class _Pool:
    """A fork-based process pool that survives a worker dying mid-case and recycles workers.

    ``ProcessPoolExecutor`` turns one dead worker (a segfault in a C library, the OOM killer)
    into a broken pool that fails every queued case. Here at most ``jobs`` cases are in flight;
    when the pool breaks, the cases that were in flight are retried after the others, one at a
    time, so that the one that kills its worker is identified and fails alone.

    No worker handles more than ``recycle_after`` cases: before a case could go to a worker
    that might reach that many, the executor is retired (its cases in flight finish, then its
    workers exit) and a fresh one forked for the next cases. The standard library's own
    ``max_tasks_per_child`` refuses the fork start method, which the warm workers need.
    """

    def __init__(self, jobs: int, recycle_after: int = RECYCLE_AFTER) -> None:
        self.jobs = jobs
        self.recycle_after = max(1, recycle_after)
        self._executor: cf.ProcessPoolExecutor | None = None
        #: The executor each case in flight was given to (the current one, or a retired one).
        self._owner: dict[cf.Future[Any], cf.ProcessPoolExecutor] = {}
        #: Cases finished by each worker of the current executor, by pid.
        self._finished: dict[int, int] = {}
        self._retired: list[cf.ProcessPoolExecutor] = []

    def _fresh(self) -> cf.ProcessPoolExecutor:
        if self._executor is None:
            method = "fork" if sys.platform.startswith("linux") else None
            context = multiprocessing.get_context(method)
            self._executor = cf.ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=context, initializer=worker_init
            )
            self._finished = {}
        return self._executor

    def warm(self) -> None:
        """Fork the workers now, before this process starts any thread (the progress bar's)."""
        self._fresh().submit(int).result()

    def _submit(self, fn: Callable[[Any], Any], item: Any) -> cf.Future[Any]:
        """Give ``fn(item)`` to a worker that stays within ``recycle_after`` cases."""
        current = self._executor
        if current is not None:
            in_flight = sum(1 for owner in self._owner.values() if owner is current)
            # Every case in flight could end up in the busiest worker: keep it within the bound.
            if max(self._finished.values(), default=0) + in_flight >= self.recycle_after:
                current.shutdown(wait=False)  # its cases in flight finish, then its workers exit
                self._retired.append(current)
                self._executor = None
        executor = self._fresh()
        future = executor.submit(_tagged, fn, item)
        self._owner[future] = executor
        return future

    def _result(self, future: cf.Future[Any]) -> Any:
        """The case's result (or its exception); counts it against the worker that ran it."""
        executor = self._owner.pop(future, None)
        retired = executor is not None and executor is not self._executor
        if retired and not any(owner is executor for owner in self._owner.values()):
            assert executor is not None
            executor.shutdown(wait=True)  # idle: its workers have exited or are exiting
            self._retired = [e for e in self._retired if e is not executor]
        pid, result = future.result()
        if executor is self._executor:
            self._finished[pid] = self._finished.get(pid, 0) + 1
        return result

    def run(
        self,
        fn: Callable[[Any], Any],
        items: Sequence[Any],
        on_done: Callable[[int, Any], None],
        on_crash: Callable[[int], Any],
    ) -> None:
        """Call ``fn(items[i])`` for each item; ``on_done(i, result)`` in completion order.

        ``on_crash(i)`` makes the result for an item whose worker died while it ran alone,
        after a first death among others made it a suspect.
        """
        queue = list(range(len(items)))
        suspects: list[int] = []
        struck: set[int] = set()
        running: dict[cf.Future[Any], int] = {}
        while queue or suspects or running:
            if queue:
                while len(running) < self.jobs and queue:
                    index = queue.pop(0)
                    running[self._submit(fn, items[index])] = index
            elif suspects and not running:
                index = suspects.pop(0)
                running[self._submit(fn, items[index])] = index
            alone = len(running) == 1
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            broken = False
            for future in done:
                index = running.pop(future)
                try:
                    result = self._result(future)
                except cf.process.BrokenProcessPool:
                    broken = True
                    if index in struck and alone:
                        on_done(index, on_crash(index))
                    else:
                        struck.add(index)
                        suspects.append(index)
                    continue
                on_done(index, result)
            if broken:
                struck.update(running.values())
                suspects.extend(running.values())
                running.clear()
                self.close(kill=True)

    def close(self, *, kill: bool = False) -> None:
        """Stop the workers; with ``kill``, without waiting for cases in flight."""
        executors = [*self._retired, *([self._executor] if self._executor else [])]
        for executor in executors:
            if kill:
                kill_workers(executor)
            executor.shutdown(wait=not kill, cancel_futures=True)
        self._executor = None
        self._retired = []
        self._owner = {}
