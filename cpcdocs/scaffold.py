"""``cpcdocs init``: a folder a new council starts from, with nothing of anyone else's in it.

The folder holds a starter case, an authority profile and the case's JSON Schema. Nothing is
copied from the built-in demo council: what ``init`` is told (``--name``, ``--nation``,
``--reference-prefix``) is written in, and every other value only the council can know is a
visible placeholder (:mod:`cpcdocs.placeholders`) that ``validate`` and ``render`` refuse,
naming each one, so an untouched scaffold can never publish a letter.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from .authority import Nation, templates_root
from .errors import CpcdocsError, ExitStatus
from .model import Reference
from .placeholders import placeholder
from .schema import case_schema

__all__ = ["scaffold"]

#: A reference prefix: what a case reference starts with ("WM" gives "WM-2027-0001").
_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$")


def _yaml_string(text: str) -> str:
    """``text`` as a double-quoted YAML scalar (a council name may hold ``:`` or ``#``)."""
    return json.dumps(text, ensure_ascii=False)


def _refuse(message: str) -> CpcdocsError:
    return CpcdocsError(message, ExitStatus.INVALID_INPUT)


def scaffold(
    directory: Path,
    *,
    reference: str | None = None,
    name: str | None = None,
    nation: str | None = None,
    reference_prefix: str | None = None,
    today: dt.date | None = None,
) -> list[Path]:
    """Write ``case.yaml``, ``authorities/local.yaml`` and the case JSON Schema.

    ``reference`` is the starter case's reference; without it, ``<prefix>-<year>-0001`` from
    ``reference_prefix``, else a placeholder. ``name`` and ``nation`` go into the profile;
    without them, placeholders. Refuses to overwrite anything: an administrator's
    half-finished case is never lost.
    """
    today = today or dt.date.today()
    root = templates_root()
    case_path = directory / "case.yaml"
    authority_path = directory / "authorities" / "local.yaml"
    schema_path = directory / "cpcdocs-case.schema.json"
    if reference_prefix is not None and not _PREFIX.match(reference_prefix):
        msg = (
            f"--reference-prefix '{reference_prefix}' must be letters, digits, '-' and '_' "
            "(up to 41), starting with a letter or digit"
        )
        raise _refuse(msg)
    if nation is not None and nation not in {n.value for n in Nation}:
        choices = ", ".join(n.value for n in Nation)
        msg = f"--nation '{nation}' is not one of {choices}"
        raise _refuse(msg)
    if name is not None and not (0 < len(name.strip()) <= 200):
        msg = "--name must be the council's name (1 to 200 characters)"
        raise _refuse(msg)
    if reference is None and reference_prefix is not None:
        reference = f"{reference_prefix}-{today.year}-0001"
    if reference is not None:
        try:
            TypeAdapter(Reference).validate_python(reference)
        except ValidationError:
            # the reference names the pack folder: it must be a safe folder name
            msg = f"--reference '{reference}' is not a safe folder name (letters, digits, '-', '_')"
            raise _refuse(msg) from None
    existing = [p for p in (case_path, authority_path, schema_path) if p.exists()]
    if existing:
        msg = f"{existing[0]} already exists; init never overwrites files"
        raise _refuse(msg)
    conference = today + dt.timedelta(days=21)
    while conference.weekday() >= 5:  # started at a weekend: meet on the Friday, in time
        conference -= dt.timedelta(days=1)
    case_text = (
        (root / "init" / "case.yaml")
        .read_text(encoding="utf-8")
        .format(
            reference=_yaml_string(reference or placeholder("the case reference")),
            conference_date=conference.isoformat(),
            strategy_date=today.isoformat(),
        )
    )
    authority_text = (
        (root / "init" / "authority.yaml")
        .read_text(encoding="utf-8")
        .format(
            name=_yaml_string(
                name.strip() if name else placeholder("the council's full name, as on its letters")
            ),
            nation=nation
            or _yaml_string(placeholder("england, wales, scotland or northern_ireland")),
            reference_prefix=_yaml_string(
                reference_prefix or placeholder("the start of your case references, e.g. WM")
            ),
        )
    )
    authority_path.parent.mkdir(parents=True, exist_ok=True)
    case_path.write_text(case_text, encoding="utf-8")
    authority_path.write_text(authority_text, encoding="utf-8")
    schema_path.write_text(json.dumps(case_schema(), indent=2) + "\n", encoding="utf-8")
    return [case_path, authority_path, schema_path]
