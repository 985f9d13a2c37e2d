"""The case model: every sample loads, and the relationship helpers answer correctly on them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import EXAMPLE, ROOT, SAMPLES

from cpcdocs.load import load_case, load_yaml, resolve_authority
from cpcdocs.model import (
    Case,
    Category,
    Child,
    ConferenceType,
    ExclusionExtent,
    ExclusionGround,
    Gender,
    InfoKind,
    Outcome,
    Participation,
    Relationship,
    Role,
)

D = dt.date.fromisoformat


def load_sample(name: str) -> Case:
    return load_case(ROOT / "samples" / f"{name}.yaml")


def ids(entries: list) -> list[str]:
    return [e.id for e in entries]


def test_there_are_seven_samples() -> None:
    assert len(SAMPLES) >= 7, [p.name for p in SAMPLES]


def test_every_sample_and_the_example_load(any_case: Path) -> None:
    case = load_case(any_case)
    raw = load_yaml(any_case).data
    assert isinstance(case, Case)
    assert case.case.reference == raw["case"]["reference"]
    assert len(case.children) == len(raw["children"])
    assert len(case.information) == len(raw.get("information") or [])
    authority = resolve_authority(case, case_file=str(any_case))
    assert authority.id == case.case.authority


# -- parental responsibility -------------------------------------------------------------------


def test_pr_on_either_side_of_the_file_split_family() -> None:
    case = load_sample("split-family-three-fathers")
    # Ruby: recorded on the child; Alfie: on the father; Isla: on both.
    assert ids(case.pr_holders("ruby")) == ["mother", "father-craig"]
    assert ids(case.pr_holders("alfie")) == ["mother", "father-dean"]
    assert ids(case.pr_holders("isla")) == ["mother", "father-tyler"]
    assert ids(case.pr_children("mother")) == ["ruby", "alfie", "isla"]
    assert ids(case.pr_children("father-craig")) == ["ruby"]
    assert ids(case.pr_children("father-dean")) == ["alfie"]
    assert ids(case.pr_children("father-tyler")) == ["isla"]
    assert ids(case.pr_children("grandmother")) == []
    for father, own in (
        ("father-craig", "ruby"),
        ("father-dean", "alfie"),
        ("father-tyler", "isla"),
    ):
        for child in ("ruby", "alfie", "isla"):
            assert case.holds_pr(father, child) is (child == own), (father, child)


def test_pr_pre_birth_father_of_unborn_has_none() -> None:
    case = load_sample("pre-birth-unborn")
    assert ids(case.pr_holders("baby")) == ["mother"]
    assert ids(case.pr_holders("kai")) == ["mother", "father-kai"]
    assert not case.holds_pr("father-baby", "baby")
    assert ids(case.pr_children("father-baby")) == []
    assert ids(case.pr_children("grandmother")) == []


def test_pr_step_father_and_advocate_have_none() -> None:
    case = load_sample("single-child-pre-conference")
    assert ids(case.pr_holders("ellie")) == ["mother", "father"]
    assert not case.holds_pr("stepfather", "ellie")
    assert not case.holds_pr("advocate-okoro", "ellie")
    assert not case.holds_pr("sw-lindqvist", "ellie")  # a professional is never a PR holder


def test_pr_on_the_contract_example() -> None:
    case = load_case(EXAMPLE)
    assert ids(case.pr_children("father-maya")) == ["maya"]
    assert ids(case.pr_children("father-theo")) == ["theo"]
    assert ids(case.pr_children("mother")) == ["maya", "theo"]
    assert ids(case.pr_holders("theo")) == ["mother", "father-theo"]


# -- lead social worker and who knows whom -----------------------------------------------------


def test_lead_social_worker_is_the_flagged_one_among_two() -> None:
    case = load_sample("transfer-in")
    workers = [p.id for p in case.professionals if p.role is Role.SOCIAL_WORKER]
    assert workers == ["sw-osei", "sw-hollin"]
    assert case.lead_social_worker is not None
    assert case.lead_social_worker.id == "sw-osei"


@pytest.mark.parametrize(
    ("name", "lead"),
    [
        ("single-child-pre-conference", "sw-lindqvist"),
        ("pre-birth-unborn", "sw-carver"),
        ("review-step-down", "sw-mcbride"),
        ("split-family-three-fathers", "sw-bajwa"),
        ("part-exclusion-interpreter", "sw-farah"),
    ],
)
def test_lead_social_worker_on_samples(name: str, lead: str) -> None:
    case = load_sample(name)
    assert case.lead_social_worker is not None
    assert case.lead_social_worker.id == lead


def _example_data() -> dict:
    return load_yaml(EXAMPLE).data


def test_lead_social_worker_without_flag_or_decision() -> None:
    data = _example_data()
    del data["decision"], data["plan"]
    for pro in data["professionals"]:
        pro.pop("lead_social_worker", None)
    only_one = Case.model_validate(data)
    assert only_one.lead_social_worker is not None
    assert only_one.lead_social_worker.id == "sw-patel"  # the only social worker
    data["professionals"].append(
        {"id": "sw-two", "name": "Sam Two", "role": "social_worker", "agency": "X"}
    )
    assert Case.model_validate(data).lead_social_worker is None  # two, none flagged


def test_lead_social_worker_from_the_decision() -> None:
    data = _example_data()
    for pro in data["professionals"]:
        pro.pop("lead_social_worker", None)
    data["professionals"].append(
        {"id": "sw-two", "name": "Sam Two", "role": "social_worker", "agency": "X"}
    )
    data["decision"]["lead_social_worker"] = "sw-two"
    case = Case.model_validate(data)
    assert case.lead_social_worker is not None
    assert case.lead_social_worker.id == "sw-two"


def test_children_known_by() -> None:
    example = load_case(EXAMPLE)
    assert ids(example.children_known_by(example.professional("hv-byrne"))) == ["theo"]
    assert ids(example.children_known_by(example.professional("teacher-ames"))) == ["maya"]
    assert ids(example.children_known_by(example.professional("gp-shah"))) == ["maya", "theo"]
    # `knows` absent: every child
    assert ids(example.children_known_by(example.professional("pc-mensah"))) == ["maya", "theo"]
    review = load_sample("review-step-down")
    # `knows: []`: no child at all, which is not the same as absent
    assert review.children_known_by(review.professional("sms-grant")) == []
    assert ids(review.children_known_by(review.professional("teacher-academy"))) == ["poppy"]
    split = load_sample("split-family-three-fathers")
    assert ids(split.children_known_by(split.professional("teacher-park"))) == ["ruby", "alfie"]
    assert ids(split.children_known_by(split.professional("idva-khan"))) == [
        "ruby",
        "alfie",
        "isla",
    ]


def test_chair_and_name_of() -> None:
    case = load_sample("pre-birth-unborn")
    assert case.chair.id == "chair-nwosu"
    assert case.chair.role is Role.CHAIR
    assert case.name_of("baby") == "the unborn baby"
    assert case.name_of("kai") == "Kai Pryce-Mills"
    assert case.name_of("midwife-oduya") == "Grace Oduya"
    assert case.name_of("nobody") == "nobody"


# -- ages and times ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "child", "age"),
    [
        ("single-child-pre-conference", "ellie", 14),
        ("pre-birth-unborn", "kai", 3),
        ("transfer-in", "bella", 10),
        ("transfer-in", "freddie", 5),
        ("review-step-down", "jayden", 9),
        ("review-step-down", "poppy", 15),
        ("split-family-three-fathers", "ruby", 11),
        ("split-family-three-fathers", "alfie", 7),
        ("split-family-three-fathers", "isla", 2),
        ("part-exclusion-interpreter", "zara", 14),
        ("part-exclusion-interpreter", "omar", 6),
    ],
)
def test_age_on_conference_day(name: str, child: str, age: int) -> None:
    case = load_sample(name)
    assert case.child(child).age_on(case.conference.date) == age


def test_age_on_birthdays() -> None:
    zara = load_sample("part-exclusion-interpreter").child("zara")  # born 2013-03-24
    assert zara.age_on(D("2027-03-23")) == 13
    assert zara.age_on(D("2027-03-24")) == 14
    leap = Child(id="leap", date_of_birth=D("2012-02-29"))
    assert leap.age_on(D("2027-02-28")) == 14
    assert leap.age_on(D("2027-03-01")) == 15
    assert leap.age_on(D("2012-02-29")) == 0


def test_unborn_child() -> None:
    baby = load_sample("pre-birth-unborn").child("baby")
    assert baby.unborn
    assert baby.name is None
    assert baby.date_of_birth is None
    assert baby.expected_birth_date == D("2027-06-30")
    assert baby.age_on(D("2027-02-03")) is None
    assert not baby.mother_medically_fit
    assert not load_sample("pre-birth-unborn").child("kai").unborn


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("single-child-pre-conference", "13:30", "15:00"),
        ("pre-birth-unborn", "09:30", "11:00"),
        ("transfer-in", "14:00", "16:00"),
        ("split-family-three-fathers", "10:00", "12:30"),
    ],
)
def test_conference_end(name: str, start: str, end: str) -> None:
    conference = load_sample(name).conference
    assert conference.start == start
    assert conference.end == end


def test_conference_end_of_the_example_and_past_midnight() -> None:
    assert load_case(EXAMPLE).conference.end == "12:00"
    data = _example_data()
    data["conference"].update(start="23:30", duration_minutes=45)
    assert Case.model_validate(data).conference.end == "00:15"


# -- enumerations against the contract ---------------------------------------------------------

CONTRACT = ROOT / "docs" / "case-format" / "README.md"
ENUMS = {
    "conference.type": ConferenceType,
    "children[].participation": Participation,
    "children[].gender": Gender,
    "people[].relationship": Relationship,
    "professionals[].role": Role,
    "information[].kind": InfoKind,
    "decision.children.*.outcome": Outcome,
    "category": Category,
    "exclusion.extent": ExclusionExtent,
}


def contract_enumerations() -> dict[str, list[str]]:
    """The value lists in the contract's "Enumerations" section, by key."""
    text = CONTRACT.read_text(encoding="utf-8")
    section = text.split("## Enumerations", 1)[1].split("\n## ", 1)[0]
    bullets = re.sub(r"\n  +", " ", section).split("\n- ")
    found: dict[str, list[str]] = {}
    for bullet in bullets:
        for segment in bullet.split("; "):
            match = re.match(r"\s*`([^`]+)`: ([a-z_, ]+)", segment)
            if match:
                values = [v.strip() for v in match.group(2).split(",")]
                found[match.group(1)] = [v for v in values if re.fullmatch(r"[a-z_]+", v)]
    return found


