"""Text items: every sentence a family reader can receive is under the redaction rules.

A text item is a plain string or a ``{text, about, tags, withhold_from}`` mapping, anywhere the
case holds free text (plans, child fields, exclusion summaries, dissent, returned reports, the
record). These tests check the rules on the contract's v2 example, each rule on its own, that
every text item has a stable id, and (hypothesis) that on random cases every reader's views hold
exactly the texts the rules allow them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpcdocs.authority import Authority
from cpcdocs.load import load_authority, load_case
from cpcdocs.model import BUILTIN_TAGS, Case, Relationship, TextItem
from cpcdocs.pack import document_views
from cpcdocs.plan import plan_pack
from cpcdocs.rules import Recipient, Visibility, withheld_items

RECORD = ROOT / "samples" / "example-record.yaml"
NORTHMOOR = ROOT / "templates" / "authorities" / "northmoor.yaml"
DAY = dt.date(2027, 1, 7)


@pytest.fixture(scope="module")
def case() -> Case:
    return load_case(RECORD)


@pytest.fixture(scope="module")
def northmoor() -> Authority:
    return load_authority(NORTHMOOR)


def _strings(value: Any) -> Iterator[str]:
    """Every string a view holds."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name))
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def _reader_text(case: Case, authority: Authority, reader: str) -> str:
    """Everything in every view of every document one reader receives."""
    docs = [d for d in plan_pack(case) if d.recipient.id == reader]
    assert docs, reader
    return "\n".join(
        s for _, view in document_views(case, authority, DAY, docs) for s in _strings(view)
    )


SAFETY_ACTION = "Complete a domestic abuse safety plan with Ms Harrow, including the panic alarm."
CONTINGENCY_MAYA = "If Mr Quinn breaches his bail conditions, a strategy meeting will be held"
THEO_GRANDMOTHER = "Theo will stay with his grandmother, Halina Harrow"


def test_every_text_item_has_a_stable_unique_id(case: Case) -> None:
    refs = list(case.text_refs())
    ids = [r.id for r in refs]
    assert len(ids) == len(set(ids))
    assert "plan.maya.contingency" in ids
    assert "plan.maya.actions.0.what" in ids
    assert "reports.pc-mensah.theo.sections.2" in ids
    assert "record.sections.parents_views.0" in ids
    assert "people.father-theo.exclusion.summary" in ids
    assert [r.id for r in load_case(RECORD).text_refs()] == ids


def test_every_text_item_field_of_the_model_is_walked(case: Case) -> None:
    """A TextItem the walk does not reach would be invisible to the rules: count them all."""

    def count(value: Any) -> int:
        if isinstance(value, TextItem):
            return 1
        if hasattr(type(value), "model_fields") and not isinstance(value, type):
            return sum(count(getattr(value, name)) for name in type(value).model_fields)
        if isinstance(value, dict):
            return sum(count(v) for v in value.values())
        if isinstance(value, list | tuple):
            return sum(count(v) for v in value)
        return 0

    assert count(case) == len(list(case.text_refs()))


def test_the_safety_action_reaches_the_mother_and_professionals_only(
    case: Case, northmoor: Authority
) -> None:
    for reader in ("mother", "sw-patel", "pc-mensah", "teacher-ames"):
        assert SAFETY_ACTION in _reader_text(case, northmoor, reader), reader
    for reader in ("father-maya", "father-theo", "maya", "advocate-rees", "grandmother"):
        assert SAFETY_ACTION not in _reader_text(case, northmoor, reader), reader


def test_the_contingency_the_chair_withheld_from_mr_lin_is_absent_from_his_copies(
    case: Case, northmoor: Authority
) -> None:
    assert CONTINGENCY_MAYA not in _reader_text(case, northmoor, "father-maya")
    assert CONTINGENCY_MAYA in _reader_text(case, northmoor, "mother")
    items = withheld_items(case, northmoor, Recipient("person", "father-maya"), child="maya")
    assert ("chair-withheld", "plan.maya.contingency") in {(i.rule, i.item) for i in items}


def test_the_grandmother_reads_theos_contingency_and_nothing_about_maya(
    case: Case, northmoor: Authority
) -> None:
    text = _reader_text(case, northmoor, "grandmother")
    assert THEO_GRANDMOTHER in text
    assert "Maya" not in text
    assert "2013" not in text  # Maya's date of birth in any form starts with her year


