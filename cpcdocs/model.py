"""Model stage: the case file as typed, validated data.

The shapes here are the contract in ``shared/case-format`` plus the optional keys this project
adds (each marked "cpcdocs addition" in its description). Field checks live on the pydantic
models; checks that need the whole file (does this id exist, is it the right kind of thing)
live in :func:`cpcdocs.references.reference_problems`, which works on the raw data so that a
file with a typo in one place and a dangling id in another gets both reported in one run. The
enumerations live in :mod:`cpcdocs.enums` and are re-exported here.

The relationship questions every later stage asks (who holds parental responsibility for whom,
who is the lead social worker) are answered once, here, as methods on :class:`Case`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    Field,
    StringConstraints,
    field_validator,
)

from .enums import (
    BUILTIN_TAGS,
    EXCLUSION_GROUND_TEXT,
    PERSONAL_TAGS,
    Accessibility,
    Category,
    ConferenceType,
    ExclusionExtent,
    ExclusionGround,
    Gender,
    InfoKind,
    Outcome,
    Participation,
    QuorumException,
    Relationship,
    Role,
    ViewsRoute,
)
from .fields import (
    AddressLines,
    Date,
    Language,
    Line,
    Reference,
    Slug,
    Strict,
    Tag,
    Text,
    TextItem,
    TextValue,
)
from .outcome import (
    RECORD_SECTIONS,
    Action,
    ChildDecision,
    ChildPlan,
    Decision,
    Dissent,
    Issued,
    NotSent,
    Record,
    RecordSections,
    Report,
)

__all__ = [
    "BUILTIN_TAGS",
    "EXCLUSION_GROUND_TEXT",
    "PERSONAL_TAGS",
    "RECORD_SECTIONS",
    "Accessibility",
    "Action",
    "AddressLines",
    "Case",
    "CaseMeta",
    "Category",
    "Child",
    "ChildDecision",
    "ChildPlan",
    "Conference",
    "ConferenceType",
    "Date",
    "Decision",
    "Dissent",
    "Exclusion",
    "ExclusionExtent",
    "ExclusionGround",
    "Gender",
    "InfoKind",
    "Information",
    "Issued",
    "Line",
    "NotSent",
    "Outcome",
    "Participation",
    "Person",
    "Professional",
    "QuorumException",
    "Record",
    "RecordSections",
    "Reference",
    "Relationship",
    "Report",
    "Role",
    "Slug",
    "Tag",
    "Text",
    "TextItem",
    "TextRef",
    "TextValue",
    "Venue",
    "ViewsRoute",
]


class CaseMeta(Strict):
    """The case's identity."""

    reference: Reference = Field(
        description="Names the pack folder; letters, digits, '-' and '_' only."
    )
    authority: Slug = Field(description="Which authority profile supplies letterhead and rules.")


class Venue(Strict):
    """Where the conference meets."""

    name: Line
    address: AddressLines


_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Conference(Strict):
    """The conference this pack is for."""

    type: ConferenceType
    date: Date
    start: str = Field(description='24-hour start time in quotes, e.g. "10:00".')
    duration_minutes: int = Field(default=120, ge=15, le=480)
    venue: Venue | None = None
    virtual_link: Annotated[str, StringConstraints(pattern=r"^https://\S+$")] | None = None
    chair: Slug
    strategy_discussion_date: Date | None = None
    transfer_accepted_date: Date | None = None
    previous_conference_date: Date | None = None
    previous_conference_type: ConferenceType | None = None
    expected_birth_date: Date | None = None
    originating_authority: Line | None = Field(
        default=None, description="cpcdocs addition: the authority a transfer-in came from."
    )
    quorum_exception: QuorumException | None = Field(
        default=None,
        description="cpcdocs addition: the recorded reason a conference with fewer than three "
        "agencies is quorate.",
    )

    @field_validator("start", mode="before")
    @classmethod
    def _start_is_time(cls, value: Any) -> Any:
        if isinstance(value, int):
            # YAML 1.1 reads an unquoted 10:00 as the sexagesimal number 600.
            msg = 'write the time in quotes, e.g. start: "10:00"'
            raise ValueError(msg)
        if not isinstance(value, str) or not _TIME.match(value):
            msg = 'expected a 24-hour time such as "10:00"'
            raise ValueError(msg)
        return value

    @property
    def end(self) -> str:
        """The finishing time, for letters that say "from 10:00 to 12:00"."""
        hours, minutes = (int(x) for x in self.start.split(":"))
        total = hours * 60 + minutes + self.duration_minutes
        return f"{(total // 60) % 24:02d}:{total % 60:02d}"


