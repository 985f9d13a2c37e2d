"""Checks stage: what a careful conference administrator would query before the pack goes out.

``validate`` refuses files that cannot be used; ``check`` looks at files that can, and reports
where the case breaks a timescale or a procedure: a conference booked after its latest date, a
conference that will not be quorate, a parent excluded with no way for their views to reach it.
Each finding has a stable kebab-case code (scheduled jobs and tests key on it), a level, a
message and the rule it comes from. Errors make ``cpcdocs check`` exit 1.

Findings go to logs and to scheduled jobs' mail, so messages name children and people only by
their ids and the case only by its reference: never by a name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from .model import ConferenceType, ExclusionExtent, Outcome, Participation, Role
from .timeline import (
    SOURCES,
    Deadline,
    WorkingCalendar,
    calendar_for,
    clock_gaps,
    deadlines,
    format_day,
    plan_children,
)

if TYPE_CHECKING:
    from .authority import Authority
    from .model import Case, Child, Person

__all__ = ["CODES", "Finding", "Level", "format_findings", "run_checks", "summary"]


class Level(StrEnum):
    """How serious a finding is; only errors change the exit status."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


_RANK = {Level.ERROR: 0, Level.WARNING: 1, Level.INFO: 2}

_LOCAL = "local child protection procedures"
_WORKING_TOGETHER = "Working Together to Safeguard Children 2023"


@dataclass(frozen=True)
class Finding:
    """One thing the case should put right (error) or a reader should look at (warning)."""

    level: Level
    code: str
    message: str
    rule: str
    path: str = ""

    def __str__(self) -> str:
        return f"{self.level.value.upper()} {self.code}: {self.message} ({self.rule})"

    def as_json(self) -> dict[str, str]:
        """The finding as a JSON object for ``check --format json``."""
        return {
            "level": self.level.value,
            "code": self.code,
            "message": self.message,
            "rule": self.rule,
            "path": self.path,
        }


@dataclass(frozen=True)
class _Code:
    level: Level
    rule: str
    meaning: str


