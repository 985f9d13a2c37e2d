"""Timeline stage: the statutory and procedural deadlines that follow from a case's dates.

Conference administrators live by these clocks, and a day lost to a bank holiday that was
miscounted is a conference held out of timescale. So the counting rules are explicit, in one
place, and the calendar comes from the ``holidays`` package for the authority's own nation
(Scotland and Northern Ireland keep different bank holidays from England and Wales) plus the
authority's local closure days.

Counting conventions (the contract's, and the procedures'):

* "N working days after X" counts the first working day after X as day 1, so a strategy
  discussion on a Friday makes the following Monday day 1, whatever X itself was.
* "N working days before X" counts the same way backwards.
* "N calendar months after X" lands on the same day of the month, clamped to the month's end
  (31 August + 6 months is 28 February, or 29 in a leap year).

Each rule is computed only when the case holds what it needs: a pre-conference case has no
decision dates, and a case where no child is on a plan has no core group or review dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import holidays

from . import caches
from .authority import Nation
from .model import ConferenceType, Outcome
from .nations import nation_sources

if TYPE_CHECKING:
    from .authority import Authority
    from .model import Case, Child

__all__ = [
    "LABELS",
    "PRE_BIRTH_TIMING",
    "SOURCES",
    "Deadline",
    "WorkingCalendar",
    "add_months",
    "amendments_latest",
    "calendar_for",
    "clock_gaps",
    "compute_timeline",
    "deadlines",
    "expected_birth_date",
    "format_day",
    "format_table",
    "plan_children",
    "report_days",
    "timeline_ics",
]

#: ``holidays`` keeps the four nations as subdivisions of the United Kingdom.
_SUBDIVISIONS: dict[Nation, str] = {
    Nation.ENGLAND: "ENG",
    Nation.WALES: "WLS",
    Nation.SCOTLAND: "SCT",
    Nation.NORTHERN_IRELAND: "NIR",
}

_WORKING_TOGETHER = "Working Together to Safeguard Children 2023"
_LOCAL = "local child protection procedures"

#: The contract's keys, in the order its table lists them, with the short label used in tables
#: and calendar entries (calendars are shared, so labels never name anyone).
LABELS: dict[str, str] = {
    "conference_latest": "latest date for the conference",
    "exclusion_request_latest": "last day to request an exclusion",
    "pre_birth_conference_by": "pre-birth conference by (20 weeks of pregnancy)",
    "reports_to_chair": "reports to chair",
    "reports_shared_with_family": "reports shared with family",
    "decision_and_plan_sent": "decision and outline plan sent",
    "written_decision_latest": "written decision sent",
    "core_group_latest": "first core group meeting",
    "plan_discussed_with_parents": "plan discussed with parents",
    "review_latest": "latest date for the review conference",
    "amendments_latest": "amendments to the record",
    "pre_birth_review_after_birth": "review conference after the birth",
}

#: Where each rule comes from, as the contract's table attributes it (England; other nations
#: cite their own guidance in the same places: :func:`cpcdocs.nations.nation_sources`).
SOURCES: dict[str, str] = {
    "conference_latest": f"{_WORKING_TOGETHER}; {_LOCAL}",
    "exclusion_request_latest": f"{_LOCAL}: exclusion criteria",
    "pre_birth_conference_by": f"{_LOCAL}: pre-birth timing",
    "reports_to_chair": f"{_LOCAL}: report sharing",
    "reports_shared_with_family": f"{_LOCAL}: report sharing",
    "decision_and_plan_sent": f"{_LOCAL}: outline plan distribution",
    "written_decision_latest": f"{_LOCAL}: decision in writing",
    "core_group_latest": f"{_WORKING_TOGETHER}; {_LOCAL}: chair's duties",
    "plan_discussed_with_parents": f"{_LOCAL}: plan discussion",
    "review_latest": f"{_WORKING_TOGETHER}; {_LOCAL}: review timing",
    "amendments_latest": f"{_LOCAL}: amendments to records",
    "pre_birth_review_after_birth": f"{_LOCAL}: pre-birth reviews",
}

#: Conference types after which the first review is due in 3 months rather than 6.
_FIRST_CONFERENCES = frozenset(
    {ConferenceType.INITIAL, ConferenceType.PRE_BIRTH, ConferenceType.TRANSFER_IN}
)


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_day(day: dt.date) -> str:
    """``Wed 6 Jan 2027``: the weekday is there because a deadline on a Monday reads differently.

    Built from fixed English names rather than ``strftime`` (``%a`` follows the process locale,
    ``%-d`` is not portable), so output and tests are the same on every machine.
    """
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


class WorkingCalendar:
    """Monday to Friday, less one nation's bank holidays and the authority's closure days."""

    def __init__(self, nation: Nation | str = Nation.ENGLAND, closure_days: Iterable[dt.date] = ()):
        self.nation = Nation(nation)
        self.closure_days = frozenset(closure_days)
        # ``holidays`` fills in each year the first time a date in it is looked up.
        self._holidays = holidays.country_holidays("GB", subdiv=_SUBDIVISIONS[self.nation])

    def __repr__(self) -> str:
        return f"WorkingCalendar({self.nation.value!r}, {len(self.closure_days)} closure days)"

    def holiday_name(self, day: dt.date) -> str | None:
        """The bank holiday or closure on ``day``, for explaining a count; None on other days."""
        if day in self.closure_days:
            return "local closure day"
        name = self._holidays.get(day)
        return str(name) if name else None

    def is_working_day(self, day: dt.date) -> bool:
        """Whether offices are open: a weekday that is neither a bank holiday nor a closure."""
        return day.weekday() < 5 and day not in self._holidays and day not in self.closure_days

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The ``n``th working day after ``day`` (before it when ``n`` is negative).

        The first working day after ``day`` is day 1, whether or not ``day`` is itself a
        working day; ``n == 0`` returns ``day`` unchanged.
        """
        step = dt.timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        current = day
        while remaining:
            current += step
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days from ``start`` to ``end``: the inverse of :meth:`add_working_days`.

        Forwards it counts the working days after ``start`` up to and including ``end``;
        backwards, the working days from ``end`` up to but excluding ``start``, negated. So
        ``add_working_days(start, n) == end`` gives back ``n`` both ways, and a deadline last
        Friday is -1 on Monday and on the Saturday before it alike ("working days left").
        """
        if end >= start:
            low, high, sign = start + dt.timedelta(days=1), end, 1
        else:
            low, high, sign = end, start - dt.timedelta(days=1), -1
        count = 0
        current = low
        while current <= high:
            if self.is_working_day(current):
                count += 1
            current += dt.timedelta(days=1)
        return sign * count


@caches.memo("timeline: working calendars", maxsize=64)
def _calendar(nation: Nation, closure_days: frozenset[dt.date]) -> WorkingCalendar:
    return WorkingCalendar(nation, closure_days)


def calendar_for(authority: Authority) -> WorkingCalendar:
    """The working calendar for an authority, shared between calls.

    Building a ``holidays`` object and filling in its years is the slow part of a timeline, and
    a batch run asks for the same authority's calendar hundreds of times.
    """
    return _calendar(Nation(authority.nation), frozenset(authority.closure_days))


def add_months(day: dt.date, n: int) -> dt.date:
    """``day`` plus ``n`` calendar months, clamped to the end of a shorter month.

    31 August + 6 months is 28 February (29 in a leap year): the deadline never slips into the
    month after, which is what "within 6 months" means to a reader.
    """
    index = day.year * 12 + (day.month - 1) + n
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Deadline:
    """One dated duty: what it is, when it falls, how it was worked out and on whose authority."""

    key: str
    label: str
    due: dt.date
    rule: str
    source: str
    #: The stage a per-stage clock belongs to (``amendments_latest`` runs once for the decision
    #: stage and once for the record stage); None for a clock of the whole case.
    stage: str | None = None

    def as_json(self) -> dict[str, str]:
        """The contract's JSON object for this deadline, plus its source (and stage, if any)."""
        out = {
            "key": self.key,
            "label": self.label,
            "due": self.due.isoformat(),
            "rule": self.rule,
            "source": self.source,
        }
        if self.stage is not None:
            out["stage"] = self.stage
        return out


