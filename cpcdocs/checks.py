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
from functools import cached_property
from typing import TYPE_CHECKING

from .findings import (
    CODES,
    LEVEL_RANK,
    Finding,
    Level,
    finding_for,
    format_findings,
    summary,
)
from .model import (
    ConferenceType,
    ExclusionExtent,
    ExclusionGround,
    Outcome,
    Participation,
    Role,
)
from .naming import CheckedText, Names, kept_from
from .naming import texts as case_texts
from .rules import SAFETY, Recipient, Visibility
from .timeline import (
    PRE_BIRTH_TIMING,
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


_SOCIAL_CARE = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER})
#: Roles present for the family or the authority itself rather than as a partner agency that
#: knows the child, so they do not make a conference quorate.
_NOT_AN_AGENCY = frozenset({Role.CHAIR, Role.INTERPRETER, Role.LEGAL, Role.MINUTE_TAKER})


@dataclass(frozen=True)
class _Context:
    case: Case
    authority: Authority
    today: dt.date
    timeline: dict[str, Deadline]
    calendar: WorkingCalendar

    @cached_property
    def names(self) -> Names:
        return Names(self.case)

    @cached_property
    def texts(self) -> list[tuple[CheckedText, Callable[[Visibility], str | None]]]:
        return list(case_texts(self.case))

    @cached_property
    def child_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.case.children)


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
            yield finding_for(
                "review-conference-late",
                f"review conference on {_late(conference.date, latest)}",
                "conference.date",
            )
        else:
            yield finding_for(
                "conference-late",
                f"{conference.type.value} conference on {_late(conference.date, latest)}",
                "conference.date",
            )
    by = ctx.timeline.get("pre_birth_conference_by")
    if by is not None and conference.date > by.due:
        yield finding_for(
            "pre-birth-conference-late",
            f"pre-birth conference on {_late(conference.date, by)}, when the pregnancy "
            f"reaches 20 weeks; {PRE_BIRTH_TIMING}: check the timing is deliberate",
            "conference.date",
        )
    for path, message in clock_gaps(ctx.case):
        yield finding_for("timescale-start-missing", message, path)
    if not ctx.calendar.is_working_day(conference.date):
        why = ctx.calendar.holiday_name(conference.date) or "a weekend"
        yield finding_for(
            "conference-not-working-day",
            f"the conference is booked on {format_day(conference.date)}, {why}",
            "conference.date",
        )
    if conference.type is ConferenceType.TRANSFER_IN and not conference.originating_authority:
        yield finding_for(
            "transfer-in-no-originating-authority",
            "transfer-in conference with no conference.originating_authority",
            "conference.originating_authority",
        )


def _quorum(ctx: _Context) -> Iterator[Finding]:
    """Quorum: children's social care and two other agencies, counted per child.

    The procedures: "two other professional groups or agencies, which have had direct contact
    with each child", so an agency counts for a child it ``knows`` (absent means every child).
    """
    case = ctx.case
    invited = [p for p in case.professionals if p.id != case.conference.chair]
    social_care = any(p.role in _SOCIAL_CARE for p in invited)
    short: list[tuple[Child, list[str], int]] = []
    for child in case.children:
        agencies = sorted(
            {
                p.agency.strip()
                for p in invited
                if p.role not in _SOCIAL_CARE
                and p.role not in _NOT_AN_AGENCY
                and (p.knows is None or child.id in p.knows)
            },
            key=str.casefold,
        )
        # Agencies are counted by name: two officers from one police team are one agency.
        distinct = len({a.casefold() for a in agencies})
        if not social_care or distinct < 2:
            short.append((child, agencies, distinct))
    if short and case.conference.quorum_exception is not None:
        ids = ", ".join(f"'{child.id}'" for child, _, _ in short)
        yield finding_for(
            "quorum-exception",
            f"fewer than two agencies besides children's social care have had direct contact "
            f"with {ids}; quorate under the recorded exception "
            f"({case.conference.quorum_exception.value})",
            "conference.quorum_exception",
        )
    elif short:
        for child, agencies, distinct in short:
            parts = []
            if not social_care:
                parts.append("no social worker or team manager is invited")
            named = "; ".join(agencies) if agencies else "none"
            verb = (
                "agency that knows the child is"
                if distinct == 1
                else "agencies that know the child are"
            )
            parts.append(f"{distinct} other {verb} invited ({named})")
            yield finding_for(
                "inquorate",
                f"child '{child.id}': {' and '.join(parts)}: a quorum is children's social care "
                "and two other agencies that have had direct contact with each child; record "
                "conference.quorum_exception if an exception applies",
                "professionals",
            )
    if case.decision is not None and not case.decision.quorate:
        yield finding_for(
            "decision-inquorate",
            "decision.quorate is false: the conference was not quorate",
            "decision.quorate",
        )


