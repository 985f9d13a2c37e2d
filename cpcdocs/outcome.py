"""What the conference decided and what follows it: the decision, the plan, issue, reports, record.

These shapes are the later part of a case file, filled in as the case moves through its
stages (:mod:`cpcdocs.stages`): the decision and each child's plan after the conference, the
``issued`` dates, the professionals' returned reports and the conference record. They are
re-exported by :mod:`cpcdocs.model`, whose :class:`~cpcdocs.model.Case` holds them.
"""

from __future__ import annotations

from pydantic import Field

from .enums import Category, Outcome
from .fields import Date, Line, Slug, Strict, TextValue

__all__ = [
    "RECORD_SECTIONS",
    "Action",
    "ChildDecision",
    "ChildPlan",
    "Decision",
    "Dissent",
    "Issued",
    "NotSent",
    "Record",
    "RecordSections",
    "Report",
]


class ChildDecision(Strict):
    """The conference's decision for one child."""

    outcome: Outcome
    category: Category | None = None


class Dissent(Strict):
    """A professional who disagreed with the decision, and why."""

    professional: Slug
    reason: TextValue


class Decision(Strict):
    """What the conference decided; absent before the conference."""

    quorate: bool
    children: dict[Slug, ChildDecision] = Field(min_length=1)
    lead_social_worker: Slug | None = None
    core_group_date: Date | None = None
    review_date: Date | None = None
    dissent: list[Dissent] = Field(default_factory=list)
    core_group: list[Slug] = Field(
        default_factory=list, description="cpcdocs addition: core group members' ids."
    )


class Action(Strict):
    """One thing someone will do under the plan."""

    what: TextValue
    who: Slug
    by: Date | Line


class ChildPlan(Strict):
    """The outline child protection plan for one child."""

    risks: list[TextValue] = Field(
        default_factory=list,
        description="The risks and what must change.",
    )
    outcomes: list[TextValue] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    contact: TextValue | None = None
    contingency: TextValue | None = None
    services: list[TextValue] = Field(default_factory=list)


class Issued(Strict):
    """The date each stage was issued, when the case file fixes it."""

    invitations: Date | None = None
    exclusions: Date | None = None
    reports: Date | None = None
    decision: Date | None = None
    record: Date | None = None


class Report(Strict):
    """A returned report: an agency's proforma or the social worker's report, filled in."""

    author: Slug
    child: Slug
    received_on: Date | None = None
    shared_with_family: bool = True
    not_shared_reason: TextValue | None = None
    chair_agreed_on: Date | None = None
    form_version: Line | None = Field(
        default=None, description="cpcdocs addition: the version of the form it came back on."
    )
    sections: list[TextValue] = Field(default_factory=list)


class RecordSections(Strict):
    """The conference record's sections, each a list of text items."""

    information: list[TextValue] = Field(default_factory=list)
    parents_views: list[TextValue] = Field(default_factory=list)
    child_views: list[TextValue] = Field(default_factory=list)
    analysis: list[TextValue] = Field(default_factory=list)
    decision_reasons: list[TextValue] = Field(default_factory=list)
    dissent: list[TextValue] = Field(
        default_factory=list, description="cpcdocs addition: dissent recorded in the minutes."
    )


class NotSent(Strict):
    """The chair's decision not to send the record to one family member, with the reason."""

    id: Slug
    reason: TextValue


class Record(Strict):
    """The minute-taker's record of the conference, approved by the chair."""

    approved_on: Date | None = None
    present: list[Slug] = Field(default_factory=list)
    apologies: list[Slug] = Field(default_factory=list)
    sections: RecordSections = Field(default_factory=RecordSections)
    not_sent_to: list[NotSent] = Field(default_factory=list)
    to_children: list[Slug] = Field(default_factory=list)


#: The record's sections in the order a record prints them.
RECORD_SECTIONS: tuple[str, ...] = tuple(RecordSections.model_fields)