# -- what the rules need from a case ---------------------------------------------------------------


def plan_children(case: Case) -> list[str]:
    """Ids of children the decision puts on a child protection plan (empty before a decision)."""
    if case.decision is None:
        return []
    return [
        child_id
        for child_id, decided in case.decision.children.items()
        if decided.outcome is Outcome.CHILD_PROTECTION_PLAN
    ]


def expected_birth_date(case: Case) -> dt.date | None:
    """When the baby of a pre-birth conference is due.

    The unborn child's own ``expected_birth_date`` wins (the earliest, should there be twins
    due on different dates); ``conference.expected_birth_date`` is the fallback.
    """
    dates = [c.expected_birth_date for c in case.children if c.expected_birth_date is not None]
    return min(dates) if dates else case.conference.expected_birth_date


def _born_babies(case: Case) -> list[Child]:
    """Children of a pre-birth conference who were unborn then and now have a date of birth.

    An entry keeps ``expected_birth_date`` when ``date_of_birth`` is added, which marks it as
    the baby. When the expected date was moved to the conference only, a child born no earlier
    than 20 weeks before it is taken to be the baby (siblings are far older than that).
    """
    marked = [c for c in case.children if c.expected_birth_date is not None and c.date_of_birth]
    if marked:
        return marked
    due = case.conference.expected_birth_date
    if due is None:
        return []
    earliest = due - dt.timedelta(weeks=20)
    return [c for c in case.children if c.date_of_birth and c.date_of_birth >= earliest]


