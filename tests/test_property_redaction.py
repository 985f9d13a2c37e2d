"""Random families against the contract's redaction rules, written out again here from the text.

Withheld values are also planted into text the reader will see (the venue, an information
item they may read): the pre-render quote check must name every one.

Hypothesis builds families the samples never thought of: one to five children, one to four
parents with any pattern of parental responsibility, safe addresses withheld from anyone,
exclusions, an advocate, and information items with any tags and any ``about``. For every
planned document the view must hold nothing the contract withholds and everything it allows
(checked against :func:`contract_items`, a restatement of "What each profile may never see"
that does not use :mod:`cpcdocs.views`). A few smaller families are rendered as real packs,
which must audit clean and still carry every item where the contract says it belongs.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import stage_dates_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpcdocs.audit import audit_pack, normalise
from cpcdocs.authority import Authority, builtin_authorities
from cpcdocs.extract import extract_file
from cpcdocs.load import load_authority
from cpcdocs.model import PERSONAL_TAGS, Case
from cpcdocs.pack import RenderOptions, render_pack
from cpcdocs.plan import DocumentKind, PlannedDocument, plan_pack
from cpcdocs.references import reference_problems
from cpcdocs.views import Profile, build_view

CONFERENCE = dt.date(2027, 1, 6)
ISSUED = dt.date(2027, 1, 7)
NORTHMOOR = load_authority(builtin_authorities()["northmoor"])

FIRST = "Ada Bram Cora Dev Esme Finn Gwen Hal Isla Jude Kit Lark Milo Nell Otis Pia".split()  # noqa: SIM905
SURNAMES = "Ashdown Brackley Corrie Dunmere Elmsworth Fairlie Glenrock Hartwell".split()  # noqa: SIM905
STREETS = "Wheelwright Saltmarsh Foxglove Tenterden Coldharbour Larchmont Quillon".split()  # noqa: SIM905
TOWNS = ["Northmoor", "Eastfold", "Brackenby", "Holmbridge"]
#: Information texts: ordinary case wording, distinct from one another in every five words.
TEXTS = [
    "The health visitor found the flat cold and the cupboards nearly empty in October.",
    "School staff noticed bruising on the left forearm after the half-term holiday.",
    "A relative reported loud arguments late at night on at least three occasions.",
    "The parent has missed four appointments with the community drug team since July.",
    "Police attended after a neighbour called about screaming from the garden.",
    "The GP records a long history of low mood and two changes of medication this year.",
    "The parent was convicted of affray in 2021 and completed unpaid work.",
    "Nursery staff say the child is often collected late and appears hungry on Mondays.",
    "The parent's visa application is being reconsidered after an appeal hearing.",
    "The chair was told of an undercover operation that must not be disclosed.",
]
SUMMARIES = [
    "Made repeated threats to the allocated worker by text message in December.",
    "Is subject to bail conditions preventing contact with the other parent.",
    "Assaulted a member of reception staff at the family centre in November.",
    "Filmed the previous conference on a phone and posted it online.",
]
TAGS = [
    "police_investigation",
    "third_party",
    "chair_confidential",
    *sorted(PERSONAL_TAGS),
    "mash_intelligence",  # northmoor: withheld from parents and children
    "domestic_abuse_detail",  # northmoor: withheld from children
]


@st.composite
def families(draw: st.DrawFn, *, max_children: int = 5, max_parents: int = 4) -> dict[str, Any]:
    """A valid case file (as data) for one random family."""
    n_children = draw(st.integers(1, max_children))
    n_parents = draw(st.integers(1, max_parents))
    names = draw(
        st.lists(
            st.tuples(st.sampled_from(FIRST), st.sampled_from(SURNAMES)),
            min_size=n_children + n_parents + 1,
            max_size=n_children + n_parents + 1,
            unique=True,
        )
    )
    kids = [f"c{i}" for i in range(n_children)]
    parents = [f"p{i}" for i in range(n_parents)]
    pr = {
        k: draw(st.lists(st.sampled_from(parents), unique=True, max_size=n_parents)) for k in kids
    }
    on_child = {k: draw(st.booleans()) for k in kids}  # where the file records PR
    children = []
    for i, kid in enumerate(kids):
        born = draw(st.dates(dt.date(2009, 2, 1), dt.date(2025, 12, 31)))
        children.append(
            {
                "id": kid,
                "name": " ".join(names[i]),
                "date_of_birth": born,
                "parents": pr[kid] if on_child[kid] else [],
                "lives_with": draw(st.lists(st.sampled_from(parents), unique=True, max_size=2)),
                "participation": draw(
                    st.sampled_from(["attend", "attend_part", "views_in_writing", "not_attending"])
                ),
            }
        )
    everyone_else = [*kids, *parents, "pc"]
    people = []
    for i, pid in enumerate(parents):
        person: dict[str, Any] = {
            "id": pid,
            "name": " ".join(names[n_children + i]),
            "relationship": draw(st.sampled_from(["mother", "father", "parent", "step_father"])),
            "address": [
                f"{i + 10} {STREETS[i]} Road",
                TOWNS[draw(st.integers(0, len(TOWNS) - 1))],
                f"ZZ{i + 1} {i + 2}QX",
            ],
            "withhold_address_from": draw(
                st.lists(st.sampled_from([x for x in everyone_else if x != pid]), unique=True)
            ),
            "invite": draw(st.booleans()),
            "parental_responsibility_for": [k for k in kids if pid in pr[k] and not on_child[k]],
        }
        if draw(st.integers(0, 3)) == 0:
            person["exclusion"] = {
                "extent": draw(st.sampled_from(["full", "part"])),
                "grounds": ["violence_or_intimidation"],
                "summary": SUMMARIES[i],  # one each: two people never share a summary
            }
        people.append(person)
    if draw(st.booleans()):
        people.append(
            {
                "id": "advocate",
                "name": " ".join(names[-1]),
                "relationship": "advocate",
                "supports": draw(st.lists(st.sampled_from(kids), unique=True, min_size=1)),
            }
        )
    texts = draw(st.lists(st.sampled_from(TEXTS), unique=True, max_size=6))
    information = [
        {
            "id": f"i{n}",
            "children": draw(st.lists(st.sampled_from(kids), unique=True, min_size=1)),
            "about": draw(st.lists(st.sampled_from([*parents, *kids]), unique=True, max_size=2)),
            "kind": draw(st.sampled_from(["fact", "allegation", "opinion"])),
            "tags": draw(st.lists(st.sampled_from(TAGS), unique=True, max_size=2)),
            "text": text,
        }
        for n, text in enumerate(texts)
    ]
    data: dict[str, Any] = {
        "case": {"reference": "PB-0001", "authority": "northmoor"},
        "conference": {
            "type": "initial",
            "date": CONFERENCE,
            "start": "10:00",
            "chair": "chair",
            "strategy_discussion_date": dt.date(2026, 12, 14),
            "venue": {"name": "Civic Centre", "address": ["Civic Centre", "Northmoor"]},
        },
        "children": children,
        "people": people,
        "professionals": [
            {"id": "chair", "name": "Rhoda Quill", "role": "chair", "agency": "NSQA"},
            {
                "id": "sw",
                "name": "Owain Thursby",
                "role": "social_worker",
                "agency": "Northmoor Children's Social Care",
                "lead_social_worker": True,
            },
            {"id": "pc", "name": "DC Ines Varga", "role": "police", "agency": "Northmoor Police"},
            {
                "id": "teacher",
                "name": "Petra Lund",
                "role": "school",
                "agency": "Northmoor Academy",
                "knows": draw(st.lists(st.sampled_from(kids), unique=True, min_size=1)),
            },
        ],
        "information": information,
    }
    if draw(st.booleans()):
        outcomes = {
            k: draw(st.sampled_from(["child_protection_plan", "child_in_need_plan"])) for k in kids
        }
        data["decision"] = {
            "quorate": True,
            "lead_social_worker": "sw",
            "children": {
                k: {
                    "outcome": o,
                    **({"category": "neglect"} if o == "child_protection_plan" else {}),
                }
                for k, o in outcomes.items()
            },
        }
        data["plan"] = {
            k: {
                "outcomes": ["The child is safe and well cared for."],
                "actions": [{"what": "Visit the family", "who": "sw", "by": "ongoing"}],
            }
            for k, o in outcomes.items()
            if o == "child_protection_plan"
        }
    assert reference_problems(data) == []
    return data


# -- the contract, restated ------------------------------------------------------------------


def reader_children(case: Case, doc: PlannedDocument) -> set[str]:
    """Professionals: every child. A child: themselves. Anyone else: their connected children
    (contract v2: parental responsibility, living with them, ``connected_to``) and supported."""
    if doc.profile is Profile.PROFESSIONAL:
        return {c.id for c in case.children}
    if doc.recipient.kind == "child":
        return {doc.recipient.id}
    person = case.person(doc.recipient.id)
    return {
        c.id
        for c in case.children
        if case.holds_pr(person.id, c.id)
        or person.id in c.lives_with
        or c.id in person.connected_to
    } | set(person.supports)


def contract_items(case: Case, authority: Authority, doc: PlannedDocument) -> set[str]:
    """The information items the contract lets this document hold, rule by rule."""
    mine = reader_children(case, doc)
    child_ids = {c.id for c in case.children}
    extra = set(getattr(authority.redaction, doc.profile.value))
    allowed = set()
    for item in case.information:
        tags, about = set(item.tags), set(item.about)
        if doc.child is not None and doc.child not in item.children:
            continue  # a per-child document holds that child's items only
        if not set(item.children) <= mine or (about & child_ids) - mine:
            continue  # about a child the reader holds no PR for
        if tags & extra:
            continue  # the authority's own tags for this profile
        if doc.profile is not Profile.PROFESSIONAL:
            if doc.recipient.id in item.withhold_from:
                continue  # the chair's decision
            if tags & {"police_investigation", "third_party", "chair_confidential"}:
                continue
            if "safety" in tags and doc.recipient.id not in about:
                continue  # safety arrangements: only for those they protect
            if tags & PERSONAL_TAGS and (
                doc.profile is Profile.CHILD or doc.recipient.id not in about
            ):
                continue
            if doc.profile is Profile.CHILD and (
                set(item.children) - {doc.recipient.id} or (about & child_ids) - {doc.recipient.id}
            ):
                continue  # a child's copy: nothing about other children
        allowed.add(item.id)
    return allowed


def strings(value: Any) -> Iterator[str]:
    if value is None or isinstance(value, bool | int | float | Path):
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dt.date):
        yield value.isoformat()
    elif isinstance(value, dict):
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


def check_views(case: Case) -> None:
    """Every planned document's view against the restated contract."""
    for doc in plan_pack(case):
        view = build_view(
            case,
            NORTHMOOR,
            doc.recipient,
            kind=doc.kind.value,
            issued_on=ISSUED,
            profile=doc.profile,
            child=doc.child,
        )
        text = "\n".join(strings(view))
        where = "/".join(doc.paths())
        expected = contract_items(case, NORTHMOOR, doc)
        assert {i.id for i in view.information} == expected, where
        for item in case.information:
            if item.id not in expected:
                assert item.text not in text, f"{where}: item {item.id}"
        mine = reader_children(case, doc)
        shown = {doc.child} & mine if doc.child else mine
        assert {c.id for c in view.children} == shown, where
        visible_births = {c.date_of_birth for c in case.children if c.id in mine}
        for child in case.children:
            if child.id not in mine:
                assert child.name not in text, f"{where}: child {child.id}"
                if child.date_of_birth not in visible_births:  # twins share a birthday
                    born = child.date_of_birth.isoformat()
                    assert born not in text, f"{where}: child {child.id}"
        if doc.profile is Profile.PROFESSIONAL:
            continue
        for person in case.people:
            if doc.recipient.id in person.withhold_address_from and person.address:
                for line in (person.address[0], person.address[-1]):
                    assert line not in text, f"{where}: address of {person.id}"
            summary = person.exclusion.summary if person.exclusion else None
            if summary and person.id != doc.recipient.id:
                assert summary.text not in text, f"{where}: exclusion of {person.id}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(families())
