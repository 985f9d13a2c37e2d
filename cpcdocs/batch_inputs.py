"""A batch's options, its per-case outcome and result, and the case files its inputs name.

:class:`BatchOptions` says how to run a batch, :class:`CaseOutcome` is one line of its log,
:class:`BatchResult` every case's outcome; :func:`find_cases` turns files, folders and globs
into case files. Split out of :mod:`cpcdocs.batch`, which re-exports these names.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import ExitStatus
from .lock import LockHolder
from .pack import RenderOptions

Status = Literal["rendered", "unchanged", "failed"]


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch; :class:`~cpcdocs.pack.RenderOptions` says what each pack holds.

    ``issued_on`` is ``--date``: given, every pack must carry it (a pack dated otherwise is
    re-rendered); absent, a pack whose inputs are unchanged keeps the date it was first issued
    with, and a new or changed pack is dated today (or ``SOURCE_DATE_EPOCH``).
    """

    jobs: int | None = None
    scheduler: str | None = None
    force: bool = False
    authority: str | Path | None = None
    templates: str | Path | None = None
    issued_on: dt.date | None = None
    #: ``--sign-key``: a :class:`~cpcdocs.sign.SignConfig`; local runs only (the key stays here).
    sign: Any = None
    #: Cases a local worker process handles before it is replaced (None: ``RECYCLE_AFTER``).
    recycle_after: int | None = None

    def render_options(self, as_of: dt.date) -> RenderOptions:
        """The options every pack of this batch is rendered with, taking ``as_of`` as today.

        ``--date`` (``issued_on``) is passed on as an explicit issue date; without it each
        stage's date is resolved as ``render`` resolves it, as of the batch's day.
        """
        return RenderOptions(
            authority=self.authority,
            templates=self.templates,
            issued_on=self.issued_on,
            sign=self.sign,
            as_of=as_of,
        )


@dataclass(frozen=True)
class CaseOutcome:
    """One line of the log: what happened to one case file."""

    file: str
    case: str | None
    status: Status
    documents: int = 0
    seconds: float = 0.0
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The ``case`` event of the JSON log."""
        return {
            "event": "case",
            "case": self.case,
            "file": self.file,
            "status": self.status,
            "documents": self.documents,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


@dataclass
class BatchResult:
    """Every case's outcome, in input order, and the batch's wall time."""

    outcomes: list[CaseOutcome] = field(default_factory=list)
    seconds: float = 0.0
    stale_lock: LockHolder | None = None
    #: Stopped by Ctrl-C or SIGTERM: the cases not listed were not finished.
    interrupted: bool = False

    def count(self, status: Status) -> int:
        """How many cases ended with ``status``."""
        return sum(o.status == status for o in self.outcomes)

    @property
    def exit_status(self) -> ExitStatus:
        """0 when every case succeeded (rendered or unchanged), 1 when any failed."""
        return ExitStatus.FINDINGS if self.count("failed") else ExitStatus.OK

    def as_json(self) -> dict[str, Any]:
        """The ``summary`` event of the JSON log (``interrupted`` only when it was)."""
        summary: dict[str, Any] = {
            "event": "summary",
            "rendered": self.count("rendered"),
            "unchanged": self.count("unchanged"),
            "failed": self.count("failed"),
            "seconds": round(self.seconds, 3),
        }
        if self.interrupted:
            summary["interrupted"] = True
        return summary


# -- inputs ---------------------------------------------------------------------------------------


def _has_magic(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _walk_folder(folder: Path) -> Iterator[Path]:
    """Every ``*.yaml`` below ``folder``, skipping hidden entries and ``authorities/`` folders.

    ``authorities/<name>.yaml`` beside a case is that case's authority profile (the lookup
    order of the contract), not a case; hidden folders hold staging and editor files.
    """
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "authorities")
        for name in sorted(files):
            if name.endswith(".yaml") and not name.startswith("."):
                yield Path(root) / name


def find_cases(inputs: Iterable[str | Path]) -> list[Path]:
    """The case files named by ``inputs``: files, folders (recursively) and quoted globs.

    Each file appears once, in the order first named. A path that does not exist, or a glob
    that matches nothing, is an error (exit 2) rather than an empty batch: a nightly job
    pointed at an unmounted share must fail loudly. An existing empty folder is fine.
    """
    from .errors import InvalidInput, Problem

    found: list[Path] = []
    seen: set[Path] = set()
    problems: list[Problem] = []

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            found.append(path)

    for item in inputs:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            for case in _walk_folder(path):
                add(case)
        elif path.is_file():
            add(path)
        elif _has_magic(text):
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                problems.append(Problem(text, 1, 1, "", "no file matches this pattern"))
            for match in matches:
                candidate = Path(match)
                if candidate.is_dir():
                    for case in _walk_folder(candidate):
                        add(case)
                elif candidate.is_file() and candidate.suffix == ".yaml":
                    add(candidate)
        else:
            problems.append(Problem(text, 1, 1, "", "no such file or folder"))
    if problems:
        raise InvalidInput(problems)
    return found