def clock_gaps(case: Case) -> list[tuple[str, str]]:
    """What a case lacks for its conference clock to start, as (field path, explanation) pairs.

    ``check`` reports these; ``timeline`` simply leaves the deadline out.
    """
    conference = case.conference
    kind = conference.type
    gaps: list[tuple[str, str]] = []
    if kind in (ConferenceType.INITIAL, ConferenceType.PRE_BIRTH):
        if conference.strategy_discussion_date is None:
            gaps.append(
                (
                    "conference.strategy_discussion_date",
                    f"{kind.value} conference with no strategy_discussion_date: "
                    "conference_latest cannot be worked out",
                )
            )
    elif kind is ConferenceType.TRANSFER_IN:
        if conference.transfer_accepted_date is None:
            gaps.append(
                (
                    "conference.transfer_accepted_date",
                    "transfer-in conference with no transfer_accepted_date: "
                    "conference_latest cannot be worked out",
                )
            )
    else:
        for field in ("previous_conference_date", "previous_conference_type"):
            if getattr(conference, field) is None:
                gaps.append(
                    (
                        f"conference.{field}",
                        f"review conference with no {field}: "
                        "conference_latest cannot be worked out",
                    )
                )
    if kind is ConferenceType.PRE_BIRTH and expected_birth_date(case) is None:
        gaps.append(
            (
                "conference.expected_birth_date",
                "pre-birth conference with no expected birth date: "
                "pre_birth_conference_by cannot be worked out",
            )
        )
    return gaps


def _working_days(n: int) -> str:
    return "1 working day" if n == 1 else f"{n} working days"


#: The procedures' sentence on pre-birth timing, quoted wherever the 20-week point is reported:
#: it is ambiguous, so the point is a warning, never an error.
PRE_BIRTH_TIMING = (
    'the procedures say a pre-birth conference is held "as soon as practical and at least 20 '
    'weeks into the pregnancy", and "earlier" when a premature birth is likely'
)

#: Report deadlines: (contract key, profile key under ``timescales``).
_REPORT_KEYS = (
    ("reports_to_chair", "reports_to_chair_days"),
    ("reports_shared_with_family", "reports_shared_days"),
)


def report_days(case: Case, authority: Authority) -> dict[str, tuple[int, str]]:
    """Working days before the conference that reports are due, with the rule's source.

    The procedures give 2 working days before an initial, pre-birth or transfer-in conference
    and 5 before a review. An authority may set its own under ``timescales`` (1 to 10 working
    days; ``review_`` keys for reviews); the deadline then cites the profile, not the
    procedures, so nobody mistakes a local rule for a national one.
    """
    review = case.conference.type is ConferenceType.REVIEW
    default = 5 if review else 2
    out: dict[str, tuple[int, str]] = {}
    for key, field in _REPORT_KEYS:
        name = f"review_{field}" if review else field
        value: int | None = getattr(authority.timescales, name)
        if value is None:
            out[key] = (default, nation_sources(authority.nation)[key])
        else:
            out[key] = (
                value,
                f"{authority.name} authority profile: timescales.{name} "
                f"(the procedures give {default})",
            )
    return out


