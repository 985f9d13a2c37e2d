"""The pre-render quote check: a withheld value copied into text its reader will see.

A hostile case of its own (every name, place and sentence fictional and new to the suite):
two children with different fathers, a mother whose refuge address and phone are withheld from
one of them, that father excluded on bail, a police item, a third-party item, another parent's
health item and a safety action. Each withheld value is planted, in turn, into every free-text
field the model has that the reader's view holds (information, every plan field, the child's
own sections, the exclusion summary, the venue, an agency, an organisation, a school, an
interpreter), for a reader of each profile, and :func:`cpcdocs.search.quoted_withheld` must
name the field and the rule every time, without the value.

:mod:`test_leak_corpus` renders the same plants for real and audits them with no check at all.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from cpcdocs.authority import builtin_authorities
from cpcdocs.load import load_authority
from cpcdocs.model import Case
from cpcdocs.plan import plan_pack
from cpcdocs.rules import Profile, Recipient, withheld_items
from cpcdocs.search import Quote, document_quotes, quoted_withheld
from cpcdocs.views import build_view

NORTHMOOR = load_authority(builtin_authorities()["northmoor"])
ISSUED = dt.date(2027, 2, 1)

REFUGE = ["Flat 5", "28 Gullrock Terrace", "Porthmellin", "PM3 8XD"]
POLICE = (
    "Detectives are examining Mr Trevenna's phone for messages sent to Ms Penhale from a "
    "second handset."
)
THIRD_PARTY = "A cousin said the children were left alone overnight at Carnglaze Farm in December."
HEALTH = "Mr Penhale takes lithium for bipolar disorder and missed his clinic in January."
SAFETY = "Fit a monitored panic alarm and a doorbell camera at Ms Penhale's home."
NIA = "Nia Rosalind Penhale"


def hostile_case() -> dict[str, Any]:
    """The base case: nothing is quoted anywhere, so every copy of it is clean."""
    return {
        "case": {"reference": "HQ-2027-0007", "authority": "northmoor"},
        "conference": {
            "type": "initial",
            "date": dt.date(2027, 2, 3),
            "start": "13:30",
            "chair": "chair-tresize",
            "strategy_discussion_date": dt.date(2027, 1, 13),
            "venue": {"name": "Harbour House", "address": ["Harbour House", "Northmoor"]},
        },
        "children": [
            {
                "id": "nia",
                "name": NIA,
                "date_of_birth": dt.date(2012, 10, 7),
                "gender": "female",
                "lives_with": ["mother"],
                "school": "Northmoor Academy",
                "parents": ["mother", "father-nia"],
                "participation": "attend_part",
                "wishes_and_feelings": "Nia wants to keep her weekend job at the stables.",
                "analysis": "Nia is a capable girl carrying worries beyond her years.",
                "reports_to_child": True,
            },
            {
                "id": "oscar",
                "name": "Oscar Trevenna",
                "date_of_birth": dt.date(2019, 5, 23),
                "gender": "male",
                "lives_with": ["mother"],
                "school": "Little Oaks Nursery",
                "parents": ["mother", "father-oscar"],
            },
        ],
        "people": [
            {
                "id": "mother",
                "name": "Kerensa Penhale",
                "title": "Ms",
                "relationship": "mother",
                "address": REFUGE,
                "withhold_address_from": ["father-oscar"],
                "phone": "07700 900612",
                "invite": True,
            },
            {
                "id": "father-nia",
                "name": "Jory Penhale",
                "title": "Mr",
                "relationship": "father",
                "address": ["4 Quay Street", "Northmoor", "NM2 1QS"],
                "invite": True,
                "organisation": "Harbour Boatyard",
            },
            {
                "id": "father-oscar",
                "name": "Lowen Trevenna",
                "title": "Mr",
                "relationship": "father",
                "address": ["11 Mill Row", "Northmoor", "NM5 2LR"],
                "invite": True,
                "exclusion": {
                    "extent": "full",
                    "grounds": ["bail_conditions_or_domestic_abuse"],
                    "summary": "Mr Trevenna's bail forbids contact with the children's mother.",
                    "decided_on": dt.date(2027, 1, 25),
                },
            },
        ],
        "professionals": [
            {
                "id": "chair-tresize",
                "name": "Morwenna Tresize",
                "role": "chair",
                "agency": "Northmoor Safeguarding Unit",
            },
            {
                "id": "sw-hocking",
                "name": "Davey Hocking",
                "role": "social_worker",
                "agency": "Northmoor Children's Social Care",
                "lead_social_worker": True,
            },
            {
                "id": "pc-jewell",
                "name": "DC Tamsin Jewell",
                "role": "police",
                "agency": "Northmoor Police",
            },
            {
                "id": "hv-rowe",
                "name": "Elowen Rowe",
                "role": "health_visitor",
                "agency": "Northmoor Community Health",
                "knows": ["oscar"],
            },
        ],
        "information": [
            {
                "id": "police-phone",
                "children": ["oscar"],
                "about": ["father-oscar"],
                "kind": "allegation",
                "tags": ["police_investigation"],
                "text": POLICE,
            },
            {
                "id": "cousin-report",
                "children": ["nia", "oscar"],
                "kind": "allegation",
                "tags": ["third_party"],
                "text": THIRD_PARTY,
            },
            {
                "id": "father-health",
                "children": ["nia"],
                "about": ["father-nia"],
                "kind": "fact",
                "tags": ["parent_health"],
                "text": HEALTH,
            },
        ],
        "decision": {
            "quorate": True,
            "lead_social_worker": "sw-hocking",
            "children": {
                "nia": {"outcome": "child_protection_plan", "category": "emotional_abuse"},
                "oscar": {"outcome": "child_protection_plan", "category": "emotional_abuse"},
            },
        },
        "plan": {
            child: {
                "risks": ["Arguments at home frighten the children."],
                "outcomes": [f"{name} feels safe at home."],
                "actions": [
                    {"what": "Weekly home visits", "who": "sw-hocking", "by": "ongoing"},
                    {
                        "what": {"text": SAFETY, "tags": ["safety"], "about": ["mother"]},
                        "who": "sw-hocking",
                        "by": dt.date(2027, 2, 17),
                    },
                ],
                "contact": "The social worker sees the children every ten working days.",
                "contingency": "If the plan fails, a strategy meeting is held within a day.",
                "services": ["Family support worker"],
            }
            for child, name in (("nia", "Nia"), ("oscar", "Oscar"))
        },
    }


# -- where a value can be planted -------------------------------------------------------------

Plant = Callable[[dict[str, Any], str, str], None]


def _child(data: dict[str, Any], child: str) -> dict[str, Any]:
    return next(c for c in data["children"] if c["id"] == child)


def _person(data: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(p for p in data["people"] if p["id"] == pid)


def _information(data: dict[str, Any], child: str, value: str) -> None:
    data["information"].append(
        {"id": "planted", "children": [child], "kind": "fact", "text": value}
    )


def _plan(key: str, index: int | None = None) -> Plant:
    def plant(data: dict[str, Any], child: str, value: str) -> None:
        plan = data["plan"][child]
        if key == "actions":
            plan["actions"][0]["what"] = value
        elif index is None:
            plan[key] = value
        else:
            plan[key][index] = value

    return plant


def _child_field(key: str) -> Plant:
    def plant(data: dict[str, Any], child: str, value: str) -> None:
        _child(data, child)[key] = value

    return plant


def _venue_name(data: dict[str, Any], child: str, value: str) -> None:
    data["conference"]["venue"]["name"] = value


def _venue_address(data: dict[str, Any], child: str, value: str) -> None:
    data["conference"]["venue"]["address"] = ["Harbour House", value, "Northmoor"]


def _agency(data: dict[str, Any], child: str, value: str) -> None:
    data["professionals"][1]["agency"] = value


def _organisation(data: dict[str, Any], child: str, value: str) -> None:
    """The organisation of a person every reader here may see: the child's mother."""
    _person(data, "mother")["organisation"] = value


