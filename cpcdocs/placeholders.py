"""Placeholders: values ``cpcdocs init`` leaves for a council to fill in, refused until it does.

A scaffold that validates as written invites a batch to publish letters to "Parent's full
name". So every value only the council can know is written as a visible placeholder,
``<FILL IN: what goes here>``, and loading a case or a profile that still holds one is an
error naming the file, line, field and the placeholder itself. The angle brackets make a
placeholder plain in an editor and impossible to mistake for a real name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import InvalidInput, Problem
from .load import Located, PathKey, load_yaml

__all__ = ["PLACEHOLDER", "placeholder", "placeholder_problems", "profile_placeholder_problems"]

#: A placeholder anywhere in a string value: ``<FILL IN: the council's name>``.
PLACEHOLDER = re.compile(r"<FILL IN(?::[^<>]*)?>")


def placeholder(what: str) -> str:
    """The placeholder for a value: ``<FILL IN: what>``."""
    return f"<FILL IN: {what}>"


def _strings(data: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*path, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*path, index))


def placeholder_problems(located: Located) -> list[Problem]:
    """One problem for each value of a loaded file that still holds a placeholder."""
    problems = []
    for path, text in _strings(located.data):
        found = PLACEHOLDER.search(text)
        if found:
            message = f"still the placeholder {found.group(0)}: replace it with the real value"
            problems.append(located.problem(path, message))
    return problems


def profile_placeholder_problems(
    case_file: str | Path, explicit: str | Path | None
) -> list[Problem]:
    """The placeholders of the profile a case names, read even when the case itself is invalid.

    ``validate`` on a fresh scaffold then names every placeholder of both files in one run,
    not the case's first and the profile's only once the case is filled in. Any other problem
    of the case or the profile is left to the normal checks.
    """
    from .authority import find_authority_file

    try:
        case = load_yaml(case_file)
        name = case.data.get("case", {}).get("authority") if isinstance(case.data, dict) else None
        if not isinstance(name, str) and explicit is None:
            return []
        found = find_authority_file(str(name), explicit, case_file)
        if found is None:
            return []
        return placeholder_problems(load_yaml(found, what="authority profile"))
    except (InvalidInput, AttributeError):
        return []
