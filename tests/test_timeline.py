"""Timescales: the working-day calendar, every rule, and the ``timeline`` command.

Every expected date below was worked out by hand from a printed calendar and the bank holidays
published on gov.uk, never by calling the code under test. The counts are written out in the
comments so that a reviewer can check them without running anything.

Bank holidays used (Mon = Monday):
  England and Wales 2026: Fri 25 Dec, Mon 28 Dec (Boxing Day substitute).
  England and Wales 2027: Fri 1 Jan, Fri 26 Mar (Good Friday), Mon 29 Mar (Easter Monday),
    Mon 3 May, Mon 31 May, Mon 30 Aug (last Monday), Mon 27 Dec, Tue 28 Dec.
  Scotland 2026: Mon 30 Nov (St Andrew's Day), Fri 25 Dec, Mon 28 Dec.
  Scotland 2027: Fri 1 Jan, Mon 4 Jan (2 January substitute), Fri 26 Mar (no Easter Monday),
    Mon 3 May, Mon 31 May, Mon 2 Aug (first Monday), Tue 30 Nov, Mon 27 Dec, Tue 28 Dec.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import icalendar
import pytest
import yaml
from click.testing import CliRunner
from conftest import run_cli as run

from cpcdocs.authority import Authority, Nation, builtin_authorities
from cpcdocs.cli import main
from cpcdocs.kinds import Stage
from cpcdocs.load import load_authority, load_case
from cpcdocs.model import (
    Case,
    ChildDecision,
    ConferenceType,
    Decision,
    Issued,
    Outcome,
    Record,
)
from cpcdocs.stages import stage_window
from cpcdocs.timeline import (
    PRE_BIRTH_TIMING,
    Deadline,
    WorkingCalendar,
    add_months,
    amendments_latest,
    calendar_for,
    compute_timeline,
    deadlines,
)

D = dt.date
CASES = Path(__file__).parent / "cases"
COMPLIANT = CASES / "check-compliant" / "case.yaml"

CONTRACT_KEYS = {
    "conference_latest",
    "exclusion_request_latest",
    "pre_birth_conference_by",
    "reports_to_chair",
    "reports_shared_with_family",
    "decision_and_plan_sent",
    "written_decision_latest",
    "core_group_latest",
    "plan_discussed_with_parents",
    "review_latest",
    "amendments_latest",
    "pre_birth_review_after_birth",
}


# -- fixtures and helpers --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def northmoor() -> Authority:
    return load_authority(builtin_authorities()["northmoor"])


def nation(authority: Authority, which: str) -> Authority:
    return authority.model_copy(update={"nation": Nation(which)})


@pytest.fixture(scope="module")
def compliant() -> Case:
    return load_case(COMPLIANT)


def conference(case: Case, **updates: Any) -> Case:
    return case.model_copy(update={"conference": case.conference.model_copy(update=updates)})


def undecided(case: Case) -> Case:
    return case.model_copy(update={"decision": None, "plan": None})


def without_exclusions(case: Case) -> Case:
    people = [p.model_copy(update={"exclusion": None}) for p in case.people]
    return case.model_copy(update={"people": people})


def decided(case: Case, *, core_group: dt.date | None = None) -> Case:
    """Every child on a plan (the plans themselves do not affect dates)."""
    decision = Decision(
        quorate=True,
        children={
            c.id: ChildDecision(outcome=Outcome.CHILD_PROTECTION_PLAN, category="neglect")
            for c in case.children
        },
        lead_social_worker="sw-brannigan",
        core_group_date=core_group,
    )
    return case.model_copy(update={"decision": decision})


def dates(case: Case, authority: Authority) -> dict[str, dt.date]:
    return {key: d.due for key, d in deadlines(case, authority).items()}


def pre_birth(case: Case, *, born: dt.date | None = None, fit: bool = True) -> Case:
    """The compliant case turned into a pre-birth conference about one (un)born baby."""
    baby = case.children[1].model_copy(
        update={
            "id": "baby",
            "name": None,
            "date_of_birth": born,
            "expected_birth_date": D(2027, 8, 26),
            "mother_medically_fit": fit,
        }
    )
    case = case.model_copy(update={"children": [baby]})
    return conference(
        undecided(without_exclusions(case)),
        type=ConferenceType.PRE_BIRTH,
        date=D(2027, 3, 30),
        strategy_discussion_date=D(2027, 3, 12),
    )


def run_raw(*args: str) -> tuple[int, str]:
    """Run ``cpcdocs`` through :func:`cpcdocs.cli.main` keeping stdout byte for byte.

    ``conftest.run_cli`` goes through ``Result.stdout``, which turns CRLF into LF; the
    iCalendar tests need to see the CRLF line endings themselves.
    """
    runner = CliRunner()
    with runner.isolation() as streams:
        try:
            main(list(args))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        else:  # pragma: no cover - main always exits
            code = 0
        out = streams[0].getvalue()
    return code, out.decode()


# -- the holidays package, checked against gov.uk before it is trusted -----------------------------

ENGLAND_2027 = [
    D(2027, 1, 1),
    D(2027, 3, 26),
    D(2027, 3, 29),
    D(2027, 5, 3),
    D(2027, 5, 31),
    D(2027, 8, 30),
    D(2027, 12, 27),
    D(2027, 12, 28),
]
SCOTLAND_2027 = [
    D(2027, 1, 1),
    D(2027, 1, 4),
    D(2027, 3, 26),
    D(2027, 5, 3),
    D(2027, 5, 31),
    D(2027, 8, 2),
    D(2027, 11, 30),
    D(2027, 12, 27),
    D(2027, 12, 28),
]


def weekday_holidays(cal: WorkingCalendar, year: int) -> list[dt.date]:
    day, out = D(year, 1, 1), []
    while day.year == year:
        if day.weekday() < 5 and not cal.is_working_day(day):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


@pytest.mark.parametrize(
    ("which", "expected"),
    [
        ("england", ENGLAND_2027),
        ("wales", ENGLAND_2027),
        ("scotland", SCOTLAND_2027),
        (
            "northern_ireland",
            sorted([*ENGLAND_2027, D(2027, 3, 17), D(2027, 7, 12)]),
        ),
    ],
)
def test_bank_holidays_2027_match_gov_uk(which: str, expected: list[dt.date]) -> None:
    assert weekday_holidays(WorkingCalendar(which), 2027) == expected


def test_bank_holidays_2026_end_of_year() -> None:
    england, scotland = WorkingCalendar("england"), WorkingCalendar("scotland")
    assert [d for d in weekday_holidays(england, 2026) if d.month >= 8] == [
        D(2026, 8, 31),
        D(2026, 12, 25),
        D(2026, 12, 28),
    ]
    # Scotland: first Monday in August, St Andrew's Day (a Monday in 2026), Christmas; and the
    # one-off World Cup bank holiday proclaimed for Mon 15 June 2026.
    assert [d for d in weekday_holidays(scotland, 2026) if d.month >= 6] == [
        D(2026, 6, 15),
        D(2026, 8, 3),
        D(2026, 11, 30),
        D(2026, 12, 25),
        D(2026, 12, 28),
    ]


def test_weekends_are_not_working_days() -> None:
    cal = WorkingCalendar()
    assert cal.is_working_day(D(2027, 1, 8))  # Friday
    assert not cal.is_working_day(D(2027, 1, 9))  # Saturday
    assert not cal.is_working_day(D(2027, 1, 10))  # Sunday


# -- counting --------------------------------------------------------------------------------------


def test_day_one_is_the_first_working_day_after() -> None:
    cal = WorkingCalendar()
    # Strategy discussion on Friday 4 June 2027: day 1 is Monday 7 June.
    assert cal.add_working_days(D(2027, 6, 4), 1) == D(2027, 6, 7)
    # ... and 15 working days is Friday 25 June (7-11, 14-18, 21-25 June).
    assert cal.add_working_days(D(2027, 6, 4), 15) == D(2027, 6, 25)
    # Counting from a Saturday or Sunday gives the same days.
    assert cal.add_working_days(D(2027, 6, 5), 15) == D(2027, 6, 25)
    assert cal.add_working_days(D(2027, 6, 6), 1) == D(2027, 6, 7)
    # Backwards: 1 working day before Monday 7 June is Friday 4 June.
    assert cal.add_working_days(D(2027, 6, 7), -1) == D(2027, 6, 4)
    assert cal.add_working_days(D(2027, 6, 7), 0) == D(2027, 6, 7)


@pytest.mark.parametrize(
    ("start", "n", "england", "scotland"),
    [
        # Christmas and New Year: Fri 11 Dec 2026 + 15. England: 14-18 Dec (5), 21-24 (9),
        # [25, 28], 29-31 (12), [1 Jan], 4-6 Jan (15). Scotland also skips Mon 4 Jan: 5-7 Jan.
        (D(2026, 12, 11), 15, D(2027, 1, 6), D(2027, 1, 7)),
        # St Andrew's Day: Fri 27 Nov 2026 + 15. England: 30 Nov (1), 1-4 Dec (5), 7-11 (10),
        # 14-18 (15). Scotland skips Mon 30 Nov: 1-4 (4), 7-11 (9), 14-18 (14), Mon 21 (15).
        (D(2026, 11, 27), 15, D(2026, 12, 18), D(2026, 12, 21)),
        # Easter: Fri 12 Mar 2027 + 15. England: 15-19 (5), 22-25 (9), [26 GF, 29 EM], 30, 31,
        # 1, 2 Apr (13), 5, 6 Apr (15). Scotland works Easter Monday: 29 Mar (10) ... Mon 5 Apr.
        (D(2027, 3, 12), 15, D(2027, 4, 6), D(2027, 4, 5)),
        # Scotland's August holiday: Fri 30 Jul 2027 + 15. England: 2-6 Aug (5), 9-13 (10),
        # 16-20 (15). Scotland skips Mon 2 Aug: 3-6 (4), 9-13 (9), 16-20 (14), Mon 23 (15).
        (D(2027, 7, 30), 15, D(2027, 8, 20), D(2027, 8, 23)),
        # England's August holiday: Fri 13 Aug 2027 + 15. England: 16-20 (5), 23-27 (10),
        # [30 Aug], 31 (11), 1-3 Sep (14), Mon 6 Sep (15). Scotland works 30 Aug: Fri 3 Sep.
        (D(2027, 8, 13), 15, D(2027, 9, 6), D(2027, 9, 3)),
        # New Year backwards: 3 working days before Tue 5 Jan 2027. England: Mon 4 (1),
        # [1 Jan], Thu 31 Dec (2), Wed 30 Dec (3). Scotland also skips Mon 4 Jan: Tue 29 Dec.
        (D(2027, 1, 5), -3, D(2026, 12, 30), D(2026, 12, 29)),
        # Easter backwards: 5 working days before Thu 1 Apr 2027. England: 31, 30 Mar (2),
        # [29, 26], 25, 24, 23 Mar (5). Scotland counts Mon 29 Mar: 31, 30, 29, 25, 24 -> 24th.
        (D(2027, 4, 1), -5, D(2027, 3, 23), D(2027, 3, 24)),
        # Birth on Mon 21 Dec 2026 + 10. England: 22-24 (3), [25, 28], 29-31 (6), [1 Jan],
        # 4-7 Jan (10). Scotland skips Mon 4 Jan as well: Fri 8 Jan.
        (D(2026, 12, 21), 10, D(2027, 1, 7), D(2027, 1, 8)),
    ],
)
def test_working_days_across_bank_holidays(
    start: dt.date, n: int, england: dt.date, scotland: dt.date
) -> None:
    assert WorkingCalendar("england").add_working_days(start, n) == england
    assert WorkingCalendar("wales").add_working_days(start, n) == england
    assert WorkingCalendar("scotland").add_working_days(start, n) == scotland
    # working_days_between is the inverse of add_working_days.
    assert WorkingCalendar("england").working_days_between(start, england) == n
    assert WorkingCalendar("scotland").working_days_between(start, scotland) == n


def test_working_days_between() -> None:
    cal = WorkingCalendar()
    # Sun 22 Nov 2026 to Wed 6 Jan 2027: 23-27 Nov (5), 30 Nov-4 Dec (10), 7-11 (15),
    # 14-18 (20), 21-24 (24), 29-31 (27), 4-6 Jan (30).
    assert cal.working_days_between(D(2026, 11, 22), D(2027, 1, 6)) == 30
    assert cal.working_days_between(D(2027, 1, 6), D(2027, 1, 6)) == 0
    # A deadline last Friday is 1 working day overdue on Monday, and on the Saturday too.
    assert cal.working_days_between(D(2027, 1, 11), D(2027, 1, 8)) == -1
    assert cal.working_days_between(D(2027, 1, 9), D(2027, 1, 8)) == -1
    # Wed 6 Jan seen from Mon 11 Jan: 6, 7, 8 Jan have passed.
    assert cal.working_days_between(D(2027, 1, 11), D(2027, 1, 6)) == -3


def test_closure_days_are_not_working_days(northmoor: Authority) -> None:
    closed = northmoor.model_copy(update={"closure_days": [D(2026, 12, 24), D(2026, 12, 29)]})
    cal = calendar_for(closed)
    assert not cal.is_working_day(D(2026, 12, 24))
    assert cal.holiday_name(D(2026, 12, 24)) == "local closure day"
    # Fri 11 Dec 2026 + 15: 14-18 (5), 21-23 (8), [24 closed, 25, 28, 29 closed], 30, 31 (10),
    # [1 Jan], 4-8 Jan (15).
    assert cal.add_working_days(D(2026, 12, 11), 15) == D(2027, 1, 8)
    # The profile without closure days is unaffected (calendars are cached per closure set).
    assert calendar_for(northmoor).add_working_days(D(2026, 12, 11), 15) == D(2027, 1, 6)


def test_calendars_are_cached(northmoor: Authority) -> None:
    assert calendar_for(northmoor) is calendar_for(northmoor.model_copy())
    assert calendar_for(northmoor) is not calendar_for(nation(northmoor, "scotland"))


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2027, 8, 31), 6, D(2028, 2, 29)),  # 2028 is a leap year
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2027, 11, 30), 3, D(2028, 2, 29)),
        (D(2027, 1, 31), 1, D(2027, 2, 28)),
        (D(2026, 10, 31), 2, D(2026, 12, 31)),
        (D(2026, 12, 15), 3, D(2027, 3, 15)),
        (D(2027, 3, 31), -1, D(2027, 2, 28)),
    ],
)
def test_add_months_clamps_to_month_end(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


# -- every rule, for each conference type and nation -----------------------------------------------

# The compliant initial conference: Wed 6 Jan 2027, strategy discussion Fri 11 Dec 2026, an
# exclusion, both children on plans.
INITIAL_ENGLAND = {
    "exclusion_request_latest": D(2026, 12, 31),  # 5 Jan (1), 4 Jan (2), [1 Jan], 31 Dec (3)
    "reports_to_chair": D(2027, 1, 4),  # 5 Jan (1), 4 Jan (2)
    "reports_shared_with_family": D(2027, 1, 4),
    "conference_latest": D(2027, 1, 6),
    "decision_and_plan_sent": D(2027, 1, 7),
    "written_decision_latest": D(2027, 1, 13),  # 7, 8, 11, 12, 13
    # Issued Thu 7 (the decision_and_plan_sent day), 2 working days' post: 8, 11 (received
    # Mon 11); then 5: 12, 13, 14, 15, 18.
    "amendments_latest": D(2027, 1, 18),
    "core_group_latest": D(2027, 1, 20),  # 7, 8, 11-15, 18, 19, 20
    "plan_discussed_with_parents": D(2027, 2, 3),  # ... 21, 22, 25-29, 1, 2, 3 Feb
    "review_latest": D(2027, 4, 6),  # 3 calendar months
}
INITIAL_SCOTLAND = {
    **INITIAL_ENGLAND,
    "exclusion_request_latest": D(2026, 12, 30),  # 5 Jan (1), [4, 1 Jan], 31 (2), 30 (3)
    "reports_to_chair": D(2026, 12, 31),  # 5 Jan (1), [4, 1 Jan], 31 Dec (2)
    "reports_shared_with_family": D(2026, 12, 31),
    "conference_latest": D(2027, 1, 7),
}


@pytest.mark.parametrize(
    ("which", "expected"),
    [("england", INITIAL_ENGLAND), ("wales", INITIAL_ENGLAND), ("scotland", INITIAL_SCOTLAND)],
)
def test_initial_conference(
    compliant: Case, northmoor: Authority, which: str, expected: dict[str, dt.date]
) -> None:
    assert dates(compliant, nation(northmoor, which)) == expected


def test_decision_dates_across_christmas(compliant: Case, northmoor: Authority) -> None:
    # A conference on Wed 23 Dec 2026.
    case = conference(compliant, date=D(2026, 12, 23))
    england, scotland = dates(case, northmoor), dates(case, nation(northmoor, "scotland"))
    assert (
        england["decision_and_plan_sent"] == scotland["decision_and_plan_sent"] == D(2026, 12, 24)
    )
    # England: 24 (1), [25, 28], 29-31 (4), [1 Jan], Mon 4 Jan (5); Scotland: Tue 5 Jan.
    assert england["written_decision_latest"] == D(2027, 1, 4)
    assert scotland["written_decision_latest"] == D(2027, 1, 5)
    # England: 24, 29, 30, 31 (4), 4-8 Jan (9), Mon 11 (10); Scotland: 5-8 (8), 11, Tue 12.
    assert england["core_group_latest"] == D(2027, 1, 11)
    assert scotland["core_group_latest"] == D(2027, 1, 12)


PRE_BIRTH_ENGLAND = {
    # Fri 12 Mar 2027 + 15 across Good Friday and Easter Monday.
    "conference_latest": D(2027, 4, 6),
    # Expected Thu 26 Aug 2027 less 140 days: 26 Aug -26 = 31 Jul, -31 = 30 Jun, -30 = 31 May,
    # -31 = 30 Apr, -22 = Thu 8 Apr.
    "pre_birth_conference_by": D(2027, 4, 8),
    # 2 before Tue 30 Mar: [29 EM, 26 GF], Thu 25 (1), Wed 24 (2).
    "reports_to_chair": D(2027, 3, 24),
    "reports_shared_with_family": D(2027, 3, 24),
}
PRE_BIRTH_SCOTLAND = {
    "conference_latest": D(2027, 4, 5),
    "pre_birth_conference_by": D(2027, 4, 8),
    # Mon 29 Mar (1), [26 GF], Thu 25 (2).
    "reports_to_chair": D(2027, 3, 25),
    "reports_shared_with_family": D(2027, 3, 25),
}


@pytest.mark.parametrize(
    ("which", "expected"),
    [
        ("england", PRE_BIRTH_ENGLAND),
        ("wales", PRE_BIRTH_ENGLAND),
        ("scotland", PRE_BIRTH_SCOTLAND),
    ],
)
def test_pre_birth_conference(
    compliant: Case, northmoor: Authority, which: str, expected: dict[str, dt.date]
) -> None:
    assert dates(pre_birth(compliant), nation(northmoor, which)) == expected


@pytest.mark.parametrize(
    ("which", "fit", "expected"),
    [
        # Born Fri 20 Aug 2027. England + 10: 23-27 (5), [30 Aug], 31, 1-3 Sep (9), Mon 6 Sep.
        ("england", True, D(2027, 9, 6)),
        # Scotland + 10 works 30 Aug: 23-27 (5), 30, 31, 1, 2, 3 Sep (10).
        ("scotland", True, D(2027, 9, 3)),
        # Not medically fit, + 20. England: 7-10 Sep (14), 13-17 (19), Mon 20 (20).
        ("england", False, D(2027, 9, 20)),
        ("wales", False, D(2027, 9, 20)),
        # Scotland: 6-10 Sep (15), 13-17 (20).
        ("scotland", False, D(2027, 9, 17)),
    ],
)
def test_pre_birth_review_after_birth(
    compliant: Case, northmoor: Authority, which: str, fit: bool, expected: dt.date
) -> None:
    case = pre_birth(compliant, born=D(2027, 8, 20), fit=fit)
    found = deadlines(case, nation(northmoor, which))["pre_birth_review_after_birth"]
    assert found.due == expected
    assert ("20 working days" in found.rule) is not fit


def test_pre_birth_review_only_once_born(compliant: Case, northmoor: Authority) -> None:
    assert "pre_birth_review_after_birth" not in dates(pre_birth(compliant), northmoor)


def test_pre_birth_review_not_when_no_child_gets_a_plan(
    compliant: Case, northmoor: Authority
) -> None:
    case = pre_birth(compliant, born=D(2027, 8, 20))
    decision = Decision(
        quorate=True,
        children={"baby": ChildDecision(outcome=Outcome.NO_FURTHER_ACTION)},
        lead_social_worker="sw-brannigan",
    )
    found = dates(case.model_copy(update={"decision": decision}), northmoor)
    assert "pre_birth_review_after_birth" not in found
    assert "review_latest" not in found
    assert "core_group_latest" not in found
    assert "decision_and_plan_sent" in found


def test_expected_birth_date_falls_back_to_the_conference(
    compliant: Case, northmoor: Authority
) -> None:
    case = pre_birth(compliant)
    born = case.children[0].model_copy(
        update={"expected_birth_date": None, "date_of_birth": D(2027, 8, 20)}
    )
    case = conference(
        case.model_copy(update={"children": [born]}), expected_birth_date=D(2027, 8, 26)
    )
    found = dates(case, northmoor)
    assert found["pre_birth_conference_by"] == D(2027, 4, 8)
    assert found["pre_birth_review_after_birth"] == D(2027, 9, 6)


TRANSFER_ENGLAND = {
    # Accepted Fri 13 Aug 2027 + 15 across the English August bank holiday.
    "conference_latest": D(2027, 9, 6),
    # Conference Wed 25 Aug 2027: 2 before is 24 (1), Mon 23 (2).
    "reports_to_chair": D(2027, 8, 23),
    "reports_shared_with_family": D(2027, 8, 23),
    "decision_and_plan_sent": D(2027, 8, 26),
    "written_decision_latest": D(2027, 9, 2),  # 26, 27, [30], 31, 1, 2
    # Issued Thu 26; post 27, [30], 31 (received Tue 31); then 1, 2, 3, 6, 7.
    "amendments_latest": D(2027, 9, 7),
    "core_group_latest": D(2027, 9, 9),  # 26, 27, 31, 1-3 Sep (6), 6-9 (10)
    "plan_discussed_with_parents": D(2027, 9, 23),  # 10, 13-17, 20-23
    "review_latest": D(2027, 11, 25),
}
TRANSFER_SCOTLAND = {
    **TRANSFER_ENGLAND,
    "conference_latest": D(2027, 9, 3),
    "written_decision_latest": D(2027, 9, 1),  # 26, 27, 30, 31, 1
    "amendments_latest": D(2027, 9, 6),  # post 27, 30 (received Mon 30); 31, 1, 2, 3, 6
    "core_group_latest": D(2027, 9, 8),  # 26, 27, 30, 31, 1-3 (7), 6-8 (10)
    "plan_discussed_with_parents": D(2027, 9, 22),  # 9, 10, 13-17, 20-22
}


@pytest.mark.parametrize(
    ("which", "expected"),
    [
        ("england", TRANSFER_ENGLAND),
        ("wales", TRANSFER_ENGLAND),
        ("scotland", TRANSFER_SCOTLAND),
    ],
)
def test_transfer_in_conference(
    compliant: Case, northmoor: Authority, which: str, expected: dict[str, dt.date]
) -> None:
    case = conference(
        without_exclusions(compliant),
        type=ConferenceType.TRANSFER_IN,
        date=D(2027, 8, 25),
        strategy_discussion_date=None,
        transfer_accepted_date=D(2027, 8, 13),
    )
    assert dates(case, nation(northmoor, which)) == expected


REVIEW_ENGLAND = {
    # Previous (review) conference Fri 1 Oct 2026 + 6 months.
    "conference_latest": D(2027, 4, 1),
    # 5 before Thu 1 Apr 2027 across Easter.
    "reports_to_chair": D(2027, 3, 23),
    "reports_shared_with_family": D(2027, 3, 23),
    "decision_and_plan_sent": D(2027, 4, 2),
    "written_decision_latest": D(2027, 4, 8),  # 2, 5, 6, 7, 8
    # Issued Fri 2; post 5, 6 (received Tue 6); then 7, 8, 9, 12, 13.
    "amendments_latest": D(2027, 4, 13),
    # No core_group_latest: after a review the core group already exists.
    "plan_discussed_with_parents": D(2027, 4, 29),  # 16, 19-23, 26-29
    "review_latest": D(2027, 10, 1),  # 6 months after a review
}
REVIEW_SCOTLAND = {
    **REVIEW_ENGLAND,
    "reports_to_chair": D(2027, 3, 24),
    "reports_shared_with_family": D(2027, 3, 24),
}


def review(case: Case, previous: dt.date, previous_type: str, held: dt.date) -> Case:
    return conference(
        without_exclusions(case),
        type=ConferenceType.REVIEW,
        date=held,
        strategy_discussion_date=None,
        previous_conference_date=previous,
        previous_conference_type=ConferenceType(previous_type),
    )


@pytest.mark.parametrize(
    ("which", "expected"),
    [("england", REVIEW_ENGLAND), ("wales", REVIEW_ENGLAND), ("scotland", REVIEW_SCOTLAND)],
)
def test_review_conference(
    compliant: Case, northmoor: Authority, which: str, expected: dict[str, dt.date]
) -> None:
    case = review(compliant, D(2026, 10, 1), "review", D(2027, 4, 1))
    assert dates(case, nation(northmoor, which)) == expected


@pytest.mark.parametrize(
    ("previous", "previous_type", "held", "latest", "review_by"),
    [
        # 3 months after a first conference, 6 after a review; clamped to February's end.
        (D(2026, 11, 30), "initial", D(2027, 2, 26), D(2027, 2, 28), D(2027, 8, 26)),
        (D(2026, 11, 30), "transfer_in", D(2027, 2, 26), D(2027, 2, 28), D(2027, 8, 26)),
        (D(2026, 8, 31), "review", D(2027, 2, 26), D(2027, 2, 28), D(2027, 8, 26)),
        (D(2027, 8, 31), "pre_birth", D(2027, 11, 30), D(2027, 11, 30), D(2028, 5, 30)),
        (D(2027, 8, 31), "review", D(2027, 8, 31), D(2028, 2, 29), D(2028, 2, 29)),
    ],
)
def test_review_months(
    compliant: Case,
    northmoor: Authority,
    previous: dt.date,
    previous_type: str,
    held: dt.date,
    latest: dt.date,
    review_by: dt.date,
) -> None:
    found = dates(review(compliant, previous, previous_type, held), northmoor)
    assert found["conference_latest"] == latest
    assert found["review_latest"] == review_by


def test_first_review_after_initial_is_three_months(compliant: Case, northmoor: Authority) -> None:
    # An initial conference on Mon 30 Nov 2026: review by Sun 28 Feb 2027.
    case = conference(compliant, date=D(2026, 11, 30))
    assert dates(case, northmoor)["review_latest"] == D(2027, 2, 28)


def test_only_what_the_case_supports(compliant: Case, northmoor: Authority) -> None:
    before = without_exclusions(undecided(compliant))
    assert set(dates(before, northmoor)) == {
        "conference_latest",
        "reports_to_chair",
        "reports_shared_with_family",
    }
    # No start date, no conference_latest.
    no_start = conference(before, strategy_discussion_date=None)
    assert "conference_latest" not in dates(no_start, northmoor)
    # A review without the previous conference's type cannot tell 3 months from 6.
    partial = review(before, D(2026, 10, 1), "review", D(2027, 4, 1))
    partial = conference(partial, previous_conference_type=None)
    assert "conference_latest" not in dates(partial, northmoor)
    # A decision with no child on a plan: no core group, plan discussion or review.
    decision = Decision(
        quorate=True,
        children={c.id: ChildDecision(outcome=Outcome.CHILD_IN_NEED_PLAN) for c in before.children},
        lead_social_worker="sw-brannigan",
    )
    found = dates(before.model_copy(update={"decision": decision}), northmoor)
    assert set(found) == {
        "conference_latest",
        "reports_to_chair",
        "reports_shared_with_family",
        "decision_and_plan_sent",
        "written_decision_latest",
        "amendments_latest",
    }


def test_all_keys_are_the_contracts(compliant: Case, northmoor: Authority) -> None:
    keys = set(dates(compliant, northmoor))
    keys |= set(dates(pre_birth(compliant, born=D(2027, 8, 20)), northmoor))
    assert keys == CONTRACT_KEYS


def test_timeline_is_sorted_by_date_then_key(compliant: Case, northmoor: Authority) -> None:
    items = compute_timeline(compliant, northmoor)
    assert items == sorted(items, key=lambda d: (d.due, d.key, d.stage or ""))
    assert [d.key for d in items[1:3]] == ["reports_shared_with_family", "reports_to_chair"]
    assert all(isinstance(d, Deadline) and d.label and d.rule and d.source for d in items)
    with pytest.raises(AttributeError):
        items[0].due = D(2030, 1, 1)  # type: ignore[misc]


# -- version 2 clocks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "has_core_group"),
    [("initial", True), ("pre_birth", True), ("transfer_in", True), ("review", False)],
)
def test_core_group_latest_only_after_a_first_conference(
    compliant: Case, northmoor: Authority, kind: str, has_core_group: bool
) -> None:
    case = conference(
        compliant,
        type=ConferenceType(kind),
        previous_conference_date=D(2026, 10, 1),
        previous_conference_type=ConferenceType.REVIEW,
        transfer_accepted_date=D(2026, 12, 11),
        expected_birth_date=D(2027, 6, 1),
    )
    found = dates(case, northmoor)
    assert ("core_group_latest" in found) is has_core_group
    if has_core_group:
        assert found["core_group_latest"] == D(2027, 1, 20)
    # the plan is still discussed and reviewed after a review
    assert "plan_discussed_with_parents" in found and "review_latest" in found


@pytest.mark.parametrize(
    ("issued", "postal_days", "expected"),
    [
        # Thu 7 Jan 2027 + 2 post (8, 11) + 5 (12, 13, 14, 15, 18).
        (D(2027, 1, 7), 2, D(2027, 1, 18)),
        # No post time (handed over): 8, 11, 12, 13, 14.
        (D(2027, 1, 7), 0, D(2027, 1, 14)),
        # Wed 23 Dec 2026 + 2 post: 24, [25, 28], 29 (received Tue 29); 30, 31, [1], 4, 5, 6.
        (D(2026, 12, 23), 2, D(2027, 1, 6)),
        # Fri 2 Apr 2027 + 3 post: 5, 6, 7; then 8, 9, 12, 13, 14.
        (D(2027, 4, 2), 3, D(2027, 4, 14)),
    ],
)
def test_amendments_counted_from_receipt(
    compliant: Case,
    northmoor: Authority,
    issued: dt.date,
    postal_days: int,
    expected: dt.date,
) -> None:
    authority = northmoor.model_copy(update={"postal_days": postal_days})
    assert amendments_latest(compliant, authority, issued) == expected


def test_amendments_per_stage(compliant: Case, northmoor: Authority) -> None:
    # The decision stage issued late, on Mon 11 Jan 2027: 12, 13 (received); 14, 15, 18-20.
    record = Record(approved_on=D(2027, 1, 12))
    case = compliant.model_copy(
        update={"issued": Issued(decision=D(2027, 1, 11)), "record": record}
    )
    items = [d for d in compute_timeline(case, northmoor) if d.key == "amendments_latest"]
    assert [(d.stage, d.due) for d in items] == [
        ("decision", D(2027, 1, 20)),
        # The record, not issued yet, counts from its approval on Tue 12 Jan: 13, 14; 15-21.
        ("record", D(2027, 1, 21)),
    ]
    assert items[0].label != items[1].label
    assert "received by Wed 13 Jan 2027 (2 working days in the post)" in items[0].rule
    assert deadlines(case, northmoor)["amendments_latest"].stage == "decision"
    assert deadlines(case, northmoor, "record")["amendments_latest"].due == D(2027, 1, 21)
    # Once the record is issued (Fri 15 Jan), its clock follows: 18, 19; 20-22, 25, 26.
    issued = case.model_copy(
        update={"issued": Issued(decision=D(2027, 1, 11), record=D(2027, 1, 15))}
    )
    assert deadlines(issued, northmoor, "record")["amendments_latest"].due == D(2027, 1, 26)
    # No record yet: no record clock.
    no_record = compliant.model_copy(update={"record": None})
    assert "amendments_latest" not in deadlines(no_record, northmoor, "record")


def test_review_after_a_pre_birth_conference_once_born(
    compliant: Case, northmoor: Authority
) -> None:
    # Pre-birth conference Tue 30 Mar 2027: review by Wed 30 Jun 2027 (3 months).
    premature = pre_birth(compliant, born=D(2027, 4, 10))
    # A core group after the birth (Tue 20 Apr): one month after the birth is sooner.
    found = deadlines(decided(premature, core_group=D(2027, 4, 20)), northmoor)["review_latest"]
    assert found.due == D(2027, 5, 10)
    assert found.rule.startswith("1 calendar month after the birth on Sat 10 Apr 2027")
    # A core group before the birth: the 3-month rule.
    early = dates(decided(premature, core_group=D(2027, 4, 9)), northmoor)
    assert early["review_latest"] == D(2027, 6, 30)
    # No core group recorded: the 3-month rule.
    assert dates(decided(premature), northmoor)["review_latest"] == D(2027, 6, 30)
    # Born late (Fri 20 Aug): 3 months after the conference is sooner than a month after.
    late = decided(pre_birth(compliant, born=D(2027, 8, 20)), core_group=D(2027, 8, 25))
    assert dates(late, northmoor)["review_latest"] == D(2027, 6, 30)
    # Not born yet: the 3-month rule.
    assert dates(decided(pre_birth(compliant)), northmoor)["review_latest"] == D(2027, 6, 30)


def test_pre_birth_point_quotes_the_procedures(compliant: Case, northmoor: Authority) -> None:
    found = deadlines(pre_birth(compliant), northmoor)["pre_birth_conference_by"]
    assert PRE_BIRTH_TIMING in found.rule
    assert '"as soon as practical and at least 20 weeks into the pregnancy"' in found.rule


def test_report_deadlines_overridden_by_the_profile(compliant: Case, northmoor: Authority) -> None:
    # Wed 6 Jan 2027 less 3 working days: 5 (1), 4 (2), [1 Jan], Thu 31 Dec (3).
    timescales = northmoor.timescales.model_copy(update={"reports_shared_days": 3})
    local = northmoor.model_copy(update={"timescales": timescales})
    found = deadlines(compliant, local)
    assert found["reports_shared_with_family"].due == D(2026, 12, 31)
    assert found["reports_shared_with_family"].source == (
        "Northmoor Borough Council authority profile: timescales.reports_shared_days "
        "(the procedures give 2)"
    )
    # reports to the chair keep the procedures' 2 days and their source
    assert found["reports_to_chair"].due == D(2027, 1, 4)
    assert (
        found["reports_to_chair"].source
        == deadlines(compliant, northmoor)["reports_to_chair"].source
    )
    # a review uses the review_ keys only: 5 days by default, here 7 for the chair
    timescales = northmoor.timescales.model_copy(update={"review_reports_to_chair_days": 7})
    local = northmoor.model_copy(update={"timescales": timescales})
    held = review(compliant, D(2026, 10, 1), "review", D(2027, 4, 1))
    found = deadlines(held, local)
    # Thu 1 Apr less 7: 31, 30 (2), [29, 26], 25, 24, 23, 22, Fri 19 (7).
    assert found["reports_to_chair"].due == D(2027, 3, 19)
    assert found["reports_shared_with_family"].due == D(2027, 3, 23)
    assert deadlines(compliant, local)["reports_to_chair"].due == D(2027, 1, 4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("timescales: {reports_shared_days: 0}", "timescales.reports_shared_days"),
        ("timescales: {reports_to_chair_days: 11}", "timescales.reports_to_chair_days"),
        ("timescales: {reports_shared_dayz: 3}", "unknown key 'reports_shared_dayz'"),
        ("postal_days: -1", "postal_days"),
        ('school_day_ends: "3pm"', "school_day_ends"),
        ("record_days: 0", "record_days"),
    ],
)
def test_profile_timescales_are_bounded(tmp_path: Path, text: str, message: str) -> None:
    from cpcdocs.errors import InvalidInput

    source = builtin_authorities()["northmoor"].read_text(encoding="utf-8")
    path = tmp_path / "northmoor.yaml"
    path.write_text(source + "\n" + text + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_authority(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}:")


def test_profile_defaults(northmoor: Authority) -> None:
    assert northmoor.postal_days == 2
    assert northmoor.record_days == 15
    assert northmoor.school_day_ends == "15:00"
    assert northmoor.timescales.reports_shared_days is None


def test_stage_windows(compliant: Case) -> None:
    held = D(2027, 1, 6)
    invitations = stage_window(compliant, Stage.INVITATIONS)
    assert (invitations.earliest, invitations.latest) == (None, held)
    assert invitations.latest_event == "the conference on 2027-01-06"
    assert stage_window(compliant, Stage.REPORTS).latest == held
    exclusions = stage_window(compliant, Stage.EXCLUSIONS)
    assert (exclusions.earliest, exclusions.latest) == (D(2026, 12, 23), held)
    assert exclusions.earliest_event == "the exclusion decided on 2026-12-23"
    assert stage_window(compliant, Stage.DECISION).earliest == held
    none = stage_window(compliant.model_copy(update={"record": None}), Stage.RECORD)
    assert (none.earliest, none.latest) == (None, None)
    approved = compliant.model_copy(update={"record": Record(approved_on=D(2027, 1, 12))})
    assert stage_window(approved, Stage.RECORD).earliest == D(2027, 1, 12)
    no_exclusion = without_exclusions(compliant)
    assert stage_window(no_exclusion, Stage.EXCLUSIONS).earliest is None


def test_exclusion_window_takes_the_latest_decision(compliant: Case) -> None:
    father = compliant.person("father")
    assert father.exclusion is not None
    second = father.model_copy(
        update={
            "id": "uncle",
            "exclusion": father.exclusion.model_copy(update={"decided_on": D(2027, 1, 4)}),
        }
    )
    case = compliant.model_copy(update={"people": [*compliant.people, second]})
    assert stage_window(case, Stage.EXCLUSIONS).earliest == D(2027, 1, 4)


# -- the command -----------------------------------------------------------------------------------


def names_in(path: Path) -> list[str]:
    """Every child's and person's (and professional's) name in a case file, with name parts."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    names = [
        entry["name"]
        for group in ("children", "people", "professionals")
        for entry in data.get(group, [])
        if entry.get("name")
    ]
    parts = {part for name in names for part in name.replace("-", " ").split() if len(part) > 3}
    return sorted({*names, *parts})