def _interpreter(data: dict[str, Any], child: str, value: str) -> None:
    _child(data, child)["interpreter"] = value


#: Every free-text field a view holds, by the name the test reports.
FIELDS: dict[str, Plant] = {
    "information": _information,
    "plan.risks": _plan("risks", 0),
    "plan.outcomes": _plan("outcomes", 0),
    "plan.actions.what": _plan("actions"),
    "plan.contact": _plan("contact"),
    "plan.contingency": _plan("contingency"),
    "plan.services": _plan("services", 0),
    "wishes_and_feelings": _child_field("wishes_and_feelings"),
    "analysis": _child_field("analysis"),
    "worried_about": _child_field("worried_about"),
    "working_well": _child_field("working_well"),
    "needs_to_happen": _child_field("needs_to_happen"),
    "school": _child_field("school"),
    "interpreter": _interpreter,
    "venue name": _venue_name,
    "venue address": _venue_address,
    "agency": _agency,
    "organisation": _organisation,
}

#: (reader, their child, planted value, the item that must be named, its rule). A reader of
#: each profile; values of every kind (address, phone, free text, name, date of birth).
SECRETS: dict[str, tuple[str, str, str, str, str]] = {
    "refuge street to the excluded father": (
        "father-oscar", "oscar", "Meet at 28 Gullrock Terrace", "mother", "address-withheld",
    ),
    "refuge postcode to the excluded father": (
        "father-oscar", "oscar", "Post to PM38XD", "mother", "address-withheld",
    ),
    "mother's phone to the excluded father": (
        "father-oscar", "oscar", "Ring 07700 900612 first", "mother", "contact-withheld",
    ),
    "police item to the excluded father": (
        "father-oscar", "oscar", POLICE, "police-phone", "tag:police_investigation",
    ),
    "safety action to the excluded father": (
        "father-oscar", "oscar", SAFETY, "plan.oscar.actions.1.what", "safety",
    ),
    "half-sister's name to the excluded father": (
        "father-oscar", "oscar", "Penhale, Nia Rosalind", "nia", "absent-child",
    ),
    "half-sister's birthday to the excluded father": (
        "father-oscar", "oscar", "born Oct 7th, 2012", "nia", "absent-child",
    ),
    "third-party item to the mother": (
        "mother", "nia", THIRD_PARTY, "cousin-report", "tag:third_party",
    ),
    "another parent's health to the mother": (
        "mother", "nia", HEALTH, "father-health", "personal-tag:parent_health",
    ),
    "an exclusion summary to the mother": (
        "mother", "nia", "Mr Trevenna's bail forbids contact with the children's mother.",
        "people.father-oscar.exclusion.summary", "exclusion-summary",
    ),
    "a parent's health to the child": (
        "nia", "nia", HEALTH, "father-health", "personal-tag:parent_health",
    ),
    "a police item to the child": (
        "nia", "nia", POLICE, "police-phone", "other-child",
    ),
    "another child's item to the professional": (
        "hv-rowe", "oscar", HEALTH, "father-health", "per-child-document",
    ),
}  # fmt: skip


