"""Model stage: the case file as typed, validated data.

The shapes here are the contract in ``shared/case-format`` plus the optional keys this project
adds (each marked "cpcdocs addition" in its description). Field checks live on the pydantic
models; checks that need the whole file (does this id exist, is it the right kind of thing)
live in :func:`reference_problems`, which works on the raw data so that a file with a typo in
one place and a dangling id in another gets both reported in one run.

The relationship questions every later stage asks (who holds parental responsibility for whom,
who is the lead social worker) are answered once, here, as methods on :class:`Case`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

__all__ = [
    "BUILTIN_TAGS",
    "EXCLUSION_GROUND_TEXT",
    "PERSONAL_TAGS",
    "RECORD_SECTIONS",
    "Accessibility",
    "Case",
    "Category",
    "Child",
    "ConferenceType",
    "ExclusionExtent",
    "ExclusionGround",
    "Gender",
    "InfoKind",
    "Issued",
    "NotSent",
    "Outcome",
    "Participation",
    "Person",
    "Professional",
    "QuorumException",
    "Record",
    "RecordSections",
    "Relationship",
    "Report",
    "Role",
    "TextItem",
    "TextRef",
    "ViewsRoute",
]

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]+$", min_length=1, max_length=64)]
Reference = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", min_length=1, max_length=64)
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Line = Annotated[str, StringConstraints(min_length=1, max_length=200)]
#: A language code, as a catalog is named: ``en``, ``cy``, ``pl``, ``pt_BR`` (cpcdocs.i18n).
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}([_-][A-Za-z0-9]{2,8})?$")]
AddressLines = Annotated[list[Line], Field(min_length=1, max_length=10)]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$", min_length=1, max_length=64)]


def _date_as_written(value: Any) -> Any:
    # pydantic reads a number as a Unix timestamp (`date: 0` would be 1970-01-01) and a
    # YAML timestamp as a date; a case file's dates are only ever written YYYY-MM-DD.
    if isinstance(value, dt.datetime | int | float):
        msg = "expected a date written YYYY-MM-DD"
        raise ValueError(msg)
    return value


Date = Annotated[dt.date, BeforeValidator(_date_as_written)]


class ConferenceType(StrEnum):
    """The four kinds of conference, each with its own clocks and wording."""

    INITIAL = "initial"
    PRE_BIRTH = "pre_birth"
    TRANSFER_IN = "transfer_in"
    REVIEW = "review"


class Participation(StrEnum):
    """How a child takes part in their conference."""

    ATTEND = "attend"
    ATTEND_PART = "attend_part"
    VIEWS_IN_WRITING = "views_in_writing"
    ADVOCATE = "advocate"
    NOT_ATTENDING = "not_attending"


class Gender(StrEnum):
    """As recorded; letters never depend on it."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    NOT_RECORDED = "not_recorded"


class Relationship(StrEnum):
    """A family member's or supporter's relationship to the children."""

    MOTHER = "mother"
    FATHER = "father"
    PARENT = "parent"
    STEP_MOTHER = "step_mother"
    STEP_FATHER = "step_father"
    PARTNER = "partner"
    GRANDMOTHER = "grandmother"
    GRANDFATHER = "grandfather"
    AUNT = "aunt"
    UNCLE = "uncle"
    SIBLING = "sibling"
    FOSTER_CARER = "foster_carer"
    KINSHIP_CARER = "kinship_carer"
    CARER = "carer"
    ADVOCATE = "advocate"
    SUPPORTER = "supporter"
    FRIEND = "friend"
    SOLICITOR = "solicitor"
    OTHER = "other"


class Role(StrEnum):
    """A professional's role at the conference."""

    CHAIR = "chair"
    SOCIAL_WORKER = "social_worker"
    TEAM_MANAGER = "team_manager"
    POLICE = "police"
    GP = "gp"
    HEALTH_VISITOR = "health_visitor"
    SCHOOL_NURSE = "school_nurse"
    SCHOOL = "school"
    EARLY_YEARS = "early_years"
    PAEDIATRICIAN = "paediatrician"
    MIDWIFE = "midwife"
    CAMHS = "camhs"
    ADULT_MENTAL_HEALTH = "adult_mental_health"
    SUBSTANCE_MISUSE_SERVICE = "substance_misuse_service"
    PROBATION = "probation"
    YOUTH_JUSTICE = "youth_justice"
    HOUSING = "housing"
    DOMESTIC_ABUSE_ADVISER = "domestic_abuse_adviser"
    LEGAL = "legal"
    GUARDIAN = "guardian"
    INTERPRETER = "interpreter"
    MINUTE_TAKER = "minute_taker"
    OTHER = "other"


