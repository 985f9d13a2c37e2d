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

Every failure of the operating system (a read-only, immutable or full output folder) is an
:class:`~cpcdocs.errors.OutputError` (exit 4) raised once nothing half-written is left in
``OUT``; an output path that cannot be a folder at all (it, or a folder above it, is a file)
is the user's to fix: exit 2, from :func:`prepare_out`.

Two runs for the same case may publish at once: names are unique, and a run whose rename finds
the other's fresh pack in place moves it aside and tries again; the last to finish wins.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import time
from pathlib import Path

from .errors import CpcdocsError, ExitStatus, OutputError, os_reason

__all__ = [
    "OLD_PREFIX",
    "STAGING_PREFIX",
    "check_out",
    "discard",
    "prepare_out",
    "publish",
    "recover",
    "stage",
]

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


def check_out(out_dir: str | Path) -> None:
    """Refuse (exit 2) an output path that cannot be a folder, creating nothing.

    For commands that check the path before the case files, so that a mistyped ``-o`` is
    reported as such rather than as whatever the system says when the folder is first written.
    """
    out = Path(out_dir)
    blocker = next((p for p in (out, *out.parents) if p.exists() or p.is_symlink()), None)
    if blocker is not None and not blocker.is_dir():
        raise _not_a_folder(out)


def prepare_out(out_dir: str | Path) -> Path:
    """The output folder, created with its parents if need be.

    Raises a :class:`~cpcdocs.errors.CpcdocsError` with exit status 2 when the path cannot be a
    folder (it, or a folder above it, is a file: a mistake in the command), and an
    :class:`~cpcdocs.errors.OutputError` (exit 4) when the system refuses to create it.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise _not_a_folder(out) from None
    except OSError as err:
        msg = f"{out}: cannot create the output folder: {os_reason(err)}"
        raise OutputError(msg) from err
    if not out.is_dir():  # pragma: no cover - replaced by a file since mkdir
        raise _not_a_folder(out)
    return out


def _not_a_folder(out: Path) -> CpcdocsError:
    """Exit 2, naming the file that stands where a folder must be."""
    blocker = next((p for p in (out, *out.parents) if p.exists() or p.is_symlink()), out)
    if blocker == out:
        why = "it is a file" if out.exists() else "it is a broken link"
    else:
        why = f"{blocker} is a file" if blocker.exists() else f"{blocker} is a broken link"
    return CpcdocsError(f"{out}: cannot be the output folder: {why}", ExitStatus.INVALID_INPUT)


def stage(out_dir: Path, reference: str) -> Path:
    """A new, empty staging folder for the pack ``reference`` inside ``out_dir``.

    Creates ``out_dir`` (:func:`prepare_out`); an :class:`~cpcdocs.errors.OutputError` when
    nothing can be written in it, before anything is rendered.
    """
    _check(reference)
    out_dir = prepare_out(out_dir)
    while True:
        path = out_dir / f"{STAGING_PREFIX}{reference}-{_token()}"
        try:
            path.mkdir()
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
        except OSError as err:
            reason = os_reason(err)
            msg = f"{out_dir}: cannot write in the output folder: {reason}; nothing was written"
            raise OutputError(msg) from err
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
        try:
            _fsync_tree(staging)
        except OSError as err:
            msg = f"{target}: cannot save the new pack to disk: {os_reason(err)}; {_UNCHANGED}"
            raise OutputError(msg) from err
    moved_aside: list[Path] = []
    for _ in range(_ATTEMPTS):
        old = out_dir / f"{OLD_PREFIX}{reference}-{_token()}"
        try:
            os.rename(target, old)
            moved_aside.append(old)
        except FileNotFoundError:
            pass
        except OSError as err:  # an immutable or read-only pack: it stays as it was
            msg = f"{target}: cannot replace the earlier pack: {os_reason(err)}; {_UNCHANGED}"
            raise OutputError(msg) from err
        try:
            os.rename(staging, target)
            break
        except OSError as err:
            if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                msg = f"{target}: cannot move the new pack into place: {os_reason(err)}; "
                raise OutputError(msg + _restore(moved_aside, target)) from err
            # Another run published between our two renames: move its pack aside too.
    else:
        msg = f"{target}: could not publish: other runs keep replacing it; "
        raise OutputError(msg + _restore(moved_aside, target))
    if durable:
        _fsync_dir(out_dir)
    for old in moved_aside:
        shutil.rmtree(old, ignore_errors=True)
    return target


_UNCHANGED = "nothing was published and any earlier pack is unchanged"


def _restore(moved_aside: list[Path], target: Path) -> str:
    """Put the most recent earlier pack back when the new one could not be moved in.

    Returns what became of the earlier pack, to end the error message with.
    """
    if moved_aside and not target.exists():
        try:
            os.rename(moved_aside[-1], target)
        except OSError:  # recover() puts it back at the next render
            return f"nothing was published; the earlier pack is in {moved_aside[-1].name}"
        moved_aside.pop()
    return _UNCHANGED


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