def recipient(case: Case, some_id: str) -> Recipient:
    from cpcdocs.rules import recipient_of

    return recipient_of(case, some_id)


def quotes_for(data: dict[str, Any], reader: str, child: str | None = None) -> list[Quote]:
    """Every quote in the reader's documents about ``child`` (and their letters; every child
    when None), each dated by the case's ``issued:`` date for its stage, else ``ISSUED``."""
    case = Case.model_validate(data)
    issued = {k: v for k, v in (data.get("issued") or {}).items() if v}
    found: set[Quote] = set()
    for doc in plan_pack(case):
        if doc.recipient.id != reader or (child is not None and doc.child not in (None, child)):
            continue
        found.update(
            document_quotes(
                case,
                NORTHMOOR,
                doc.recipient,
                kind=doc.kind.value,
                issued_on=issued.get(doc.stage.value, ISSUED),
                profile=doc.profile,
                child=doc.child,
                author=doc.author,
            )
        )
    return sorted(found)


def test_the_hostile_case_quotes_nothing() -> None:
    data = hostile_case()
    case = Case.model_validate(data)
    readers = {doc.recipient.id for doc in plan_pack(case)}
    assert {"mother", "father-oscar", "nia", "hv-rowe"} <= readers
    for reader in sorted(readers):
        for child in ("nia", "oscar"):
            assert quotes_for(data, reader, child) == [], reader


def test_the_readers_cover_every_profile() -> None:
    case = Case.model_validate(hostile_case())
    profiles = {
        doc.profile
        for doc in plan_pack(case)
        if doc.recipient.id in {s[0] for s in SECRETS.values()}
    }
    assert profiles == set(Profile)


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("secret", SECRETS)
def test_a_withheld_value_planted_in_free_text_is_quoted(secret: str, field: str) -> None:
    reader, child, value, item, rule = SECRETS[secret]
    data = copy.deepcopy(hostile_case())
    FIELDS[field](data, child, value)
    quotes = quotes_for(data, reader, child)
    assert any(q.item == item and q.rule == rule for q in quotes), quotes
    for quote in quotes:  # named by field path and rule, never by the value
        assert value not in str(quote) and "Gullrock" not in str(quote)


def test_a_quote_names_the_field_path() -> None:
    data = copy.deepcopy(hostile_case())
    data["plan"]["oscar"]["actions"][0]["what"] = "Visit at 28 Gullrock Terrace"
    data["professionals"][3]["agency"] = "Porthmellin Health, 28 Gullrock Terrace"
    data["conference"]["venue"]["address"] = ["Harbour House", "28 Gullrock Terrace"]
    case = Case.model_validate(data)
    reader = recipient(case, "father-oscar")
    items = withheld_items(case, NORTHMOOR, reader, Profile.PARENT, "oscar")
    view = build_view(case, NORTHMOOR, reader, kind="outline_plan", issued_on=ISSUED, child="oscar")
    paths = {q.field_path for q in quoted_withheld(view, items) if q.rule == "address-withheld"}
    assert {
        "children[0].plan.actions[0].what",
        "conference.venue_address[1]",
        "professionals[3].agency",
    } <= paths


