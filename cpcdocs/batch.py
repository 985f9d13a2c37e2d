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

import concurrent.futures as cf
import contextlib
import datetime as dt
import glob
import hashlib
import json
import multiprocessing
import os
import re
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal, Protocol

from . import __version__
from ._compat.futures import kill_workers
from .errors import CpcdocsError, ExitStatus
from .lock import BatchLock, LockHolder
from .pack import MANIFEST, RenderOptions
from .workers import default_jobs, release_memory, worker_init

__all__ = [
    "BatchOptions",
    "BatchResult",
    "CaseOutcome",
    "JsonReporter",
    "Reporter",
    "check_case",
    "dask_render",
    "find_cases",
    "make_reporter",
    "publish_files",
    "render_batch",
    "safe_message",
]

Status = Literal["rendered", "unchanged", "failed"]

#: Longest error message logged for one case; the rest is summarised as a count.
MAX_ERROR_LINES = 8
#: How long to keep trying to reach a Dask scheduler before giving up (exit 1).
DASK_CONNECT_TIMEOUT = "15s"
_SAFE_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


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


# -- keeping names out of logs --------------------------------------------------------------------


def _sensitive_strings(case_path: Path) -> list[str]:
    """Every name, address line and free text in a case file, longest first.

    Error messages are built from ids, rules and locations, never from values; this list is
    the second line of defence, applied to every message before it is logged, so that a
    library's exception text quoting a value cannot carry it into a log. Slugs (ids, enum
    values, tags) and the case reference are allowed in logs and are not collected.
    """
    from .load import load_yaml

    try:
        data = load_yaml(case_path).data
    except Exception:  # unreadable: its messages come from the loader, which quotes nothing
        return []
    reference = ""
    if isinstance(data, dict) and isinstance(data.get("case"), dict):
        reference = str(data["case"].get("reference") or "")
    found: set[str] = set()

    def walk(node: Any, key: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, str(k))
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str):
            text = node.strip()
            if not text or text == reference or _SLUG.match(text):
                return
            found.add(text)
            if key in {"name", "title"}:
                found.update(w.strip(",.") for w in re.split(r"[\s\-]+", text) if len(w) >= 3)
            found.update(line.strip() for line in text.splitlines() if len(line.strip()) >= 8)

    walk(data, "")
    return sorted((s for s in found if len(s) >= 2), key=len, reverse=True)


def safe_message(message: str, case_path: Path | None, shown_path: str | None = None) -> str:
    """``message`` on one line, at most :data:`MAX_ERROR_LINES` problems, values redacted.

    ``shown_path`` replaces ``case_path`` in the text (a Dask worker renders a temporary copy
    of the case but reports the client's path). Paths are allowed in logs and are protected
    from redaction.
    """
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if len(lines) > MAX_ERROR_LINES:
        lines = [*lines[:MAX_ERROR_LINES], f"(and {len(lines) - MAX_ERROR_LINES} more)"]
    text = " | ".join(lines)
    if case_path is None:
        return text
    shown = shown_path if shown_path is not None else str(case_path)
    placeholder = "\x00CASEPATH\x00"
    for variant in {str(case_path), str(case_path.resolve()), shown}:
        if variant:
            text = text.replace(variant, placeholder)
    for value in _sensitive_strings(case_path):
        if len(value) < 6 and value[:1].isupper():
            text = re.sub(rf"\b{re.escape(value)}\b", "[redacted]", text)
        else:
            text = text.replace(value, "[redacted]")
    return text.replace(placeholder, shown)


def _failure(
    path: Path, reference: str | None, err: BaseException, seconds: float, shown: str | None = None
) -> CaseOutcome:
    if isinstance(err, CpcdocsError):
        message = err.message
    else:  # a bug or a library failure: its type, and its text only after redaction
        message = f"internal error: {type(err).__name__}: {err}"
    return CaseOutcome(
        file=shown if shown is not None else str(path),
        case=reference,
        status="failed",
        seconds=seconds,
        error=safe_message(message, path, shown),
    )


