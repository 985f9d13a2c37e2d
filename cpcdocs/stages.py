"""Stages: when each envelope of a pack may be issued, and the date it carries.

A conference's documents go out in stages weeks apart (:class:`~cpcdocs.kinds.Stage`). Each
stage has a readiness rule (the decision stage needs a decision) and a date rule (no invitation
dated after its conference, no decision letter or signed plan dated before it). This module
resolves, for one run, which stages are issued and on what date:

1. ``--date`` for the stages being rendered, else ``issued.<stage>`` in the case file: an
   *explicit* date. One that breaks the stage's date rule is refused (exit 2), naming the
   stage, the date and the event it contradicts.
2. Else the date the stage was first issued, kept from the published manifest.
3. Else today (or ``SOURCE_DATE_EPOCH``). A stage whose time has not come on that date (the
   decision before the conference) is *waiting*; one whose time has passed and was never issued
   (invitations after the conference) is *passed*. Both are left out with a line saying why,
   so a nightly batch issues each stage on the first night it is due and never fails because
   of the calendar.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from enum import StrEnum

from .errors import CpcdocsError, ExitStatus
from .kinds import Stage
from .model import Case

__all__ = [
    "DateSource",
    "StageDate",
    "StageStatus",
    "StageWindow",
    "resolve_stage_dates",
    "stage_ready",
    "stage_window",
    "today",
]


class DateSource(StrEnum):
    """Where a stage's issue date came from."""

    OPTION = "--date"
    CASE = "issued"
    PUBLISHED = "published"
    TODAY = "today"


class StageStatus(StrEnum):
    """Whether a stage is issued in this run."""

    ISSUED = "issued"
    WAITING = "waiting"
    PASSED = "passed"
    NOT_READY = "not ready"


@dataclass(frozen=True)
class StageWindow:
    """The dates a stage may carry: ``earliest`` and ``latest`` (inclusive), with their events."""

    earliest: dt.date | None
    earliest_event: str
    latest: dt.date | None
    latest_event: str


@dataclass(frozen=True)
class StageDate:
    """One stage's outcome for this run."""

    stage: Stage
    status: StageStatus
    issued_on: dt.date | None
    source: DateSource | None
    reason: str = ""

    @property
    def issued(self) -> bool:
        """The stage is rendered in this run."""
        return self.status is StageStatus.ISSUED

    def line(self) -> str:
        """One line for the run's output: the stage, its date and where the date came from."""
        if self.issued:
            return f"{self.stage.value}: issued {self.issued_on} ({self.source})"
        return f"{self.stage.value}: {self.status.value}: {self.reason}"


def today() -> dt.date:
    """Today, or ``SOURCE_DATE_EPOCH``'s day: a reproducible build pins the date it implies."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def stage_ready(case: Case, stage: Stage) -> str | None:
    """None when the case holds what the stage needs, else what it waits for."""
    if stage is Stage.EXCLUSIONS and not any(
        p.exclusion is not None and p.exclusion.decided_on is not None for p in case.people
    ):
        return "no exclusion has been decided (exclusion.decided_on)"
    if stage is Stage.DECISION and case.decision is None:
        return "the case has no decision yet"
    if stage is Stage.RECORD and (case.record is None or case.record.approved_on is None):
        return "the record has not been approved (record.approved_on)"
    return None


def stage_window(case: Case, stage: Stage) -> StageWindow:
    """The contract's date rule for a stage, as dates and the events that set them."""
    day = case.conference.date
    conference = f"the conference on {day.isoformat()}"
    if stage in (Stage.INVITATIONS, Stage.REPORTS):
        return StageWindow(None, "", day, conference)
    if stage is Stage.EXCLUSIONS:
        decided = [
            p.exclusion.decided_on
            for p in case.people
            if p.exclusion is not None and p.exclusion.decided_on is not None
        ]
        latest = max(decided) if decided else None
        event = f"the exclusion decided on {latest.isoformat()}" if latest else ""
        return StageWindow(latest, event, day, conference)
    if stage is Stage.DECISION:
        return StageWindow(day, conference, None, "")
    approved = case.record.approved_on if case.record else None
    event = f"the record's approval on {approved.isoformat()}" if approved else ""
    return StageWindow(approved, event, None, "")


def _breaks(window: StageWindow, day: dt.date) -> str | None:
    if window.earliest is not None and day < window.earliest:
        return f"is before {window.earliest_event}"
    if window.latest is not None and day > window.latest:
        return f"is after {window.latest_event}"
    return None


def resolve_stage_dates(
    case: Case,
    stages: tuple[Stage, ...] | None = None,
    *,
    explicit: dt.date | None = None,
    published: dict[Stage, dt.date] | None = None,
    on: dt.date | None = None,
    case_file: str = "",
    explicit_for: frozenset[Stage] | None = None,
) -> dict[Stage, StageDate]:
    """Every stage's outcome for a run rendering ``stages`` (all when None).

    ``explicit`` (``--date``) applies to the stages in ``explicit_for`` (all when None): a
    reprint of one decision letter dates only the decision stage.

    Raises :class:`~cpcdocs.errors.CpcdocsError` (exit 2) for an explicit date that breaks a
    stage's rule, and for a stage asked for by name (``--stage``) that the case is not ready
    for: silently leaving out what the user asked for would look like success.
    """
    published = published or {}
    asked = stages is not None
    day = on or today()
    out: dict[Stage, StageDate] = {}
    for stage in Stage:
        if stages is not None and stage not in stages:
            continue
        missing = stage_ready(case, stage)
        if missing is not None:
            if asked:
                msg = f"stage {stage.value} is not ready: {missing}"
                raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
            out[stage] = StageDate(stage, StageStatus.NOT_READY, None, None, missing)
            continue
        window = stage_window(case, stage)
        from_case = getattr(case.issued, stage.value) if case.issued is not None else None
        given = explicit if explicit_for is None or stage in explicit_for else None
        if given is not None or from_case is not None:
            chosen = given if given is not None else from_case
            assert chosen is not None
            source = DateSource.OPTION if given is not None else DateSource.CASE
            broken = _breaks(window, chosen)
            if broken:
                where = (
                    "--date"
                    if given is not None
                    else f"{case_file or 'case'}: issued.{stage.value}"
                )
                when = chosen.isoformat()
                msg = f"{where}: the {stage.value} stage cannot be dated {when}: it {broken}"
                raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
            out[stage] = StageDate(stage, StageStatus.ISSUED, chosen, source)
            continue
        if stage in published:
            out[stage] = StageDate(
                stage, StageStatus.ISSUED, published[stage], DateSource.PUBLISHED
            )
            continue
        broken = _breaks(window, day)
        if broken and window.earliest is not None and day < window.earliest:
            reason = f"waits for {window.earliest_event} (today is {day.isoformat()})"
            out[stage] = StageDate(stage, StageStatus.WAITING, None, None, reason)
        elif broken:
            reason = (
                f"never issued, and its time has passed: {window.latest_event} "
                f"(today is {day.isoformat()}): nobody is invited to a meeting that has happened"
            )
            out[stage] = StageDate(stage, StageStatus.PASSED, None, None, reason)
        else:
            out[stage] = StageDate(stage, StageStatus.ISSUED, day, DateSource.TODAY)
    return out
