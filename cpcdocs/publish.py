"""Publish stage: a pack appears whole, or the earlier one stays exactly as it was.

A pack is written into a staging folder *beside* its destination (``OUT/.staging-<ref>-<random>``,
so the final move is a rename on one filesystem), audited there, and only then moved into place:

1. ``OUT/<ref>`` (if any) is renamed to ``OUT/.old-<ref>-<random>``;
2. the staging folder is renamed to ``OUT/<ref>``;
3. the old pack is deleted.

Each rename is atomic, so a reader sees the old pack, briefly no pack, or the new pack; never a
mixture. A render that fails is :func:`discard`\\ ed and ``OUT/<ref>`` is never touched.

Recovery: a crash between steps 1 and 2 leaves no ``OUT/<ref>`` and an ``.old-<ref>-*`` folder
holding the previous pack. :func:`recover` (run at the start of every ``render``) puts it back,
deletes ``.old-`` folders whose pack was replaced (a crash between steps 2 and 3) and staging
folders left by crashed runs once they are an hour old (younger ones may belong to a run still
going; a batch holding the output folder's lock clears them all). By hand, the same:
``mv OUT/.old-<ref>-* OUT/<ref>`` when ``OUT/<ref>`` is missing.

Two runs for the same case may publish at once: names are unique, and a run whose rename finds
the other's fresh pack in place moves it aside and tries again; the last to finish wins.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import time
from pathlib import Path

__all__ = ["OLD_PREFIX", "STAGING_PREFIX", "discard", "publish", "recover", "stage"]

STAGING_PREFIX = ".staging-"
OLD_PREFIX = ".old-"
#: Staging folders older than this (seconds) belong to a crashed run and are removed.
STALE_AFTER = 3600
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_TOKEN_BYTES = 6
_ATTEMPTS = 8


def _check(reference: str) -> None:
    if not _REFERENCE.match(reference):
        msg = f"not a safe pack folder name: {reference!r}"
        raise ValueError(msg)


def _token() -> str:
    return secrets.token_hex(_TOKEN_BYTES)


def stage(out_dir: Path, reference: str) -> Path:
    """A new, empty staging folder for the pack ``reference`` inside ``out_dir``."""
    _check(reference)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    while True:
        path = out_dir / f"{STAGING_PREFIX}{reference}-{_token()}"
        try:
            path.mkdir()
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
        return path


def publish(staging: Path, out_dir: Path, reference: str, *, durable: bool = True) -> Path:
    """Move a complete staging folder to ``out_dir/reference``, replacing any earlier pack.

    With ``durable`` (the default) every file and folder is fsynced first, so after a power
    cut the folder holds either the whole old pack or the whole new one.

    Returns:
        The published pack folder.
    """
    _check(reference)
    staging, out_dir = Path(staging), Path(out_dir)
    target = out_dir / reference
    if staging.parent.resolve() != out_dir.resolve():
        msg = f"{staging} is not beside {target}: it cannot be renamed into place atomically"
        raise ValueError(msg)
    if durable:
        _fsync_tree(staging)
    moved_aside: list[Path] = []
    for _ in range(_ATTEMPTS):
        old = out_dir / f"{OLD_PREFIX}{reference}-{_token()}"
        try:
            os.rename(target, old)
            moved_aside.append(old)
        except FileNotFoundError:
            pass
        try:
            os.rename(staging, target)
            break
        except OSError as err:
            if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                _restore(moved_aside, target)
                raise
            # Another run published between our two renames: move its pack aside too.
    else:
        _restore(moved_aside, target)
        msg = f"could not publish {target}: other runs keep replacing it"
        raise OSError(msg)
    if durable:
        _fsync_dir(out_dir)
    for old in moved_aside:
        shutil.rmtree(old, ignore_errors=True)
    return target


def _restore(moved_aside: list[Path], target: Path) -> None:
    """Put the most recent earlier pack back when the new one could not be moved in."""
    if moved_aside and not target.exists():
        with contextlib.suppress(OSError):  # if this fails too, recover() will find it
            os.rename(moved_aside.pop(), target)


def discard(staging: Path) -> None:
    """Remove a staging folder after a failed render or audit."""
    shutil.rmtree(staging, ignore_errors=True)


def recover(
    out_dir: Path, *, stale_after: float = STALE_AFTER, now: float | None = None
) -> list[str]:
    """Repair what a crashed run left in ``out_dir``; a line saying what was done, for each thing.

    Restores ``OUT/<ref>`` from ``.old-<ref>-*`` when the pack is missing (the newest one if
    several), deletes ``.old-`` folders whose pack is in place, and deletes staging folders
    older than ``stale_after`` seconds (an hour: a younger one may belong to a run still
    going). A caller that holds the output folder's lock knows no other run is writing and
    passes ``stale_after=0`` to clear every staging folder.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return []
    now = time.time() if now is None else now
    done: list[str] = []
    olds: dict[str, list[Path]] = {}
    for path in out_dir.glob(f"{OLD_PREFIX}*"):
        reference = _reference_of(path.name, OLD_PREFIX)
        if reference is not None and path.is_dir():
            olds.setdefault(reference, []).append(path)
    for reference, paths in sorted(olds.items()):
        target = out_dir / reference
        paths.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
        if not target.exists():
            try:
                os.rename(paths[0], target)
                done.append(f"restored {target} from {paths[0].name}")
                paths = paths[1:]
            except OSError:  # pragma: no cover - a concurrent run got there first
                pass
        for path in paths:
            shutil.rmtree(path, ignore_errors=True)
            done.append(f"removed {path.name}")
    for path in out_dir.glob(f"{STAGING_PREFIX}*"):
        try:
            age = now - path.stat().st_mtime
        except FileNotFoundError:  # pragma: no cover - a concurrent run published it
            continue
        if path.is_dir() and age >= stale_after:
            shutil.rmtree(path, ignore_errors=True)
            done.append(f"removed stale {path.name}")
    return done


def _reference_of(name: str, prefix: str) -> str | None:
    """``.old-NM-2026-0412-<hex>`` → ``NM-2026-0412``."""
    rest = name[len(prefix) :]
    reference, _, token = rest.rpartition("-")
    if not reference or not re.fullmatch(r"[0-9a-f]+", token) or not _REFERENCE.match(reference):
        return None
    return reference


def _fsync_tree(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(folder))


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse fsync on directories
        pass
    finally:
        os.close(fd)