def test_table(northmoor: Authority) -> None:
    code, out, _ = run("timeline", str(COMPLIANT), "--today", "2026-11-22")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("NM-2026-0901: initial conference on Wed 6 Jan 2027")
    row = next(line for line in lines if line.startswith("conference_latest "))
    # 30 working days from Sun 22 Nov 2026 (see test_working_days_between).
    assert " ".join(row.split()) == (
        "conference_latest latest date for the conference Wed 6 Jan 2027 30"
    )
    review_row = next(line for line in lines if line.startswith("review_latest "))
    assert "Tue 6 Apr 2027" in review_row


def test_table_overdue_and_today() -> None:
    code, out, _ = run("timeline", str(COMPLIANT), "--today", "2027-01-11")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert rows["conference_latest"].endswith("-3 (overdue)")
    # written decision: Wed 13 Jan is 2 working days after Mon 11 Jan.
    assert rows["written_decision_latest"].endswith("  2")
    code, out, _ = run("timeline", str(COMPLIANT), "--today", "2027-01-06")
    rows = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert rows["conference_latest"].endswith("0 (today)")


def test_json_is_the_contracts_list() -> None:
    code, out, _ = run("timeline", str(COMPLIANT), "--format", "json")
    assert code == 0
    items = json.loads(out)
    assert [item["key"] for item in items][:3] == [
        "exclusion_request_latest",
        "reports_shared_with_family",
        "reports_to_chair",
    ]
    plain = ("due", "key", "label", "rule", "source")
    for item in items:
        # only a per-stage clock carries its stage
        expected = (*plain, "stage") if item["key"] == "amendments_latest" else plain
        assert tuple(sorted(item)) == tuple(sorted(expected)), item
    stages = [item["stage"] for item in items if item["key"] == "amendments_latest"]
    assert stages == ["decision", "record"]
    by_key = {item["key"]: item for item in items}
    assert by_key["conference_latest"]["due"] == "2027-01-06"
    assert by_key["conference_latest"]["rule"] == (
        "15 working days after the strategy discussion on Fri 11 Dec 2026"
    )
    assert set(by_key) == set(INITIAL_ENGLAND)


