"""Cross-references of the version 2 keys, on raw data: every id they name exists and is the
right kind of thing, reported with the path and a "did you mean" like the version 1 checks.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from conftest import EXAMPLE, SAMPLES

from cpcdocs.load import load_case
from cpcdocs.references import text_item_paths, v2_reference_problems

RECORD = EXAMPLE.parent / "example-record.yaml"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load(RECORD.read_text(encoding="utf-8"))


def changed(raw: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(raw)
    change(data)
    return data


def test_the_contract_examples_are_clean(raw: dict[str, Any]) -> None:
    assert v2_reference_problems(raw) == []
    assert v2_reference_problems(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_samples_are_clean(path: Any) -> None:
    assert v2_reference_problems(yaml.safe_load(path.read_text(encoding="utf-8"))) == []


def plan(child: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["plan"][child][key] = value

    return change


def person(index: int, **values: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["people"][index].update(values)

    return change


def record(**values: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["record"].update(values)

    return change


def report(index: int, **values: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["reports"][index].update(values)

    return change


def section(name: str, index: int, **values: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["record"]["sections"][name][index].update(values)

    return change


CASES: dict[str, tuple[Callable[[dict[str, Any]], None], list[tuple[tuple[Any, ...], str]]]] = {
    "about-unknown": (
        plan("theo", "contingency", {"text": "A plan.", "about": ["father-thoe"]}),
        [
            (
                ("plan", "theo", "contingency", "about", 0),
                "no child, person or professional has id 'father-thoe' "
                "(did you mean 'father-theo'?)",
            )
        ],
    ),
    "about-professional-is-fine": (
        plan("theo", "contingency", {"text": "A plan.", "about": ["hv-byrne"]}),
        [],
    ),
    "withhold-from-professional": (
        plan("maya", "contact", {"text": "Visits.", "withhold_from": ["sw-patel"]}),
        [
            (
                ("plan", "maya", "contact", "withhold_from", 0),
                "'sw-patel' is a professional, not a person or child",
            )
        ],
    ),
    "withhold-from-child-is-fine": (
        plan("maya", "contact", {"text": "Visits.", "withhold_from": ["maya", "mother"]}),
        [],
    ),
    "action-what-about": (
        plan("maya", "actions", [{"what": {"text": "Do.", "about": ["nan"]}, "who": "sw-patel"}]),
        [
            (
                ("plan", "maya", "actions", 0, "what", "about", 0),
                "no child, person or professional has id 'nan'",
            )
        ],
    ),
    "plan-list-entry": (
        plan("maya", "outcomes", ["Plain.", {"text": "Mapped.", "withhold_from": ["granny"]}]),
        [
            (
                ("plan", "maya", "outcomes", 1, "withhold_from", 0),
                "no person or child has id 'granny'",
            )
        ],
    ),
    "section-children-not-a-child": (
        section("information", 1, children=["mother"]),
        [
            (
                ("record", "sections", "information", 1, "children", 0),
                "'mother' is a person, not a child",
            )
        ],
    ),
    "report-section-about": (
        report(1, sections=[{"text": "Arrested.", "about": ["father-teo"]}]),
        [
            (
                ("reports", 1, "sections", 0, "about", 0),
                "no child, person or professional has id 'father-teo' "
                "(did you mean 'father-theo'?)",
            )
        ],
    ),
    "information-withhold-from": (
        lambda data: data["information"][0].update(withhold_from=["pc-mensah"]),
        [
            (
                ("information", 0, "withhold_from", 0),
                "'pc-mensah' is a professional, not a person or child",
            )
        ],
    ),
    "connected-to": (
        person(4, connected_to=["theo", "mother"]),
        [(("people", 4, "connected_to", 1), "'mother' is a person, not a child")],
    ),
    "copies-on-a-grandmother": (
        person(4, copies=True),
        [
            (
                ("people", 4, "copies"),
                "only an advocate, supporter or solicitor receives copies (relationship: "
                "grandmother)",
            )
        ],
    ),
    "copies-on-a-solicitor-is-fine": (person(4, copies=True, relationship="solicitor"), []),
    "copies-false-is-fine": (person(0, copies=False), []),
    "report-author-and-child": (
        report(0, author="maya", child="sw-patel"),
        [
            (("reports", 0, "author"), "'maya' is a child, not a professional"),
            (("reports", 0, "child"), "'sw-patel' is a professional, not a child"),
        ],
    ),
    "report-twice": (
        report(1, author="teacher-ames", child="maya"),
        [
            (
                ("reports", 1),
                "a report from 'teacher-ames' on 'maya' is already given at reports[0]",
            )
        ],
    ),
    "record-attendance": (
        record(present=["mother", "pc-mensha"], apologies=["nobody"]),
        [
            (
                ("record", "present", 1),
                "no child, person or professional has id 'pc-mensha' (did you mean 'pc-mensah'?)",
            ),
            (("record", "apologies", 0), "no child, person or professional has id 'nobody'"),
        ],
    ),
    "record-not-sent-to": (
        record(not_sent_to=[{"id": "theo", "reason": "Too young."}]),
        [(("record", "not_sent_to", 0, "id"), "'theo' is a child, not a person")],
    ),
    "record-not-sent-to-reason-about": (
        record(not_sent_to=[{"id": "father-theo", "reason": {"text": "Bail.", "about": ["x"]}}]),
        [
            (
                ("record", "not_sent_to", 0, "reason", "about", 0),
                "no child, person or professional has id 'x'",
            )
        ],
    ),
    "record-to-children": (
        record(to_children=["maya", "advocate-rees"]),
        [(("record", "to_children", 1), "'advocate-rees' is a person, not a child")],
    ),
    "issued": (
        lambda data: data["issued"].update(decisions="2027-01-07"),
        [(("issued", "decisions"), "unknown stage 'decisions' (did you mean 'decision'?)")],
    ),
    "exclusion-summary": (
        lambda data: data["people"][2]["exclusion"].update(
            summary={"text": "Bail.", "about": ["mum"]}
        ),
        [
            (
                ("people", 2, "exclusion", "summary", "about", 0),
                "no child, person or professional has id 'mum'",
            )
        ],
    ),
    "child-field": (
        lambda data: data["children"][0].update(
            wishes_and_feelings={"text": "Home.", "children": ["theo", "thoe"]}
        ),
        [
            (
                ("children", 0, "wishes_and_feelings", "children", 1),
                "no child has id 'thoe' (did you mean 'theo'?)",
            )
        ],
    ),
    "dissent-reason": (
        lambda data: data["decision"].update(
            dissent=[{"professional": "gp-shah", "reason": {"text": "No.", "about": ["gp"]}}]
        ),
        [
            (
                ("decision", "dissent", 0, "reason", "about", 0),
                "no child, person or professional has id 'gp'",
            )
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_reference_problem(raw: dict[str, Any], name: str) -> None:
    change, expected = CASES[name]
    assert v2_reference_problems(changed(raw, change)) == expected


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "text",
        {"plan": "not a mapping", "record": [], "reports": {}, "people": [1, None]},
        {"plan": {"maya": {"outcomes": "one", "actions": [None, {"what": None}]}}},
        {"record": {"sections": {"information": "x"}, "not_sent_to": [None, "x"]}},
        {"reports": [{"author": 3, "child": None, "sections": [None, 4]}]},
        {"people": [{"id": "x", "copies": True}], "issued": ["decision"]},
    ],
)
def test_wrong_shapes_are_left_to_pydantic(data: Any) -> None:
    # nothing raises; a wrong shape is not a dangling id
    v2_reference_problems(data)


@pytest.mark.parametrize("path", [*SAMPLES, EXAMPLE, RECORD], ids=lambda p: p.stem)
def test_text_item_paths_match_the_case_walk(path: Any) -> None:
    # The raw walk and Case.text_refs() see the same text items, in the same order.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw_texts = [
        (value["text"] if isinstance(value, dict) else value).strip()
        for _, value in text_item_paths(data)
    ]
    model_texts = [ref.item.text.strip() for ref in load_case(path).text_refs()]
    assert sorted(raw_texts) == sorted(model_texts)