def test_every_view_of_a_random_family_keeps_to_the_contract(data: dict[str, Any]) -> None:
    check_views(Case.model_validate(data))


# -- real packs ---------------------------------------------------------------------------------


def words(text: str) -> str:
    return " " + " ".join(re.findall(r"\w+", normalise(text))) + " "


def file_words(path: Path) -> str:
    chunks = extract_file(path)
    return "|".join(
        words(c.text) + words(normalise(c.text, join_hyphenation=False)) for c in chunks
    )


@pytest.mark.slow
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(families(max_children=3, max_parents=3))
def test_a_random_familys_real_pack_audits_clean_and_complete(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        case_file = Path(tmp) / "case.yaml"
        case_file.write_text(
            yaml.safe_dump({**data, "issued": stage_dates_for(data)}, sort_keys=False)
        )
        # render_pack audits the staged pack and raises LeakFound rather than publish a leak
        pack = render_pack(case_file, Path(tmp) / "out", RenderOptions()).path
        case = Case.model_validate(data)
        report = audit_pack(pack, case, NORTHMOOR)
        assert report.clean, report.format_text()
        by_id = {i.id: i for i in case.information}
        for doc in plan_pack(case):
            if doc.kind is not DocumentKind.CHILD_REPORT:
                continue
            for rel in doc.paths():
                text = file_words(pack / rel)
                for item_id in contract_items(case, NORTHMOOR, doc):
                    assert words(by_id[item_id].text) in text, f"{rel}: item {item_id} missing"


# -- withheld values planted into visible free text ---------------------------------------------


def _planted_value(item: Any) -> str | None:
    """A string that reveals ``item`` as someone might type it into a free-text field."""
    if item.texts:
        return item.texts[0]
    if item.addresses:
        return ", ".join(item.addresses[0])
    if item.names:
        return f"with {item.names[0]} on Saturdays"
    if item.exact:
        return item.exact[0]
    if item.dates:
        return f"born {item.dates[0].strftime('%d/%m/%Y')}"
    return None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(families(), st.data())
def test_a_withheld_value_planted_in_visible_free_text_is_always_quoted(
    data: dict[str, Any], chosen: st.DataObject
) -> None:
    """Whatever is withheld from a family reader, typed into text they will read, is named."""
    from hypothesis import assume

    from cpcdocs.search import Excuse, SearchPlan, document_quotes, parallel_texts
    from cpcdocs.views import withheld_items

    case = Case.model_validate(data)
    docs = [d for d in plan_pack(case) if d.profile is not Profile.PROFESSIONAL]
    assume(docs)
    doc = chosen.draw(st.sampled_from(docs))
    items = withheld_items(case, NORTHMOOR, doc.recipient, doc.profile, doc.child)
    items = [i for i in items if _planted_value(i)]
    assume(items)
    item = chosen.draw(st.sampled_from(items))
    value = _planted_value(item)
    assert value is not None
    planted = copy.deepcopy(data)
    field = chosen.draw(st.sampled_from(["venue name", "information"]))
    if field == "venue name":
        planted["conference"]["venue"]["name"] = value
    else:
        from cpcdocs.rules import Visibility

        vis = Visibility(case, NORTHMOOR, doc.recipient, doc.profile, doc.child)
        assume(vis.document_children)
        planted["information"].append(
            {
                "id": "planted",
                "children": [vis.document_children[0]],
                "kind": "fact",
                "text": value,
            }
        )
    planted_case = Case.model_validate(planted)
    view = build_view(
        planted_case, NORTHMOOR, doc.recipient, kind=doc.kind.value, issued_on=ISSUED,
        profile=doc.profile, child=doc.child,
    )  # fmt: skip
    items_now = withheld_items(planted_case, NORTHMOOR, doc.recipient, doc.profile, doc.child)
    # a value the reader may legitimately see anyway (their own town, a twin's birthday, the
    # same plan sentence in their own child's plan) has nothing left to search for
    parallel = parallel_texts(
        planted_case, NORTHMOOR, doc.recipient, doc.profile, doc.child, items_now
    )
    assume(SearchPlan([item], Excuse.of(view, items_now), parallel).needles)
    quotes = document_quotes(
        planted_case, NORTHMOOR, doc.recipient, kind=doc.kind.value, issued_on=ISSUED,
        profile=doc.profile, child=doc.child,
    )  # fmt: skip
    assert any(q.item == item.item and q.rule == item.rule for q in quotes), (field, item.rule)