def test_ics_imports_cleanly_and_names_no_one() -> None:
    code, out = run_raw("timeline", str(COMPLIANT), "--format", "ics")
    assert code == 0
    assert "\r\n" in out and "\n" not in out.replace("\r\n", "")
    calendar = icalendar.Calendar.from_ical(out)
    assert str(calendar["VERSION"]) == "2.0"
    assert "cpcdocs" in str(calendar["PRODID"])
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(INITIAL_ENGLAND) + 1  # amendments: decision and record stages
    by_uid = {str(e["UID"]): e for e in events}
    assert len(by_uid) == len(events)
    assert "NM-2026-0901-amendments_latest@northmoor.cpcdocs" in by_uid
    record = by_uid["NM-2026-0901-amendments_latest-record@northmoor.cpcdocs"]
    assert str(record["SUMMARY"]) == "NM-2026-0901: amendments to the record"
    core = by_uid["NM-2026-0901-core_group_latest@northmoor.cpcdocs"]
    assert core.decoded("DTSTART") == D(2027, 1, 20)
    assert core.decoded("DTEND") == D(2027, 1, 21)
    assert str(core["SUMMARY"]) == "NM-2026-0901: first core group meeting"
    assert core.decoded("DTSTAMP") == dt.datetime(2027, 1, 6, tzinfo=dt.UTC)
    assert "DTSTART;VALUE=DATE:20270120" in out
    unfolded = out.replace("\r\n ", "")
    for name in names_in(COMPLIANT):
        assert name not in unfolded, name


