"""Cross-references: every whole-file check that an id a case names exists and is the right kind.

Both checks work on the raw data, tolerating wrong shapes (pydantic reports those), so one run
reports a dangling id together with a typo elsewhere:

- :func:`reference_problems` checks the version 1 keys (parents, lives_with, the conference's
  chair and attendees, the decision, the plan's action owners, ...).
- :func:`v2_reference_problems` checks the ids the version 2 keys name (a text item's
  ``about``, ``withhold_from`` and ``children``; ``connected_to``; ``copies``; returned
  reports; the record).

The rule that every tag must be known (:func:`tag_problems`) lives in :mod:`cpcdocs.tags`;
its names are re-exported here, where they were first defined.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from .enums import Outcome, Relationship, Role
from .kinds import Stage
from .tags import known_tags, suggest, tag_problems

__all__ = [
    "COPY_RELATIONSHIPS",
    "RefProblem",
    "known_tags",
    "reference_problems",
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
_EXCLUSION_TEXTS = ("summary", "part_description", "record_reason")
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


def _did_you_mean(value: str, options: set[str] | list[str]) -> str:
    close = difflib.get_close_matches(value, sorted(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def reference_problems(data: Any) -> list[RefProblem]:
    """Cross-reference problems in raw case data, as (path, message) pairs.

    Works on the raw mapping, tolerating wrong shapes (those are reported by pydantic), so a
    file's dangling ids are reported in the same run as its typos.
    """
    if not isinstance(data, dict):
        return []
    problems: list[RefProblem] = []

    def entries(key: str) -> list[tuple[int, dict[str, Any]]]:
        value = data.get(key)
        if not isinstance(value, list):
            return []
        return [(i, e) for i, e in enumerate(value) if isinstance(e, dict)]

    def by_id(key: str) -> dict[str, dict[str, Any]]:
        return {str(e["id"]): e for _, e in entries(key) if isinstance(e.get("id"), str)}

    children = by_id("children")
    people = by_id("people")
    pros = by_id("professionals")
    kinds = {"child": set(children), "person": set(people), "professional": set(pros)}
    everyone = set(children) | set(people) | set(pros)

    seen: dict[str, str] = {}
    for group in ("children", "people", "professionals", "information"):
        for index, entry in entries(group):
            ident = entry.get("id")
            if not isinstance(ident, str):
                continue
            if ident in seen:
                problems.append(
                    ((group, index, "id"), f"id '{ident}' is already used by {seen[ident]}")
                )
            else:
                seen[ident] = f"{group}[{index}]"

    def expect(path: tuple[str | int, ...], value: Any, allowed: set[str], what: str) -> None:
        if isinstance(value, str) and value not in allowed:
            hint = _did_you_mean(value, allowed)
            others = [k for k, ids in kinds.items() if value in ids]
            if others:
                problems.append((path, f"'{value}' is a {others[0]}, not {what}"))
            else:
                noun = what.removeprefix("a ").removeprefix("an ").removeprefix("another ")
                problems.append((path, f"no {noun} has id '{value}'{hint}"))

    def expect_list(path: tuple[str | int, ...], value: Any, allowed: set[str], what: str) -> None:
        if isinstance(value, list):
            for i, item in enumerate(value):
                expect((*path, i), item, allowed, what)

    conference = data.get("conference")
    if isinstance(conference, dict):
        chair = conference.get("chair")
        expect(("conference", "chair"), chair, set(pros), "a professional")
        role = pros[chair].get("role") if isinstance(chair, str) and chair in pros else None
        if _known(Role, role) and role != "chair":  # an unknown role is reported as such
            problems.append(
                (("conference", "chair"), f"professional '{chair}' does not have role: chair")
            )
    advocates = {k for k, p in people.items() if p.get("relationship") in ("advocate", "supporter")}
    for index, child in entries("children"):
        base: tuple[str | int, ...] = ("children", index)
        expect_list((*base, "parents"), child.get("parents"), set(people), "a person")
        expect_list((*base, "lives_with"), child.get("lives_with"), set(people), "a person")
        advocate = child.get("advocate")
        expect((*base, "advocate"), advocate, set(people), "a person")
        if (
            isinstance(advocate, str)
            and advocate in people
            and advocate not in advocates
            and _known(Relationship, people[advocate].get("relationship"))
        ):
            problems.append(
                ((*base, "advocate"), f"person '{advocate}' is not an advocate or supporter")
            )
        if child.get("date_of_birth") is None and child.get("expected_birth_date") is None:
            problems.append(
                (base, "give date_of_birth, or expected_birth_date for an unborn child")
            )
        born = _as_date(child.get("date_of_birth"))
        held = _as_date(conference.get("date") if isinstance(conference, dict) else None)
        if born and held and born > held:
            problems.append(
                (
                    (*base, "date_of_birth"),
                    f"{born} is after the conference date ({held}); "
                    "an unborn child has expected_birth_date instead",
                )
            )
    for index, person in entries("people"):
        base = ("people", index)
        expect_list(
            (*base, "withhold_address_from"),
            person.get("withhold_address_from"),
            everyone - {person.get("id")},
            "another person, child or professional",
        )
        expect_list(
            (*base, "parental_responsibility_for"),
            person.get("parental_responsibility_for"),
            set(children),
            "a child",
        )
        expect_list((*base, "supports"), person.get("supports"), set(children), "a child")
        exclusion = person.get("exclusion")
        if isinstance(exclusion, dict):
            expect(
                (*base, "exclusion", "requested_by"),
                exclusion.get("requested_by"),
                set(pros),
                "a professional",
            )
    leads = []
    for index, pro in entries("professionals"):
        base = ("professionals", index)
        expect_list((*base, "knows"), pro.get("knows"), set(children), "a child")
        if pro.get("lead_social_worker") is True:
            leads.append((index, pro))
            if _known(Role, pro.get("role")) and pro.get("role") != "social_worker":
                problems.append(
                    (
                        (*base, "lead_social_worker"),
                        "only a social_worker can be the lead social worker",
                    )
                )
    if len(leads) > 1:
        index, _ = leads[1]
        problems.append(
            (("professionals", index, "lead_social_worker"), "more than one lead social worker")
        )
    for index, item in entries("information"):
        base = ("information", index)
        expect_list((*base, "children"), item.get("children"), set(children), "a child")
        expect_list(
            (*base, "about"), item.get("about"), everyone, "a child, person or professional"
        )

    decision = data.get("decision")
    if isinstance(decision, dict):
        decided = decision.get("children")
        if isinstance(decided, dict):
            for child_id in decided:
                if child_id not in children:
                    problems.append(
                        (
                            ("decision", "children", child_id),
                            f"no child has id '{child_id}'"
                            + _did_you_mean(str(child_id), set(children)),
                        )
                    )
            for child_id in children:
                if child_id not in decided:
                    problems.append(
                        (("decision", "children"), f"no decision for child '{child_id}'")
                    )
        lead = decision.get("lead_social_worker")
        expect(("decision", "lead_social_worker"), lead, set(pros), "a professional")
        if isinstance(lead, str) and lead in pros:
            role = pros[lead].get("role")
            if _known(Role, role) and role != "social_worker":
                problems.append(
                    (("decision", "lead_social_worker"), f"'{lead}' is not a social_worker")
                )
            if leads and leads[0][1].get("id") != lead:
                problems.append(
                    (
                        ("decision", "lead_social_worker"),
                        f"'{lead}' differs from the professional flagged lead_social_worker "
                        f"('{leads[0][1].get('id')}')",
                    )
                )
        elif lead is None and not leads:
            problems.append(
                (
                    ("decision",),
                    "a decision needs exactly one lead social worker (decision.lead_social_worker)",
                )
            )
        dissent = decision.get("dissent")
        if isinstance(dissent, list):
            for i, entry in enumerate(dissent):
                if isinstance(entry, dict):
                    expect(
                        ("decision", "dissent", i, "professional"),
                        entry.get("professional"),
                        set(pros),
                        "a professional",
                    )
        expect_list(
            ("decision", "core_group"),
            decision.get("core_group"),
            set(people) | set(pros),
            "a person or professional",
        )
    plan = data.get("plan")
    if isinstance(plan, dict):
        for child_id, child_plan in plan.items():
            if child_id not in children:
                problems.append(
                    (
                        ("plan", child_id),
                        f"no child has id '{child_id}'"
                        + _did_you_mean(str(child_id), set(children)),
                    )
                )
            elif isinstance(decided := (decision or {}).get("children"), dict):
                outcome = (decided.get(child_id) or {}).get("outcome")
                if _known(Outcome, outcome) and outcome != "child_protection_plan":
                    problems.append(
                        (
                            ("plan", child_id),
                            f"child '{child_id}' has outcome {outcome}, not child_protection_plan",
                        )
                    )
            if isinstance(child_plan, dict) and isinstance(child_plan.get("actions"), list):
                for i, action in enumerate(child_plan["actions"]):
                    if isinstance(action, dict):
                        expect(
                            ("plan", child_id, "actions", i, "who"),
                            action.get("who"),
                            set(people) | set(pros),
                            "a person or professional",
                        )
        if not isinstance(decision, dict):
            problems.append((("plan",), "a plan needs a decision"))
    return problems


def _known(enum: type[StrEnum], value: Any) -> bool:
    """Whether ``value`` is one of ``enum``'s values.

    A check built on an unknown value would only echo the enum's own complaint (a
    ``social worker`` flagged lead, then told it is "not a social_worker").
    """
    return isinstance(value, str) and value in enum._value2member_map_


def _as_date(value: Any) -> dt.date | None:
    """A calendar date as YAML reads ``2027-01-06``; None for a timestamp, text or nothing."""
    return value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else None


def v2_reference_problems(data: Any) -> list[RefProblem]:
    """Dangling or wrong-kind ids in the version 2 keys of raw case data, as (path, message).

    Messages read like :func:`reference_problems`' own: "no child has id 'x'
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