def _amendments(authority: Authority, issued: dt.date) -> tuple[dt.date, str]:
    cal = calendar_for(authority)
    post = authority.postal_days
    received = cal.add_working_days(issued, post)
    due = cal.add_working_days(received, 5)
    if post:
        receipt = (
            f"issued {format_day(issued)}, received by {format_day(received)} "
            f"({_working_days(post)} in the post)"
        )
    else:
        receipt = f"issued and received {format_day(issued)}"
    return due, f"5 working days after the family receives the documents: {receipt}"


def amendments_latest(case: Case, authority: Authority, stage_issue_date: dt.date) -> dt.date:
    """The last day for the family to ask for amendments to one stage's documents.

    Counted from receipt, not from the conference: the stage's issue date plus the authority's
    ``postal_days`` (default 2 working days), then 5 working days. The decision stage and the
    record stage each have their own, from their own issue dates; the caller passes the date
    the stage is (or was) issued. ``case`` is accepted so every clock is asked the same way.
    """
    del case  # the rule depends on the authority's calendar and the issue date only
    return _amendments(authority, stage_issue_date)[0]


def _decision_issue_date(case: Case, authority: Authority) -> dt.date:
    """The decision stage's issue date: fixed in the case, else the day it is due to be sent."""
    if case.issued is not None and case.issued.decision is not None:
        return case.issued.decision
    return calendar_for(authority).add_working_days(case.conference.date, 1)


def _record_issue_date(case: Case) -> dt.date | None:
    """The record stage's issue date: fixed in the case, else its earliest (the approval)."""
    if case.issued is not None and case.issued.record is not None:
        return case.issued.record
    if case.record is not None:
        return case.record.approved_on
    return None


# -- the rules ---------------------------------------------------------------------------------