def _reference_of(path: Path) -> str | None:
    """The case reference of a file that may be invalid, when it has a safe one."""
    from .load import load_yaml

    try:
        data = load_yaml(path).data
        value = data["case"]["reference"]
    except Exception:
        return None
    return value if isinstance(value, str) and _SAFE_REFERENCE.match(value) else None


# -- phase 1: is the published pack up to date? ---------------------------------------------------


@dataclass(frozen=True)
class _Checked:
    """The check phase's verdict on one case file."""

    path: Path
    reference: str | None
    status: Literal["render", "unchanged", "failed"]
    seconds: float
    documents: int = 0
    outcome: CaseOutcome | None = None
    #: The resolved authority profile file (Dask ships it to the workers).
    authority_file: str | None = None


_AUTHORITIES: dict[tuple[str, int, int], Any] = {}


def _authority(path: Path) -> Any:
    """Load an authority profile once per process (per file version): 200 cases, 1 profile."""
    from .load import load_authority

    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _AUTHORITIES:
        _AUTHORITIES[key] = load_authority(path)
    return _AUTHORITIES[key]


_CASE_BLOCK = re.compile(r"^case:[ \t]*(?:#[^\n]*)?\n((?:(?:[ \t]+[^\n]*|[ \t]*)\n)*)", re.M)


def _case_key(block: str, key: str) -> str | None:
    found = re.search(
        rf"^[ \t]+{key}:[ \t]*([\"']?)([A-Za-z0-9][A-Za-z0-9_-]*)\1[ \t]*(?:#.*)?$", block, re.M
    )
    return found.group(2) if found else None


