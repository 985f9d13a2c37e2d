"""Batch: render many case files into one output folder, for scheduled jobs.

Every case takes the same path as ``cpcdocs render`` (:func:`~cpcdocs.pack.render_pack`: load,
validate, render, audit, publish atomically), and one case's failure is that case's alone: it
is logged and counted, and the batch goes on.

A batch runs in two phases:

1. **Check** every case (cheap: parse, hash, compare with the published manifest). A case whose
   inputs are unchanged since its pack was published is ``unchanged`` and costs no rendering.
   Two files claiming the same case reference both fail here, before either can overwrite the
   other's pack.
2. **Render** the rest: in a pool of forked worker processes (each keeps its warm renderer from
   case to case), in this process with ``--jobs 1``, or on a Dask cluster with ``--scheduler``,
   where workers return the pack's files and this process audits and publishes them.

The batch holds ``OUT/.cpcdocs-batch.lock`` (:mod:`cpcdocs.lock`) throughout, and repairs what
a crashed run left (:func:`cpcdocs.publish.recover`) once, at the start, while it holds it; its
workers then skip that step, so none can tidy away another's staging folder mid-write.

Logs name references, ids and paths only: error messages are built from ids and locations, and
are also scrubbed of every name, address and text found in the case before they are logged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .batch_changes import _check_task, _Checked, check_case
from .batch_dask import DASK_CONNECT_TIMEOUT, _run_dask, dask_render, publish_files
from .batch_inputs import BatchOptions, BatchResult, CaseOutcome, Status, find_cases
from .batch_pool import RECYCLE_AFTER, _Pool, _render_task
from .batch_reporters import JsonReporter, Reporter, RichReporter, TextReporter, make_reporter
from .errors import CpcdocsError, ExitStatus
from .lock import BatchLock
from .log_scrubbing import MAX_ERROR_LINES, safe_message
from .workers import default_jobs

__all__ = [
    "DASK_CONNECT_TIMEOUT",
    "MAX_ERROR_LINES",
    "RECYCLE_AFTER",
    "BatchOptions",
    "BatchResult",
    "CaseOutcome",
    "JsonReporter",
    "Reporter",
    "RichReporter",
    "Status",
    "TextReporter",
    "_Pool",
    "check_case",
    "dask_render",
    "find_cases",
    "make_reporter",
    "publish_files",
    "render_batch",
    "safe_message",
]


def _batch_date(options: BatchOptions) -> dt.date:
    from .pack import issued_date

    return issued_date(options.issued_on)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Systemd stops a unit with SIGTERM: stop like Ctrl-C (workers killed, lock released)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def render_batch(
    inputs: Sequence[str | Path],
    out: str | Path,
    options: BatchOptions | None = None,
    *,
    reporter: Reporter | None = None,
) -> BatchResult:
    """Render every case named by ``inputs`` into ``out``; never stops at a failed case.

    Raises :class:`~cpcdocs.errors.InvalidInput` when an input names nothing (exit 2),
    :class:`~cpcdocs.lock.LockHeld` when another batch holds OUT (exit 1), and a
    :class:`~cpcdocs.errors.CpcdocsError` when the Dask scheduler cannot be reached (exit 1).
    Per-case failures are in the result, whose :attr:`~BatchResult.exit_status` is 1 if any.
    """
    from .publish import recover

    options = options or BatchOptions()
    if options.scheduler and options.sign is not None:
        msg = (
            "--sign-key cannot be used with --scheduler: the chair's key does not leave this "
            "machine. Sign with a local batch."
        )
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
    reporter = reporter or JsonReporter(sys.stderr)
    started = time.perf_counter()
    paths = find_cases(inputs)
    out_dir = Path(out)
    jobs = max(1, options.jobs or default_jobs())
    batch_date = _batch_date(options)
    result = BatchResult()
    outcomes: list[CaseOutcome | None] = [None] * len(paths)

    def report(index: int, outcome: CaseOutcome) -> None:
        outcomes[index] = outcome
        reporter.case(outcome)

    started_reporting = False
    try:
        with BatchLock(out_dir) as lock, _sigterm_as_interrupt():
            result.stale_lock = lock.stale
            recover(out_dir)
            recycle_after = options.recycle_after or RECYCLE_AFTER
            pool = _Pool(jobs, recycle_after) if jobs > 1 and len(paths) > 1 else None
            try:
                if pool is not None:
                    pool.warm()
                reporter.start(len(paths))
                started_reporting = True
                if lock.stale is not None:
                    reporter.event({"event": "lock", "status": "stale", **lock.stale.as_json()})
                _run_phases(paths, out_dir, options, batch_date, pool, report, reporter.event)
            finally:
                if pool is not None:
                    pool.close(kill=sys.exc_info()[0] is not None)
    except KeyboardInterrupt:
        result.interrupted = True
        raise
    finally:
        result.outcomes = [o for o in outcomes if o is not None]
        result.seconds = time.perf_counter() - started
        if started_reporting:
            reporter.finish(result)
    return result


def _run_phases(
    paths: list[Path],
    out: Path,
    options: BatchOptions,
    batch_date: dt.date,
    pool: _Pool | None,
    report: Callable[[int, CaseOutcome], None],
    event: Callable[[dict[str, Any]], None],
) -> None:
    """Check every case, then render those that need it, locally or on Dask."""
    checked = _check_all(paths, out, options, batch_date, pool)
    to_render = _settle_checks(checked, report)
    if not to_render:
        return
    if options.scheduler:
        _run_dask(
            options.scheduler,
            [checked[i] for i in to_render],
            out,
            options,
            batch_date,
            lambda j, outcome: report(to_render[j], outcome),
            event,
        )
        return
    render_options = options.render_options(batch_date)
    items = [(checked[i].path, out, render_options, checked[i].seconds) for i in to_render]
    if pool is None:
        for j, item in enumerate(items):
            report(to_render[j], _render_task(item))
        return
    pool.run(
        _render_task,
        items,
        lambda j, outcome: report(to_render[j], outcome),
        lambda j: CaseOutcome(
            str(items[j][0]),
            checked[to_render[j]].reference,
            "failed",
            error="the worker process rendering this case died",
        ),
    )


def _check_all(
    paths: list[Path],
    out: Path,
    options: BatchOptions,
    batch_date: dt.date,
    pool: _Pool | None,
) -> list[_Checked]:
    """Phase 1 over every file, in the pool when there is one (it is mostly parsing)."""
    items = [(path, out, options, batch_date) for path in paths]
    if pool is None:
        return [_check_task(item) for item in items]
    results: list[_Checked | None] = [None] * len(items)

    def done(index: int, checked: _Checked) -> None:
        results[index] = checked

    def crashed(index: int) -> _Checked:
        path = paths[index]
        outcome = CaseOutcome(str(path), None, "failed", error="the worker checking this died")
        return _Checked(path, None, "failed", 0.0, 0, outcome)

    pool.run(_check_task, items, done, crashed)
    return [r for r in results if r is not None]


def _settle_checks(
    checked: list[_Checked], report: Callable[[int, CaseOutcome], None]
) -> list[int]:
    """Report unchanged and failed cases; fail every file of a reference named twice.

    Returns the indexes of the cases left to render.
    """
    files_by_reference: dict[str, list[int]] = {}
    for index, item in enumerate(checked):
        if item.status != "failed" and item.reference is not None:
            files_by_reference.setdefault(item.reference, []).append(index)
    to_render = []
    for index, item in enumerate(checked):
        clash = files_by_reference.get(item.reference or "", [index])
        if item.status != "failed" and len(clash) > 1:
            others = ", ".join(str(checked[i].path) for i in clash if i != index)
            message = (
                f"case reference {item.reference} is also used by {others}; neither was "
                "rendered and the published pack was left as it was"
            )
            report(
                index,
                CaseOutcome(str(item.path), item.reference, "failed", 0, item.seconds, message),
            )
        elif item.status == "failed":
            assert item.outcome is not None
            report(index, item.outcome)
        elif item.status == "unchanged":
            report(
                index,
                CaseOutcome(
                    str(item.path), item.reference, "unchanged", item.documents, item.seconds
                ),
            )
        else:
            to_render.append(index)
    return to_render