def test_a_phrase_the_letters_share_is_not_a_quote() -> None:
    """A police item that shares five words with a heading quotes nothing in a plan."""
    data = copy.deepcopy(hostile_case())
    data["information"][0]["text"] = (
        "Officers asked what the conference is for before agreeing to share Mr Trevenna's "
        "interview."
    )
    data["plan"]["oscar"]["contingency"] = "We will explain what the conference is for."
    assert quotes_for(data, "father-oscar", "oscar") == []


def test_two_childrens_plans_may_say_the_same_thing() -> None:
    """Sibling plans share a contingency; the father of one reads only his child's: no quote."""
    data = copy.deepcopy(hostile_case())
    shared = "If Mr Trevenna comes to the house, Ms Penhale will ring the police at once."
    data["plan"]["nia"]["contingency"] = shared
    data["plan"]["oscar"]["contingency"] = shared
    assert quotes_for(data, "father-oscar", "oscar") == []
    # but the same words in another field are a copy of something he may not see
    data["plan"]["oscar"]["contingency"] = "If the plan fails, a strategy meeting is held."
    data["plan"]["oscar"]["risks"][0] = shared
    assert any(q.item == "plan.nia.contingency" for q in quotes_for(data, "father-oscar", "oscar"))


def test_plan_quotes_names_each_document() -> None:
    from cpcdocs.search import plan_quotes

    data = copy.deepcopy(hostile_case())
    data["plan"]["oscar"]["contingency"] = "If he calls, ring 07700 900612 first."
    case = Case.model_validate(data)
    found = plan_quotes(case, NORTHMOOR, plan_pack(case), ISSUED)
    assert found, "the mother's phone in Oscar's plan reaches his father"
    assert {(d.recipient.id, q.rule, q.item) for d, q in found} == {
        ("father-oscar", "contact-withheld", "mother")
    }
    assert all("07700" not in str(q) for _, q in found)


def test_a_view_naming_an_absent_child_is_caught_whatever_field_it_uses() -> None:
    """A view builder's mistake: the core group or an action's owner prints the half-sister.

    Names looked up from ids are not excused by being in the view: the quote check (and so the
    audit, which shares the excuse set) still finds them.
    """
    import dataclasses

    case = Case.model_validate(hostile_case())
    reader = recipient(case, "father-oscar")
    items = withheld_items(case, NORTHMOOR, reader, Profile.PARENT, None)
    view = build_view(case, NORTHMOOR, reader, kind="decision_letter", issued_on=ISSUED)
    assert view.decision is not None
    broken = dataclasses.replace(
        view, decision=dataclasses.replace(view.decision, core_group=("Davey Hocking", NIA))
    )
    quotes = quoted_withheld(broken, items)
    assert Quote("decision.core_group[1]", "absent-child", "nia") in quotes


@pytest.mark.parametrize(
    "secret", [s for s, v in SECRETS.items() if v[0] == "father-oscar"], ids=str
)
@pytest.mark.parametrize("field", ["summary", "record_reason"])
def test_the_excluded_fathers_own_summary_may_not_quote_what_is_withheld_from_him(
    secret: str, field: str
) -> None:
    """His bail conditions may not name her street: his own summary, and the chair's reason
    for not sending him the record, are still text he reads."""
    reader, child, value, item, rule = SECRETS[secret]
    data = copy.deepcopy(hostile_case())
    exclusion = _person(data, "father-oscar")["exclusion"]
    exclusion["receives_record"] = False
    exclusion[field] = f"Bail conditions: {value}."
    quotes = quotes_for(data, reader, child)
    assert any(q.item == item and q.rule == rule for q in quotes), quotes
    assert any(f"exclusion.{field}" in q.field_path for q in quotes)


def test_every_string_field_of_every_view_is_classified() -> None:
    """A view field is free text (never excuses) or a structured value (may excuse): a person
    decides which. A field in neither table (a new one) fails here; one the excuse set would
    wrongly trust (a report section, a record entry, a chair's reason) was free text all along.
    """
    import dataclasses
    import typing

    from cpcdocs import viewtypes
    from cpcdocs.excuses import FREE_TEXT_FIELDS, STRUCTURED_FIELDS

    unclassified: list[str] = []
    for name in dir(viewtypes):
        kind = getattr(viewtypes, name)
        if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
            continue
        hints = typing.get_type_hints(kind)
        strings = {f.name for f in dataclasses.fields(kind) if "str" in str(hints[f.name])}
        free = FREE_TEXT_FIELDS.get(name, frozenset())
        structured = STRUCTURED_FIELDS.get(name, frozenset())
        assert not free & structured, name
        unclassified += [f"{name}.{f}" for f in sorted(strings - free - structured)]
    assert not unclassified, unclassified
    for free_text in ("ReportSectionView", "RecordSectionView", "NotSentView"):
        assert FREE_TEXT_FIELDS[free_text] - {"heading"}
