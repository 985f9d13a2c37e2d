"""``cpcdocs init``: a folder a new user can start from, which validates as written."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from .authority import templates_root
from .errors import CpcdocsError, ExitStatus
from .model import Reference
from .schema import case_schema

__all__ = ["scaffold"]


def scaffold(directory: Path, *, reference: str, today: dt.date | None = None) -> list[Path]:
    """Write ``case.yaml``, ``authorities/local.yaml`` (+ logo) and the case JSON Schema.

    Refuses to overwrite anything: an administrator's half-finished case is never lost.
    """
    today = today or dt.date.today()
    root = templates_root()
    case_path = directory / "case.yaml"
    authority_path = directory / "authorities" / "local.yaml"
    schema_path = directory / "cpcdocs-case.schema.json"
    logo_path = directory / "authorities" / "logo.png"
    try:
        TypeAdapter(Reference).validate_python(reference)
    except ValidationError:
        # the reference names the pack folder; the case written below must validate
        msg = f"--reference '{reference}' is not a safe folder name (letters, digits, '-', '_')"
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT) from None
    existing = [p for p in (case_path, authority_path, schema_path, logo_path) if p.exists()]
    if existing:
        msg = f"{existing[0]} already exists; init never overwrites files"
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
    strategy = today
    conference = today + dt.timedelta(days=21)
    while conference.weekday() >= 5:  # started at a weekend: meet on the Friday, in time
        conference -= dt.timedelta(days=1)
    case_text = (
        (root / "init" / "case.yaml")
        .read_text(encoding="utf-8")
        .format(
            reference=reference,
            conference_date=conference.isoformat(),
            strategy_date=strategy.isoformat(),
        )
    )
    authority_text = (root / "authorities" / "northmoor.yaml").read_text(encoding="utf-8")
    authority_text = authority_text.replace("id: northmoor", "id: local", 1)
    authority_text = authority_text.replace(
        "signatures:\n  chair-okafor: signatures/chair-okafor.png", "signatures: {}"
    )
    authority_lines = authority_text.splitlines()
    authority_lines[:2] = [
        "# Your authority profile: letterhead, contacts, complaints route, bank holidays.",
        "# Every value below is the fictional Northmoor's: replace them with your council's.",
    ]
    authority_path.parent.mkdir(parents=True, exist_ok=True)
    case_path.write_text(case_text, encoding="utf-8")
    authority_path.write_text("\n".join(authority_lines) + "\n", encoding="utf-8")
    shutil.copyfile(root / "authorities" / "logo.png", logo_path)
    schema_path.write_text(json.dumps(case_schema(), indent=2) + "\n", encoding="utf-8")
    return [case_path, authority_path, logo_path, schema_path]
