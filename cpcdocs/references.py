"""Cross-references of the version 2 keys, and the rule that every tag must be known.

Two whole-file checks that :func:`cpcdocs.model.reference_problems` does not make:

- :func:`v2_reference_problems` checks, on the raw data, that the ids the version 2 keys
  name exist and are the right kind of thing (a text item's ``about``, ``withhold_from`` and
  ``children``; ``connected_to``; ``copies``; returned reports; the record). It works on the
  raw mapping like ``reference_problems``, tolerating wrong shapes (pydantic reports those),
  so one run reports a dangling id together with a typo elsewhere.
- :func:`tag_problems` refuses any tag on an information item or text item that is neither
  built in nor declared by the authority profile. It needs the profile, so it runs once the
  profile is resolved. A misspelt ``police_investigaton`` would otherwise match no rule and
  silently make an item visible to every reader: the one failure redaction must never have.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .kinds import Stage
from .model import BUILTIN_TAGS

if TYPE_CHECKING:
    from .authority import Authority
    from .errors import Problem
    from .load import Located
    from .model import Case

__all__ = [
    "COPY_RELATIONSHIPS",
    "known_tags",
    "suggest",
    "tag_problems",
    "text_item_paths",
    "v2_reference_problems",
]

Path = tuple[str | int, ...]
RefProblem = tuple[Path, str]

#: Relationships that may receive copies (``copies: true``): the family's own helpers.
COPY_RELATIONSHIPS = frozenset({"advocate", "supporter", "solicitor"})

#: Single text items on a child, an exclusion, a plan and a report.
_CHILD_TEXTS = (
    "wishes_and_feelings",
    "analysis",
    "worried_about",
    "working_well",
    "needs_to_happen",
    "not_attending_reason",
)
_EXCLUSION_TEXTS = ("summary", "part_description")
_PLAN_LISTS = ("risks", "outcomes", "services")
_PLAN_TEXTS = ("contact", "contingency")
_STAGES = tuple(stage.value for stage in Stage)


# -- where the text items are ----------------------------------------------------------------


def _items(value: Any) -> list[tuple[int, Any]]:
    return list(enumerate(value)) if isinstance(value, list) else []


def _entries(data: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    return [(i, e) for i, e in _items(data.get(key)) if isinstance(e, dict)]


def text_item_paths(data: Any) -> Iterator[tuple[Path, Any]]:
    """Every place in raw case data that holds a text item, with the value written there.

    The raw-data twin of :meth:`cpcdocs.model.Case.text_refs`: the same places, by the path a
    file is written with (``plan.maya.actions[0].what``), so a problem can point at a line.
    """
    if not isinstance(data, dict):
        return
    for i, child in _entries(data, "children"):
        for name in _CHILD_TEXTS:
            if name in child:
                yield ("children", i, name), child[name]
    for i, person in _entries(data, "people"):
        exclusion = person.get("exclusion")
        if isinstance(exclusion, dict):
            for name in _EXCLUSION_TEXTS:
                if name in exclusion:
                    yield ("people", i, "exclusion", name), exclusion[name]
    decision = data.get("decision")
    if isinstance(decision, dict):
        for i, dissent in _items(decision.get("dissent")):
            if isinstance(dissent, dict) and "reason" in dissent:
                yield ("decision", "dissent", i, "reason"), dissent["reason"]
    plan = data.get("plan")
    if isinstance(plan, dict):
        for child_id, child_plan in plan.items():
            if not isinstance(child_plan, dict):
                continue
            base: Path = ("plan", child_id)
            for name in _PLAN_LISTS:
                for i, item in _items(child_plan.get(name)):
                    yield (*base, name, i), item
            for i, action in _items(child_plan.get("actions")):
                if isinstance(action, dict) and "what" in action:
                    yield (*base, "actions", i, "what"), action["what"]
            for name in _PLAN_TEXTS:
                if name in child_plan:
                    yield (*base, name), child_plan[name]
    for i, report in _entries(data, "reports"):
        if "not_shared_reason" in report:
            yield ("reports", i, "not_shared_reason"), report["not_shared_reason"]
        for j, item in _items(report.get("sections")):
            yield ("reports", i, "sections", j), item
    record = data.get("record")
    if isinstance(record, dict):
        sections = record.get("sections")
        if isinstance(sections, dict):
            for name, items in sections.items():
                for i, item in _items(items):
                    yield ("record", "sections", name, i), item
        for i, entry in _items(record.get("not_sent_to")):
            if isinstance(entry, dict) and "reason" in entry:
                yield ("record", "not_sent_to", i, "reason"), entry["reason"]


# -- cross-references --------------------------------------------------------------------------


def _did_you_mean(value: str, options: set[str]) -> str:
    close = difflib.get_close_matches(value, sorted(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def v2_reference_problems(data: Any) -> list[RefProblem]:
    """Dangling or wrong-kind ids in the version 2 keys of raw case data, as (path, message).

    Messages read like :func:`cpcdocs.model.reference_problems`' own: "no child has id 'x'
    (did you mean 'y'?)", or "'x' is a person, not a child" when the id exists but names the
    wrong kind of thing.
    """
    if not isinstance(data, dict):
        return []
    problems: list[RefProblem] = []

    def ids(key: str) -> set[str]:
        return {str(e["id"]) for _, e in _entries(data, key) if isinstance(e.get("id"), str)}

    children, people, pros = ids("children"), ids("people"), ids("professionals")
    kinds = {"child": children, "person": people, "professional": pros}
    everyone = children | people | pros

    def expect(path: Path, value: Any, allowed: set[str], what: str) -> None:
        if not isinstance(value, str) or value in allowed:
            return
        others = [kind for kind, members in kinds.items() if value in members]
        if others:
            problems.append((path, f"'{value}' is a {others[0]}, not {what}"))
        else:
            noun = what.removeprefix("a ").removeprefix("an ")
            problems.append((path, f"no {noun} has id '{value}'{_did_you_mean(value, allowed)}"))

    def expect_list(path: Path, value: Any, allowed: set[str], what: str) -> None:
        for i, item in _items(value):
            expect((*path, i), item, allowed, what)

    def item_keys(path: Path, item: dict[str, Any]) -> None:
        expect_list(
            (*path, "about"), item.get("about"), everyone, "a child, person or professional"
        )
        expect_list(
            (*path, "withhold_from"),
            item.get("withhold_from"),
            people | children,
            "a person or child",
        )

    for path, value in text_item_paths(data):
        if isinstance(value, dict):
            item_keys(path, value)
            expect_list((*path, "children"), value.get("children"), children, "a child")
    for i, item in _entries(data, "information"):
        expect_list(
            ("information", i, "withhold_from"),
            item.get("withhold_from"),
            people | children,
            "a person or child",
        )

    for i, person in _entries(data, "people"):
        base: Path = ("people", i)
        expect_list((*base, "connected_to"), person.get("connected_to"), children, "a child")
        relationship = person.get("relationship")
        copies = person.get("copies") is True
        if copies and isinstance(relationship, str) and relationship not in COPY_RELATIONSHIPS:
            problems.append(
                (
                    (*base, "copies"),
                    "only an advocate, supporter or solicitor receives copies "
                    f"(relationship: {relationship})",
                )
            )

    seen: dict[tuple[str, str], int] = {}
    for i, report in _entries(data, "reports"):
        base = ("reports", i)
        author, child = report.get("author"), report.get("child")
        expect((*base, "author"), author, pros, "a professional")
        expect((*base, "child"), child, children, "a child")
        if isinstance(author, str) and isinstance(child, str):
            if (author, child) in seen:
                problems.append(
                    (
                        base,
                        f"a report from '{author}' on '{child}' is already given at "
                        f"reports[{seen[(author, child)]}]",
                    )
                )
            else:
                seen[(author, child)] = i

    record = data.get("record")
    if isinstance(record, dict):
        for key in ("present", "apologies"):
            expect_list(
                ("record", key), record.get(key), everyone, "a child, person or professional"
            )
        for i, entry in _items(record.get("not_sent_to")):
            if isinstance(entry, dict):
                expect(("record", "not_sent_to", i, "id"), entry.get("id"), people, "a person")
        expect_list(("record", "to_children"), record.get("to_children"), children, "a child")

    issued = data.get("issued")
    if isinstance(issued, dict):
        for key in issued:
            if key not in _STAGES:
                problems.append(
                    (
                        ("issued", key),
                        f"unknown stage '{key}'{_did_you_mean(str(key), set(_STAGES))}",
                    )
                )
    return problems


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


@lru_cache(maxsize=32)
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
