"""A batch on a Dask cluster: workers render into scratch space, this process audits and publishes.

:func:`dask_render` is the task a worker runs (the authority profile and templates travel with
it as bundles); :func:`publish_files` checks a returned pack's fingerprint, audits it and
publishes it here. Split out of :mod:`cpcdocs.batch`, which re-exports these names.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from .batch_changes import _Checked, _read_manifest
from .batch_inputs import BatchOptions, CaseOutcome
from .errors import CpcdocsError, ExitStatus
from .log_scrubbing import _failure
from .pack import MANIFEST, RenderOptions
from .workers import release_memory

#: How long to keep trying to reach a Dask scheduler before giving up (exit 1).
DASK_CONNECT_TIMEOUT = "15s"


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
        audit_and_publish(staging, out, case, authority, templates=options.templates)
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