def _lead_social_worker(ctx: _Context) -> Iterator[Finding]:
    if ctx.case.decision is None and ctx.case.lead_social_worker is None:
        yield finding_for(
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
            yield finding_for(
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
            yield finding_for(
                "plan-without-category",
                f"child '{child_id}' has a child protection plan but no category",
                f"decision.children.{child_id}.category",
            )
        if case.plan is None or child_id not in case.plan:
            yield finding_for(
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
        deadline = ctx.timeline.get(key)
        if deadline is None:
            # no first core group meeting after a review: the core group already exists
            continue
        if booked is None:
            yield finding_for(
                missing,
                f"no decision.{field} is recorded; {key} is {format_day(deadline.due)}",
                f"decision.{field}",
            )
        elif booked > deadline.due:
            yield finding_for(
                late, f"decision.{field} {_late(booked, deadline)}", f"decision.{field}"
            )


def _exclusions(ctx: _Context) -> Iterator[Finding]:
    latest = ctx.timeline.get("exclusion_request_latest")
    for index, person in enumerate(ctx.case.people):
        exclusion = person.exclusion
        if exclusion is None:
            continue
        base = f"people[{index}].exclusion"
        if latest is not None and exclusion.requested_on and exclusion.requested_on > latest.due:
            yield finding_for(
                "exclusion-request-late",
                f"exclusion of '{person.id}' requested on {_late(exclusion.requested_on, latest)}",
                f"{base}.requested_on",
            )
        if not exclusion.grounds:
            yield finding_for(
                "exclusion-no-grounds",
                f"exclusion of '{person.id}' gives no grounds",
                f"{base}.grounds",
            )
        if exclusion.extent is ExclusionExtent.FULL and not exclusion.views_routes:
            yield finding_for(
                "excluded-parent-no-views-route",
                f"'{person.id}' is fully excluded and no views_routes say how their views "
                "will reach the conference",
                f"{base}.views_routes",
            )
        if not exclusion.receives_record and exclusion.record_reason is None:
            yield finding_for(
                "record-withheld-no-reason",
                f"'{person.id}' will not be sent the record and the chair's reason is not "
                "recorded for the notice to give",
                f"{base}.record_reason",
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
            yield finding_for(
                "child-not-attending-no-reason",
                f"child '{child.id}' is {age} on the conference date, not attending, and no "
                "not_attending_reason is recorded",
                f"children[{index}].not_attending_reason",
            )
    for index, person in enumerate(case.people):
        holds = case.pr_children(person.id)
        if holds and not person.invite and person.exclusion is None:
            ids = ", ".join(f"'{c.id}'" for c in holds)
            yield finding_for(
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
                yield finding_for(
                    "no-interpreter",
                    f"{noun} '{entry.id}' has first language {language.strip()} and no "
                    "interpreter recorded",
                    f"{group}[{index}].interpreter",
                )


def _child_request(ctx: _Context) -> Iterator[Finding]:
    """``child_request`` applies "while they are present": a child who asked must attend."""
    case = ctx.case
    present = (Participation.ATTEND, Participation.ATTEND_PART)
    for index, person in enumerate(case.people):
        exclusion = person.exclusion
        if exclusion is None or ExclusionGround.CHILD_REQUEST not in exclusion.grounds:
            continue
        theirs = case.connected_children(person.id)
        if any(child.participation in present for child in theirs):
            continue
        ids = ", ".join(f"'{c.id}'" for c in theirs) or "none"
        yield finding_for(
            "child-request-child-absent",
            f"the exclusion of '{person.id}' rests on child_request, but no child connected to "
            f"them attends the conference ({ids}): the ground applies only while the child who "
            "asked is present",
            f"people[{index}].exclusion.grounds",
        )


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _school_day(ctx: _Context) -> Iterator[Finding]:
    """A conference that keeps a parent from collecting a school-age child.

    The procedures: conferences "should not be scheduled for times when parents will be busy
    looking after children at home (e.g. after the end of the school day)".
    """
    case = ctx.case
    conference = case.conference
    if not ctx.calendar.is_working_day(conference.date):
        return  # not a school day (a weekend or a closure has its own finding)
    ends = _minutes(conference.start) + conference.duration_minutes
    if ends <= _minutes(ctx.authority.school_day_ends):
        return
    invited = {
        p.id
        for p in case.people
        if p.invite and not (p.exclusion and p.exclusion.extent is ExclusionExtent.FULL)
    }
    children: list[str] = []
    carers: set[str] = set()
    for child in case.children:
        age = child.age_on(conference.date)
        if age is None or not 5 <= age <= 16:
            continue
        theirs = invited & set(child.lives_with)
        if theirs:
            children.append(f"'{child.id}' ({age})")
            carers |= theirs
    if children:
        who = ", ".join(f"'{c}'" for c in sorted(carers))
        yield finding_for(
            "conference-after-school-day",
            f"the conference on {format_day(conference.date)} ends at {conference.end}, after "
            f"the school day ends ({ctx.authority.school_day_ends}), and school-age "
            f"{', '.join(children)} live with invited {who}",
            "conference.start",
        )


def _expected_reports(case: Case) -> list[tuple[str, str]]:
    """The (author, child) reports that should come back.

    The lead social worker's report for every child, and a proforma from every other
    professional (not the chair or the minute-taker) for each child they know: the forms the
    invitations stage sends out.
    """
    lead = case.lead_social_worker
    pairs: list[tuple[str, str]] = []
    for pro in case.professionals:
        if pro.id == case.conference.chair or pro.role in (Role.CHAIR, Role.MINUTE_TAKER):
            continue
        known = case.children if lead is not None and pro.id == lead.id else None
        for child in known or case.children_known_by(pro):
            pairs.append((pro.id, child.id))
    return pairs


def _reports(ctx: _Context) -> Iterator[Finding]:
    case = ctx.case
    due = ctx.timeline.get("reports_to_chair")
    for index, report in enumerate(case.reports):
        base = f"reports[{index}]"
        what = f"the report of '{report.author}' on '{report.child}'"
        if due is not None and report.received_on is not None and report.received_on > due.due:
            yield finding_for(
                "report-late",
                f"{what} was received on {_late(report.received_on, due)}",
                f"{base}.received_on",
            )
        if not report.shared_with_family:
            missing = [
                key
                for key, value in (
                    ("not_shared_reason", report.not_shared_reason),
                    ("chair_agreed_on", report.chair_agreed_on),
                )
                if value is None or (key == "not_shared_reason" and not str(value).strip())
            ]
            if missing:
                yield finding_for(
                    "report-not-shared-without-agreement",
                    f"{what} is not shared with the family and has no {' and no '.join(missing)}:"
                    " the report must state the reason and the chair must agree",
                    f"{base}.{missing[0]}",
                )
    if due is None or ctx.today <= due.due:
        return
    received = {(r.author, r.child) for r in case.reports}
    for author, child in _expected_reports(case):
        if (author, child) not in received:
            yield finding_for(
                "report-not-received",
                f"no report from '{author}' on '{child}' is recorded and reports_to_chair was "
                f"{format_day(due.due)}",
                "reports",
            )


def _record(ctx: _Context) -> Iterator[Finding]:
    case = ctx.case
    if case.decision is None:
        return
    days = ctx.authority.record_days
    latest = ctx.calendar.add_working_days(case.conference.date, days)
    approved = case.record.approved_on if case.record is not None else None
    rule = f"record_days: {days} working days after the conference"
    if approved is not None and approved > latest:
        late_by = (approved - latest).days
        yield finding_for(
            "record-late",
            f"the record was approved on {format_day(approved)}, {late_by} "
            f"day{'' if late_by == 1 else 's'} after {format_day(latest)} ({rule})",
            "record.approved_on",
        )
    elif approved is None and ctx.today > latest:
        yield finding_for(
            "record-late",
            f"no approved record by {format_day(latest)} ({rule})",
            "record.approved_on",
        )
    if case.record is None:
        return
    for index, entry in enumerate(case.record.not_sent_to):
        if not entry.reason.text.strip():
            yield finding_for(
                "record-withheld-without-reason",
                f"the record is not sent to '{entry.id}' and no reason is recorded: reasons "
                "for not sending records to family members should be carefully recorded",
                f"record.not_sent_to[{index}].reason",
            )


def _text_names_person(ctx: _Context) -> Iterator[Finding]:
    names = ctx.names
    for text, _ in ctx.texts:
        for owners, how in names.named(text.item_text, set(text.about) | set(text.own)):
            noun = "child" if owners[0] in ctx.child_ids else "person"
            who = " or ".join(f"'{o}'" for o in owners)
            yield finding_for(
                "text-names-person",
                f"'{text.id}' names {noun} {who} ({how}), who is not in its about: add "
                "them to about, or tag it, before it goes out",
                text.id,
            )


_SAFETY_GROUNDS = frozenset(
    {ExclusionGround.VIOLENCE_OR_INTIMIDATION, ExclusionGround.BAIL_CONDITIONS_OR_DOMESTIC_ABUSE}
)


def _safety_to_excluded(ctx: _Context) -> Iterator[Finding]:
    case = ctx.case
    for person in case.people:
        exclusion = person.exclusion
        if exclusion is None or not _SAFETY_GROUNDS & set(exclusion.grounds):
            continue
        kept = kept_from(case, person, ctx.names)
        if not kept:
            continue
        grounds = " and ".join(g.value for g in exclusion.grounds if g in _SAFETY_GROUNDS)
        vis = Visibility(case, ctx.authority, Recipient("person", person.id))
        own = f"people.{person.id}.exclusion."
        for text, rule in ctx.texts:
            if text.id.startswith(own) or SAFETY in text.tags:
                continue
            about = sorted(kept & set(text.about))
            if not about or rule(vis) is not None:
                continue
            who = ", ".join(f"'{a}'" for a in about)
            yield finding_for(
                "safety-to-excluded",
                f"'{person.id}' is excluded on {grounds} grounds and may see '{text.id}', which "
                f"is about {who}, whom they are kept from: tag it safety or add '{person.id}' "
                "to its withhold_from",
                text.id,
            )


def _quotes_withheld(ctx: _Context) -> Iterator[Finding]:
    """What ``render`` would refuse on: a visible value quoting a withheld one (never the value).

    Checked for every document the case calls for, whatever its stage, so the chair hears of
    it before the first envelope goes out.
    """
    from .plan import plan_pack
    from .search import plan_quotes

    seen: set[tuple[str, str, str]] = set()
    for doc, quote in plan_quotes(ctx.case, ctx.authority, plan_pack(ctx.case), ctx.today):
        key = (doc.recipient.id, quote.field_path, quote.item)
        if key in seen:
            continue
        seen.add(key)
        where = f"{doc.kind.value}{'-' + doc.child if doc.child else ''}"
        yield finding_for(
            "quotes-withheld",
            f"'{doc.recipient.id}' would read {quote} in their {where}",
            quote.field_path,
        )


_CHECKS: tuple[Callable[[_Context], Iterator[Finding]], ...] = (
    _conference_timing,
    _quorum,
    _lead_social_worker,
    _decision,
    _exclusions,
    _participation,
    _interpreters,
    _child_request,
    _school_day,
    _reports,
    _record,
    _text_names_person,
    _safety_to_excluded,
    _quotes_withheld,
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
    return sorted(found, key=lambda f: LEVEL_RANK[f.level])
