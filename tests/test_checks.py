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
from conftest import EXAMPLE
from conftest import run_cli as run

from cpcdocs.authority import Authority, builtin_authorities
from cpcdocs.checks import CODES, Finding, Level, format_findings, run_checks
from cpcdocs.load import load_authority, load_case
from cpcdocs.model import (
    Case,
    ConferenceType,
    ExclusionGround,
    InfoKind,
    Information,
    NotSent,
    Participation,
    Professional,
    QuorumException,
    Role,
    TextItem,
    Venue,
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
        # validated, as a loaded case is: a string where an enum belongs becomes the enum
        items = [
            type(e).model_validate({**e.model_dump(), **updates}) if e.id == entry_id else e
            for e in getattr(case, group)
        ]
        return case.model_copy(update={group: items})

    return change


def exclusion(**updates: Any) -> Callable[[Case], Case]:
    def change(case: Case) -> Case:
        father = case.person("father")
        assert father.exclusion is not None
        changed = type(father.exclusion).model_validate(
            {**father.exclusion.model_dump(), **updates}
        )
        return entry("people", "father", exclusion=changed)(case)

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


def report(author: str, child: str, **updates: Any) -> Callable[[Case], Case]:
    def change(case: Case) -> Case:
        reports = [
            r.model_copy(update=updates) if (r.author, r.child) == (author, child) else r
            for r in case.reports
        ]
        return case.model_copy(update={"reports": reports})

    return change


def drop_report(author: str, child: str) -> Callable[[Case], Case]:
    def change(case: Case) -> Case:
        kept = [r for r in case.reports if (r.author, r.child) != (author, child)]
        return case.model_copy(update={"reports": kept})

    return change


def record(**updates: Any) -> Callable[[Case], Case]:
    def change(case: Case) -> Case:
        assert case.record is not None
        return case.model_copy(update={"record": case.record.model_copy(update=updates)})

    return change


def outcomes(child_id: str, *texts: str | TextItem) -> Callable[[Case], Case]:
    def change(case: Case) -> Case:
        assert case.plan is not None
        items = [TextItem(text=t) if isinstance(t, str) else t for t in texts]
        plan = dict(case.plan)
        plan[child_id] = plan[child_id].model_copy(update={"outcomes": items})
        return case.model_copy(update={"plan": plan})

    return change


def information(*items: Information) -> Callable[[Case], Case]:
    def change(case: Case) -> Case:
        return case.model_copy(update={"information": [*case.information, *items]})

    return change


#: An item about the mother that concerns Skye, whom the excluded father is connected to.
ABOUT_MOTHER = Information(
    id="mother-course",
    children=["skye"],
    about=["mother"],
    kind=InfoKind.FACT,
    text="The mother has started a parenting course at the family centre.",
)
#: The mother's address is withheld from the father: he is kept from her.
SAFE_ADDRESS = entry(
    "people",
    "mother",
    address=["Flat 1, 2 Heron Way", "Northmoor", "NM5 1AA"],
    withhold_address_from=["father"],
)


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
    # Skye's father is excluded because a child asked; Skye (6) is not attending, and Robin
    # is not connected to him.
    "child-request-child-absent": (
        exclusion(grounds=[ExclusionGround.CHILD_REQUEST]),
        BEFORE,
    ),
    # 14:00 for 120 minutes ends at 16:00; Skye (6) lives with her invited mother.
    "conference-after-school-day": (
        both(conference(start="14:00"), entry("children", "skye", lives_with=["mother"])),
        BEFORE,
    ),
    # reports_to_chair is Mon 4 Jan 2027.
    "report-late": (report("pc-hale", "skye", received_on=D(2027, 1, 5)), BEFORE),
    "report-not-received": (drop_report("teacher-ivers", "skye"), D(2027, 1, 5)),
    "report-not-shared-without-agreement": (
        report("pc-hale", "robin", shared_with_family=False),
        BEFORE,
    ),
    # record_days: 15 working days after Wed 6 Jan 2027 is Wed 27 Jan.
    "record-late": (record(approved_on=D(2027, 1, 28)), BEFORE),
    "record-withheld-without-reason": (
        record(not_sent_to=[NotSent(id="father", reason=TextItem(text="  "))]),
        BEFORE,
    ),
    "text-names-person": (
        outcomes("robin", "Robin and Skye are safe and well cared for at home."),
        BEFORE,
    ),
    "safety-to-excluded": (both(SAFE_ADDRESS, information(ABOUT_MOTHER)), BEFORE),
    # The mother's safe address written into the venue: the father's invitation would print it.
    "quotes-withheld": (
        both(
            SAFE_ADDRESS,
            conference(venue=Venue(name="Flat 1, 2 Heron Way", address=["Northmoor"])),
        ),
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
    # The school's teacher and nurse know only Skye: Robin is known to the police alone.
    "inquorate": (
        both(
            entry("professionals", "teacher-ivers", knows=["skye"]),
            entry("professionals", "nurse-ivers", knows=["skye"]),
        ),
        BEFORE,
    ),
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
    "record-withheld-no-reason": (exclusion(receives_record=False), BEFORE),
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
    # ... also once it has been held: a decision, every report and the record are recorded.
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
        "child 'robin': 1 other agency that knows the child is invited (Northmoor Police): a "
        "quorum is children's social care and two other agencies that have had direct contact "
        "with each child; record conference.quorum_exception if an exception applies"
    )
    assert message("pre-birth-conference-late") == (
        "pre-birth conference on Wed 6 Jan 2027 is 25 days after pre_birth_conference_by "
        "(Sat 12 Dec 2026), when the pregnancy reaches 20 weeks; the procedures say a "
        'pre-birth conference is held "as soon as practical and at least 20 weeks into the '
        'pregnancy", and "earlier" when a premature birth is likely: check the timing is '
        "deliberate"
    )
    assert message("child-request-child-absent") == (
        "the exclusion of 'father' rests on child_request, but no child connected to them "
        "attends the conference ('skye'): the ground applies only while the child who asked "
        "is present"
    )
    assert message("conference-after-school-day") == (
        "the conference on Wed 6 Jan 2027 ends at 16:00, after the school day ends (15:00), "
        "and school-age 'skye' (6) live with invited 'mother'"
    )
    assert message("report-late") == (
        "the report of 'pc-hale' on 'skye' was received on Tue 5 Jan 2027 is 1 day after "
        "reports_to_chair (Mon 4 Jan 2027)"
    )
    assert message("report-not-received") == (
        "no report from 'teacher-ivers' on 'skye' is recorded and reports_to_chair was "
        "Mon 4 Jan 2027"
    )
    assert message("report-not-shared-without-agreement") == (
        "the report of 'pc-hale' on 'robin' is not shared with the family and has no "
        "not_shared_reason and no chair_agreed_on: the report must state the reason and the "
        "chair must agree"
    )
    assert message("record-late") == (
        "the record was approved on Thu 28 Jan 2027, 1 day after Wed 27 Jan 2027 "
        "(record_days: 15 working days after the conference)"
    )
    assert message("text-names-person") == (
        "'plan.robin.outcomes.0' names child 'skye' (first name), who is not in its about: "
        "add them to about, or tag it, before it goes out"
    )
    assert message("safety-to-excluded") == (
        "'father' is excluded on violence_or_intimidation grounds and may see "
        "'information.mother-course', which is about 'mother', whom they are kept from: tag "
        "it safety or add 'father' to its withhold_from"
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
    case = case.model_copy(update={"reports": []})
    assert codes(run_checks(case, northmoor, BEFORE)) == ["inquorate", "inquorate"]
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


# -- version 2 checks ------------------------------------------------------------------------------


def test_quorum_is_counted_per_child(compliant: Case, northmoor: Authority) -> None:
    # The police know only Robin; the school knows both: Skye has one agency.
    case = entry("professionals", "pc-hale", knows=["robin"])(compliant)
    found = run_checks(case, northmoor, BEFORE)
    assert codes(found) == ["inquorate"]
    assert found[0].message.startswith("child 'skye': 1 other agency that knows the child is ")
    # Another agency with direct contact with Skye makes her quorate again.
    gp = Professional(id="gp-lowe", name="Dr Ada Lowe", role=Role.GP, agency="Heron Surgery")
    assert run_checks(add_professional(gp)(case), northmoor, BEFORE) == []
    # ... but not one who only knows Robin.
    gp_robin = gp.model_copy(update={"knows": ["robin"]})
    assert codes(run_checks(add_professional(gp_robin)(case), northmoor, BEFORE)) == ["inquorate"]
    # A minute-taker is not an agency, whatever their team.
    clerk = Professional(id="mt-ash", name="Lee Ash", role=Role.MINUTE_TAKER, agency="Minutes")
    assert codes(run_checks(add_professional(clerk)(case), northmoor, BEFORE)) == ["inquorate"]
    # An exception covers every child and names them.
    excepted = conference(quorum_exception=QuorumException.LACK_OF_CONTACT)(case)
    found = run_checks(excepted, northmoor, BEFORE)
    assert codes(found) == ["quorum-exception"]
    assert "'skye'" in found[0].message and "'robin'" not in found[0].message


def test_child_request_needs_the_child_present(compliant: Case, northmoor: Authority) -> None:
    asked = exclusion(grounds=[ExclusionGround.CHILD_REQUEST])
    found = run_checks(asked(compliant), northmoor, BEFORE)
    assert [(f.code, f.path) for f in found] == [
        ("child-request-child-absent", "people[1].exclusion.grounds")
    ]
    # Skye attends part of the conference: the ground can apply.
    for participation in (Participation.ATTEND, Participation.ATTEND_PART):
        present = entry("children", "skye", participation=participation)
        assert run_checks(both(asked, present)(compliant), northmoor, BEFORE) == []
    # Robin attends, but he is not connected to the father: still an error.
    assert codes(run_checks(asked(compliant), northmoor, BEFORE)) == ["child-request-child-absent"]


@pytest.mark.parametrize(
    ("start", "minutes", "dob", "ends", "found"),
    [
        ("13:00", 120, D(2020, 3, 3), "15:00", False),  # ends exactly when school ends
        ("13:00", 121, D(2020, 3, 3), "15:00", True),
        ("14:00", 120, D(2020, 3, 3), "16:00", False),  # the authority's day ends at 16:00
        ("14:00", 120, D(2022, 1, 7), "15:00", False),  # Skye 4: not school age
        ("14:00", 120, D(2022, 1, 6), "15:00", True),  # 5 on the conference day
        ("14:00", 120, D(2010, 1, 7), "15:00", True),  # 16
        ("14:00", 120, D(2010, 1, 6), "15:00", False),  # 17 on the conference day
    ],
)
def test_school_day(
    compliant: Case,
    northmoor: Authority,
    start: str,
    minutes: int,
    dob: dt.date,
    ends: str,
    found: bool,
) -> None:
    case = both(
        conference(start=start, duration_minutes=minutes),
        entry("children", "skye", lives_with=["mother"], date_of_birth=dob),
    )(compliant)
    authority = northmoor.model_copy(update={"school_day_ends": ends})
    got = [
        c
        for c in codes(run_checks(case, authority, BEFORE))
        if c != "child-not-attending-no-reason"
    ]
    assert got == (["conference-after-school-day"] if found else []), got


def test_school_day_needs_an_invited_parent_and_a_school_day(
    compliant: Case, northmoor: Authority
) -> None:
    late = conference(start="14:00")
    # Skye lives with her father, who is fully excluded: nobody to collect her is invited.
    with_father = entry("children", "skye", lives_with=["father"])
    assert run_checks(both(late, with_father)(compliant), northmoor, BEFORE) == []
    # ... with the grandfather, who is not invited.
    with_grandfather = entry("children", "skye", lives_with=["grandfather"])
    assert run_checks(both(late, with_grandfather)(compliant), northmoor, BEFORE) == []
    # With her mother, but on a Saturday (9 Jan 2027): not a school day.
    saturday = both(
        conference(start="14:00", date=D(2027, 1, 9)),
        entry("children", "skye", lives_with=["mother"]),
    )
    assert "conference-after-school-day" not in codes(
        run_checks(saturday(compliant), northmoor, BEFORE)
    )
    # Two school-age children: one finding that names both.
    both_home = both(
        late,
        entry("children", "skye", lives_with=["mother"]),
        entry("children", "robin", lives_with=["mother"]),
    )
    found = [
        f
        for f in run_checks(both_home(compliant), northmoor, BEFORE)
        if f.code == "conference-after-school-day"
    ]
    assert len(found) == 1
    assert "school-age 'robin' (14), 'skye' (6) live with invited 'mother'" in found[0].message


def test_reports(compliant: Case, northmoor: Authority) -> None:
    # On time, shared or not shared with the chair's agreement: nothing.
    assert run_checks(compliant, northmoor, D(2027, 1, 5)) == []
    # Nothing is said of a missing report until reports_to_chair has passed.
    missing = drop_report("sw-brannigan", "robin")
    assert run_checks(missing(compliant), northmoor, D(2027, 1, 4)) == []
    found = run_checks(missing(compliant), northmoor, D(2027, 1, 5))
    assert [(f.code, f.path) for f in found] == [("report-not-received", "reports")]
    # A professional who knows only Robin owes no report on Skye.
    knows = entry("professionals", "pc-hale", knows=["robin"])
    dropped = both(knows, drop_report("pc-hale", "skye"))
    # (Skye is then known to one agency only: inquorate, not a missing report.)
    assert codes(run_checks(dropped(compliant), northmoor, D(2027, 1, 5))) == ["inquorate"]
    # The lead social worker owes one per child, whatever `knows` says.
    lead = both(
        entry("professionals", "sw-brannigan", knows=["robin"]), drop_report("sw-brannigan", "skye")
    )
    assert codes(run_checks(lead(compliant), northmoor, D(2027, 1, 5))) == ["report-not-received"]
    # A chair and a minute-taker owe none.
    clerk = Professional(id="mt-ash", name="Lee Ash", role=Role.MINUTE_TAKER, agency="Minutes")
    assert run_checks(add_professional(clerk)(compliant), northmoor, D(2027, 1, 5)) == []


@pytest.mark.parametrize(
    ("updates", "path", "missing"),
    [
        ({"not_shared_reason": None}, "reports[7].not_shared_reason", "not_shared_reason"),
        (
            {"not_shared_reason": TextItem(text="   ")},
            "reports[7].not_shared_reason",
            "not_shared_reason",
        ),
        ({"chair_agreed_on": None}, "reports[7].chair_agreed_on", "chair_agreed_on"),
    ],
)
def test_not_shared_report_needs_reason_and_agreement(
    compliant: Case, northmoor: Authority, updates: dict[str, Any], path: str, missing: str
) -> None:
    case = report("nurse-ivers", "skye", **updates)(compliant)
    found = run_checks(case, northmoor, BEFORE)
    assert [(f.code, f.path) for f in found] == [("report-not-shared-without-agreement", path)]
    assert f"has no {missing}:" in found[0].message


def test_record_timing(compliant: Case, northmoor: Authority) -> None:
    # Wed 27 Jan 2027 is the last day of record_days; Thu 28 is late.
    on_time = record(approved_on=D(2027, 1, 27))(compliant)
    assert run_checks(on_time, northmoor, D(2027, 2, 1)) == []
    late = record(approved_on=D(2027, 1, 28))(compliant)
    assert codes(run_checks(late, northmoor, BEFORE)) == ["record-late"]
    # A longer local period (20 working days: Wed 3 Feb) makes it on time.
    relaxed = northmoor.model_copy(update={"record_days": 20})
    assert run_checks(late, relaxed, BEFORE) == []
    # No record at all: said only once the period has passed.
    none = compliant.model_copy(update={"record": None})
    assert run_checks(none, northmoor, D(2027, 1, 27)) == []
    found = run_checks(none, northmoor, D(2027, 1, 28))
    assert [(f.code, f.path) for f in found] == [("record-late", "record.approved_on")]
    assert found[0].message == (
        "no approved record by Wed 27 Jan 2027 (record_days: 15 working days after the conference)"
    )
    # Before a decision there is no record to expect.
    assert run_checks(undecided(none), northmoor, D(2027, 1, 6)) == []


def test_record_withheld_reason(compliant: Case, northmoor: Authority) -> None:
    given = record(not_sent_to=[NotSent(id="father", reason=TextItem(text="He is on bail."))])
    assert run_checks(given(compliant), northmoor, BEFORE) == []
    blank = record(
        not_sent_to=[
            NotSent(id="grandfather", reason=TextItem(text="Not connected to the plan.")),
            NotSent(id="father", reason=TextItem(text=" \n ")),
        ]
    )
    found = run_checks(blank(compliant), northmoor, BEFORE)
    assert [(f.code, f.path) for f in found] == [
        ("record-withheld-without-reason", "record.not_sent_to[1].reason")
    ]


# -- text-names-person ----------------------------------------------------------------------------


def named(case: Case, northmoor: Authority) -> list[tuple[str, str]]:
    return [
        (f.path, f.message.split(" names ")[1].split(",")[0])
        for f in run_checks(case, northmoor, BEFORE)
        if f.code == "text-names-person"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Robin is safe.", []),  # his own plan
        ("Robin and Skye are safe.", ["child 'skye' (first name)"]),
        ("Robin's sister Skye Fenwick-Tarrant is safe.", ["child 'skye' (full name)"]),
        ("Skye's nursery reports no concerns.", ["child 'skye' (first name)"]),
        ("Robin sees Ms Fenwick daily.", ["person 'mother' (title and surname)"]),
        ("Robin sees Mr. Tarrant on Sundays.", ["person 'father' (title and surname)"]),
        ("Robin visits Gideon Tarrant.", ["person 'father' (full name)"]),
        ("Robin visits Morwenna Fenwick.", ["person 'mother' (full name)"]),
        # a word that only looks like a name: case matters, whole words only
        ("Robin watches the sky and skye-blue paint dries.", []),
        ("Robin likes the Fenwick-Tarrant allotment.", []),
        ("Robin's mother attends.", []),  # a relationship, not a name
        # a professional's name is not a family member's
        ("Robin meets Harriet Quill.", []),
    ],
)
def test_text_names_person(
    compliant: Case, northmoor: Authority, text: str, expected: list[str]
) -> None:
    case = outcomes("robin", text)(compliant)
    assert [who for _, who in named(case, northmoor)] == expected


def test_text_names_person_respects_about(compliant: Case, northmoor: Authority) -> None:
    text = "Ms Fenwick and Skye go to the family centre."
    about = TextItem(text=text, about=["mother", "skye"])
    assert named(outcomes("robin", about)(compliant), northmoor) == []
    half = TextItem(text=text, about=["mother"])
    assert named(outcomes("robin", half)(compliant), northmoor) == [
        ("plan.robin.outcomes.0", "child 'skye' (first name)")
    ]
    # children: [...] on a text item makes them its own children
    own = TextItem(text=text, about=["mother"], children=["robin", "skye"])
    assert named(outcomes("robin", own)(compliant), northmoor) == []


def test_title_and_surname_shared_by_two_people(compliant: Case, northmoor: Authority) -> None:
    # The grandfather is also a Fenwick: "Mr Fenwick" is his, "Ms Fenwick" could be either
    # when no title is recorded.
    text = TextItem(text="Ms Fenwick visits daily.", about=["mother"])
    assert named(outcomes("robin", text)(compliant), northmoor) == []
    mr = TextItem(text="Mr Fenwick visits daily.", about=["mother"])
    assert named(outcomes("robin", mr)(compliant), northmoor) == [
        ("plan.robin.outcomes.0", "person 'grandfather' (title and surname)")
    ]
    # A recorded title narrows it: the mother is "Mrs", so "Ms Fenwick" is not hers.
    titled = entry("people", "mother", title="Mrs")
    plain = TextItem(text="Ms Fenwick visits daily.", about=["grandfather"])
    case = both(titled, outcomes("robin", plain))(compliant)
    assert named(case, northmoor) == []
    mrs = TextItem(text="Mrs Fenwick visits daily.", about=["grandfather"])
    case = both(titled, outcomes("robin", mrs))(compliant)
    assert named(case, northmoor) == [
        ("plan.robin.outcomes.0", "person 'mother' (title and surname)")
    ]


def test_text_names_person_in_information_and_record(compliant: Case, northmoor: Authority) -> None:
    item = ABOUT_MOTHER.model_copy(update={"text": "Mr Tarrant shouted at Robin's school."})
    case = information(item)(compliant)
    # about the mother, concerns Skye: the father and Robin are both named
    assert named(case, northmoor) == [
        ("information.mother-course", "person 'father' (title and surname)"),
        ("information.mother-course", "child 'robin' (first name)"),
    ]
    sections = compliant.record.sections.model_copy(  # type: ignore[union-attr]
        update={"parents_views": [TextItem(text="Ms Fenwick agreed.", children=["skye"])]}
    )
    found = named(record(sections=sections)(compliant), northmoor)
    assert found == [("record.sections.parents_views.0", "person 'mother' (title and surname)")]


def test_text_findings_never_print_the_text(compliant: Case, northmoor: Authority) -> None:
    secret = "Skye Fenwick-Tarrant told Ms Fenwick about the bruise."
    case = outcomes("robin", secret)(compliant)
    for found in run_checks(case, northmoor, BEFORE):
        assert "bruise" not in found.message and "Fenwick" not in found.message


# -- safety-to-excluded ---------------------------------------------------------------------------


def safety(case: Case, northmoor: Authority) -> list[str]:
    return [f.path for f in run_checks(case, northmoor, BEFORE) if f.code == "safety-to-excluded"]


def test_safety_to_excluded(compliant: Case, northmoor: Authority) -> None:
    base = SAFE_ADDRESS(compliant)
    assert safety(information(ABOUT_MOTHER)(base), northmoor) == ["information.mother-course"]
    # Tagged safety, or withheld from him by the chair: fine.
    tagged = ABOUT_MOTHER.model_copy(update={"tags": ["safety"]})
    assert safety(information(tagged)(base), northmoor) == []
    withheld = ABOUT_MOTHER.model_copy(update={"withhold_from": ["father"]})
    assert safety(information(withheld)(base), northmoor) == []
    # Withheld from him for another reason (a personal tag about the mother): he cannot see it.
    health = ABOUT_MOTHER.model_copy(update={"tags": ["parent_health"]})
    assert safety(information(health)(base), northmoor) == []
    # About Robin's plan only: the father is not connected to Robin and never sees it.
    robin = ABOUT_MOTHER.model_copy(update={"children": ["robin"]})
    assert safety(information(robin)(base), northmoor) == []
    # Nobody keeps their address from him: nothing to protect.
    assert safety(information(ABOUT_MOTHER)(compliant), northmoor) == []
    # Excluded on other grounds only: not this check.
    other = exclusion(grounds=[ExclusionGround.SERIOUS_PREJUDICE])
    assert safety(both(other, information(ABOUT_MOTHER))(base), northmoor) == []


def test_safety_to_excluded_text_items(compliant: Case, northmoor: Authority) -> None:
    base = SAFE_ADDRESS(compliant)
    text = TextItem(text="A panic alarm is fitted at the home.", about=["mother"])
    assert safety(outcomes("skye", text)(base), northmoor) == ["plan.skye.outcomes.0"]
    tagged = text.model_copy(update={"tags": ["safety"]})
    assert safety(outcomes("skye", tagged)(base), northmoor) == []


def test_safety_kept_from_by_the_exclusion_context(compliant: Case, northmoor: Authority) -> None:
    # No safe address, but the exclusion's summary is about the grandfather (or names him).
    text = TextItem(text="The grandfather will drive Skye to nursery.", about=["grandfather"])
    plan = outcomes("skye", text)
    about = exclusion(summary=TextItem(text="Threats were made.", about=["grandfather"]))
    assert safety(both(about, plan)(compliant), northmoor) == ["plan.skye.outcomes.0"]
    names = exclusion(summary=TextItem(text="He threatened Ambrose Fenwick."))
    assert safety(both(names, plan)(compliant), northmoor) == ["plan.skye.outcomes.0"]
    # The summary itself is his own notice's text: never reported against itself.
    assert safety(about(compliant), northmoor) == []


def test_ambiguous_title_and_surname_is_one_finding(compliant: Case, northmoor: Authority) -> None:
    grandfather = compliant.person("grandfather")
    aunt = type(grandfather).model_validate(
        {
            **grandfather.model_dump(),
            "id": "aunt",
            "name": "Bronwen Fenwick",
            "relationship": "aunt",
        }
    )
    case = compliant.model_copy(update={"people": [*compliant.people, aunt]})
    said = outcomes("robin", "Robin sees Ms Fenwick daily.")(case)
    assert named(said, northmoor) == [
        ("plan.robin.outcomes.0", "person 'mother' or 'aunt' (title and surname)")
    ]
    # Ambiguous words in an exclusion's summary do not make anyone "kept from" him.
    summary = exclusion(summary=TextItem(text="He threatened Ms Fenwick."))
    about_aunt = outcomes("skye", TextItem(text="The aunt will help.", about=["aunt"]))
    assert safety(both(summary, about_aunt)(case), northmoor) == []
    full = exclusion(summary=TextItem(text="He threatened Bronwen Fenwick."))
    assert safety(both(full, about_aunt)(case), northmoor) == ["plan.skye.outcomes.0"]


@pytest.mark.parametrize("name", ["example-case.yaml", "example-record.yaml"])
@pytest.mark.parametrize("today", ["2026-12-02", "2027-02-01"])
def test_contract_examples_have_no_errors(name: str, today: str) -> None:
    path = EXAMPLE.parent / name
    code, out, _ = run("check", str(path), "--today", today)
    assert code == 0, out
    assert "ERROR" not in out
    # the chair is told where the texts name people who are not in their about
    assert "WARNING text-names-person: 'plan.maya.contingency'" not in out or name == (
        "example-case.yaml"
    )