class InfoKind(StrEnum):
    """Reports keep facts, allegations and opinions apart."""

    FACT = "fact"
    ALLEGATION = "allegation"
    OPINION = "opinion"


class Outcome(StrEnum):
    """What the conference decided for one child."""

    CHILD_PROTECTION_PLAN = "child_protection_plan"
    CHILD_IN_NEED_PLAN = "child_in_need_plan"
    NO_FURTHER_ACTION = "no_further_action"


class Category(StrEnum):
    """The category of abuse or neglect under which a plan is made."""

    PHYSICAL_ABUSE = "physical_abuse"
    EMOTIONAL_ABUSE = "emotional_abuse"
    SEXUAL_ABUSE = "sexual_abuse"
    NEGLECT = "neglect"


class ExclusionExtent(StrEnum):
    """Whether a parent is kept out of the whole conference or part of it."""

    FULL = "full"
    PART = "part"


class ExclusionGround(StrEnum):
    """The six exclusion criteria of the procedures, with short stable ids."""

    SERIOUS_PREJUDICE = "serious_prejudice"
    VIOLENCE_OR_INTIMIDATION = "violence_or_intimidation"
    CHILD_REQUEST = "child_request"
    PROFESSIONAL_SAFETY = "professional_safety"
    CONFIDENTIAL_INFORMATION = "confidential_information"
    BAIL_CONDITIONS_OR_DOMESTIC_ABUSE = "bail_conditions_or_domestic_abuse"


#: The criteria as the procedures put them, used by ``schema`` descriptions and by letters
#: (which phrase them in plain words of their own).
EXCLUSION_GROUND_TEXT: dict[ExclusionGround, str] = {
    ExclusionGround.SERIOUS_PREJUDICE: (
        "the parent's presence would seriously prejudice the child's welfare"
    ),
    ExclusionGround.VIOLENCE_OR_INTIMIDATION: (
        "violence, threats of violence or intimidation, or behaviour likely to disrupt the "
        "conference"
    ),
    ExclusionGround.CHILD_REQUEST: "the child has asked that the parent is not present",
    ExclusionGround.PROFESSIONAL_SAFETY: (
        "a professional could not contribute safely or fully if the parent were present"
    ),
    ExclusionGround.CONFIDENTIAL_INFORMATION: (
        "confidential information must be shared, such as legal advice or details of a "
        "criminal investigation"
    ),
    ExclusionGround.BAIL_CONDITIONS_OR_DOMESTIC_ABUSE: (
        "conflict between family members, bail conditions or domestic abuse"
    ),
}


class ViewsRoute(StrEnum):
    """cpcdocs addition: how an excluded parent's views reach the conference."""

    IN_WRITING = "in_writing"
    RECORDED = "recorded"
    ADVOCATE = "advocate"
    MEETING_WITH_CHAIR = "meeting_with_chair"
    SOCIAL_WORKER = "social_worker"


class Accessibility(StrEnum):
    """cpcdocs addition: how a recipient needs their documents."""

    LARGE_PRINT = "large_print"
    EASY_READ = "easy_read"


class QuorumException(StrEnum):
    """cpcdocs addition: the recorded reasons a conference may go ahead with fewer agencies."""

    PRE_BIRTH = "pre_birth"
    LACK_OF_CONTACT = "lack_of_contact"


#: Tags that are about one person: a parent sees them only when the item is about them.
PERSONAL_TAGS: frozenset[str] = frozenset(
    {"parent_health", "substance_misuse", "criminal_history", "sexual_history", "immigration"}
)