def test_ics_is_deterministic_and_uids_survive_a_change(tmp_path: Path) -> None:
    first = run_raw("timeline", str(COMPLIANT), "--format", "ics")[1]
    assert run_raw("timeline", str(COMPLIANT), "--format", "ics")[1] == first
    moved = tmp_path / "case.yaml"
    moved.write_text(
        COMPLIANT.read_text(encoding="utf-8").replace("date: 2027-01-06", "date: 2027-01-05"),
        encoding="utf-8",
    )
    second = run_raw("timeline", str(moved), "--format", "ics")[1]
    uids = [
        {str(e["UID"]) for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}
        for text in (first, second)
    ]
    assert uids[0] == uids[1]
    assert second != first


def test_authority_option_and_nation(tmp_path: Path) -> None:
    profile = yaml.safe_load(builtin_authorities()["northmoor"].read_text(encoding="utf-8"))
    profile["nation"] = "scotland"
    profile.pop("logo")
    profile.pop("signatures")
    path = tmp_path / "scottish.yaml"
    path.write_text(yaml.safe_dump(profile), encoding="utf-8")
    code, out, _ = run("timeline", str(COMPLIANT), "--authority", str(path), "--format", "json")
    assert code == 0
    due = {item["key"]: item["due"] for item in json.loads(out)}
    assert due["conference_latest"] == "2027-01-07"


def test_errors_become_exit_statuses(tmp_path: Path) -> None:
    code, _, err = run("timeline", str(tmp_path / "missing.yaml"))
    assert code == 2
    assert "case file not found" in err
    code, _, err = run("timeline", str(COMPLIANT), "--today", "6/1/2027")
    assert code == 2
    code, _, _ = run("timeline", str(COMPLIANT), "--format", "pdf")
    assert code == 2