class Child(Strict):
    """A child the conference is about, born or unborn."""

    id: Slug
    name: Line | None = Field(default=None, description="Absent for an unborn baby not yet named.")
    date_of_birth: Date | None = None
    expected_birth_date: Date | None = Field(
        default=None, description="An unborn child has this in place of date_of_birth."
    )
    gender: Gender = Gender.NOT_RECORDED
    lives_with: list[Slug] = Field(default_factory=list)
    school: Line | None = None
    parents: list[Slug] = Field(
        default_factory=list, description="People holding parental responsibility."
    )
    participation: Participation = Participation.NOT_ATTENDING
    not_attending_reason: TextValue | None = Field(
        default=None, description="cpcdocs addition: why a child is not taking part."
    )
    advocate: Slug | None = None
    wishes_and_feelings: TextValue | None = None
    analysis: TextValue | None = None
    worried_about: TextValue | None = Field(
        default=None, description='cpcdocs addition: the report\'s "what we are worried about".'
    )
    working_well: TextValue | None = Field(
        default=None, description='cpcdocs addition: the report\'s "what is working well".'
    )
    needs_to_happen: TextValue | None = Field(
        default=None, description='cpcdocs addition: the report\'s "what needs to happen".'
    )
    recommendation: Outcome | None = None
    first_language: Line | None = None
    interpreter: Line | None = None
    language: Language | None = Field(
        default=None,
        description="cpcdocs addition: the language letters are written in: en (the "
        "default), cy (bilingual, Welsh first), or any language the council has a catalog for.",
    )
    accessibility: list[Accessibility] = Field(default_factory=list)
    invite: bool | None = Field(
        default=None,
        description="false: no invitation even at 12 or over; absent: the contract's rule.",
    )
    documents_to_child: bool = Field(
        default=True,
        description="false: no decision letter, plan or record to the child, whatever their age.",
    )
    reports_to_child: bool = Field(
        default=False,
        description="true (12 or over): the chair agreed the child sees the reports about them.",
    )
    mother_medically_fit: bool = Field(
        default=True,
        description="cpcdocs addition (pre-birth): false gives 20 working days, not 10, for "
        "the review after the birth.",
    )

    @property
    def unborn(self) -> bool:
        """True until a date of birth is recorded."""
        return self.date_of_birth is None

    def age_on(self, day: dt.date) -> int | None:
        """Age in whole years on ``day``; None for an unborn child."""
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Exclusion(Strict):
    """The chair's decision to keep a parent out of all or part of the conference."""

    extent: ExclusionExtent
    grounds: list[ExclusionGround] = Field(default_factory=list)
    summary: TextValue | None = None
    requested_by: Slug | None = None
    requested_on: Date | None = None
    decided_on: Date | None = None
    views_routes: list[ViewsRoute] = Field(
        default_factory=list,
        description="cpcdocs addition: how the parent's views will reach the conference.",
    )
    part_description: TextValue | None = Field(
        default=None, description="cpcdocs addition: for a part exclusion, which part."
    )
    disclose_requester: bool = Field(
        default=False,
        description="cpcdocs addition (child_request): the chair agreed the notice may say "
        "which child asked.",
    )
    receives_record: bool = Field(
        default=True,
        description="cpcdocs addition: whether the parent will be sent the conference record.",
    )
    record_reason: TextValue | None = Field(
        default=None,
        description="cpcdocs addition: with receives_record false, the chair's reason for not "
        "sending the record, which the exclusion notice gives the parent (a text item: only "
        "the parent and professionals read it).",
    )


class Person(Strict):
    """A family member, carer, advocate or supporter."""

    id: Slug
    name: Line
    relationship: Relationship
    title: Annotated[str, StringConstraints(min_length=1, max_length=20)] | None = None
    address: AddressLines | None = None
    withhold_address_from: list[Slug] = Field(default_factory=list)
    first_language: Line | None = None
    interpreter: Line | None = None
    language: Language | None = Field(
        default=None,
        description="cpcdocs addition: the language letters are written in: en (the "
        "default), cy (bilingual, Welsh first), or any language the council has a catalog for.",
    )
    invite: bool = False
    parental_responsibility_for: list[Slug] = Field(default_factory=list)
    organisation: Line | None = None
    supports: list[Slug] = Field(default_factory=list)
    phone: Line | None = None
    email: Line | None = None
    accessibility: list[Accessibility] = Field(default_factory=list)
    exclusion: Exclusion | None = None
    connected_to: list[Slug] = Field(
        default_factory=list,
        description="Children this family member is connected to without parental "
        "responsibility (a grandmother named in a contingency plan).",
    )
    copies: bool = Field(
        default=False,
        description="An advocate, supporter or solicitor the family agreed receives copies.",
    )