def _quick_parse(data: bytes) -> tuple[str | None, str | None]:
    """(reference, authority name) read from the ``case:`` block's text, parsing no YAML.

    Only a hint for finding the published manifest: it is trusted only when the manifest's
    input hash matches these exact bytes (see :func:`check_case`). Not a YAML parse on purpose:
    PyYAML's own loader expands merge keys, and a merge-key bomb would take minutes and
    gigabytes before the bounded loader of :mod:`cpcdocs.load` could refuse it.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, None
    block = _CASE_BLOCK.search(text)
    if block is None:
        return None, None
    return _case_key(block.group(1), "reference"), _case_key(block.group(1), "authority")


def _read_manifest(out: Path, reference: str | None) -> dict[str, Any] | None:
    if reference is None:
        return None
    try:
        data = json.loads((out / reference / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _pack_complete(out: Path, reference: str, manifest: dict[str, Any]) -> bool:
    """Every file the manifest lists is there (publishing is atomic, but people delete files)."""
    documents = manifest.get("documents")
    if not isinstance(documents, list):
        return False
    pack = out / reference
    for entry in documents:
        rel = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(rel, str) or ".." in PurePosixPath(rel).parts:
            return False
        if not (pack / rel).is_file():
            return False
    return True


def check_case(path: Path, out: Path, options: BatchOptions, batch_date: dt.date) -> _Checked:
    """Decide whether ``path`` needs rendering, comparing fingerprints with its manifest.

    A file whose bytes and cpcdocs version match its published manifest was validated when
    that pack was rendered, so it is not validated again: a no-change night costs a hash, a
    parse and a few stats per case. Any other file is loaded and validated in full, and an
    invalid one fails here.
    """
    from .authority import find_authority_file
    from .load import load_case
    from .pack import fingerprint

    start = time.perf_counter()
    reference: str | None = None
    try:
        data = path.read_bytes()
        reference, authority_name = _quick_parse(data)
        manifest = _read_manifest(out, reference)
        trusted = (
            manifest is not None
            and manifest.get("case") == reference
            and manifest.get("input_sha256") == hashlib.sha256(data).hexdigest()
            and manifest.get("generator") == f"cpcdocs {__version__}"
        )
        if not trusted:
            case = load_case(path)
            if case.case.reference != reference:
                reference = case.case.reference
                manifest = _read_manifest(out, reference)
            authority_name = case.case.authority
        assert reference is not None  # validated, or trusted via a matching manifest
        found = find_authority_file(str(authority_name), options.authority, str(path))
        if found is None:
            # Let the render report it with its usual located message.
            return _Checked(path, reference, "render", time.perf_counter() - start)
        authority_file = str(Path(found).resolve())
        if manifest is None or options.force or not _pack_complete(out, reference, manifest):
            return _Checked(
                path, reference, "render", time.perf_counter() - start, 0, None, authority_file
            )
        authority = _authority(Path(found))
        wanted = fingerprint(data, authority, options.render_options(batch_date), options.issued_on)
        same = all(manifest.get(key) == value for key, value in wanted.items())
        due = manifest.get("recheck_on")
        if same and isinstance(due, str) and due <= batch_date.isoformat():
            same = False  # a stage that was waiting falls due today
        status: Literal["render", "unchanged"] = "unchanged" if same else "render"
        documents = len(manifest["documents"]) if same else 0
        return _Checked(
            path,
            reference,
            status,
            time.perf_counter() - start,
            documents,
            None,
            authority_file,
        )
    except Exception as err:  # one case's problem stays that case's
        seconds = time.perf_counter() - start
        ref = reference or _reference_of(path)
        return _Checked(path, ref, "failed", seconds, 0, _failure(path, ref, err, seconds))


def _check_task(args: tuple[Path, Path, BatchOptions, dt.date]) -> _Checked:
    return check_case(*args)


# -- phase 2, locally: render_pack in a pool of warm workers -------------------------------------


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


# -- phase 2 on Dask: workers render, this process audits and publishes --------------------------


def _bundle_tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative POSIX path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _bundle_authority(profile: Path) -> tuple[str, dict[str, bytes]]:
    """An authority profile and the images it names, laid out as they are relative to it.

    Workers need not see this machine's files: the profile travels with the tasks and is
    written out again in the same shape, so the worker's fingerprint of it is identical.
    """
    from .load import load_authority

    authority = load_authority(profile)
    profile = profile.resolve()
    files = [profile]
    for rel in (authority.logo, *authority.signatures.values()):
        path = authority.resolve(rel)
        if path is not None:
            files.append(path)
    base = Path(os.path.commonpath([str(f.parent) for f in files]))
    bundle = {f.relative_to(base).as_posix(): f.read_bytes() for f in files}
    return profile.relative_to(base).as_posix(), bundle


def _bundle_key(bundle: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(bundle):
        digest.update(name.encode() + b"\0" + hashlib.sha256(bundle[name]).digest())
    return digest.hexdigest()[:32]


def _materialise(bundle: dict[str, bytes]) -> Path:
    """Write a bundle once per machine (by content hash) and return its folder.

    A stable folder per content keeps the worker's renderer cache (keyed by template folder)
    warm across tasks.
    """
    root = Path(tempfile.gettempdir()) / f"cpcdocs-bundles-{os.getuid()}"
    final = root / _bundle_key(bundle)
    if final.is_dir():
        return final
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    for name, data in bundle.items():
        if PurePosixPath(name).is_absolute() or ".." in PurePosixPath(name).parts:
            msg = f"unsafe path in bundle: {name}"
            raise ValueError(msg)
        target = scratch / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    try:
        scratch.rename(final)
    except OSError:  # another worker process on this machine got there first
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)
    return final


_DASK_LOCK = threading.Lock()


def dask_render(
    shown_path: str,
    case_name: str,
    case_bytes: bytes,
    authority: tuple[str, dict[str, bytes]],
    templates: dict[str, bytes] | None,
    selection: dict[str, Any],
) -> dict[str, Any]:
    """Dask task: render one case into private scratch space and return the pack's files.

    Nothing is audited or published here: the client does both, so the audit gate stays on
    the publishing side and OUT need not be reachable from the workers. Runs one render at a
    time per worker process (the renderer is shared per process; run workers with
    ``--nthreads 1``).
    """
    from .pack import build_pack, get_renderer

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cpcdocs-task-") as scratch:
        case_path = Path(scratch) / Path(case_name).name
        case_path.write_bytes(case_bytes)
        try:
            profile_rel, profile_bundle = authority
            authority_file = _materialise(profile_bundle) / profile_rel
            templates_dir = _materialise(templates) if templates is not None else None
            explicit = selection.get("issued_on")
            options = RenderOptions(
                authority=authority_file,
                templates=templates_dir,
                issued_on=dt.date.fromisoformat(explicit) if explicit else None,
                as_of=dt.date.fromisoformat(selection["as_of"]),
            )
            staging = Path(scratch) / "pack"
            staging.mkdir()
            with _DASK_LOCK:
                renderer = get_renderer(templates_dir)
                try:
                    manifest = build_pack(
                        case_path,
                        staging,
                        options,
                        renderer=renderer,
                        published=selection.get("published") or {},
                        merge=False,
                    )
                finally:
                    release_memory()
            files = {
                p.relative_to(staging).as_posix(): p.read_bytes()
                for p in sorted(staging.rglob("*"))
                if p.is_file()
            }
        except Exception as err:
            outcome = _failure(case_path, None, err, time.perf_counter() - start, shown_path)
            return {"ok": False, "error": outcome.error}
    return {
        "ok": True,
        "reference": manifest["case"],
        "files": files,
        "seconds": time.perf_counter() - start,
    }


def publish_files(
    case_path: Path, out: Path, files: dict[str, bytes], options: RenderOptions
) -> int:
    """Audit and atomically publish a pack rendered elsewhere; the number of files.

    The pack must be the one this machine would render: its manifest's fingerprint (case,
    authority, templates, cpcdocs version, options, date) is compared with this machine's
    before anything is staged, so a worker with other templates or another version cannot
    publish a different pack.
    """
    from .errors import RenderError
    from .load import load_case, resolve_authority
    from .pack import audit_and_publish, complete_pack, fingerprint, published_manifest
    from .publish import discard, stage

    case = load_case(case_path)
    authority = resolve_authority(case, options.authority, case_file=str(case_path))
    reference = case.case.reference
    manifest = json.loads(files[MANIFEST])
    wanted = fingerprint(case_path.read_bytes(), authority, options, options.issued_on)
    differ = sorted(key for key, value in wanted.items() if manifest.get(key) != value)
    if differ or manifest.get("case") != reference:
        msg = (
            f"{reference}: the Dask worker rendered with different inputs "
            f"({', '.join(differ) or 'case'}); install the same cpcdocs version on every "
            "worker. Nothing was published."
        )
        raise RenderError(msg)
    staging = stage(out, reference)
    try:
        for name, data in files.items():
            pure = PurePosixPath(name)
            if pure.is_absolute() or ".." in pure.parts:
                msg = f"{reference}: unsafe path {name!r} from a worker; nothing was published."
                raise RenderError(msg)
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        # The worker rendered the stages due; carry over the rest of the published pack here.
        published_dir = out / reference
        before = published_manifest(published_dir) if published_dir.is_dir() else None
        complete_pack(staging, case, manifest, published_dir if before else None, before)
        audit_and_publish(staging, out, case, authority)
    except BaseException:
        discard(staging)
        raise
    return len(manifest.get("documents", []))


def _run_dask(
    address: str,
    checked: list[_Checked],
    out: Path,
    options: BatchOptions,
    batch_date: dt.date,
    report: Callable[[int, CaseOutcome], None],
    event: Callable[[dict[str, Any]], None],
) -> None:
    """Submit one task per case to the cluster at ``address``; publish results as they come."""
    try:
        from distributed import Client, as_completed
    except ImportError as err:
        msg = "--scheduler needs Dask: pip install 'cpcdocs[dask]'"
        raise CpcdocsError(msg, ExitStatus.FINDINGS) from err
    with _dask_logs(event):
        try:
            client = Client(address, timeout=DASK_CONNECT_TIMEOUT, set_as_default=False)
        except Exception as err:  # OSError, TimeoutError, ValueError for a bad address
            msg = f"cannot reach the Dask scheduler at {address}: {type(err).__name__}: {err}"
            raise CpcdocsError(msg, ExitStatus.FINDINGS) from err
        try:
            _submit_and_publish(client, as_completed, checked, out, options, batch_date, report)
        finally:
            client.close()


@contextlib.contextmanager
def _dask_logs(event: Callable[[dict[str, Any]], None]) -> Iterator[None]:
    """Dask's own warnings, as ``dask`` events of the batch log rather than loose lines.

    ``distributed`` logs to stderr with its own format; in a JSON log every line must be one
    JSON object. Its messages name task keys (``cpcdocs-<reference>-<token>``) and addresses.
    """
    import logging

    class Forward(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            with contextlib.suppress(Exception):
                event(
                    {
                        "event": "dask",
                        "level": record.levelname.lower(),
                        "message": record.getMessage().splitlines()[0][:500],
                    }
                )

    logger = logging.getLogger("distributed")
    saved = (logger.handlers[:], logger.propagate, logger.level)
    logger.handlers = [Forward(logging.WARNING)]
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.handlers, logger.propagate = saved[0], saved[1]
        logger.setLevel(saved[2])


def _submit_and_publish(
    client: Any,
    as_completed: Any,
    checked: list[_Checked],
    out: Path,
    options: BatchOptions,
    batch_date: dt.date,
    report: Callable[[int, CaseOutcome], None],
) -> None:
    """One task per case; publish each pack here as its task completes.

    The authority profiles and any ``--templates`` folder go to every worker once
    (``scatter(broadcast=True)``); each task carries only its case file's bytes.
    """
    render_options = options.render_options(batch_date)
    explicit = options.issued_on.isoformat() if options.issued_on else None
    templates = None
    if options.templates is not None:
        # A list of one: scatter would otherwise scatter a dict's values one by one.
        [templates] = client.scatter(
            [_bundle_tree(Path(options.templates))], broadcast=True, hash=False
        )
    profiles: dict[str, Any] = {}
    futures: dict[Any, int] = {}
    for index, item in enumerate(checked):
        start = time.perf_counter()
        try:
            if item.authority_file is None:
                raise _missing_authority(item.path, options)
            if item.authority_file not in profiles:
                [profiles[item.authority_file]] = client.scatter(
                    [_bundle_authority(Path(item.authority_file))], broadcast=True, hash=False
                )
            future = client.submit(
                dask_render,
                str(item.path),
                item.path.name,
                item.path.read_bytes(),
                profiles[item.authority_file],
                templates,
                {
                    "as_of": batch_date.isoformat(),
                    "issued_on": explicit,
                    "published": _read_manifest(out, item.reference) or {},
                },
                key=f"cpcdocs-{item.reference}-{uuid.uuid4().hex[:12]}",
                pure=False,
            )
        except Exception as err:
            seconds = item.seconds + time.perf_counter() - start
            report(index, _failure(item.path, item.reference, err, seconds))
            continue
        futures[future] = index
    for future in as_completed(list(futures), loop=client.loop):
        index = futures.pop(future)
        item = checked[index]
        start = time.perf_counter()
        try:
            result = future.result()
            if not result["ok"]:
                seconds = item.seconds + time.perf_counter() - start
                outcome = CaseOutcome(
                    str(item.path), item.reference, "failed", 0, seconds, result["error"]
                )
            else:
                count = publish_files(item.path, out, result["files"], render_options)
                seconds = item.seconds + result["seconds"] + time.perf_counter() - start
                outcome = CaseOutcome(
                    str(item.path), result["reference"], "rendered", count, seconds
                )
        except Exception as err:  # KilledWorker, a leak, a mismatch: this case only
            seconds = item.seconds + time.perf_counter() - start
            outcome = _failure(item.path, item.reference, err, seconds)
        report(index, outcome)


def _missing_authority(path: Path, options: BatchOptions) -> Exception:
    """The located "no authority profile" error, as ``render`` would give it."""
    from .load import load_case, resolve_authority

    try:
        resolve_authority(load_case(path), options.authority, case_file=str(path))
    except Exception as err:
        return err
    return CpcdocsError(f"{path}: no authority profile found", ExitStatus.INVALID_INPUT)


# -- reporting ------------------------------------------------------------------------------------


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


# -- the batch ------------------------------------------------------------------------------------


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