#: Every tag the contract defines. Any other tag must be declared by the authority profile
#: (``redaction:``); an unknown tag is an input error, because a misspelt
#: ``police_investigaton`` would otherwise silently make an item visible.
BUILTIN_TAGS: frozenset[str] = frozenset(
    {"police_investigation", "third_party", "chair_confidential", "safety", *PERSONAL_TAGS}
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class TextItem(_Strict):
    """A sentence a document may print, under the same redaction rules as an information item.

    Written in the case file either as a plain string (about no one in particular, no tags) or
    as a mapping; both load into this one shape, so no later stage can tell them apart and
    forget a rule for one of them.
    """

    text: Text
    about: list[Slug] = Field(default_factory=list)
    tags: list[Tag] = Field(default_factory=list)
    withhold_from: list[Slug] = Field(
        default_factory=list,
        description="The chair's decision: never in these readers' copies.",
    )
    children: list[Slug] | None = Field(
        default=None,
        description="Which children the text concerns; by default its place decides (a plan's "
        "child, a report's child, a child's own field).",
    )
    heading: Line | None = Field(
        default=None, description="cpcdocs addition: a returned report section's heading."
    )

    def __str__(self) -> str:
        return self.text.strip()


def _text_item(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


#: A text item field: a string or a ``{text, about, tags, withhold_from}`` mapping.
TextValue = Annotated[TextItem, BeforeValidator(_text_item)]


class CaseMeta(_Strict):
    """The case's identity."""

    reference: Reference = Field(
        description="Names the pack folder; letters, digits, '-' and '_' only."
    )
    authority: Slug = Field(description="Which authority profile supplies letterhead and rules.")


class Venue(_Strict):
    """Where the conference meets."""

    name: Line
    address: AddressLines


_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Conference(_Strict):
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


class Child(_Strict):
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


class Exclusion(_Strict):
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


class Person(_Strict):
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


class Professional(_Strict):
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


class Information(_Strict):
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


class ChildDecision(_Strict):
    """The conference's decision for one child."""

    outcome: Outcome
    category: Category | None = None


class Dissent(_Strict):
    """A professional who disagreed with the decision, and why."""

    professional: Slug
    reason: TextValue


class Decision(_Strict):
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


class Action(_Strict):
    """One thing someone will do under the plan."""

    what: TextValue
    who: Slug
    by: Date | Line


class ChildPlan(_Strict):
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


class Issued(_Strict):
    """The date each stage was issued, when the case file fixes it."""

    invitations: Date | None = None
    exclusions: Date | None = None
    reports: Date | None = None
    decision: Date | None = None
    record: Date | None = None


class Report(_Strict):
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


class RecordSections(_Strict):
    """The conference record's sections, each a list of text items."""

    information: list[TextValue] = Field(default_factory=list)
    parents_views: list[TextValue] = Field(default_factory=list)
    child_views: list[TextValue] = Field(default_factory=list)
    analysis: list[TextValue] = Field(default_factory=list)
    decision_reasons: list[TextValue] = Field(default_factory=list)
    dissent: list[TextValue] = Field(
        default_factory=list, description="cpcdocs addition: dissent recorded in the minutes."
    )


class NotSent(_Strict):
    """The chair's decision not to send the record to one family member, with the reason."""

    id: Slug
    reason: TextValue


class Record(_Strict):
    """The minute-taker's record of the conference, approved by the chair."""

    approved_on: Date | None = None
    present: list[Slug] = Field(default_factory=list)
    apologies: list[Slug] = Field(default_factory=list)
    sections: RecordSections = Field(default_factory=RecordSections)
    not_sent_to: list[NotSent] = Field(default_factory=list)
    to_children: list[Slug] = Field(default_factory=list)


#: The record's sections in the order a record prints them.
RECORD_SECTIONS: tuple[str, ...] = tuple(RecordSections.model_fields)


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


class Case(_Strict):
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
            for name in ("summary", "part_description"):
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


# -- whole-file checks ---------------------------------------------------------------------------

RefProblem = tuple[tuple[str | int, ...], str]


def reference_problems(data: Any) -> list[RefProblem]:
    """Cross-reference problems in raw case data, as (path, message) pairs.

    Works on the raw mapping, tolerating wrong shapes (those are reported by pydantic), so a
    file's dangling ids are reported in the same run as its typos.
    """
    if not isinstance(data, dict):
        return []
    problems: list[RefProblem] = []

    def entries(key: str) -> list[tuple[int, dict[str, Any]]]:
        value = data.get(key)
        if not isinstance(value, list):
            return []
        return [(i, e) for i, e in enumerate(value) if isinstance(e, dict)]

    def by_id(key: str) -> dict[str, dict[str, Any]]:
        return {str(e["id"]): e for _, e in entries(key) if isinstance(e.get("id"), str)}

    children = by_id("children")
    people = by_id("people")
    pros = by_id("professionals")
    kinds = {"child": set(children), "person": set(people), "professional": set(pros)}
    everyone = set(children) | set(people) | set(pros)

    seen: dict[str, str] = {}
    for group in ("children", "people", "professionals", "information"):
        for index, entry in entries(group):
            ident = entry.get("id")
            if not isinstance(ident, str):
                continue
            if ident in seen:
                problems.append(
                    ((group, index, "id"), f"id '{ident}' is already used by {seen[ident]}")
                )
            else:
                seen[ident] = f"{group}[{index}]"

    def expect(path: tuple[str | int, ...], value: Any, allowed: set[str], what: str) -> None:
        if isinstance(value, str) and value not in allowed:
            hint = _did_you_mean(value, allowed)
            others = [k for k, ids in kinds.items() if value in ids]
            if others:
                problems.append((path, f"'{value}' is a {others[0]}, not {what}"))
            else:
                noun = what.removeprefix("a ").removeprefix("an ").removeprefix("another ")
                problems.append((path, f"no {noun} has id '{value}'{hint}"))

    def expect_list(path: tuple[str | int, ...], value: Any, allowed: set[str], what: str) -> None:
        if isinstance(value, list):
            for i, item in enumerate(value):
                expect((*path, i), item, allowed, what)

    conference = data.get("conference")
    if isinstance(conference, dict):
        chair = conference.get("chair")
        expect(("conference", "chair"), chair, set(pros), "a professional")
        role = pros[chair].get("role") if isinstance(chair, str) and chair in pros else None
        if _known(Role, role) and role != "chair":  # an unknown role is reported as such
            problems.append(
                (("conference", "chair"), f"professional '{chair}' does not have role: chair")
            )
    advocates = {k for k, p in people.items() if p.get("relationship") in ("advocate", "supporter")}
    for index, child in entries("children"):
        base: tuple[str | int, ...] = ("children", index)
        expect_list((*base, "parents"), child.get("parents"), set(people), "a person")
        expect_list((*base, "lives_with"), child.get("lives_with"), set(people), "a person")
        advocate = child.get("advocate")
        expect((*base, "advocate"), advocate, set(people), "a person")
        if (
            isinstance(advocate, str)
            and advocate in people
            and advocate not in advocates
            and _known(Relationship, people[advocate].get("relationship"))
        ):
            problems.append(
                ((*base, "advocate"), f"person '{advocate}' is not an advocate or supporter")
            )
        if child.get("date_of_birth") is None and child.get("expected_birth_date") is None:
            problems.append(
                (base, "give date_of_birth, or expected_birth_date for an unborn child")
            )
        born = _as_date(child.get("date_of_birth"))
        held = _as_date(conference.get("date") if isinstance(conference, dict) else None)
        if born and held and born > held:
            problems.append(
                (
                    (*base, "date_of_birth"),
                    f"{born} is after the conference date ({held}); "
                    "an unborn child has expected_birth_date instead",
                )
            )
    for index, person in entries("people"):
        base = ("people", index)
        expect_list(
            (*base, "withhold_address_from"),
            person.get("withhold_address_from"),
            everyone - {person.get("id")},
            "another person, child or professional",
        )
        expect_list(
            (*base, "parental_responsibility_for"),
            person.get("parental_responsibility_for"),
            set(children),
            "a child",
        )
        expect_list((*base, "supports"), person.get("supports"), set(children), "a child")
        exclusion = person.get("exclusion")
        if isinstance(exclusion, dict):
            expect(
                (*base, "exclusion", "requested_by"),
                exclusion.get("requested_by"),
                set(pros),
                "a professional",
            )
    leads = []
    for index, pro in entries("professionals"):
        base = ("professionals", index)
        expect_list((*base, "knows"), pro.get("knows"), set(children), "a child")
        if pro.get("lead_social_worker") is True:
            leads.append((index, pro))
            if _known(Role, pro.get("role")) and pro.get("role") != "social_worker":
                problems.append(
                    (
                        (*base, "lead_social_worker"),
                        "only a social_worker can be the lead social worker",
                    )
                )
    if len(leads) > 1:
        index, _ = leads[1]
        problems.append(
            (("professionals", index, "lead_social_worker"), "more than one lead social worker")
        )
    for index, item in entries("information"):
        base = ("information", index)
        expect_list((*base, "children"), item.get("children"), set(children), "a child")
        expect_list(
            (*base, "about"), item.get("about"), everyone, "a child, person or professional"
        )

    decision = data.get("decision")
    if isinstance(decision, dict):
        decided = decision.get("children")
        if isinstance(decided, dict):
            for child_id in decided:
                if child_id not in children:
                    problems.append(
                        (
                            ("decision", "children", child_id),
                            f"no child has id '{child_id}'"
                            + _did_you_mean(str(child_id), set(children)),
                        )
                    )
            for child_id in children:
                if child_id not in decided:
                    problems.append(
                        (("decision", "children"), f"no decision for child '{child_id}'")
                    )
        lead = decision.get("lead_social_worker")
        expect(("decision", "lead_social_worker"), lead, set(pros), "a professional")
        if isinstance(lead, str) and lead in pros:
            role = pros[lead].get("role")
            if _known(Role, role) and role != "social_worker":
                problems.append(
                    (("decision", "lead_social_worker"), f"'{lead}' is not a social_worker")
                )
            if leads and leads[0][1].get("id") != lead:
                problems.append(
                    (
                        ("decision", "lead_social_worker"),
                        f"'{lead}' differs from the professional flagged lead_social_worker "
                        f"('{leads[0][1].get('id')}')",
                    )
                )
        elif lead is None and not leads:
            problems.append(
                (
                    ("decision",),
                    "a decision needs exactly one lead social worker (decision.lead_social_worker)",
                )
            )
        dissent = decision.get("dissent")
        if isinstance(dissent, list):
            for i, entry in enumerate(dissent):
                if isinstance(entry, dict):
                    expect(
                        ("decision", "dissent", i, "professional"),
                        entry.get("professional"),
                        set(pros),
                        "a professional",
                    )
        expect_list(
            ("decision", "core_group"),
            decision.get("core_group"),
            set(people) | set(pros),
            "a person or professional",
        )
    plan = data.get("plan")
    if isinstance(plan, dict):
        for child_id, child_plan in plan.items():
            if child_id not in children:
                problems.append(
                    (
                        ("plan", child_id),
                        f"no child has id '{child_id}'"
                        + _did_you_mean(str(child_id), set(children)),
                    )
                )
            elif isinstance(decided := (decision or {}).get("children"), dict):
                outcome = (decided.get(child_id) or {}).get("outcome")
                if _known(Outcome, outcome) and outcome != "child_protection_plan":
                    problems.append(
                        (
                            ("plan", child_id),
                            f"child '{child_id}' has outcome {outcome}, not child_protection_plan",
                        )
                    )
            if isinstance(child_plan, dict) and isinstance(child_plan.get("actions"), list):
                for i, action in enumerate(child_plan["actions"]):
                    if isinstance(action, dict):
                        expect(
                            ("plan", child_id, "actions", i, "who"),
                            action.get("who"),
                            set(people) | set(pros),
                            "a person or professional",
                        )
        if not isinstance(decision, dict):
            problems.append((("plan",), "a plan needs a decision"))
    return problems


def _known(enum: type[StrEnum], value: Any) -> bool:
    """Whether ``value`` is one of ``enum``'s values.

    A check built on an unknown value would only echo the enum's own complaint (a
    ``social worker`` flagged lead, then told it is "not a social_worker").
    """
    return isinstance(value, str) and value in enum._value2member_map_


def _as_date(value: Any) -> dt.date | None:
    """A calendar date as YAML reads ``2027-01-06``; None for a timestamp, text or nothing."""
    return value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else None


def _did_you_mean(value: str, options: set[str] | list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(value, sorted(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
