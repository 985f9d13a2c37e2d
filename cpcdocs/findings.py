"""Findings: what ``cpcdocs check`` reports, and the catalogue of every finding code.

A :class:`Finding` has a stable kebab-case code (scheduled jobs and tests key on it), a
:class:`Level`, a message and the rule it comes from; :data:`CODES` lists every code with its
level, rule and meaning, so a code's level never depends on the case. The checks themselves,
one function per concern, are in :mod:`cpcdocs.checks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .timeline import SOURCES

__all__ = [
    "CODES",
    "LEVEL_RANK",
    "Finding",
    "Level",
    "finding_for",
    "format_findings",
    "summary",
]


class Level(StrEnum):
    """How serious a finding is; only errors change the exit status."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


LEVEL_RANK = {Level.ERROR: 0, Level.WARNING: 1, Level.INFO: 2}


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
        Level.WARNING,
        SOURCES["pre_birth_conference_by"],
        "a pre-birth conference is booked after pre_birth_conference_by; the procedures' "
        "wording is ambiguous, so this is never an error",
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
        "for a child, fewer than children's social care and two other agencies that have had "
        "direct contact with that child (knows) are invited, and no quorum_exception is recorded",
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
    "record-withheld-no-reason": _Code(
        Level.WARNING,
        f"{_LOCAL}: exclusion criteria",
        "a parent who will not be sent the record is not given the chair's reason",
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
    "child-request-child-absent": _Code(
        Level.ERROR,
        f"{_LOCAL}: exclusion criteria",
        "an exclusion rests on child_request but no child connected to the excluded person "
        "attends: the ground applies only while the child who asked is present",
    ),
    "conference-after-school-day": _Code(
        Level.WARNING,
        f"{_LOCAL}: arranging conferences",
        "a conference on a school day ends after the authority's school_day_ends while a "
        "school-age child lives with an invited parent",
    ),
    "report-late": _Code(
        Level.WARNING,
        SOURCES["reports_to_chair"],
        "a returned report was received after reports_to_chair",
    ),
    "report-not-received": _Code(
        Level.WARNING,
        SOURCES["reports_to_chair"],
        "reports_to_chair has passed and a professional who should report has no report in reports",
    ),
    "report-not-shared-without-agreement": _Code(
        Level.ERROR,
        f"{_LOCAL}: report sharing",
        "a report not shared with the family has no not_shared_reason or no chair_agreed_on",
    ),
    "record-late": _Code(
        Level.WARNING,
        f"{_LOCAL}: conference records",
        "the record was not approved within the authority's record_days of the conference",
    ),
    "record-withheld-without-reason": _Code(
        Level.ERROR,
        f"{_LOCAL}: conference records",
        "record.not_sent_to names someone with an empty reason",
    ),
    "text-names-person": _Code(
        Level.WARNING,
        f"{_LOCAL}: sharing information with families",
        "a text item names a family member or child who is not in its about: tag it or say "
        "who it is about before it goes out",
    ),
    "safety-to-excluded": _Code(
        Level.ERROR,
        f"{_LOCAL}: exclusion criteria; sending documents to parents",
        "a person excluded on violence or bail grounds may see an item about someone they are "
        "kept from that is not tagged safety or withheld from them",
    ),
    "quotes-withheld": _Code(
        Level.ERROR,
        f"{_LOCAL}: sharing information with families",
        "a value a reader may see (free text, a venue, an agency) quotes something withheld "
        "from that reader; render refuses the pack (exit 3) until the case file is fixed",
    ),
}


def finding_for(code: str, message: str, path: str = "") -> Finding:
    """A finding of ``code``, its level and rule taken from :data:`CODES`."""
    spec = CODES[code]
    return Finding(spec.level, code, message, spec.rule, path)


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