class Professional(Strict):
    """A professional invited to the conference, including the chair."""

    id: Slug
    name: Line
    role: Role
    agency: Line
    email: Line | None = None
    phone: Line | None = None
    address: AddressLines | None = None
    knows: list[Slug] | None = Field(
        default=None, description="Children this professional knows; absent means all."
    )
    lead_social_worker: bool = False


class Information(Strict):
    """A fact, allegation or opinion that documents may quote."""

    id: Slug
    children: list[Slug] = Field(min_length=1)
    about: list[Slug] = Field(default_factory=list)
    kind: InfoKind
    tags: list[Tag] = Field(default_factory=list)
    text: Text
    source: Line | None = Field(default=None, description="cpcdocs addition: who reported it.")
    withhold_from: list[Slug] = Field(
        default_factory=list,
        description="The chair's decision: never in these readers' copies.",
    )


@dataclass(frozen=True)
class TextRef:
    """One text item of a case, with its stable id and the children its place gives it.

    ``id`` is derived from where the item sits (``plan.maya.contingency``,
    ``record.sections.parents_views.0``), so the manifest, ``explain`` and audit findings can
    name it without ever printing its words.
    """

    id: str
    item: TextItem
    children: tuple[str, ...]
    #: Only these family readers may ever see it, whatever the tags say (an exclusion summary:
    #: the excluded person; a dissent: nobody but professionals); ``None`` means the ordinary
    #: rules decide.
    only_for: frozenset[str] | None = None
    #: The rule that withholds it from everyone else.
    only_rule: str = "professionals-only"

    @property
    def concerns(self) -> tuple[str, ...]:
        """The children it concerns: its own ``children`` key, else its place's."""
        return tuple(self.item.children) if self.item.children is not None else self.children


