"""Change detection, a batch's first phase: is a case's published pack up to date?

:func:`check_case` compares a case file's bytes and fingerprint (and a stage falling due on
``recheck_on``) with its published manifest, so an unchanged case costs no rendering.
Split out of :mod:`cpcdocs.batch`, which re-exports these names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from . import __version__, caches
from .batch_inputs import BatchOptions, CaseOutcome
from .log_scrubbing import _failure, _reference_of
from .pack import MANIFEST


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


_AUTHORITIES: dict[tuple[str, int, int], Any] = caches.owned("batch_changes: authorities", {})


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
