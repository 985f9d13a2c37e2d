"""Load stage: a case file or authority profile on disk to validated data, or every problem in it.

Administrators fix case files by hand, so every problem points at a line and column: the file is
read by the positioned YAML loader (:mod:`cpcdocs.positioned_yaml`), the files it includes are
merged in, and pydantic's errors are put in the reader's words at the reader's line
(:mod:`cpcdocs.pydantic_problems`), together with the whole-file cross-reference checks, so one
run reports every problem in the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InvalidInput, Problem
from .positioned_yaml import (
    MAX_ALIASES,
    MAX_BYTES,
    MAX_DEPTH,
    MAX_NODES,
    Located,
    PathKey,
    load_yaml,
    location_of,
)
from .pydantic_problems import pydantic_problems

if TYPE_CHECKING:
    from .authority import Authority
    from .model import Case

__all__ = [
    "MAX_ALIASES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "Located",
    "PathKey",
    "load_authority",
    "load_case",
    "load_yaml",
    "location_of",
    "resolve_authority",
]


def load_case(path: str | Path, *, includes: bool = True) -> Case:
    """Load and validate a case file, or raise :class:`InvalidInput` with every problem in it.

    ``includes=False`` leaves out the files named by ``include:`` (``collect`` rewrites them).
    """
    from pydantic import ValidationError

    from .model import Case
    from .references import reference_problems, v2_reference_problems

    located = load_yaml(path)
    problems: list[Problem] = list(located.problems)
    problems.extend(_merge_includes(located, Path(path), merge=includes))
    problems.extend(_placeholder_problems(located))
    case = None
    try:
        case = Case.model_validate(located.data)
    except ValidationError as err:
        problems.extend(pydantic_problems(located, err, Case))
    problems.extend(located.problem(p, m) for p, m in reference_problems(located.data))
    problems.extend(located.problem(p, m) for p, m in v2_reference_problems(located.data))
    if problems or case is None:
        raise InvalidInput(_dedupe(problems))
    return case


def _placeholder_problems(located: Located) -> list[Problem]:
    """Values ``cpcdocs init`` left for the council to fill in (see cpcdocs.placeholders)."""
    from .placeholders import placeholder_problems

    return placeholder_problems(located)


#: What an included file may hold: what ``cpcdocs collect`` writes.
INCLUDABLE = ("reports", "record")


def _merge_includes(located: Located, case_path: Path, *, merge: bool = True) -> list[Problem]:
    """Merge the files named by the case's ``include:`` into its data; the problems found.

    ``include: [returned.yaml]`` names files, relative to the case file, that hold only
    ``reports`` and ``record`` (what ``cpcdocs collect`` writes), so the returned forms can be
    collected again without touching the case file. Their reports follow the case's own; a
    record's keys may come from the case (the chair's ``approved_on``, ``not_sent_to``) or an
    included file (the minute-taker's sections), but not both. The ``include`` key is taken
    out before the model sees the data, and every problem in an included value is located in
    its own file.
    """
    data = located.data
    if not isinstance(data, dict) or "include" not in data:
        return []
    names = data.pop("include")
    if not merge:
        return []
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        return [located.problem(("include",), "expected a list of file names")]
    problems: list[Problem] = []
    for index, name in enumerate(names):
        where = ("include", index)
        if Path(name).is_absolute():
            problems.append(located.problem(where, "name the file relative to the case file"))
            continue
        try:
            other = load_yaml(case_path.parent / name, what="included file")
        except InvalidInput as err:
            if err.problems and err.problems[0].message.endswith("not found"):
                problems.append(located.problem(where, f"included file '{name}' not found"))
            else:
                problems.extend(err.problems)
            continue
        problems.extend(other.problems)
        problems.extend(_merge_one(located, other))
    return problems


def _merge_one(located: Located, other: Located) -> list[Problem]:
    problems = [
        other.problem(
            (key,), f"an included file may hold only {' and '.join(INCLUDABLE)}", at_key=True
        )
        for key in other.data
        if key not in INCLUDABLE
    ]
    data = located.data
    reports = other.data.get("reports")
    if reports is not None:
        if not isinstance(reports, list):
            problems.append(other.problem(("reports",), "expected a list"))
        else:
            mine = data.setdefault("reports", [])
            if not isinstance(mine, list):
                return problems  # the case's own error is reported by the model
            for index, entry in enumerate(reports):
                located.origins.append((("reports", len(mine)), other, ("reports", index)))
                mine.append(entry)
    record = other.data.get("record")
    if record is not None:
        if not isinstance(record, dict):
            problems.append(other.problem(("record",), "expected a mapping of keys to values"))
            return problems
        mine = data.setdefault("record", {})
        if not isinstance(mine, dict):
            return problems
        for key, value in record.items():
            if key in mine:
                line = location_of(located, ("record", key), at_key=True)[0]
                problems.append(
                    other.problem(
                        ("record", key),
                        f"record.{key} is also given in {located.file} (line {line})",
                        at_key=True,
                    )
                )
                continue
            located.origins.append((("record", key), other, ("record", key)))
            mine[key] = value
    return problems


def _dedupe(problems: list[Problem]) -> list[Problem]:
    """One problem per field: the reader's own diagnosis beats pydantic's echo of it.

    A missing key is its own problem, not one of the mapping's: a profile without
    ``chairs_manager`` or ``complaints_manager`` under ``complaints`` hears about both, and a
    child without a name still hears it needs a date of birth. Fields are told apart by file
    too: an included file's ``reports[0]`` is not the case's.
    """
    seen: set[tuple[str, str, str]] = set()
    out = []
    for problem in problems:
        missing = problem.message.startswith("required key '")
        key = (problem.file, problem.path, problem.message if missing else "")
        if problem.path and key in seen:
            continue
        seen.add(key)
        out.append(problem)
    return out


def load_authority(path: str | Path) -> Authority:
    """Load and validate an authority profile file."""
    from pydantic import ValidationError

    from .authority import Authority

    located = load_yaml(path, what="authority profile")
    problems = [*located.problems, *_placeholder_problems(located)]
    base_dir = Path(path).resolve().parent
    try:
        authority = Authority.model_validate(located.data)
        problems.extend(located.problem(k, m) for k, m in authority.missing_images(base_dir))
    except ValidationError as err:
        problems.extend(pydantic_problems(located, err, Authority))
    if problems:
        raise InvalidInput(_dedupe(problems))
    return authority.model_copy(update={"base_dir": base_dir})


def resolve_authority(
    case: Case, explicit: str | Path | None = None, *, case_file: str = ""
) -> Authority:
    """The authority profile for a case, by the contract's lookup order."""
    from .authority import builtin_authorities, find_authority_file
    from .references import tag_problems

    found = find_authority_file(case.case.authority, explicit, case_file or None)
    if found is None:
        known = ", ".join(sorted(builtin_authorities())) or "none"
        message = (
            f"no authority profile '{case.case.authority}' in ./authorities/ or built in "
            f"(built-in: {known}); pass --authority FILE"
        )
        if case_file:
            # point at the line that names the profile, like every other problem
            located = load_yaml(case_file)
            raise InvalidInput([located.problem(("case", "authority"), message)])
        raise InvalidInput([Problem("<case>", 1, 1, "case.authority", message)])
    authority = load_authority(found)
    # Tags are known only once the profile is: an unknown one is refused here, so validate,
    # check and render all refuse it (a misspelt tag would otherwise withhold nothing).
    located = Located(file=case_file or "<case>", data=None)
    if tag_problems(located, case, authority):
        located = load_yaml(case_file) if case_file else located
        raise InvalidInput(tag_problems(located, case, authority))
    return authority
