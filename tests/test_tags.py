"""Known tags only: a misspelt tag is refused, never treated as "no tag".

A tag decides who may read an item. One that matches no rule withholds nothing, so a
misspelt ``police_investigaton`` would print police material in a parent's copy. Every tag
must be built in or declared under ``redaction`` in the authority profile; anything else is
invalid input (exit 2) with the file, line, column and path, and a suggestion when it is one
slip away from a known tag.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pytest
from conftest import CASES, EXAMPLE, run_cli

from cpcdocs.authority import Authority, builtin_authorities
from cpcdocs.errors import InvalidInput
from cpcdocs.load import Located, load_authority, load_case, load_yaml, resolve_authority
from cpcdocs.model import BUILTIN_TAGS, Case
from cpcdocs.references import known_tags, suggest, tag_problems

#: The characters a tag may be written with (the model's pattern), for substitutions.
ALPHABET = string.ascii_lowercase + string.digits + "_"
UNKNOWN = CASES / "invalid-unknown-tag" / "case.yaml"


@pytest.fixture(scope="module")
def northmoor() -> Authority:
    return load_authority(builtin_authorities()["northmoor"])


def deletions(tag: str) -> Iterator[str]:
    for i in range(len(tag)):
        yield tag[:i] + tag[i + 1 :]


def substitutions(tag: str) -> Iterator[str]:
    for i, old in enumerate(tag):
        for new in ALPHABET:
            if new != old:
                yield tag[:i] + new + tag[i + 1 :]


def transpositions(tag: str) -> Iterator[str]:
    for i in range(len(tag) - 1):
        if tag[i] != tag[i + 1]:
            yield tag[:i] + tag[i + 1] + tag[i] + tag[i + 2 :]


def insertions(tag: str) -> Iterator[str]:
    for i in range(len(tag) + 1):
        for new in ALPHABET:
            yield tag[:i] + new + tag[i:]


EDITS = {
    "deletion": deletions,
    "substitution": substitutions,
    "transposition": transpositions,
    "insertion": insertions,
}


def test_edits_are_one_edit_away() -> None:
    assert list(deletions("abc")) == ["bc", "ac", "ab"]
    assert list(transpositions("abb")) == ["bab"]
    assert len(list(substitutions("ab"))) == 2 * (len(ALPHABET) - 1)
    assert "police_investigaton" in set(deletions("police_investigation"))


@lru_cache(maxsize=1)
def example() -> Case:
    return load_case(EXAMPLE)


def one_tag_case(tag: str) -> Case:
    case = example()
    item = case.information[0].model_copy(update={"tags": [tag]})
    return case.model_copy(update={"information": [item, *case.information[1:]]})


@pytest.mark.parametrize("kind", sorted(EDITS))
@pytest.mark.parametrize("tag", sorted(BUILTIN_TAGS))
def test_every_one_edit_misspelling_is_refused_with_its_suggestion(
    northmoor: Authority, tag: str, kind: str
) -> None:
    known = known_tags(northmoor)
    variants = sorted(set(EDITS[kind](tag)) - known)
    assert variants
    located = Located(file="case.yaml", data=None)
    for variant in variants:
        assert suggest(variant, known) == tag, variant
    # and through the whole refusal, for a sample of them (the suggestion is the same code)
    for variant in variants[:: max(1, len(variants) // 5)]:
        problems = tag_problems(located, one_tag_case(variant), northmoor)
        assert [str(p) for p in problems] == [
            f"case.yaml:1:1: information[0].tags[0]: unknown tag '{variant}' "
            f"(did you mean '{tag}'?)"
        ]


def test_declared_tags_are_known_and_suggested(northmoor: Authority) -> None:
    assert {"mash_intelligence", "domestic_abuse_detail"} <= known_tags(northmoor)
    assert known_tags(northmoor) >= BUILTIN_TAGS
    assert suggest("mash_inteligence", known_tags(northmoor)) == "mash_intelligence"
    assert suggest("domestic_abuse_detial", known_tags(northmoor)) == "domestic_abuse_detail"
    located = Located(file="case.yaml", data=None)
    assert tag_problems(located, one_tag_case("mash_intelligence"), northmoor) == []
    # Not declared by a profile that lacks it: refused, with no suggestion to be had.
    bare = northmoor.model_copy(update={"redaction": type(northmoor.redaction)()})
    problems = tag_problems(located, one_tag_case("mash_intelligence"), bare)
    assert [p.message for p in problems] == [
        "unknown tag 'mash_intelligence': not built in, and the authority profile 'northmoor' "
        "does not declare it under redaction"
    ]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("polce_investigaton", "police_investigation"),  # two slips
        ("sfaety", "safety"),
        ("foo", None),
        ("housing", None),
        ("personal", None),
    ],
)
def test_suggestions_stay_close(northmoor: Authority, tag: str, expected: str | None) -> None:
    assert suggest(tag, known_tags(northmoor)) == expected


def test_plain_string_text_items_have_no_tags(northmoor: Authority) -> None:
    # example-case.yaml writes its plan texts as plain strings and uses only known tags.
    located = Located(file="case.yaml", data=None)
    assert tag_problems(located, load_case(EXAMPLE), northmoor) == []


def test_located_at_the_tag_in_the_file(northmoor: Authority) -> None:
    case = load_case(UNKNOWN)
    problems = tag_problems(load_yaml(UNKNOWN), case, northmoor)
    assert [(p.line, p.column, p.path) for p in problems] == [(44, 12, "information[0].tags[0]")]


def test_every_text_item_place_is_checked(tmp_path: Path, northmoor: Authority) -> None:
    text = (EXAMPLE.parent / "example-record.yaml").read_text(encoding="utf-8")
    # a misspelt tag in a plan action, a report section and a record section at once
    for old, new in (
        ("tags: [safety]\n        who: sw-patel", "tags: [saftey]\n        who: sw-patel"),
        ("        tags: [third_party]\n", "        tags: [third_party, thrid_party]\n"),
        (
            "        tags: [safety]\n      - text: Mr Lin",
            "        tags: [safety_]\n      - text: Mr Lin",
        ),
    ):
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        resolve_authority(load_case(path), case_file=str(path))
    assert [(p.path, p.message.split(" (")[0]) for p in caught.value.problems] == [
        ("plan.maya.actions[0].what.tags[0]", "unknown tag 'saftey'"),
        ("reports[1].sections[2].tags[1]", "unknown tag 'thrid_party'"),
        ("record.sections.parents_views[0].tags[0]", "unknown tag 'safety_'"),
    ]


def test_a_case_built_in_code_is_refused_too(northmoor: Authority) -> None:
    with pytest.raises(InvalidInput) as caught:
        resolve_authority(one_tag_case("third_partyy"))
    assert str(caught.value) == (
        "<case>:1:1: information[0].tags[0]: unknown tag 'third_partyy' "
        "(did you mean 'third_party'?)"
    )


@pytest.mark.parametrize("command", ["validate", "check", "render"])
def test_every_command_refuses(command: str, tmp_path: Path) -> None:
    args = [command, UNKNOWN] + (["-o", tmp_path / "out"] if command == "render" else [])
    code, out, err = run_cli(*args)
    assert code == 2, (out, err)
    assert err.splitlines() == [
        f"{UNKNOWN}:44:12: information[0].tags[0]: unknown tag 'police_investigaton' "
        "(did you mean 'police_investigation'?)"
    ]
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