class Case(Strict):
    """A whole case file."""

    case: CaseMeta
    conference: Conference
    children: list[Child] = Field(min_length=1)
    people: list[Person] = Field(default_factory=list)
    professionals: list[Professional] = Field(min_length=1)
    information: list[Information] = Field(default_factory=list)
    decision: Decision | None = None
    plan: dict[Slug, ChildPlan] | None = None
    issued: Issued | None = None
    reports: list[Report] = Field(default_factory=list)
    record: Record | None = None

    # -- lookups ---------------------------------------------------------------------------

    def child(self, child_id: str) -> Child:
        """The child with this id."""
        return next(c for c in self.children if c.id == child_id)

    def person(self, person_id: str) -> Person:
        """The family member or supporter with this id."""
        return next(p for p in self.people if p.id == person_id)

    def professional(self, professional_id: str) -> Professional:
        """The professional with this id."""
        return next(p for p in self.professionals if p.id == professional_id)

    def name_of(self, some_id: str) -> str:
        """A display name for any id in the file (used for action owners)."""
        for group in (self.people, self.professionals):
            for entry in group:
                if entry.id == some_id:
                    return entry.name
        for child in self.children:
            if child.id == some_id:
                return child.name or ("the unborn baby" if child.unborn else "the baby")
        return some_id

    @property
    def chair(self) -> Professional:
        """The conference chair."""
        return self.professional(self.conference.chair)

    @property
    def lead_social_worker(self) -> Professional | None:
        """The decision's lead social worker, else the one flagged, else the only social worker.

        Before a decision the lead is whoever is flagged; a case with a single social worker
        needs no flag.
        """
        if self.decision and self.decision.lead_social_worker:
            return self.professional(self.decision.lead_social_worker)
        flagged = [p for p in self.professionals if p.lead_social_worker]
        if flagged:
            return flagged[0]
        workers = [p for p in self.professionals if p.role is Role.SOCIAL_WORKER]
        return workers[0] if len(workers) == 1 else None

    # -- parental responsibility: the one source of truth -------------------------------------

    def holds_pr(self, person_id: str, child_id: str) -> bool:
        """Whether a person holds parental responsibility for a child.

        Either side of the file may record it: ``parents`` on the child or
        ``parental_responsibility_for`` on the person.
        """
        child = self.child(child_id)
        if person_id in child.parents:
            return True
        person = next((p for p in self.people if p.id == person_id), None)
        return person is not None and child_id in person.parental_responsibility_for

    def pr_children(self, person_id: str) -> list[Child]:
        """Children this person holds parental responsibility for, in file order."""
        return [c for c in self.children if self.holds_pr(person_id, c.id)]

    def pr_holders(self, child_id: str) -> list[Person]:
        """People holding parental responsibility for this child, in file order."""
        return [p for p in self.people if self.holds_pr(p.id, child_id)]

    def children_known_by(self, professional: Professional) -> list[Child]:
        """Children a professional knows; every child when ``knows`` is absent."""
        if professional.knows is None:
            return list(self.children)
        return [c for c in self.children if c.id in professional.knows]

    # -- connection: who a family reader's copies may name ---------------------------------

    def connected_children(self, person_id: str) -> list[Child]:
        """A family member's connected children, in file order.

        Those they hold parental responsibility for, those who live with them, and those listed
        in their ``connected_to``. They receive those children's plans; an advocate's
        ``supports`` lets them read about a child (:mod:`cpcdocs.rules`) without connecting them.
        """
        person = next((p for p in self.people if p.id == person_id), None)
        if person is None:
            return []
        ids = set(person.connected_to)
        return [
            c
            for c in self.children
            if c.id in ids or person_id in c.lives_with or self.holds_pr(person_id, c.id)
        ]

    def connected_people(self, child_id: str) -> list[Person]:
        """Family members connected to this child, in file order."""
        return [
            p for p in self.people if any(c.id == child_id for c in self.connected_children(p.id))
        ]

    # -- text items: every sentence a document may print -----------------------------------

    def text_refs(self) -> Iterator[TextRef]:
        """Every text item in the case with its stable id, in file order.

        Information items are not here: they have ids of their own and their own list. This is
        the one walk over the free text of a case: the views, the audit, ``explain`` and the
        checks all take it from here, so a field added to the model and printed by a template
        but forgotten here would be forgotten everywhere: a test checks that every ``TextItem``
        field of the model is reached.
        """
        everyone = tuple(c.id for c in self.children)
        for child in self.children:
            for name in (
                "wishes_and_feelings",
                "analysis",
                "worried_about",
                "working_well",
                "needs_to_happen",
                "not_attending_reason",
            ):
                item = getattr(child, name)
                if item is not None:
                    yield TextRef(f"children.{child.id}.{name}", item, (child.id,))
        for person in self.people:
            excl = person.exclusion
            if excl is None:
                continue
            theirs = tuple(c.id for c in self.connected_children(person.id))
            for name in ("summary", "part_description", "record_reason"):
                item = getattr(excl, name)
                if item is not None:
                    yield TextRef(
                        f"people.{person.id}.exclusion.{name}",
                        item,
                        theirs,
                        only_for=frozenset({person.id}),
                        only_rule="exclusion-summary",
                    )
        if self.decision is not None:
            for i, dissent in enumerate(self.decision.dissent):
                yield TextRef(f"decision.dissent.{i}.reason", dissent.reason, everyone, frozenset())
        for child_id, plan in (self.plan or {}).items():
            base = f"plan.{child_id}"
            for name in ("risks", "outcomes", "services"):
                for i, item in enumerate(getattr(plan, name)):
                    yield TextRef(f"{base}.{name}.{i}", item, (child_id,))
            for i, action in enumerate(plan.actions):
                yield TextRef(f"{base}.actions.{i}.what", action.what, (child_id,))
            for name in ("contact", "contingency"):
                item = getattr(plan, name)
                if item is not None:
                    yield TextRef(f"{base}.{name}", item, (child_id,))
        for report in self.reports:
            base = f"reports.{report.author}.{report.child}"
            if report.not_shared_reason is not None:
                yield TextRef(
                    f"{base}.not_shared_reason",
                    report.not_shared_reason,
                    (report.child,),
                    frozenset(),
                )
            for i, item in enumerate(report.sections):
                yield TextRef(f"{base}.sections.{i}", item, (report.child,))
        if self.record is not None:
            for name in RECORD_SECTIONS:
                for i, item in enumerate(getattr(self.record.sections, name)):
                    yield TextRef(f"record.sections.{name}.{i}", item, everyone)
            for entry in self.record.not_sent_to:
                theirs = tuple(c.id for c in self.connected_children(entry.id))
                yield TextRef(
                    f"record.not_sent_to.{entry.id}.reason",
                    entry.reason,
                    theirs,
                    frozenset({entry.id}),
                    "record-reason",
                )

    def all_ids(self) -> set[str]:
        """Every id in the file."""
        groups: list[list[Any]] = [self.children, self.people, self.professionals]
        return {entry.id for group in groups for entry in group}
