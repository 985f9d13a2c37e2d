"""What each profile may never see, rule by rule, at the view level.

A template only ever receives a :class:`~cpcdocs.views.View`, so a value that is not in the view
cannot be printed. These tests walk whole views as strings (every field of every nested
dataclass) and assert the contract's "What each profile may never see" on the samples, on the
leak corpus and on small hand-built cases that isolate one rule each.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import CASES, EXAMPLE, SAMPLES

from cpcdocs.authority import Authority, builtin_authorities
from cpcdocs.load import load_authority, load_case
from cpcdocs.model import Case
from cpcdocs.plan import plan_pack
from cpcdocs.views import (
    Profile,
    Recipient,
    View,
    Visibility,
    build_view,
    withheld_counts,
    withheld_items,
)

ISSUED = dt.date(2026, 12, 24)
CORPUS = sorted(CASES.glob("leak-*/case.yaml"))
ALL_CASES = [*SAMPLES, EXAMPLE, *CORPUS]


@pytest.fixture(scope="module")
def northmoor() -> Authority:
    return load_authority(builtin_authorities()["northmoor"])


def strings(value: Any) -> Iterator[str]:
    """Every string in a view, with dates in ISO form; written here, not shared with the audit."""
    if value is None or isinstance(value, bool | int | float | Path):
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dt.date):
        yield value.isoformat()
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from strings(v)
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from strings(getattr(value, f.name))
    elif hasattr(value, "model_dump"):
        yield from strings(value.model_dump(exclude={"base_dir"}))
    else:
        yield str(value)


def blob(view: View) -> str:
    return "\n".join(strings(view))


def view_for(
    case: Case,
    authority: Authority,
    rid: str,
    kind: str = "invitation",
    *,
    child: str | None = None,
    profile: Profile | None = None,
) -> View:
    from cpcdocs.views import recipient_of

    return build_view(
        case,
        authority,
        recipient_of(case, rid),
        kind=kind,
        issued_on=ISSUED,
        child=child,
        profile=profile,
    )


def item_ids(view: View) -> set[str]:
    ids = {i.id for i in view.information}
    for child in view.children:
        ids |= {i.id for i in child.information}
    return ids


def info_rules(case: Case, authority: Authority, rec: Recipient, **kw: Any) -> dict[str, str]:
    """Withheld information items (not addresses, children or summaries) by id, with the rule."""
    ids = {i.id for i in case.information}
    return {i.item: i.rule for i in withheld_items(case, authority, rec, **kw) if i.item in ids}


# -- a tiny hand-built case, one rule at a time ---------------------------------------------------


def make_case(**changes: Any) -> Case:
    """Two children with different fathers, a mother with PR for both, a chair and a worker."""
    data: dict[str, Any] = {
        "case": {"reference": "T-1", "authority": "northmoor"},
        "conference": {
            "type": "initial",
            "date": "2027-01-06",
            "start": "10:00",
            "chair": "chair",
            "strategy_discussion_date": "2026-12-11",
        },
        "children": [
            {
                "id": "amy",
                "name": "Amy Fenwick",
                "date_of_birth": "2012-05-03",
                "parents": ["mum", "dad-amy"],
                "participation": "attend",
            },
            {
                "id": "ben",
                "name": "Ben Carrow",
                "date_of_birth": "2020-08-19",
                "parents": ["mum", "dad-ben"],
            },
        ],
        "people": [
            {
                "id": "mum",
                "name": "Lisa Fenwick",
                "relationship": "mother",
                "address": ["Flat 9", "77 Heron Street", "Northmoor", "NM6 3JX"],
                "withhold_address_from": ["dad-ben"],
                "invite": True,
            },
            {
                "id": "dad-amy",
                "name": "Mark Fenwick",
                "relationship": "father",
                "address": ["4 Quarry Lane", "Eastfold", "EF3 1AA"],
                "invite": True,
            },
            {
                "id": "dad-ben",
                "name": "Jason Carrow",
                "relationship": "father",
                "address": ["19 Cinder Row", "Northmoor", "NM2 8PP"],
                "invite": True,
                "exclusion": {
                    "extent": "full",
                    "grounds": ["violence_or_intimidation"],
                    "summary": "Mr Carrow made threats towards the duty social worker.",
                },
            },
        ],
        "professionals": [
            {"id": "chair", "name": "Rita Okonjo", "role": "chair", "agency": "NSQA"},
            {
                "id": "sw",
                "name": "Tom Reilly",
                "role": "social_worker",
                "agency": "Northmoor Children's Social Care",
                "lead_social_worker": True,
            },
            {"id": "pc", "name": "DC Alan Hume", "role": "police", "agency": "Northmoor Police"},
        ],
        "information": [],
    }
    data.update(changes)
    return Case.model_validate(data)


def info(item_id: str, children: list[str], about: list[str], tags: list[str], text: str) -> dict:
    return {
        "id": item_id,
        "children": children,
        "about": about,
        "kind": "fact",
        "tags": tags,
        "text": text,
    }


# -- safe addresses ---------------------------------------------------------------------------


def test_safe_address_is_absent_for_the_listed_parent_not_masked(northmoor: Authority) -> None:
    case = make_case()
    for kind in ("exclusion_notice", "decision_letter"):
        view = view_for(case, northmoor, "dad-ben", kind)
        mum = next(p for p in view.people if p.id == "mum")
        assert mum.address is None
        text = blob(view)
        for line in ("Flat 9", "77 Heron Street", "NM6 3JX"):
            assert line not in text
        assert "confidential" not in text.lower()  # not masked: no trace it was ever there


def test_safe_address_is_shown_to_everyone_else_in_the_family(northmoor: Authority) -> None:
    case = make_case()
    view = view_for(case, northmoor, "dad-amy")
    mum = next(p for p in view.people if p.id == "mum")
    assert mum.address is not None and mum.address.lines[1] == "77 Heron Street"
    assert not mum.address.confidential  # a family copy does not learn who it is withheld from
    assert mum.address.withheld_from == ()


def test_professionals_see_a_safe_address_marked_with_whom_it_is_withheld_from(
    northmoor: Authority,
) -> None:
    case = make_case()
    view = view_for(case, northmoor, "pc")
    mum = next(p for p in view.people if p.id == "mum")
    assert mum.address is not None
    assert mum.address.lines == ("Flat 9", "77 Heron Street", "Northmoor", "NM6 3JX")
    assert mum.address.confidential
    assert mum.address.withheld_from == ("Jason Carrow",)
    dad = next(p for p in view.people if p.id == "dad-amy")
    assert dad.address is not None and not dad.address.confidential


def test_safe_address_withheld_from_two_parents(northmoor: Authority) -> None:
    people = make_case().model_dump(mode="json")["people"]
    people[0]["withhold_address_from"] = ["dad-ben", "dad-amy"]
    case = make_case(people=people)
    for rid in ("dad-ben", "dad-amy"):
        assert "77 Heron Street" not in blob(view_for(case, northmoor, rid, "decision_letter"))
    pro = next(p for p in view_for(case, northmoor, "sw").people if p.id == "mum")
    assert pro.address is not None
    assert pro.address.withheld_from == ("Jason Carrow", "Mark Fenwick")


def test_a_childs_copy_never_addresses_them_at_a_carers_safe_address(
    northmoor: Authority,
) -> None:
    children = make_case().model_dump(mode="json")["children"]
    children[0]["lives_with"] = ["mum"]
    people = make_case().model_dump(mode="json")["people"]
    people[0]["withhold_address_from"] = ["amy"]  # e.g. the child must not know the refuge
    case = make_case(children=children, people=people)
    view = view_for(case, northmoor, "amy")
    assert "77 Heron Street" not in blob(view)
    assert view.recipient.address_lines == ()


# -- information by tag -----------------------------------------------------------------------

FAMILY_NEVER = ["police_investigation", "third_party", "chair_confidential"]


@pytest.mark.parametrize("tag", FAMILY_NEVER)
def test_family_never_sees_police_third_party_or_chair_confidential(
    northmoor: Authority, tag: str
) -> None:
    text = f"Sensitive {tag} material about the household in Heron Street."
    case = make_case(information=[info("x", ["amy"], ["mum"], [tag], text)])
    for rid in ("mum", "dad-amy", "amy"):
        view = view_for(case, northmoor, rid, "decision_letter")
        assert "x" not in item_ids(view)
        assert text not in blob(view)
    items = withheld_items(case, northmoor, Recipient("person", "mum"))
    assert [(i.rule, i.item) for i in items if i.item == "x"] == [(f"tag:{tag}", "x")]
    assert "x" in item_ids(view_for(case, northmoor, "sw", "decision_letter"))


@pytest.mark.parametrize(
    "tag",
    ["parent_health", "substance_misuse", "criminal_history", "sexual_history", "immigration"],
)
def test_personal_tags_reach_a_parent_only_when_about_them(northmoor: Authority, tag: str) -> None:
    case = make_case(
        information=[
            info("own", ["amy"], ["mum"], [tag], "Ms Fenwick's own record."),
            info("other", ["amy"], ["dad-amy"], [tag], "Mr Fenwick's record."),
        ]
    )
    mum = view_for(case, northmoor, "mum", "decision_letter")
    assert "own" in item_ids(mum) and "other" not in item_ids(mum)
    assert "Mr Fenwick's record." not in blob(mum)
    dad = view_for(case, northmoor, "dad-amy", "decision_letter")
    assert item_ids(dad) == {"other"}
    # A child's copy holds no personal-tagged item, whoever it is about.
    assert item_ids(view_for(case, northmoor, "amy", "decision_letter")) == set()
    rules = info_rules(case, northmoor, Recipient("child", "amy"))
    assert rules == {"own": f"personal-tag:{tag}", "other": f"personal-tag:{tag}"}


def test_personal_tag_about_the_child_is_still_kept_from_the_child(northmoor: Authority) -> None:
    case = make_case(
        information=[info("amy-health", ["amy"], ["amy"], ["parent_health"], "Amy's record.")]
    )
    assert "amy-health" not in item_ids(view_for(case, northmoor, "amy", "decision_letter"))


def test_untagged_items_reach_every_reader_of_that_child(northmoor: Authority) -> None:
    case = make_case(information=[info("att", ["amy"], ["amy"], [], "Amy's attendance is 90%.")])
    for rid in ("mum", "dad-amy", "amy", "sw", "pc"):
        assert "att" in item_ids(view_for(case, northmoor, rid, "decision_letter")), rid
    assert "att" not in item_ids(view_for(case, northmoor, "dad-ben", "decision_letter"))


# -- children and per-child documents ---------------------------------------------------------


def test_children_without_pr_are_absent_with_names_and_dates_of_birth(
    northmoor: Authority,
) -> None:
    case = make_case()
    view = view_for(case, northmoor, "dad-amy", "decision_letter")
    assert [c.id for c in view.children] == ["amy"]
    text = blob(view)
    assert "Ben Carrow" not in text and "2020-08-19" not in text
    absent = withheld_items(case, northmoor, Recipient("person", "dad-amy"))
    child_items = [i for i in absent if i.rule == "absent-child"]
    assert [i.item for i in child_items] == ["ben"]
    assert child_items[0].names == ("Ben Carrow",)
    assert [d.isoformat() for d in child_items[0].dates] == ["2020-08-19"]


def test_items_about_both_children_are_withheld_from_a_father_of_one(
    northmoor: Authority,
) -> None:
    # The reprimand: an assessment about two children sent to both fathers.
    text = "Both children witnessed Mr Carrow push Ms Fenwick down the stairs."
    case = make_case(information=[info("joint", ["amy", "ben"], [], [], text)])
    for rid in ("dad-amy", "dad-ben"):
        assert text not in blob(view_for(case, northmoor, rid, "decision_letter"))
    assert "joint" in item_ids(view_for(case, northmoor, "mum", "decision_letter"))


def test_an_item_about_another_child_is_withheld_even_when_filed_under_ones_own(
    northmoor: Authority,
) -> None:
    case = make_case(information=[info("x", ["amy"], ["ben"], [], "Ben's nursery note.")])
    assert "x" not in item_ids(view_for(case, northmoor, "dad-amy", "decision_letter"))
    assert "x" not in item_ids(view_for(case, northmoor, "amy", "decision_letter"))


def test_a_childs_copy_holds_no_other_child(northmoor: Authority) -> None:
    case = make_case(information=[info("j", ["amy", "ben"], [], [], "A joint note.")])
    view = view_for(case, northmoor, "amy", "decision_letter")
    assert [c.id for c in view.children] == ["amy"]
    assert "Ben Carrow" not in blob(view) and "j" not in item_ids(view)


def test_per_child_documents_hold_only_that_childs_items_for_professionals_too(
    northmoor: Authority,
) -> None:
    case = make_case(
        information=[
            info("a", ["amy"], [], [], "Amy item."),
            info("b", ["ben"], [], ["police_investigation"], "Ben police item."),
            info("ab", ["amy", "ben"], [], [], "Joint item."),
        ]
    )
    amy = view_for(case, northmoor, "pc", "report_proforma", child="amy")
    assert item_ids(amy) == {"a", "ab"} and "Ben police item." not in blob(amy)
    ben = view_for(case, northmoor, "pc", "report_proforma", child="ben")
    assert item_ids(ben) == {"b", "ab"}
    rules = info_rules(case, northmoor, Recipient("professional", "pc"), child="amy")
    assert rules == {"b": "per-child-document"}
    assert withheld_items(case, northmoor, Recipient("professional", "pc")) == []


# -- exclusions -------------------------------------------------------------------------------


def test_another_persons_exclusion_summary_is_absent(northmoor: Authority) -> None:
    case = make_case()
    summary = "Mr Carrow made threats towards the duty social worker."
    for rid in ("mum", "dad-amy", "amy"):
        view = view_for(case, northmoor, rid, "decision_letter")
        assert summary not in blob(view), rid
    own = view_for(case, northmoor, "dad-ben", "exclusion_notice")
    assert own.recipient.exclusion is not None and own.recipient.exclusion.summary == summary
    pro = next(p for p in view_for(case, northmoor, "sw").people if p.id == "dad-ben")
    assert pro.exclusion is not None and pro.exclusion.summary == summary
    rules = [(i.rule, i.item) for i in withheld_items(case, northmoor, Recipient("person", "mum"))]
    assert ("exclusion-summary", "people.dad-ben.exclusion.summary") in rules


# -- authority extra tags ---------------------------------------------------------------------


def test_northmoor_withholds_mash_intelligence_from_parents_and_children(
    northmoor: Authority,
) -> None:
    case = make_case(
        information=[
            info("mash", ["amy"], ["mum"], ["mash_intelligence"], "MASH note."),
            info("da", ["amy"], ["mum"], ["domestic_abuse_detail"], "Detail of the incident."),
        ]
    )
    mum = view_for(case, northmoor, "mum", "decision_letter")
    assert item_ids(mum) == {"da"}  # domestic_abuse_detail is withheld from children only
    amy = view_for(case, northmoor, "amy", "decision_letter")
    assert item_ids(amy) == set()
    rules = info_rules(case, northmoor, Recipient("child", "amy"))
    assert rules == {
        "mash": "authority-tag:mash_intelligence",
        "da": "authority-tag:domestic_abuse_detail",
    }
    assert item_ids(view_for(case, northmoor, "sw", "decision_letter")) == {"mash", "da"}


def test_an_authority_can_withhold_a_tag_from_professionals_too(northmoor: Authority) -> None:
    redaction = northmoor.redaction.model_copy(update={"professional": ["legal_advice"]})
    strict = northmoor.model_copy(update={"redaction": redaction})
    case = make_case(information=[info("law", ["amy"], [], ["legal_advice"], "Counsel's view.")])
    assert "law" not in item_ids(view_for(case, strict, "pc", "decision_letter"))
    assert "law" in item_ids(view_for(case, northmoor, "pc", "decision_letter"))


# -- every planned document of every real case -------------------------------------------------


def _leaks(case: Case, authority: Authority) -> Iterator[str]:
    """Every planned document whose view holds a value its rules withhold."""
    for doc in plan_pack(case):
        view = build_view(
            case,
            authority,
            doc.recipient,
            kind=doc.kind.value,
            issued_on=ISSUED,
            profile=doc.profile,
            child=doc.child,
        )
        text = blob(view)
        vis = Visibility(case, authority, doc.recipient, doc.profile, doc.child)
        visible_people = {p.id for p in vis.people}
        visible_texts = {r.item.text.strip() for r in case.text_refs() if vis.text_rule(r) is None}
        for item in withheld_items(case, authority, doc.recipient, doc.profile, doc.child):
            where = f"{'/'.join(doc.paths())}: {item.rule} {item.item}"
            if item.rule == "address-withheld":
                person = (
                    next(p for p in view.people if p.id == item.item)
                    if (item.item in visible_people)
                    else None
                )
                if person is not None and person.address is not None:
                    yield where
                if view.recipient.address_lines in item.addresses:
                    yield where
            elif item.rule == "absent-child":
                if any(c.id == item.item for c in view.children):
                    yield where
                child = case.child(item.item)
                if child.name and child.name in item.names and child.name in text:
                    yield where
                if child.date_of_birth and child.date_of_birth.isoformat() in text:
                    yield where
            else:
                # a text the reader may also read in its own right (two children's plans
                # saying the same of each) is no leak of the other one
                texts = [t for t in item.texts if t not in visible_texts]
                values = (*texts, *item.names, *item.exact)
                if any(v in text for v in values) or item.item in item_ids(view):
                    yield where


@pytest.mark.parametrize("path", ALL_CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_planned_view_holds_a_withheld_value(path: Path, northmoor: Authority) -> None:
    case = load_case(path)
    assert list(_leaks(case, northmoor)) == []


@pytest.mark.parametrize("path", ALL_CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_visible_item_is_in_the_view(path: Path, northmoor: Authority) -> None:
    """Redaction that drops everything is a failure too: what the rules allow is there."""
    case = load_case(path)
    for doc in plan_pack(case):
        view = build_view(
            case,
            northmoor,
            doc.recipient,
            kind=doc.kind.value,
            issued_on=ISSUED,
            profile=doc.profile,
            child=doc.child,
        )
        withheld = {
            i.item for i in withheld_items(case, northmoor, doc.recipient, doc.profile, doc.child)
        }
        expected = {i.id for i in case.information if i.id not in withheld}
        assert {i.id for i in view.information} == expected, doc.paths()
        if doc.child is not None and doc.child in {c.id for c in view.children}:
            assert view.child is not None
            assert {i.id for i in view.child.information} == {
                i for i in expected if doc.child in case_item(case, i).children
            }


def case_item(case: Case, item_id: str) -> Any:
    return next(i for i in case.information if i.id == item_id)


def test_the_split_family_sample_cuts_each_fathers_copy_to_his_own_child(
    northmoor: Authority,
) -> None:
    case = load_case(next(p for p in SAMPLES if p.stem == "split-family-three-fathers"))
    expected = {
        "father-craig": {"craig-convictions", "craig-contact", "school-ruby"},
        "father-dean": {"dean-substances", "dean-health", "school-alfie"},
        "father-tyler": {"isla-development", "tyler-immigration"},  # about him: his to see
        "mother": {
            "craig-contact",
            "mother-health",
            "mother-sexual-history",
            "school-ruby",
            "school-alfie",
            "isla-development",
        },
    }
    for rid, ids in expected.items():
        assert item_ids(view_for(case, northmoor, rid, "decision_letter")) == ids, rid
    counts = withheld_counts(withheld_items(case, northmoor, Recipient("person", "father-dean")))
    assert counts["address-withheld"] == 1 and counts["absent-child"] == 2