#: Every finding code, with its level, the rule it enforces and what it means. A code's level
#: never depends on the case, so a scheduled job can filter on codes alone.
CODES: dict[str, _Code] = {
    "conference-late": _Code(
        Level.ERROR,
        SOURCES["conference_latest"],
        "an initial, pre-birth or transfer-in conference is booked after conference_latest",
    ),
    "review-conference-late": _Code(
        Level.ERROR,
        SOURCES["conference_latest"],
        "a review conference is booked after conference_latest",
    ),
    "pre-birth-conference-late": _Code(
        Level.ERROR,
        SOURCES["pre_birth_conference_by"],
        "a pre-birth conference is booked after pre_birth_conference_by",
    ),
    "timescale-start-missing": _Code(
        Level.WARNING,
        SOURCES["conference_latest"],
        "a date the conference clock starts from is missing, so a deadline cannot be worked out",
    ),
    "conference-not-working-day": _Code(
        Level.WARNING,
        f"{_LOCAL}: working days",
        "the conference is booked on a weekend, bank holiday or closure day",
    ),
    "inquorate": _Code(
        Level.ERROR,
        f"{_WORKING_TOGETHER}; {_LOCAL}: quorum",
        "fewer than children's social care and two other agencies are invited, and no "
        "quorum_exception is recorded",
    ),
    "quorum-exception": _Code(
        Level.INFO,
        f"{_WORKING_TOGETHER}; {_LOCAL}: quorum",
        "the invited agencies are quorate only under the recorded conference.quorum_exception",
    ),
    "decision-inquorate": _Code(
        Level.ERROR,
        f"{_LOCAL}: quorum",
        "the decision records that the conference was not quorate",
    ),
    "no-lead-social-worker": _Code(
        Level.WARNING,
        f"{_WORKING_TOGETHER}; {_LOCAL}: lead social worker",
        "no lead social worker can be identified before the conference",
    ),
    "plan-without-category": _Code(
        Level.ERROR,
        f"{_WORKING_TOGETHER}; {_LOCAL}: categories of abuse",
        "a child on a child protection plan has no category of abuse or neglect",
    ),
    "plan-missing": _Code(
        Level.ERROR,
        f"{_LOCAL}: outline plan distribution",
        "a child on a child protection plan has no entry under plan",
    ),
    "core-group-late": _Code(
        Level.ERROR,
        SOURCES["core_group_latest"],
        "the first core group meeting is booked after core_group_latest",
    ),
    "core-group-date-missing": _Code(
        Level.WARNING,
        SOURCES["core_group_latest"],
        "a child is on a plan but no decision.core_group_date is recorded",
    ),
    "review-date-late": _Code(
        Level.ERROR,
        SOURCES["review_latest"],
        "the review conference is booked after review_latest",
    ),
    "review-date-missing": _Code(
        Level.WARNING,
        SOURCES["review_latest"],
        "a child is on a plan but no decision.review_date is recorded",
    ),
    "exclusion-request-late": _Code(
        Level.WARNING,
        SOURCES["exclusion_request_latest"],
        "an exclusion was requested after exclusion_request_latest",
    ),
    "exclusion-no-grounds": _Code(
        Level.ERROR,
        SOURCES["exclusion_request_latest"],
        "an exclusion gives none of the six criteria as grounds",
    ),
    "excluded-parent-no-views-route": _Code(
        Level.WARNING,
        f"{_LOCAL}: exclusion criteria",
        "a fully excluded person has no views_routes for their views to reach the conference",
    ),
    "child-not-attending-no-reason": _Code(
        Level.WARNING,
        f"{_WORKING_TOGETHER}; {_LOCAL}: children's participation",
        "a child aged 12 or over is not attending and no not_attending_reason is recorded",
    ),
    "no-interpreter": _Code(
        Level.WARNING,
        f"{_LOCAL}: interpreters",
        "someone whose first language is not English has no interpreter recorded",
    ),
    "transfer-in-no-originating-authority": _Code(
        Level.WARNING,
        f"{_LOCAL}: transfer-in conferences",
        "a transfer-in conference does not say which authority the case came from",
    ),
    "pr-not-invited": _Code(
        Level.WARNING,
        f"{_WORKING_TOGETHER}; {_LOCAL}: parents' participation",
        "a person with parental responsibility is neither invited nor excluded",
    ),
    "decision-missing": _Code(
        Level.WARNING,
        SOURCES["decision_and_plan_sent"],
        "the conference date has passed and no decision is recorded",
    ),
}

_SOCIAL_CARE = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER})
#: Roles present for the family or the authority itself rather than as a partner agency that
#: knows the child, so they do not make a conference quorate.
_NOT_AN_AGENCY = frozenset({Role.CHAIR, Role.INTERPRETER, Role.LEGAL})


@dataclass(frozen=True)
class _Context:
    case: Case
    authority: Authority
    today: dt.date
    timeline: dict[str, Deadline]
    calendar: WorkingCalendar


def _found(code: str, message: str, path: str = "") -> Finding:
    spec = CODES[code]
    return Finding(spec.level, code, message, spec.rule, path)


def _late(day: dt.date, deadline: Deadline) -> str:
    late_by = (day - deadline.due).days
    days = "1 day" if late_by == 1 else f"{late_by} days"
    return f"{format_day(day)} is {days} after {deadline.key} ({format_day(deadline.due)})"


# -- the checks, one function per concern ----------------------------------------------------------


def _conference_timing(ctx: _Context) -> Iterator[Finding]:
    conference = ctx.case.conference
    latest = ctx.timeline.get("conference_latest")
    if latest is not None and conference.date > latest.due:
        if conference.type is ConferenceType.REVIEW:
            yield _found(
                "review-conference-late",
                f"review conference on {_late(conference.date, latest)}",
                "conference.date",
            )
        else:
            yield _found(
                "conference-late",
                f"{conference.type.value} conference on {_late(conference.date, latest)}",
                "conference.date",
            )
    by = ctx.timeline.get("pre_birth_conference_by")
    if by is not None and conference.date > by.due:
        yield _found(
            "pre-birth-conference-late",
            f"pre-birth conference on {_late(conference.date, by)}",
            "conference.date",
        )
    for path, message in clock_gaps(ctx.case):
        yield _found("timescale-start-missing", message, path)
    if not ctx.calendar.is_working_day(conference.date):
        why = ctx.calendar.holiday_name(conference.date) or "a weekend"
        yield _found(
            "conference-not-working-day",
            f"the conference is booked on {format_day(conference.date)}, {why}",
            "conference.date",
        )
    if conference.type is ConferenceType.TRANSFER_IN and not conference.originating_authority:
        yield _found(
            "transfer-in-no-originating-authority",
            "transfer-in conference with no conference.originating_authority",
            "conference.originating_authority",
        )


