"""Compliance checks: each finding code is triggered by one change to a compliant case.

``cases/check-compliant/case.yaml`` breaks no rule; every test here changes one thing about it
and expects exactly the finding that change should cause, so a check that fires too eagerly
fails as surely as one that never fires.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import run_cli as run

from cpcdocs.authority import Authority, builtin_authorities
from cpcdocs.checks import CODES, Finding, Level, format_findings, run_checks
from cpcdocs.load import load_authority, load_case
from cpcdocs.model import (
    Case,
    ConferenceType,
    Participation,
    Professional,
    QuorumException,
    Role,
)

D = dt.date
CASES = Path(__file__).parent / "cases"
COMPLIANT = CASES / "check-compliant" / "case.yaml"
BEFORE = D(2026, 11, 22)


@pytest.fixture(scope="module")
def northmoor() -> Authority:
    return load_authority(builtin_authorities()["northmoor"])


@pytest.fixture(scope="module")
def compliant() -> Case:
    return load_case(COMPLIANT)


# -- ways to change the compliant case ----------------------------------------------------------


def conference(**updates: Any) -> Callable[[Case], Case]:
    def change(case: Case) -> Case:
        return case.model_copy(update={"conference": case.conference.model_copy(update=updates)})

    return change


def decision(**updates: Any) -> Callable[[Case], Case]:
    def change(case: Case) -> Case:
        assert case.decision is not None
        return case.model_copy(update={"decision": case.decision.model_copy(update=updates)})

    return change


def child_decision(child_id: str, **updates: Any) -> Callable[[Case], Case]:
    def change(case: Case) -> Case:
        assert case.decision is not None
        children = dict(case.decision.children)
        children[child_id] = children[child_id].model_copy(update=updates)
        return decision(children=children)(case)

    return change


def entry(group: str, entry_id: str, **updates: Any) -> Callable[[Case], Case]:
    def change(case: Case) -> Case:
        items = [
            e.model_copy(update=updates) if e.id == entry_id else e for e in getattr(case, group)
        ]
        return case.model_copy(update={group: items})

    return change


def exclusion(**updates: Any) -> Callable[[Case], Case]:
    def change(case: Case) -> Case:
        father = case.person("father")
        assert father.exclusion is not None
        return entry("people", "father", exclusion=father.exclusion.model_copy(update=updates))(
            case
        )

    return change


def professionals(*ids: str, extra: list[Professional] | None = None) -> Callable[[Case], Case]:
    def change(case: Case) -> Case:
        kept = [p for p in case.professionals if p.id in ids]
        return case.model_copy(update={"professionals": kept + (extra or [])})

    return change


def add_professional(extra: Professional) -> Callable[[Case], Case]:
    def change(case: Case) -> Case:
        return case.model_copy(update={"professionals": [*case.professionals, extra]})

    return change


def drop_plan(child_id: str) -> Callable[[Case], Case]:
    def change(case: Case) -> Case:
        assert case.plan is not None
        plan = {k: v for k, v in case.plan.items() if k != child_id}
        return case.model_copy(update={"plan": plan})

    return change


def undecided(case: Case) -> Case:
    return case.model_copy(update={"decision": None, "plan": None})


def both(*changes: Callable[[Case], Case]) -> Callable[[Case], Case]:
    def change(case: Case) -> Case:
        for one in changes:
            case = one(case)
        return case

    return change


REVIEW = conference(
    type=ConferenceType.REVIEW,
    strategy_discussion_date=None,
    previous_conference_date=D(2026, 10, 5),
    previous_conference_type=ConferenceType.INITIAL,
)
SECOND_SOCIAL_WORKER = Professional(
    id="sw-osei",
    name="Ama Osei",
    role=Role.SOCIAL_WORKER,
    agency="Northmoor Children's Social Care",
)

#: code -> (the change that should trigger it and nothing else, today)
SCENARIOS: dict[str, tuple[Callable[[Case], Case], dt.date]] = {
    # Fri 11 Dec + 15 working days is Wed 6 Jan 2027; Thu 7 Jan is a day late.
    "conference-late": (conference(date=D(2027, 1, 7)), BEFORE),
    # Previous initial conference Mon 5 Oct 2026 + 3 months = Tue 5 Jan 2027.
    "review-conference-late": (REVIEW, BEFORE),
    # Expected Sat 1 May 2027 less 20 weeks is Sat 12 Dec 2026: the conference is after it.
    "pre-birth-conference-late": (
        conference(type=ConferenceType.PRE_BIRTH, expected_birth_date=D(2027, 5, 1)),
        BEFORE,
    ),
    "timescale-start-missing": (conference(strategy_discussion_date=None), BEFORE),
    # Fri 1 Jan 2027 is New Year's Day (core group then due by Fri 15 Jan, review by 1 Apr).
    "conference-not-working-day": (
        both(
            conference(date=D(2027, 1, 1)),
            decision(core_group_date=D(2027, 1, 14), review_date=D(2027, 4, 1)),
        ),
        BEFORE,
    ),
    "inquorate": (professionals("chair-quill", "sw-brannigan", "pc-hale"), BEFORE),
    "quorum-exception": (
        both(
            professionals("chair-quill", "sw-brannigan", "pc-hale"),
            conference(quorum_exception=QuorumException.LACK_OF_CONTACT),
        ),
        BEFORE,
    ),
    "decision-inquorate": (decision(quorate=False), BEFORE),
    "no-lead-social-worker": (
        both(
            undecided,
            entry("professionals", "sw-brannigan", lead_social_worker=False),
            add_professional(SECOND_SOCIAL_WORKER),
        ),
        BEFORE,
    ),
    "plan-without-category": (child_decision("robin", category=None), BEFORE),
    "plan-missing": (drop_plan("robin"), BEFORE),
    # core_group_latest is Wed 20 Jan 2027; review_latest Tue 6 Apr 2027.
    "core-group-late": (decision(core_group_date=D(2027, 1, 21)), BEFORE),
    "core-group-date-missing": (decision(core_group_date=None), BEFORE),
    "review-date-late": (decision(review_date=D(2027, 4, 7)), BEFORE),
    "review-date-missing": (decision(review_date=None), BEFORE),
    # exclusion_request_latest is Thu 31 Dec 2026.
    "exclusion-request-late": (exclusion(requested_on=D(2027, 1, 4)), BEFORE),
    "exclusion-no-grounds": (exclusion(grounds=[]), BEFORE),
    "excluded-parent-no-views-route": (exclusion(views_routes=[]), BEFORE),
    "child-not-attending-no-reason": (
        entry("children", "robin", participation=Participation.NOT_ATTENDING),
        BEFORE,
    ),
    "no-interpreter": (entry("people", "mother", interpreter=None), BEFORE),
    "transfer-in-no-originating-authority": (
        conference(
            type=ConferenceType.TRANSFER_IN,
            strategy_discussion_date=None,
            transfer_accepted_date=D(2026, 12, 11),
        ),
        BEFORE,
    ),
    "pr-not-invited": (entry("people", "mother", invite=False), BEFORE),
    # The conference was Wed 6 Jan 2027; on Thu 7 Jan no decision is recorded.
    "decision-missing": (undecided, D(2027, 1, 7)),
}


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def names_in(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    names = [
        e["name"]
        for group in ("children", "people", "professionals")
        for e in data.get(group, [])
        if e.get("name")
    ]
    parts = {part for name in names for part in name.replace("-", " ").split() if len(part) > 3}
    return sorted({*names, *parts, "Ama Osei"})


# -- the library -----------------------------------------------------------------------------------


def test_compliant_case_has_no_findings(compliant: Case, northmoor: Authority) -> None:
    assert run_checks(compliant, northmoor, BEFORE) == []
    # ... also once it has been held: a decision is recorded.
    assert run_checks(compliant, northmoor, D(2027, 2, 1)) == []


def test_every_code_has_a_scenario() -> None:
    assert set(SCENARIOS) == set(CODES)


@pytest.mark.parametrize("code", sorted(SCENARIOS))
def test_each_finding(compliant: Case, northmoor: Authority, code: str) -> None:
    change, today = SCENARIOS[code]
    findings = run_checks(change(compliant), northmoor, today)
    assert codes(findings) == [code], [str(f) for f in findings]
    found = findings[0]
    assert found.level is CODES[code].level
    assert found.rule == CODES[code].rule
    assert found.rule and found.message
    for name in names_in(COMPLIANT):
        assert name not in found.message, name


def test_messages(compliant: Case, northmoor: Authority) -> None:
    def message(code: str) -> str:
        change, today = SCENARIOS[code]
        return run_checks(change(compliant), northmoor, today)[0].message

    assert message("conference-late") == (
        "initial conference on Thu 7 Jan 2027 is 1 day after conference_latest (Wed 6 Jan 2027)"
    )
    assert message("review-conference-late") == (
        "review conference on Wed 6 Jan 2027 is 1 day after conference_latest (Tue 5 Jan 2027)"
    )
    assert message("conference-not-working-day") == (
        "the conference is booked on Fri 1 Jan 2027, New Year's Day"
    )
    assert message("inquorate") == (
        "1 other agencies are invited (Northmoor Police): a quorum is children's social care "
        "and two other agencies; record conference.quorum_exception if an exception applies"
    )
    assert message("child-not-attending-no-reason") == (
        "child 'robin' is 14 on the conference date, not attending, and no "
        "not_attending_reason is recorded"
    )
    assert message("no-interpreter") == (
        "person 'mother' has first language Welsh and no interpreter recorded"
    )
    assert message("pr-not-invited") == (
        "'mother' holds parental responsibility for 'robin', 'skye' but is neither invited "
        "nor excluded"
    )


def test_quorum_counts_agencies_not_people(compliant: Case, northmoor: Authority) -> None:
    # Teacher and school nurse are one agency (Moorside High School): with the police that is
    # two, which is quorate; without the police it is one.
    case = professionals("chair-quill", "sw-brannigan", "teacher-ivers", "nurse-ivers")(compliant)
    assert codes(run_checks(case, northmoor, BEFORE)) == ["inquorate"]
    # A team manager counts as children's social care; without any, even four agencies fail.
    no_social_care = professionals("chair-quill", "pc-hale", "teacher-ivers")(compliant)
    no_social_care = undecided(no_social_care)
    found = run_checks(no_social_care, northmoor, BEFORE)
    assert "inquorate" in codes(found)
    assert "no social worker or team manager is invited" in found[0].message
    # The chair never counts, whatever agency the chair is from.
    police_chair = entry("professionals", "chair-quill", agency="Northmoor Police Two")(compliant)
    assert run_checks(police_chair, northmoor, BEFORE) == []


def test_interpreter_for_a_child(compliant: Case, northmoor: Authority) -> None:
    case = entry("children", "skye", first_language="Polish")(compliant)
    found = run_checks(case, northmoor, BEFORE)
    assert codes(found) == ["no-interpreter"]
    assert found[0].path == "children[1].interpreter"
    english = entry("people", "mother", first_language=" english ", interpreter=None)(compliant)
    assert run_checks(english, northmoor, BEFORE) == []


def test_younger_child_not_attending_needs_no_reason(compliant: Case, northmoor: Authority) -> None:
    # Skye is 6 and already not attending with no reason recorded: no finding. At 11 years
    # 364 days neither; on the 12th birthday, yes.
    assert run_checks(compliant, northmoor, BEFORE) == []
    day_before = entry(
        "children",
        "robin",
        participation=Participation.NOT_ATTENDING,
        date_of_birth=D(2015, 1, 7),
    )(compliant)
    assert run_checks(day_before, northmoor, BEFORE) == []
    birthday = entry(
        "children",
        "robin",
        participation=Participation.NOT_ATTENDING,
        date_of_birth=D(2015, 1, 6),
    )(compliant)
    assert codes(run_checks(birthday, northmoor, BEFORE)) == ["child-not-attending-no-reason"]


def test_part_exclusion_needs_no_views_route(compliant: Case, northmoor: Authority) -> None:
    case = exclusion(extent="part", views_routes=[])(compliant)
    assert run_checks(case, northmoor, BEFORE) == []


def test_decision_missing_only_after_the_conference(compliant: Case, northmoor: Authority) -> None:
    case = undecided(compliant)
    assert run_checks(case, northmoor, D(2027, 1, 6)) == []
    assert codes(run_checks(case, northmoor, D(2027, 1, 7))) == ["decision-missing"]


def test_errors_sort_first(compliant: Case, northmoor: Authority) -> None:
    case = both(exclusion(views_routes=[], grounds=[]), decision(quorate=False))(compliant)
    found = run_checks(case, northmoor, BEFORE)
    assert [f.level for f in found] == [Level.ERROR, Level.ERROR, Level.WARNING]
    assert codes(found) == [
        "decision-inquorate",
        "exclusion-no-grounds",
        "excluded-parent-no-views-route",
    ]


def test_finding_is_frozen_and_prints_one_line() -> None:
    finding = Finding(Level.ERROR, "plan-missing", "child 'x' has no plan", "a rule", "plan.x")
    assert str(finding) == "ERROR plan-missing: child 'x' has no plan (a rule)"
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.code = "other"  # type: ignore[misc]
    assert (
        format_findings("REF-1", [finding]).splitlines()[-1] == "REF-1: 1 error, 0 warnings, 0 info"
    )
    assert format_findings("REF-1", []) == "REF-1: no findings"


def test_codes_are_stable_kebab_case() -> None:
    for code, spec in CODES.items():
        assert code == code.lower() and " " not in code and "_" not in code
        assert spec.meaning and spec.rule
        assert isinstance(spec.level, Level)


# -- the command -------------------------------------------------------------------------------


def write_case(tmp_path: Path, old: str, new: str) -> Path:
    text = COMPLIANT.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "case.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_cli_clean_case_exits_0() -> None:
    code, out, _ = run("check", str(COMPLIANT), "--today", "2026-11-22")
    assert code == 0
    assert out == "NM-2026-0901: no findings\n"


def test_cli_errors_exit_1(tmp_path: Path) -> None:
    path = write_case(tmp_path, "quorate: true", "quorate: false")
    code, out, _ = run("check", str(path), "--today", "2026-11-22")
    assert code == 1
    assert out.splitlines() == [
        "ERROR decision-inquorate: decision.quorate is false: the conference was not quorate "
        f"({CODES['decision-inquorate'].rule})",
        "NM-2026-0901: 1 error, 0 warnings, 0 info",
    ]


def test_cli_warnings_alone_exit_0(tmp_path: Path) -> None:
    path = write_case(tmp_path, "    interpreter: Welsh\n", "")
    code, out, _ = run("check", str(path), "--today", "2026-11-22")
    assert code == 0
    assert out.startswith("WARNING no-interpreter: ")
    assert out.splitlines()[-1] == "NM-2026-0901: 0 errors, 1 warning, 0 info"


def test_cli_json(tmp_path: Path) -> None:
    path = write_case(tmp_path, "core_group_date: 2027-01-20", "core_group_date: 2027-01-21")
    code, out, _ = run("check", str(path), "--today", "2026-11-22", "--format", "json")
    assert code == 1
    payload = json.loads(out)
    assert payload == {
        "case": "NM-2026-0901",
        "findings": [
            {
                "level": "error",
                "code": "core-group-late",
                "message": "decision.core_group_date Thu 21 Jan 2027 is 1 day after "
                "core_group_latest (Wed 20 Jan 2027)",
                "rule": CODES["core-group-late"].rule,
                "path": "decision.core_group_date",
            }
        ],
    }


def test_cli_today_matters(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    data = COMPLIANT.read_text(encoding="utf-8")
    path.write_text(data.split("\ndecision:")[0] + "\n", encoding="utf-8")
    assert run("check", str(path), "--today", "2027-01-06")[0] == 0
    code, out, _ = run("check", str(path), "--today", "2027-01-07")
    assert code == 0  # a warning
    assert out.startswith("WARNING decision-missing: ")


def test_cli_invalid_input_exits_2(tmp_path: Path) -> None:
    path = write_case(tmp_path, "type: initial", "type: initiall")
    code, out, err = run("check", str(path))
    assert code == 2
    assert out == ""
    assert "conference.type" in err
    assert run("check", str(COMPLIANT), "--today", "tomorrow")[0] == 2


@pytest.mark.parametrize(
    ("change", "paths"),
    [
        (
            conference(
                type=ConferenceType.TRANSFER_IN,
                strategy_discussion_date=None,
                originating_authority="Eastfold",
            ),
            ["conference.transfer_accepted_date"],
        ),
        (
            both(REVIEW, conference(previous_conference_type=None)),
            ["conference.previous_conference_type"],
        ),
        (
            both(REVIEW, conference(previous_conference_date=None, previous_conference_type=None)),
            ["conference.previous_conference_date", "conference.previous_conference_type"],
        ),
        # A pre-birth conference about born children with no expected birth date anywhere.
        (conference(type=ConferenceType.PRE_BIRTH), ["conference.expected_birth_date"]),
    ],
)
def test_timescale_start_missing_names_the_field(
    compliant: Case, northmoor: Authority, change: Callable[[Case], Case], paths: list[str]
) -> None:
    found = run_checks(change(compliant), northmoor, BEFORE)
    assert [(f.code, f.path) for f in found] == [("timescale-start-missing", p) for p in paths]
