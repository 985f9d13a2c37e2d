"""One batch at a time per output folder: ``OUT/.cpcdocs-batch.lock``.

Two batches publishing into the same OUT would each be safe file by file (publishing is atomic)
but could interleave two versions of the same case and race on clean-up, so a batch holds an
exclusive lock on OUT for as long as it runs.

The lock is an ``flock`` on the lock file, not the file's existence: the kernel drops it the
moment its holder dies, ``kill -9`` included, so a lock left behind by a dead batch is simply
free and is taken over without anyone guessing whether a pid is still alive (pids are reused;
hosts sharing OUT over NFS cannot see each other's pids). The file also carries the holder's
pid, host and start time so that the refusal message tells the operator who holds it, and so
that a takeover can say whose stale lock it replaced.

The file is removed when a batch ends cleanly; one found at start therefore means a batch is
running or one died. Removal races with a newcomer that opened the old file, so after locking,
the holder checks that the path still names the file it locked, and retries if not.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

from .errors import CpcdocsError, ExitStatus, OutputError, os_reason

__all__ = ["LOCK_NAME", "BatchLock", "LockHeld", "LockHolder"]

LOCK_NAME = ".cpcdocs-batch.lock"


@dataclass(frozen=True)
class LockHolder:
    """Who wrote a lock file: enough for an operator to find the process."""

    pid: int | None
    host: str | None
    started: str | None

    @classmethod
    def parse(cls, text: str) -> LockHolder | None:
        """The holder recorded in a lock file, or None when it is empty or unreadable."""
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        pid = data.get("pid")
        return cls(
            pid=pid if isinstance(pid, int) else None,
            host=str(data["host"]) if data.get("host") else None,
            started=str(data["started"]) if data.get("started") else None,
        )

    def describe(self) -> str:
        """``pid 123 on host-a, started 2026-11-22T02:00:00+00:00``."""
        parts = [f"pid {self.pid}" if self.pid is not None else "an unknown process"]
        if self.host:
            parts.append(f"on {self.host}")
        text = " ".join(parts)
        return f"{text}, started {self.started}" if self.started else text

    def as_json(self) -> dict[str, Any]:
        """For the ``lock`` event of the JSON log."""
        return {"pid": self.pid, "host": self.host, "started": self.started}


class LockHeld(CpcdocsError):
    """Another batch is writing this OUT: exit 1, nothing was touched."""

    exit_status = ExitStatus.FINDINGS


class BatchLock:
    """Exclusive lock on an output folder for the lifetime of one batch.

    Use as a context manager; :attr:`stale` is the holder of a lock file found abandoned (its
    process died without removing it) and taken over, or None.
    """

    def __init__(self, out: str | Path) -> None:
        self.path = Path(out) / LOCK_NAME
        self.stale: LockHolder | None = None
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`LockHeld` naming the batch that has it.

        The lock file is the batch's first write to OUT, so an output folder that cannot be
        written (read-only, immutable, full) fails here, with nothing done: an
        :class:`~cpcdocs.errors.OutputError` (exit 4); an output path that cannot be a folder
        is exit 2 (:func:`cpcdocs.publish.prepare_out`).
        """
        from .publish import prepare_out

        prepare_out(self.path.parent)
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as err:
                self._fail("create", err)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                text = _read(fd)
                os.close(fd)
                if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    self._fail("lock", err)
                holder = LockHolder.parse(text) or LockHolder(None, None, None)
                msg = (
                    f"{self.path.parent}: another cpcdocs batch is writing here "
                    f"({holder.describe()}); nothing was done. Run again when it has finished."
                )
                raise LockHeld(msg) from None
            if _same_file(fd, self.path):
                break
            # The previous holder removed the file between our open and our lock: retry on
            # the new one, or two batches would each hold a lock on a different inode.
            os.close(fd)
        self._fd = fd
        previous = _read(fd)
        self.stale = LockHolder.parse(previous) if previous.strip() else None
        if previous.strip() and self.stale is None:
            self.stale = LockHolder(None, None, None)
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
            os.fsync(fd)
        except OSError as err:
            # Holding the lock, the file is ours to remove: no half-written lock is left.
            with contextlib.suppress(OSError):
                self.release()
            self._fail("write", err)

    def _fail(self, doing: str, err: OSError) -> NoReturn:
        """``OUT/.cpcdocs-batch.lock: cannot write the batch lock: No space left on device``."""
        reason = os_reason(err)
        msg = f"{self.path}: cannot {doing} the batch lock: {reason}; nothing was done"
        raise OutputError(msg) from err

    def release(self) -> None:
        """Remove the file while still holding the lock, then drop the lock."""
        if self._fd is None:
            return
        try:
            if _same_file(self._fd, self.path):
                self.path.unlink()
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> BatchLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read(fd: int) -> str:
    try:
        return os.pread(fd, 4096, 0).decode("utf-8", "replace")
    except OSError:
        return ""


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = path.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (on_disk.st_dev, on_disk.st_ino)
