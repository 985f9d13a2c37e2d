"""The rule that every tag must be known, and the suggestion for a misspelt one.

:func:`tag_problems` refuses any tag on an information item or text item that is neither built
in nor declared by the authority profile. It needs the profile, so it runs once the profile is
resolved. A misspelt ``police_investigaton`` would otherwise match no rule and silently make an
item visible to every reader: the one failure redaction must never have.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from . import caches
from .enums import BUILTIN_TAGS

if TYPE_CHECKING:
    from .authority import Authority
    from .errors import Problem
    from .load import Located
    from .model import Case

__all__ = ["known_tags", "suggest", "tag_problems"]

Path = tuple[str | int, ...]


# -- known tags ---------------------------------------------------------------------------------


def known_tags(authority: Authority) -> frozenset[str]:
    """The built-in tags and every tag the authority profile declares under ``redaction``."""
    redaction = authority.redaction
    declared = {*redaction.professional, *redaction.parent, *redaction.child}
    return frozenset(BUILTIN_TAGS | declared)


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, transpositions.

    Transpositions count as one edit, because swapped letters are the commonest typing slip.
    """
    previous_row: list[int] | None = None
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous_row = previous_row, row
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(previous_row[j] + 1, row[j - 1] + 1, previous_row[j - 1] + cost)
            if (
                before is not None
                and i > 1
                and j > 1
                and a[i - 1] == b[j - 2]
                and a[i - 2] == b[j - 1]
            ):
                row[j] = min(row[j], before[j - 2] + 1)
    return row[len(b)]


@caches.memo("tags: near-miss index", maxsize=32)
def _one_deletion_index(known: frozenset[str]) -> dict[str, frozenset[str]]:
    """Each known tag and each of its one-letter deletions, mapped back to the tags.

    Two strings one edit apart (insertion, deletion, substitution or transposition) always
    share a string in their one-deletion neighbourhoods, so a look-up here finds every known
    tag one slip away without comparing against each (the SymSpell idea).
    """
    index: dict[str, set[str]] = {}
    for tag in known:
        for variant in {tag, *_deletions(tag)}:
            index.setdefault(variant, set()).add(tag)
    return {key: frozenset(value) for key, value in index.items()}


def _deletions(word: str) -> Iterator[str]:
    for i in range(len(word)):
        yield word[:i] + word[i + 1 :]


def suggest(tag: str, known: frozenset[str] | set[str]) -> str | None:
    """The known tag a misspelt one was most likely meant to be, or None when none is close.

    The fewest edits wins (a transposition is one edit); ties go to the most similar by
    ``difflib``'s ratio, then alphabetically. A tag up to a third of its length away counts
    as close (at least 2 edits): ``polce_investigaton`` still finds its tag, ``foo`` finds none.
    """
    known = frozenset(known)
    if not known:
        return None
    index = _one_deletion_index(known)
    near = {t for variant in {tag, *_deletions(tag)} for t in index.get(variant, ())}
    distances = {t: _edit_distance(tag, t) for t in near}
    if not any(d <= 1 for d in distances.values()):
        distances = {t: _edit_distance(tag, t) for t in known}
    fewest = min(distances.values())
    tied = sorted(t for t, d in distances.items() if d == fewest)
    if len(tied) > 1:
        tied.sort(key=lambda t: -difflib.SequenceMatcher(None, tag, t).ratio())
    best = tied[0]
    return best if fewest <= max(2, len(best) // 3) else None


def _model_tags(case: Case) -> set[str]:
    tags = {t for item in case.information for t in item.tags}
    tags |= {t for ref in case.text_refs() for t in ref.item.tags}
    return tags


def tag_problems(located: Located, case: Case, authority: Authority) -> list[Problem]:
    """Every unknown tag in a case, located at its line and column.

    ``located`` is the case file as read; when its data is missing (a case built in code), the
    case model's own data is walked instead and problems point at line 1. Tags live only on
    information items and text items (the model forbids the key anywhere else), so every list
    under a ``tags`` key is a list of tags. Text items written as plain strings have none.
    """
    known = known_tags(authority)
    if _model_tags(case) <= known:
        return []
    data = located.data if located.data is not None else case.model_dump(mode="json")
    problems: list[Problem] = []
    for path, value in _tag_values(data):
        if isinstance(value, str) and value not in known:
            close = suggest(value, known)
            if close is not None:
                message = f"unknown tag '{value}' (did you mean '{close}'?)"
            else:
                message = (
                    f"unknown tag '{value}': not built in, and the authority profile "
                    f"'{authority.id}' does not declare it under redaction"
                )
            problems.append(located.problem(path, message))
    return problems


def _tag_values(data: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "tags" and isinstance(value, list):
                for i, tag in enumerate(value):
                    yield (*path, key, i), tag
            else:
                yield from _tag_values(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _tag_values(value, (*path, i))