def test_contract_enumerations_are_parsed() -> None:
    found = contract_enumerations()
    assert set(ENUMS) <= set(found), sorted(found)
    assert found["conference.type"] == ["initial", "pre_birth", "transfer_in", "review"]
    assert len(found["professionals[].role"]) == 23  # version 2 adds minute_taker
    assert "solicitor" in found["people[].relationship"]


@pytest.mark.parametrize("key", sorted(ENUMS))
def test_enum_holds_every_contract_value(key: str) -> None:
    values = contract_enumerations()[key]
    assert values
    missing = set(values) - {member.value for member in ENUMS[key]}
    assert not missing, f"{ENUMS[key].__name__} lacks {sorted(missing)}"


def test_exclusion_grounds_are_the_six() -> None:
    assert len(ExclusionGround) == 6
    assert {"violence_or_intimidation", "bail_conditions_or_domestic_abuse"} <= {
        g.value for g in ExclusionGround
    }
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sentence = readme.split("Exclusion grounds are the six criteria", 1)[1].split("\n\n", 1)[0]
    assert set(re.findall(r"`([a-z_]+)`", sentence)) == {g.value for g in ExclusionGround}


def test_example_exclusion_grounds_are_among_the_six() -> None:
    case = load_case(EXAMPLE)
    excluded = [p for p in case.people if p.exclusion is not None]
    assert [p.id for p in excluded] == ["father-theo"]
    grounds = excluded[0].exclusion.grounds  # type: ignore[union-attr]
    assert grounds == [
        ExclusionGround.BAIL_CONDITIONS_OR_DOMESTIC_ABUSE,
        ExclusionGround.VIOLENCE_OR_INTIMIDATION,
    ]
    assert set(grounds) <= set(ExclusionGround)
