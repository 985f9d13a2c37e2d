"""Keeping names out of batch logs: one-line error messages, scrubbed of the case's values.

Error messages are built from ids and locations; :func:`safe_message` is the second line of
defence, removing every name, address and text found in the case file before a message is
logged. Split out of :mod:`cpcdocs.batch`, which re-exports these names.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .batch_inputs import CaseOutcome
from .errors import CpcdocsError

#: Longest error message logged for one case; the rest is summarised as a count.
MAX_ERROR_LINES = 8
_SAFE_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


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
