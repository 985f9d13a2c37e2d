"""One exception family, one exit status table.

Every failure a user can cause or meet is a :class:`CpcdocsError` carrying the message to print
and the exit status to leave with, so ``cli.py`` catches exactly one class and never shows a
traceback unless ``--debug`` asks for it (copier's ``UserMessageError``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "CpcdocsError",
    "ExitStatus",
    "InvalidInput",
    "LeakFound",
    "OutputError",
    "Problem",
    "RenderError",
    "os_reason",
]


class ExitStatus(IntEnum):
    """Exit statuses, as the case-format contract defines them."""

    OK = 0
    FINDINGS = 1
    INVALID_INPUT = 2
    LEAK = 3
    RENDER_ERROR = 4


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located precisely enough to fix without searching."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class CpcdocsError(Exception):
    """Base class: a message for the user and the exit status that goes with it."""

    exit_status: ExitStatus = ExitStatus.RENDER_ERROR

    def __init__(self, message: str, exit_status: ExitStatus | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_status is not None:
            self.exit_status = exit_status

    def lines(self) -> list[str]:
        """The lines to print on stderr, one problem per line."""
        return self.message.splitlines() or [self.message]


class InvalidInput(CpcdocsError):
    """A case or authority file that cannot be used; carries every problem found in it."""

    exit_status = ExitStatus.INVALID_INPUT

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column, p.path))
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        """One line per problem, in file order."""
        return [str(p) for p in self.problems]


class RenderError(CpcdocsError):
    """A template or rendering failure: the pack was not published."""

    exit_status = ExitStatus.RENDER_ERROR


class LeakFound(CpcdocsError):
    """The audit found withheld information in a rendered file: nothing is published."""

    exit_status = ExitStatus.LEAK


class OutputError(CpcdocsError):
    """The operating system refused to write the pack or the batch lock: exit 4.

    A read-only or immutable folder, a full disk, a missing permission. Raised only once
    whatever was half-written has been removed, so the message can promise that an earlier pack
    is as it was. A path that cannot be a folder at all is the user's mistake instead, an
    exit 2 :class:`CpcdocsError`.
    """

    exit_status = ExitStatus.RENDER_ERROR


def os_reason(err: OSError) -> str:
    """``No space left on device`` from an OSError, without the ``[Errno 28]`` noise."""
    return err.strerror or str(err) or type(err).__name__
