"""Where a batch tells the operator what happens: JSON lines, plain text, or a progress bar.

:func:`make_reporter` picks one by ``--log-format`` and whether stderr is a terminal.
Split out of :mod:`cpcdocs.batch`, which re-exports these names.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import IO, Any, Protocol

from .batch_inputs import BatchResult, CaseOutcome
from .lock import LockHolder


class Reporter(Protocol):
    """Where a batch tells the operator what is happening."""

    def start(self, total: int) -> None:
        """The batch found ``total`` case files."""

    def event(self, payload: dict[str, Any]) -> None:
        """Something about the batch itself (a stale lock taken over)."""

    def case(self, outcome: CaseOutcome) -> None:
        """One case is finished."""

    def finish(self, result: BatchResult) -> None:
        """The batch is finished."""


class JsonReporter:
    """One JSON object per line, flushed at once: for cron mail, journald and log shippers."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._lock = threading.Lock()  # Dask's warnings arrive from its event-loop thread

    def _write(self, payload: dict[str, Any]) -> None:
        line = json.dumps(payload) + "\n"
        with self._lock:
            self.stream.write(line)
            self.stream.flush()

    def start(self, total: int) -> None:
        """Nothing: the summary carries the totals."""

    def event(self, payload: dict[str, Any]) -> None:
        """Write the event as it is."""
        self._write(payload)

    def case(self, outcome: CaseOutcome) -> None:
        """Write the ``case`` event."""
        self._write(outcome.as_json())

    def finish(self, result: BatchResult) -> None:
        """Write the ``summary`` event."""
        self._write(result.as_json())


class TextReporter:
    """Plain lines, for ``--log-format text`` when stderr is not a terminal."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def start(self, total: int) -> None:
        """Say how many cases were found."""
        self._write(f"batch: {total} case file(s)")

    def event(self, payload: dict[str, Any]) -> None:
        """Say what happened to the lock."""
        self._write(_event_text(payload))

    def case(self, outcome: CaseOutcome) -> None:
        """One line per case."""
        self._write(_case_text(outcome))

    def finish(self, result: BatchResult) -> None:
        """The summary line."""
        self._write(_summary_text(result))


class RichReporter:
    """A progress bar on a terminal: cases done, failures, elapsed time and ETA.

    Failures are printed above the bar as they happen, so nothing needs scrolling back for.
    """

    def __init__(self, stream: IO[str]) -> None:
        from rich.console import Console

        self.console = Console(file=stream, highlight=False)
        self.progress: Any = None
        self.task: Any = None
        self.failed = 0

    def start(self, total: int) -> None:
        """Start the bar."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]cpcdocs batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.progress.start()
        self.task = self.progress.add_task("cases", total=total, failed=0)

    def event(self, payload: dict[str, Any]) -> None:
        """Print the event above the bar."""
        from rich.text import Text

        self.console.print(Text(_event_text(payload), style="yellow"))

    def case(self, outcome: CaseOutcome) -> None:
        """Advance the bar; print failures above it."""
        from rich.text import Text

        if outcome.status == "failed":
            self.failed += 1
            self.console.print(Text(_case_text(outcome), style="red"))
        if self.progress is not None:
            self.progress.update(self.task, advance=1, failed=self.failed)

    def finish(self, result: BatchResult) -> None:
        """Stop the bar and print the summary."""
        if self.progress is not None:
            self.progress.stop()
        self.console.print(_summary_text(result))


def _case_text(outcome: CaseOutcome) -> str:
    ref = outcome.case or "?"
    if outcome.status == "failed":
        return f"failed     {ref} ({outcome.file}): {outcome.error}"
    return (
        f"{outcome.status:<10} {ref} ({outcome.file}): {outcome.documents} files, "
        f"{outcome.seconds:.1f} s"
    )


def _summary_text(result: BatchResult) -> str:
    return (
        f"batch: {result.count('rendered')} rendered, {result.count('unchanged')} unchanged, "
        f"{result.count('failed')} failed in {result.seconds:.1f} s"
    )


def _event_text(payload: dict[str, Any]) -> str:
    if payload.get("event") == "lock" and payload.get("status") == "stale":
        holder = LockHolder(payload.get("pid"), payload.get("host"), payload.get("started"))
        return f"batch: took over a stale lock left by {holder.describe()}"
    return json.dumps(payload)


def make_reporter(log_format: str | None, stream: IO[str] | None = None) -> Reporter:
    """``json``, ``text``, or (None) a progress bar on a terminal and JSON lines otherwise."""
    stream = stream if stream is not None else sys.stderr
    tty = bool(getattr(stream, "isatty", lambda: False)())
    if log_format == "json" or (log_format is None and not tty):
        return JsonReporter(stream)
    if tty:
        return RichReporter(stream)
    return TextReporter(stream)