def test_a_returned_police_report_is_cut_for_each_reader(case: Case, northmoor: Authority) -> None:
    arrested = "Mr Quinn was arrested on 29 November 2026 and released on bail."
    officers = "Officers attended the Wren Road address twice in November."
    neighbour = "The neighbour at number 43 gave a statement describing the incident."
    father = _reader_text(case, northmoor, "father-theo")
    assert arrested in father  # about him, no tags
    assert officers not in father  # safety, about the mother
    assert neighbour not in father  # third party
    mother = _reader_text(case, northmoor, "mother")
    assert officers in mother and neighbour not in mother


def test_the_record_is_cut_by_connection_and_tags(case: Case, northmoor: Authority) -> None:
    mother = _reader_text(case, northmoor, "mother")
    assert "Ms Harrow said she wants support" in mother  # safety, about her
    assert "The police described the investigation" not in mother
    lin = _reader_text(case, northmoor, "father-maya")
    assert "Mr Lin said he supports a plan" in lin
    assert "Both children are likely to suffer" not in lin  # concerns Theo too
    assert "Ms Harrow said she wants support" not in lin
    maya = _reader_text(case, northmoor, "maya")
    assert "Maya told the conference she feels safest" in maya
    assert "The police described the investigation" not in maya  # police, and about Theo
    assert "Both children are likely to suffer" not in maya  # concerns her brother too


def test_only_the_excluded_person_and_professionals_read_an_exclusion_summary(
    case: Case, northmoor: Authority
) -> None:
    summary = "Mr Quinn is on police bail with a condition not to contact Ms Harrow."
    assert summary in _reader_text(case, northmoor, "father-theo")
    assert summary in _reader_text(case, northmoor, "sw-patel")
    for reader in ("mother", "father-maya", "grandmother", "maya"):
        assert summary not in _reader_text(case, northmoor, reader), reader


def test_a_safe_address_shared_by_a_partner_is_withheld_with_its_phone_and_email(
    case: Case, northmoor: Authority
) -> None:
    partner = case.people[0].model_copy(
        update={
            "id": "partner",
            "name": "Jo Partner",
            "relationship": Relationship.PARTNER,
            "withhold_address_from": [],
            "phone": "07700 900123",
            "email": "jo@example.org",
            "invite": False,
            "connected_to": ["theo"],
            "address": [" flat 2", "41 WREN ROAD", "Northmoor", "NM4 7QT"],
        }
    )
    changed = case.model_copy(update={"people": [*case.people, partner]})
    vis = Visibility(changed, northmoor, Recipient("person", "father-theo"))
    assert vis.address_withheld(partner)
    text = _reader_text(changed, northmoor, "father-theo")
    assert "07700 900123" not in text and "jo@example.org" not in text
    assert "41 WREN ROAD" not in text


# -- hypothesis: random text items under every rule ----------------------------------------------

READERS = ("mother", "father-maya", "father-theo", "grandmother", "maya", "sw-patel")


@st.composite
def _text_cases(draw: st.DrawFn) -> tuple[Case, dict[str, str]]:
    """The v2 example with random text items in the plans, each with a unique marker."""
    base = load_case(RECORD)
    people = [p.id for p in base.people]
    ids = people + [c.id for c in base.children]
    markers: dict[str, str] = {}
    plans = {}
    for child in ("maya", "theo"):
        outcomes = []
        for i in range(draw(st.integers(1, 4))):
            marker = f"zqx{child}{i}marker"
            outcomes.append(
                TextItem(
                    text=f"Outcome {marker} for the child.",
                    about=draw(st.lists(st.sampled_from(ids), unique=True, max_size=2)),
                    tags=draw(
                        st.lists(st.sampled_from(sorted(BUILTIN_TAGS)), unique=True, max_size=2)
                    ),
                    withhold_from=draw(
                        st.lists(st.sampled_from([*people, "maya"]), unique=True, max_size=2)
                    ),
                )
            )
            markers[f"plan.{child}.outcomes.{i}"] = marker
        assert base.plan is not None
        plans[child] = base.plan[child].model_copy(update={"outcomes": outcomes})
    return base.model_copy(update={"plan": plans}), markers


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=_text_cases())
def test_views_hold_exactly_the_texts_each_reader_may_see(
    drawn: tuple[Case, dict[str, str]],
) -> None:
    case, markers = drawn
    authority = load_authority(NORTHMOOR)
    refs = {r.id: r for r in case.text_refs()}
    for doc in plan_pack(case):
        if doc.recipient.id not in READERS or doc.kind.value != "outline_plan":
            continue
        ((_, view),) = document_views(case, authority, DAY, [doc])
        text = "\n".join(_strings(view))
        vis = Visibility(case, authority, doc.recipient, doc.profile, doc.child)
        for ref_id, marker in markers.items():
            allowed = vis.text_rule(refs[ref_id]) is None
            assert (marker in text) == allowed, (doc.recipient.id, doc.child, ref_id)