def compute_timeline(case: Case, authority: Authority) -> list[Deadline]:
    """Every deadline the case's dates determine, sorted by due date then key.

    A rule whose starting point is missing is left out rather than guessed; :func:`clock_gaps`
    says which, and ``check`` warns about them.
    """
    cal = calendar_for(authority)
    conference = case.conference
    kind = conference.type
    held = conference.date
    held_text = f"the conference on {format_day(held)}"
    out: list[Deadline] = []

    def add(
        key: str,
        due: dt.date,
        rule: str,
        *,
        source: str | None = None,
        stage: str | None = None,
        label: str | None = None,
    ) -> None:
        cited = source or nation_sources(authority.nation)[key]
        out.append(Deadline(key, label or LABELS[key], due, rule, cited, stage))

    def after(start: dt.date, n: int, what: str) -> tuple[dt.date, str]:
        return cal.add_working_days(start, n), f"{_working_days(n)} after {what}"

    # conference_latest: the clock that starts each kind of conference
    if kind in (ConferenceType.INITIAL, ConferenceType.PRE_BIRTH):
        start = conference.strategy_discussion_date
        if start is not None:
            add(
                "conference_latest",
                *after(start, 15, f"the strategy discussion on {format_day(start)}"),
            )
    elif kind is ConferenceType.TRANSFER_IN:
        start = conference.transfer_accepted_date
        if start is not None:
            add(
                "conference_latest",
                *after(start, 15, f"the transfer was accepted on {format_day(start)}"),
            )
    else:
        previous = conference.previous_conference_date
        previous_kind = conference.previous_conference_type
        if previous is not None and previous_kind is not None:
            months = 3 if previous_kind in _FIRST_CONFERENCES else 6
            add(
                "conference_latest",
                add_months(previous, months),
                f"{months} calendar months after the previous ({previous_kind.value}) "
                f"conference on {format_day(previous)}",
            )

    if any(p.exclusion is not None for p in case.people):
        add(
            "exclusion_request_latest",
            cal.add_working_days(held, -3),
            f"{_working_days(3)} before {held_text}",
        )

    if kind is ConferenceType.PRE_BIRTH:
        due = expected_birth_date(case)
        if due is not None:
            add(
                "pre_birth_conference_by",
                due - dt.timedelta(weeks=20),
                f"20 weeks before the expected birth date ({format_day(due)}): "
                f"the pregnancy reaches 20 weeks; {PRE_BIRTH_TIMING}",
            )

    for key, (before, source) in report_days(case, authority).items():
        add(
            key,
            cal.add_working_days(held, -before),
            f"{_working_days(before)} before {held_text}",
            source=source,
        )

    on_plan = plan_children(case)
    if case.decision is not None:
        sent, rule = after(held, 1, held_text)
        add("decision_and_plan_sent", sent, f"{rule} (the 'within 24 hours' rule)")
        add("written_decision_latest", *after(held, 5, held_text))
        add(
            "amendments_latest",
            *_amendments(authority, _decision_issue_date(case, authority)),
            stage="decision",
            label="amendments to the decision and plan",
        )
        if on_plan:
            if kind in _FIRST_CONFERENCES:
                # After a review the core group already exists: there is no first meeting.
                add("core_group_latest", *after(held, 10, held_text))
            add("plan_discussed_with_parents", *after(held, 20, held_text))
            months = 6 if kind is ConferenceType.REVIEW else 3
            review_by = add_months(held, months)
            review_rule = f"{months} calendar months after {held_text}"
            born_review = _review_after_birth(case)
            if born_review is not None and born_review[0] < review_by:
                review_by, review_rule = born_review[0], f"{born_review[1]} ({review_rule})"
            add("review_latest", review_by, review_rule)
    record_issued = _record_issue_date(case)
    if record_issued is not None:
        add(
            "amendments_latest",
            *_amendments(authority, record_issued),
            stage="record",
            label="amendments to the record",
        )

    # Once the baby is born the review follows the birth, unless the conference decided that
    # no child needs a plan (then there is no review at all).
    if kind is ConferenceType.PRE_BIRTH and (case.decision is None or on_plan):
        babies = _born_babies(case)
        if babies:
            born = min(b.date_of_birth for b in babies if b.date_of_birth)
            fit = all(b.mother_medically_fit for b in babies)
            n = 10 if fit else 20
            why = "" if fit else " (20 rather than 10: the mother is not medically fit)"
            day, rule = after(born, n, f"the birth on {format_day(born)}")
            add("pre_birth_review_after_birth", day, rule + why)

    return sorted(out, key=lambda d: (d.due, d.key, d.stage or ""))


def _review_after_birth(case: Case) -> tuple[dt.date, str] | None:
    """The one-month review rule after a pre-birth conference, when it applies.

    After a pre-birth conference where the baby is born and a core group (not a review) is
    held after the birth, the review is due one calendar month after the birth or 3 months
    after the conference, whichever is sooner; the caller takes the sooner. "Held after the
    birth" is read from ``decision.core_group_date`` on or after the date of birth.
    """
    if case.conference.type is not ConferenceType.PRE_BIRTH or case.decision is None:
        return None
    core_group = case.decision.core_group_date
    babies = _born_babies(case)
    if core_group is None or not babies:
        return None
    born = min(b.date_of_birth for b in babies if b.date_of_birth)
    if core_group < born:
        return None
    return (
        add_months(born, 1),
        f"1 calendar month after the birth on {format_day(born)}, a core group having met "
        f"after it on {format_day(core_group)}",
    )


def deadlines(case: Case, authority: Authority, stage: str = "decision") -> dict[str, Deadline]:
    """The timeline by key, for code that asks "when is the core group due?".

    A per-stage clock (``amendments_latest``) appears once per stage in the timeline; here it
    is the one for ``stage`` (the decision stage by default, whose letter quotes it).
    """
    return {
        d.key: d for d in compute_timeline(case, authority) if d.stage is None or d.stage == stage
    }


# The output forms (table, JSON, iCalendar) live in cpcdocs.timeline_output.
from .timeline_output import format_table, timeline_ics  # noqa: E402