def _quorum(ctx: _Context) -> Iterator[Finding]:
    case = ctx.case
    invited = [p for p in case.professionals if p.id != case.conference.chair]
    social_care = any(p.role in _SOCIAL_CARE for p in invited)
    agencies = sorted(
        {
            p.agency.strip()
            for p in invited
            if p.role not in _SOCIAL_CARE and p.role not in _NOT_AN_AGENCY
        },
        key=str.casefold,
    )
    # Agencies are counted by name: two officers from one police team are one agency.
    distinct = {a.casefold() for a in agencies}
    quorate = social_care and len(distinct) >= 2
    if not quorate and case.conference.quorum_exception is not None:
        yield _found(
            "quorum-exception",
            f"{len(distinct)} agencies besides children's social care are invited; quorate "
            f"under the recorded exception ({case.conference.quorum_exception.value})",
            "conference.quorum_exception",
        )
    elif not quorate:
        parts = []
        if not social_care:
            parts.append("no social worker or team manager is invited")
        named = "; ".join(agencies) if agencies else "none"
        parts.append(f"{len(distinct)} other agencies are invited ({named})")
        yield _found(
            "inquorate",
            f"{' and '.join(parts)}: a quorum is children's social care and two other "
            "agencies; record conference.quorum_exception if an exception applies",
            "professionals",
        )
    if case.decision is not None and not case.decision.quorate:
        yield _found(
            "decision-inquorate",
            "decision.quorate is false: the conference was not quorate",
            "decision.quorate",
        )


def _lead_social_worker(ctx: _Context) -> Iterator[Finding]:
    if ctx.case.decision is None and ctx.case.lead_social_worker is None:
        yield _found(
            "no-lead-social-worker",
            "no professional is flagged lead_social_worker and there is not exactly one "
            "social worker",
            "professionals",
        )


def _decision(ctx: _Context) -> Iterator[Finding]:
    case = ctx.case
    decision = case.decision
    if decision is None:
        if ctx.today > case.conference.date:
            yield _found(
                "decision-missing",
                f"the conference was on {format_day(case.conference.date)} and no decision "
                "is recorded",
                "decision",
            )
        return
    for child_id, decided in decision.children.items():
        if decided.outcome is not Outcome.CHILD_PROTECTION_PLAN:
            continue
        if decided.category is None:
            yield _found(
                "plan-without-category",
                f"child '{child_id}' has a child protection plan but no category",
                f"decision.children.{child_id}.category",
            )
        if case.plan is None or child_id not in case.plan:
            yield _found(
                "plan-missing",
                f"child '{child_id}' has a child protection plan but no entry under plan",
                f"plan.{child_id}",
            )
    if not plan_children(case):
        return
    for key, field, late, missing in (
        ("core_group_latest", "core_group_date", "core-group-late", "core-group-date-missing"),
        ("review_latest", "review_date", "review-date-late", "review-date-missing"),
    ):
        booked: dt.date | None = getattr(decision, field)
        deadline = ctx.timeline[key]
        if booked is None:
            yield _found(
                missing,
                f"no decision.{field} is recorded; {key} is {format_day(deadline.due)}",
                f"decision.{field}",
            )
        elif booked > deadline.due:
            yield _found(late, f"decision.{field} {_late(booked, deadline)}", f"decision.{field}")


