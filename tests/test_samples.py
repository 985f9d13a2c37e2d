"""The samples are what later tests (redaction, rendering, timelines) build on: pin their shape.

Each sample must keep exercising what its header says, respect the contract's clocks (checked
here with an independent working-day count, England bank holidays) and carry a varied
``information`` list, or the redaction tests that use it would pass for the wrong reason.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import holidays
import pytest
from conftest import EXAMPLE, ROOT, SAMPLES, run_cli

from cpcdocs.load import load_case, load_yaml
from cpcdocs.model import (
    PERSONAL_TAGS,
    Case,
    ConferenceType,
    ExclusionExtent,
    Outcome,
    Participation,
    QuorumException,
    Relationship,
)

D = dt.date.fromisoformat
RECORD_EXAMPLE = ROOT / "docs" / "case-format" / "example-record.yaml"
#: The samples that are the contract's two examples (the same case, NM-2026-0412, before and
#: after its conference) are pinned to the contract files; the others are ours to shape.
CONTRACT_SAMPLES = {"example-initial.yaml", "example-record.yaml"}
NEW_SAMPLES = [p for p in SAMPLES if p.name not in CONTRACT_SAMPLES]
REDACTION_TAGS = {
    "police_investigation",
    "third_party",
    "chair_confidential",
    "parent_health",
    "substance_misuse",
    "criminal_history",
    "sexual_history",
    "immigration",
    "mash_intelligence",
}
_BANK_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG", years=range(2026, 2028))


def working_days(start: dt.date, count: int) -> dt.date:
    """``count`` working days after ``start`` (negative: before), day 1 the first after it."""
    step = 1 if count > 0 else -1
    day, left = start, abs(count)
    while left:
        day += dt.timedelta(days=step)
        if day.weekday() < 5 and day not in _BANK_HOLIDAYS:
            left -= 1
    return day


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def load_sample(name: str) -> Case:
    return load_case(ROOT / "samples" / f"{name}.yaml")


def test_working_day_helper_counts_bank_holidays() -> None:
    # the helper the clock checks rely on, against dates worked out by hand
    assert working_days(D("2026-12-11"), 15) == D("2027-01-06")  # the contract example
    assert working_days(D("2026-12-16"), 15) == D("2027-01-11")
    assert working_days(D("2027-03-24"), 5) == D("2027-04-02")  # across Easter
    assert working_days(D("2027-01-06"), -3) == D("2026-12-31")


def test_example_sample_is_the_contract_example_byte_for_byte() -> None:
    # Contract version 2: the sample is the contract's example plus an ``issued:`` block (so
    # every stage it is ready for renders on any day), appended after a blank line.
    sample = (ROOT / "samples" / "example-initial.yaml").read_text(encoding="utf-8")
    contract = EXAMPLE.read_text(encoding="utf-8")
    assert sample.startswith(contract)
    added = sample[len(contract) :]
    assert added.startswith("\n# ")
    assert "\nissued:\n" in added
    assert set(load_yaml(ROOT / "samples" / "example-initial.yaml").data) - set(
        load_yaml(EXAMPLE).data
    ) == {"issued"}
    issued = load_case(ROOT / "samples" / "example-initial.yaml").issued
    assert issued is not None


def test_record_sample_is_the_contract_record_example_but_for_its_first_line() -> None:
    sample = (ROOT / "samples" / "example-record.yaml").read_text(encoding="utf-8")
    contract = RECORD_EXAMPLE.read_text(encoding="utf-8")
    head, _, rest = sample.partition("\n")
    assert head.startswith("# Sample (the contract's example-record.yaml): ")
    assert rest == contract.partition("\n")[2]
    assert "\nissued:\n" in rest


def test_samples_are_the_seven_named() -> None:
    assert {p.name for p in SAMPLES} >= {
        "example-initial.yaml",
        "single-child-pre-conference.yaml",
        "pre-birth-unborn.yaml",
        "transfer-in.yaml",
        "review-step-down.yaml",
        "split-family-three-fathers.yaml",
        "part-exclusion-interpreter.yaml",
    }


def test_references_are_distinct_and_authority_is_northmoor() -> None:
    # example-initial and example-record are one case (NM-2026-0412) at two moments, so they
    # share a reference on purpose; every other sample has its own.
    cases = {p.name: load_case(p) for p in SAMPLES}
    initial, record = cases.pop("example-initial.yaml"), cases.pop("example-record.yaml")
    assert initial.case.reference == record.case.reference == "NM-2026-0412"
    references = [c.case.reference for c in cases.values()] + [initial.case.reference]
    assert len(set(references)) == len(references), references
    assert {c.case.authority for c in [*cases.values(), initial, record]} == {"northmoor"}


def test_validate_accepts_every_sample_in_one_run() -> None:
    status, out, err = run_cli("validate", *SAMPLES)
    assert (status, err) == (0, "")
    assert len(out.splitlines()) == len(SAMPLES)
    assert all(": ok (" in line for line in out.splitlines())


@pytest.mark.parametrize("path", NEW_SAMPLES, ids=lambda p: p.stem)
def test_sample_header_says_what_it_exercises(path: Path) -> None:
    head = path.read_text(encoding="utf-8").split("\ncase:", 1)[0]
    assert head.startswith("# Sample: ")
    assert "# Exercises: " in head
    assert "fictional" in head.lower()


@pytest.mark.parametrize("path", NEW_SAMPLES, ids=lambda p: p.stem)
def test_new_samples_meet_in_the_first_quarter_of_2027(path: Path) -> None:
    assert D("2027-01-01") <= load_case(path).conference.date <= D("2027-03-31")


# -- the contract's clocks -----------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_conference_within_its_timescale(path: Path) -> None:
    conference = load_case(path).conference
    if conference.type in (ConferenceType.INITIAL, ConferenceType.PRE_BIRTH):
        start = conference.strategy_discussion_date
        assert start is not None
        latest = working_days(start, 15)
    elif conference.type is ConferenceType.TRANSFER_IN:
        start = conference.transfer_accepted_date
        assert start is not None
        latest = working_days(start, 15)
    else:
        start = conference.previous_conference_date
        assert start is not None
        assert conference.previous_conference_type is not None
        months = 6 if conference.previous_conference_type is ConferenceType.REVIEW else 3
        latest = add_months(start, months)
    assert start < conference.date <= latest


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_exclusions_requested_in_time(path: Path) -> None:
    case = load_case(path)
    for person in case.people:
        exclusion = person.exclusion
        if exclusion is None:
            continue
        assert exclusion.requested_on is not None
        assert exclusion.decided_on is not None
        assert exclusion.requested_on <= working_days(case.conference.date, -3), person.id
        assert exclusion.requested_on <= exclusion.decided_on < case.conference.date


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_decision_dates_in_time(path: Path) -> None:
    case = load_case(path)
    if case.decision is None:
        assert case.plan is None
        return
    day = case.conference.date
    months = 6 if case.conference.type is ConferenceType.REVIEW else 3
    assert case.decision.core_group_date is not None
    assert day < case.decision.core_group_date <= working_days(day, 10)
    assert case.decision.review_date is not None
    assert day < case.decision.review_date <= add_months(day, months)
    for child_plan in (case.plan or {}).values():
        for action in child_plan.actions:
            assert action.by == "ongoing" or (isinstance(action.by, dt.date) and action.by > day)


# -- information: enough variety for the redaction tests ---------------------------------------


@pytest.mark.parametrize("path", NEW_SAMPLES, ids=lambda p: p.stem)
def test_information_is_rich(path: Path) -> None:
    case = load_case(path)
    raw = load_yaml(path).data["information"]
    assert len(case.information) >= 8
    assert all("about" in item for item in raw), "every item says who it is about"
    assert {i.kind.value for i in case.information} == {"fact", "allegation", "opinion"}
    tags = {t for i in case.information for t in i.tags}
    assert len(tags & REDACTION_TAGS) >= 6, sorted(tags)
    assert any(not i.tags for i in case.information), "some items every reader may see"
    for item in case.information:
        if PERSONAL_TAGS & set(item.tags):
            assert item.about, f"{item.id}: a personal tag needs `about`"


def test_every_redaction_tag_is_used_by_some_sample() -> None:
    used = {t for p in NEW_SAMPLES for i in load_case(p).information for t in i.tags}
    assert used >= REDACTION_TAGS


# -- what each sample is for --------------------------------------------------------------------


def test_single_child_pre_conference() -> None:
    case = load_sample("single-child-pre-conference")
    assert case.conference.type is ConferenceType.INITIAL
    assert case.decision is None
    assert case.plan is None
    [child] = case.children
    assert child.age_on(case.conference.date) == 14
    assert child.participation is Participation.ATTEND
    assert child.advocate is not None
    advocate = case.person(child.advocate)
    assert advocate.relationship is Relationship.ADVOCATE
    assert advocate.supports == [child.id]


def test_pre_birth_unborn() -> None:
    case = load_sample("pre-birth-unborn")
    conference = case.conference
    assert conference.type is ConferenceType.PRE_BIRTH
    assert conference.quorum_exception is QuorumException.PRE_BIRTH
    assert conference.expected_birth_date is not None
    [unborn] = [c for c in case.children if c.unborn]
    raw = next(c for c in load_yaml(ROOT / "samples/pre-birth-unborn.yaml").data["children"])
    assert "name" not in raw
    assert "date_of_birth" not in raw
    assert unborn.expected_birth_date == conference.expected_birth_date
    twenty_weeks = conference.expected_birth_date - dt.timedelta(weeks=20)
    assert conference.date <= twenty_weeks
    [sibling] = [c for c in case.children if not c.unborn]
    assert sibling.age_on(conference.date) == 3
    assert case.decision is None


def test_transfer_in() -> None:
    case = load_sample("transfer-in")
    assert case.conference.type is ConferenceType.TRANSFER_IN
    assert case.conference.transfer_accepted_date is not None
    assert case.conference.originating_authority
    assert case.conference.originating_authority != "Northmoor Borough Council"
    assert len(case.children) == 2


def test_review_step_down() -> None:
    case = load_sample("review-step-down")
    assert case.conference.type is ConferenceType.REVIEW
    assert case.conference.previous_conference_type is ConferenceType.INITIAL
    assert case.decision is not None
    outcomes = {k: v.outcome for k, v in case.decision.children.items()}
    assert outcomes == {
        "jayden": Outcome.CHILD_PROTECTION_PLAN,
        "poppy": Outcome.CHILD_IN_NEED_PLAN,
    }
    assert set(case.plan or {}) == {"jayden"}
    [dissent] = case.decision.dissent
    assert dissent.professional in {p.id for p in case.professionals}


def test_split_family_three_fathers() -> None:
    case = load_sample("split-family-three-fathers")
    fathers = [p for p in case.people if p.relationship is Relationship.FATHER]
    assert len(fathers) == 3
    own = {f.id: [c.id for c in case.pr_children(f.id)] for f in fathers}
    assert sorted(len(v) for v in own.values()) == [1, 1, 1]
    assert sorted(c for children in own.values() for c in children) == sorted(
        c.id for c in case.children
    )
    assert [c.id for c in case.pr_children("mother")] == [c.id for c in case.children]
    assert sorted(case.person("mother").withhold_address_from) == ["father-dean", "father-tyler"]
    [excluded] = [p for p in case.people if p.exclusion is not None]
    assert excluded.exclusion is not None
    assert excluded.exclusion.extent is ExclusionExtent.FULL
    assert excluded.exclusion.grounds
    assert excluded.exclusion.views_routes
    assert case.decision is not None
    assert set(case.decision.children) == set(case.plan or {}) == {c.id for c in case.children}
    by_tag = {(tag, who) for i in case.information for tag in i.tags for who in i.about}
    assert ("criminal_history", "father-craig") in by_tag
    assert ("substance_misuse", "father-dean") in by_tag
    assert ("police_investigation", "father-tyler") in by_tag
    # items tagged about one father concern only that father's child (the chair's own risk
    # note about Tyler Brook concerns every child and no parent sees it)
    for item in case.information:
        for father, children in own.items():
            if item.about == [father] and "chair_confidential" not in item.tags:
                assert item.children == children, item.id
    assert any(len(i.children) < len(case.children) for i in case.information)


def test_part_exclusion_interpreter() -> None:
    case = load_sample("part-exclusion-interpreter")
    [excluded] = [p for p in case.people if p.exclusion is not None]
    exclusion = excluded.exclusion
    assert exclusion is not None
    assert exclusion.extent is ExclusionExtent.PART
    assert exclusion.part_description
    assert exclusion.grounds
    assert exclusion.views_routes
    [speaker] = [p for p in case.people if p.interpreter]
    assert speaker.id != excluded.id
    assert (speaker.first_language, speaker.interpreter) == ("Urdu", "Urdu")
    assert case.pr_children(speaker.id)
    # Zara (14 on the very day, so "12 or over" lands on a birthday) asked that her father is
    # not there while she is: since the sample's last revision she attends part of the
    # conference rather than giving her views in writing.
    [zara] = [c for c in case.children if c.id == "zara"]
    assert zara.participation is Participation.ATTEND_PART
    assert zara.age_on(case.conference.date) == 14
    assert zara.date_of_birth is not None
    assert (zara.date_of_birth.month, zara.date_of_birth.day) == (
        case.conference.date.month,
        case.conference.date.day,
    )