def _exclusions(ctx: _Context) -> Iterator[Finding]:
    latest = ctx.timeline.get("exclusion_request_latest")
    for index, person in enumerate(ctx.case.people):
        exclusion = person.exclusion
        if exclusion is None:
            continue
        base = f"people[{index}].exclusion"
        if latest is not None and exclusion.requested_on and exclusion.requested_on > latest.due:
            yield _found(
                "exclusion-request-late",
                f"exclusion of '{person.id}' requested on {_late(exclusion.requested_on, latest)}",
                f"{base}.requested_on",
            )
        if not exclusion.grounds:
            yield _found(
                "exclusion-no-grounds",
                f"exclusion of '{person.id}' gives no grounds",
                f"{base}.grounds",
            )
        if exclusion.extent is ExclusionExtent.FULL and not exclusion.views_routes:
            yield _found(
                "excluded-parent-no-views-route",
                f"'{person.id}' is fully excluded and no views_routes say how their views "
                "will reach the conference",
                f"{base}.views_routes",
            )


def _participation(ctx: _Context) -> Iterator[Finding]:
    case = ctx.case
    held = case.conference.date
    for index, child in enumerate(case.children):
        age = child.age_on(held)
        if (
            age is not None
            and age >= 12
            and child.participation is Participation.NOT_ATTENDING
            and not child.not_attending_reason
        ):
            yield _found(
                "child-not-attending-no-reason",
                f"child '{child.id}' is {age} on the conference date, not attending, and no "
                "not_attending_reason is recorded",
                f"children[{index}].not_attending_reason",
            )
    for index, person in enumerate(case.people):
        holds = case.pr_children(person.id)
        if holds and not person.invite and person.exclusion is None:
            ids = ", ".join(f"'{c.id}'" for c in holds)
            yield _found(
                "pr-not-invited",
                f"'{person.id}' holds parental responsibility for {ids} but is neither invited "
                "nor excluded",
                f"people[{index}].invite",
            )


def _interpreters(ctx: _Context) -> Iterator[Finding]:
    groups: tuple[tuple[str, str, Sequence[Child | Person]], ...] = (
        ("children", "child", ctx.case.children),
        ("people", "person", ctx.case.people),
    )
    for group, noun, entries in groups:
        for index, entry in enumerate(entries):
            language = entry.first_language
            if language and language.strip().casefold() != "english" and not entry.interpreter:
                yield _found(
                    "no-interpreter",
                    f"{noun} '{entry.id}' has first language {language.strip()} and no "
                    "interpreter recorded",
                    f"{group}[{index}].interpreter",
                )


_CHECKS: tuple[Callable[[_Context], Iterator[Finding]], ...] = (
    _conference_timing,
    _quorum,
    _lead_social_worker,
    _decision,
    _exclusions,
    _participation,
    _interpreters,
)


def run_checks(case: Case, authority: Authority, today: dt.date | None = None) -> list[Finding]:
    """Every finding for a case: errors first, then warnings, then information.

    ``today`` matters only to findings about time that has already passed (a conference held
    with no decision recorded); pass it for reproducible output.
    """
    ctx = _Context(
        case=case,
        authority=authority,
        today=today or dt.date.today(),
        timeline=deadlines(case, authority),
        calendar=calendar_for(authority),
    )
    found = [finding for check in _CHECKS for finding in check(ctx)]
    return sorted(found, key=lambda f: _RANK[f.level])


def summary(reference: str, findings: list[Finding]) -> str:
    """The closing line of text output: ``NM-2026-0412: 1 error, 2 warnings, 0 info``."""
    if not findings:
        return f"{reference}: no findings"
    errors = sum(f.level is Level.ERROR for f in findings)
    warnings = sum(f.level is Level.WARNING for f in findings)
    info = sum(f.level is Level.INFO for f in findings)
    return (
        f"{reference}: {errors} error{'' if errors == 1 else 's'}, "
        f"{warnings} warning{'' if warnings == 1 else 's'}, {info} info"
    )


def format_findings(reference: str, findings: list[Finding]) -> str:
    """Text output: one ``LEVEL code: message (rule)`` line per finding, then the summary."""
    return "\n".join([*(str(f) for f in findings), summary(reference, findings)])
