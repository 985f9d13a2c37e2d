"""Views stage: what one recipient may see, and nothing else. The one place visibility is decided.

A template never receives the case. It receives a :class:`View` built here for exactly one
recipient, one redaction profile and (for per-child documents) one child. Whatever a recipient
may not see is *absent* from their view: not masked, not blacked out, so no template, however
careless, can print it.

:class:`Visibility` holds the decisions (which children, items, addresses and exclusions a
reader may see, and why each other one is withheld). :func:`build_view` turns them into the
template-facing view; :func:`withheld_items` lists what was held back, with the values the
audit searches for; :mod:`cpcdocs.plan` asks the same object who may receive what. One source
of truth for parental responsibility and visibility, three consumers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Literal

from .authority import Authority
from .model import (
    EXCLUSION_GROUND_TEXT,
    PERSONAL_TAGS,
    Accessibility,
    Case,
    Child,
    Information,
    Outcome,
    Participation,
    Person,
    Professional,
    Relationship,
    Role,
)

__all__ = [
    "ALWAYS_WITHHELD_FROM_FAMILY",
    "Profile",
    "Recipient",
    "View",
    "Visibility",
    "WithheldItem",
    "build_view",
    "profile_for",
    "withheld_items",
]


class Profile(StrEnum):
    """The three redaction profiles of the contract."""

    PROFESSIONAL = "professional"
    PARENT = "parent"
    CHILD = "child"


#: Tags no family member ever sees, whoever the item is about.
ALWAYS_WITHHELD_FROM_FAMILY: frozenset[str] = frozenset(
    {"police_investigation", "third_party", "chair_confidential"}
)

RecipientKind = Literal["person", "child", "professional"]


@dataclass(frozen=True, order=True)
class Recipient:
    """Who a document is addressed to: one envelope."""

    kind: RecipientKind
    id: str


def recipient_of(case: Case, some_id: str) -> Recipient:
    """The recipient with this id (ids are unique across the file)."""
    if any(c.id == some_id for c in case.children):
        return Recipient("child", some_id)
    if any(p.id == some_id for p in case.people):
        return Recipient("person", some_id)
    if any(p.id == some_id for p in case.professionals):
        return Recipient("professional", some_id)
    msg = f"no recipient has id '{some_id}'"
    raise KeyError(msg)


def profile_for(recipient: Recipient) -> Profile:
    """Professionals get the professional profile, children the child's, everyone else a parent's.

    Advocates and supporters are family-side readers: the contract gives them the parent profile.
    """
    if recipient.kind == "professional":
        return Profile.PROFESSIONAL
    if recipient.kind == "child":
        return Profile.CHILD
    return Profile.PARENT


@dataclass(frozen=True)
class WithheldItem:
    """Something a reader may not see, why, and the values that would reveal it.

    ``values`` are sensitive: they exist only so the audit can search rendered files for them.
    They are never logged, printed or written to the manifest; only ``rule`` and ``item`` are.
    """

    rule: str
    item: str
    values: tuple[str, ...] = ()
    #: Values to search for as whole phrases (addresses, names, dates) rather than as text
    #: from which distinctive phrases are cut (information items, exclusion summaries).
    exact: bool = False


class Visibility:
    """Every visibility decision for one reader of one document.

    ``child`` narrows a per-child document (report proforma, child report, outline plan) to
    that child's information for every reader, professionals included.
    """

    def __init__(
        self,
        case: Case,
        authority: Authority,
        recipient: Recipient,
        profile: Profile | None = None,
        child: str | None = None,
    ) -> None:
        self.case = case
        self.authority = authority
        self.recipient = recipient
        self.profile = profile or profile_for(recipient)
        self.child = child

    # -- children ------------------------------------------------------------------------------

    @cached_property
    def reader_children(self) -> tuple[str, ...]:
        """Children the reader may know about at all.

        Professionals: every child. A person: the children they hold parental responsibility
        for, and those they support as advocate or supporter. A child: themselves.
        """
        case = self.case
        if self.profile is Profile.PROFESSIONAL:
            return tuple(c.id for c in case.children)
        if self.recipient.kind == "child":
            return (self.recipient.id,)
        if self.recipient.kind == "person":
            person = case.person(self.recipient.id)
            ids = {c.id for c in case.pr_children(person.id)} | set(person.supports)
            return tuple(c.id for c in case.children if c.id in ids)
        return ()

    @cached_property
    def document_children(self) -> tuple[str, ...]:
        """Children this document names: the reader's, narrowed to the document's child."""
        if self.child is not None:
            return (self.child,) if self.child in self.reader_children else ()
        return self.reader_children

    def may_see_child(self, child_id: str) -> bool:
        """Whether the child appears in this document at all."""
        return child_id in self.reader_children

    # -- information ---------------------------------------------------------------------------

    def _extra_tags(self) -> set[str]:
        extra = self.authority.redaction
        return set(getattr(extra, self.profile.value))

    def information_rule(self, item: Information) -> str | None:
        """Why this item is withheld from this document, or None when the reader may see it."""
        child_ids = {c.id for c in self.case.children}
        reader = set(self.reader_children)
        if self.child is not None and self.child not in item.children:
            return "per-child-document"
        if not set(item.children) <= reader:
            return "other-child"
        if any(a in child_ids and a not in reader for a in item.about):
            return "other-child"
        tags = set(item.tags)
        for tag in sorted(tags & self._extra_tags()):
            return f"authority-tag:{tag}"
        if self.profile is Profile.PROFESSIONAL:
            return None
        for tag in sorted(tags & ALWAYS_WITHHELD_FROM_FAMILY):
            return f"tag:{tag}"
        personal = sorted(tags & PERSONAL_TAGS)
        if personal:
            if self.profile is Profile.CHILD:
                return f"personal-tag:{personal[0]}"
            if self.recipient.id not in item.about:
                return f"personal-tag:{personal[0]}"
        if self.profile is Profile.CHILD:
            others = set(item.children) - {self.recipient.id}
            if others or any(a in child_ids and a != self.recipient.id for a in item.about):
                return "other-child"
        return None

    @cached_property
    def information(self) -> tuple[Information, ...]:
        """Items this document may quote, in file order."""
        return tuple(i for i in self.case.information if self.information_rule(i) is None)

    # -- addresses and exclusions ----------------------------------------------------------------

    def address_withheld(self, owner: Person) -> bool:
        """Whether ``owner``'s address must be absent from this reader's copy."""
        return self.profile is not Profile.PROFESSIONAL and (
            self.recipient.id in owner.withhold_address_from
        )

    def may_see_exclusion_summary(self, person: Person) -> bool:
        """A person's exclusion summary: professionals and the excluded person only."""
        return self.profile is Profile.PROFESSIONAL or person.id == self.recipient.id

    @cached_property
    def people(self) -> tuple[Person, ...]:
        """Family members and supporters this reader's copy may name.

        Professionals see everyone. A family reader sees themselves and the people connected
        to the children they may see: those children's parents, carers and advocates. Anyone
        else (another family's father, say) is simply not in the view.
        """
        case = self.case
        if self.profile is Profile.PROFESSIONAL:
            return tuple(case.people)
        children = [case.child(c) for c in self.reader_children]
        ids = {self.recipient.id}
        for child in children:
            ids |= {p.id for p in case.pr_holders(child.id)}
            ids |= set(child.lives_with)
            if child.advocate:
                ids.add(child.advocate)
        ids |= {p.id for p in case.people if set(p.supports) & set(self.reader_children)}
        return tuple(p for p in case.people if p.id in ids)


# -- the template-facing view --------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """A named contact with phone and email ("Please ask for")."""

    name: str
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class AddressView:
    """An address a reader may see; professional copies flag safe addresses."""

    lines: tuple[str, ...]
    confidential: bool = False
    withheld_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class PersonView:
    """A family member or supporter as this reader may see them."""

    id: str
    name: str
    relationship: str
    relationship_label: str
    address: AddressView | None
    first_language: str | None
    interpreter: str | None
    organisation: str | None
    phone: str | None
    email: str | None
    parental_responsibility_for: tuple[str, ...]
    invited: bool
    exclusion: ExclusionView | None


@dataclass(frozen=True)
class ProfessionalView:
    """A professional, as every reader may see them."""

    id: str
    name: str
    role: str
    role_label: str
    agency: str
    email: str | None
    phone: str | None
    address: tuple[str, ...]
    lead_social_worker: bool


@dataclass(frozen=True)
class InformationView:
    """A fact, allegation or opinion the reader may see."""

    id: str
    kind: str
    kind_label: str
    text: str
    source: str | None
    children: tuple[str, ...]


@dataclass(frozen=True)
class ExclusionView:
    """An exclusion; ``summary`` is present only for professionals and the excluded person."""

    extent: str
    grounds: tuple[str, ...]
    grounds_text: tuple[str, ...]
    summary: str | None
    requested_on: dt.date | None
    decided_on: dt.date | None
    views_routes: tuple[str, ...]
    part_description: str | None
    receives_record: bool


@dataclass(frozen=True)
class ActionView:
    """One action in an outline plan, with its owner's name resolved."""

    what: str
    who: str
    who_role: str
    by: dt.date | None
    by_text: str


@dataclass(frozen=True)
class PlanView:
    """One child's outline plan."""

    risks: tuple[str, ...]
    outcomes: tuple[str, ...]
    actions: tuple[ActionView, ...]
    contact: str | None
    contingency: str | None


@dataclass(frozen=True)
class ChildView:
    """A child as this reader may see them: absent altogether when they may not."""

    id: str
    name: str
    first_name: str
    has_name: bool
    date_of_birth: dt.date | None
    expected_birth_date: dt.date | None
    unborn: bool
    age: int | None
    gender: str
    school: str | None
    lives_with: tuple[str, ...]
    participation: str
    participation_label: str
    not_attending_reason: str | None
    advocate: PersonView | None
    wishes_and_feelings: str | None
    analysis: str | None
    worried_about: str | None
    working_well: str | None
    needs_to_happen: str | None
    recommendation: str | None
    recommendation_label: str | None
    outcome: str | None
    outcome_label: str | None
    category: str | None
    category_label: str | None
    plan: PlanView | None
    information: tuple[InformationView, ...]
    first_language: str | None
    interpreter: str | None


@dataclass(frozen=True)
class DeadlineView:
    """A statutory deadline quoted in letters."""

    key: str
    label: str
    due: dt.date


@dataclass(frozen=True)
class DissentView:
    """A professional's recorded dissent: in professionals' copies only."""

    name: str
    agency: str
    reason: str


@dataclass(frozen=True)
class DecisionView:
    """The conference decision as this reader may see it."""

    quorate: bool
    lead_social_worker: ProfessionalView | None
    core_group_date: dt.date | None
    review_date: dt.date | None
    core_group: tuple[str, ...]
    dissent: tuple[DissentView, ...]
    any_plan: bool


@dataclass(frozen=True)
class ConferenceView:
    """The conference: when, where, what kind, who chairs."""

    type: str
    type_label: str
    date: dt.date
    start: str
    end: str
    duration_minutes: int
    venue_name: str | None
    venue_address: tuple[str, ...]
    virtual_link: str | None
    chair: ProfessionalView
    originating_authority: str | None
    previous_conference_date: dt.date | None
    previous_conference_type: str | None
    strategy_discussion_date: dt.date | None


@dataclass(frozen=True)
class AuthorityView:
    """The letterhead and every contact a letter quotes."""

    name: str
    service: str
    partnership: str | None
    address: tuple[str, ...]
    phone: str
    email: str
    website: str | None
    logo_path: Path | None
    marking: str
    conference_service: Contact
    complaints: object
    leaflets: object
    advice_lines: tuple[Contact, ...]
    chair_signature_path: Path | None
    #: The profile's folder: the only place besides the templates its images may come from.
    base_dir: Path | None = None


@dataclass(frozen=True)
class RecipientView:
    """The addressee: one envelope."""

    id: str
    kind: str
    name: str
    salutation: str
    address_lines: tuple[str, ...]
    email: str | None
    role: str | None
    role_label: str | None
    agency: str | None
    relationship: str | None
    first_language: str | None
    interpreter: str | None
    age: int | None
    exclusion: ExclusionView | None
    is_lead_social_worker: bool
    has_safe_address: bool
    #: A professional's ``knows``: ids of the children they report on (every child when the
    #: case does not say). Empty for family members and children.
    knows: tuple[str, ...] = ()


@dataclass(frozen=True)
class View:
    """Everything one document may show its one reader. Templates see this and only this."""

    kind: str
    profile: str
    reference: str
    issued_on: dt.date
    title: str
    is_letter: bool
    large_print: bool
    easy_read: bool
    language: str
    recipient: RecipientView
    authority: AuthorityView
    contact: Contact
    conference: ConferenceView
    children: tuple[ChildView, ...]
    child: ChildView | None
    people: tuple[PersonView, ...]
    professionals: tuple[ProfessionalView, ...]
    information: tuple[InformationView, ...]
    lead_social_worker: ProfessionalView | None
    decision: DecisionView | None
    deadlines: Mapping[str, DeadlineView] = field(default_factory=dict)
    #: Document kinds in the same envelope as this one (from the pack plan), so a letter can
    #: say "enclosed" without restating who receives what.
    enclosed_kinds: tuple[str, ...] = ()


# -- labels --------------------------------------------------------------------------------------

CONFERENCE_TYPE_LABELS = {
    "initial": "initial child protection conference",
    "pre_birth": "pre-birth child protection conference",
    "transfer_in": "transfer-in child protection conference",
    "review": "review child protection conference",
}
OUTCOME_LABELS = {
    Outcome.CHILD_PROTECTION_PLAN.value: "a child protection plan",
    Outcome.CHILD_IN_NEED_PLAN.value: "a child in need plan",
    Outcome.NO_FURTHER_ACTION.value: "no plan (no further action under child protection)",
}
CATEGORY_LABELS = {
    "physical_abuse": "physical abuse",
    "emotional_abuse": "emotional abuse",
    "sexual_abuse": "sexual abuse",
    "neglect": "neglect",
}
PARTICIPATION_LABELS = {
    Participation.ATTEND.value: "attending the conference",
    Participation.ATTEND_PART.value: "attending part of the conference",
    Participation.VIEWS_IN_WRITING.value: "sharing their views in writing",
    Participation.ADVOCATE.value: "sharing their views through an advocate",
    Participation.NOT_ATTENDING.value: "not attending",
}
KIND_LABELS = {"fact": "Fact", "allegation": "Allegation", "opinion": "Opinion"}
ROLE_LABELS = {
    Role.CHAIR.value: "Conference Chair",
    Role.SOCIAL_WORKER.value: "Social Worker",
    Role.TEAM_MANAGER.value: "Team Manager",
    Role.POLICE.value: "Police",
    Role.GP.value: "GP",
    Role.HEALTH_VISITOR.value: "Health Visitor",
    Role.SCHOOL_NURSE.value: "School Nurse",
    Role.SCHOOL.value: "School",
    Role.EARLY_YEARS.value: "Early Years",
    Role.PAEDIATRICIAN.value: "Paediatrician",
    Role.MIDWIFE.value: "Midwife",
    Role.CAMHS.value: "Child and Adolescent Mental Health Services",
    Role.ADULT_MENTAL_HEALTH.value: "Adult Mental Health",
    Role.SUBSTANCE_MISUSE_SERVICE.value: "Substance Misuse Service",
    Role.PROBATION.value: "Probation",
    Role.YOUTH_JUSTICE.value: "Youth Justice",
    Role.HOUSING.value: "Housing",
    Role.DOMESTIC_ABUSE_ADVISER.value: "Domestic Abuse Adviser",
    Role.LEGAL.value: "Legal",
    Role.GUARDIAN.value: "Children's Guardian",
    Role.INTERPRETER.value: "Interpreter",
    Role.OTHER.value: "Professional",
}
DOCUMENT_TITLES = {
    "invitation": "Invitation to a child protection conference",
    "exclusion_notice": "Your involvement in the child protection conference",
    "report_proforma": "Agency report to the child protection conference",
    "child_report": "Social work report to the child protection conference",
    "decision_letter": "The decision of the child protection conference",
    "outline_plan": "Outline child protection plan",
}
LETTER_KINDS = frozenset({"invitation", "exclusion_notice", "decision_letter"})


def _relationship_label(value: str) -> str:
    return value.replace("_", " ")


# -- building ------------------------------------------------------------------------------------


def _child_display(case: Case, vis: Visibility, child: Child) -> tuple[str, str]:
    """Full and first name; an unnamed unborn child is "the unborn baby of <mother>"."""
    if child.name:
        return child.name, child.name.split()[0]
    mothers = [
        p
        for p in case.pr_holders(child.id)
        if p.relationship in (Relationship.MOTHER, Relationship.PARENT)
    ]
    people = {p.id for p in vis.people}
    named = [m for m in mothers if m.id in people]
    label = f"the unborn baby of {named[0].name}" if named else "the unborn baby"
    return label, label


def _person_view(case: Case, vis: Visibility, person: Person) -> PersonView:
    address = None
    if person.address and not vis.address_withheld(person):
        withheld_from = tuple(case.name_of(i) for i in person.withhold_address_from)
        confidential = vis.profile is Profile.PROFESSIONAL and bool(withheld_from)
        address = AddressView(
            lines=tuple(person.address),
            confidential=confidential,
            withheld_from=withheld_from if confidential else (),
        )
    exclusion = _exclusion_view(person, vis) if person.exclusion else None
    if (
        exclusion is not None
        and vis.profile is not Profile.PROFESSIONAL
        and (person.id != vis.recipient.id)
    ):
        exclusion = None  # another person's exclusion is theirs, not this reader's
    return PersonView(
        id=person.id,
        name=person.name,
        relationship=person.relationship.value,
        relationship_label=_relationship_label(person.relationship.value),
        address=address,
        first_language=person.first_language,
        interpreter=person.interpreter,
        organisation=person.organisation,
        phone=person.phone,
        email=person.email,
        parental_responsibility_for=tuple(
            c.id for c in case.pr_children(person.id) if c.id in vis.reader_children
        ),
        invited=person.invite,
        exclusion=exclusion,
    )


def _exclusion_view(person: Person, vis: Visibility) -> ExclusionView:
    excl = person.exclusion
    assert excl is not None
    return ExclusionView(
        extent=excl.extent.value,
        grounds=tuple(g.value for g in excl.grounds),
        grounds_text=tuple(EXCLUSION_GROUND_TEXT[g] for g in excl.grounds),
        summary=excl.summary if vis.may_see_exclusion_summary(person) else None,
        requested_on=excl.requested_on,
        decided_on=excl.decided_on,
        views_routes=tuple(r.value for r in excl.views_routes),
        part_description=excl.part_description,
        receives_record=excl.receives_record,
    )


def _professional_view(case: Case, pro: Professional) -> ProfessionalView:
    lead = case.lead_social_worker
    return ProfessionalView(
        id=pro.id,
        name=pro.name,
        role=pro.role.value,
        role_label=ROLE_LABELS[pro.role.value],
        agency=pro.agency,
        email=pro.email,
        phone=pro.phone,
        address=tuple(pro.address or ()),
        lead_social_worker=lead is not None and lead.id == pro.id,
    )


def _information_view(item: Information) -> InformationView:
    return InformationView(
        id=item.id,
        kind=item.kind.value,
        kind_label=KIND_LABELS[item.kind.value],
        text=item.text.strip(),
        source=item.source,
        children=tuple(item.children),
    )


def _visible_name(case: Case, vis: Visibility, some_id: str) -> str:
    """A name for an id, or a neutral description when the reader may not see that person.

    Core groups and plan actions can name family members from another branch of the family
    (another child's father); a reader who may not see that person reads "a family member".
    """
    if any(p.id == some_id for p in case.people) and some_id not in {p.id for p in vis.people}:
        return "a family member"
    return case.name_of(some_id)


def _plan_view(case: Case, vis: Visibility, child_id: str) -> PlanView | None:
    if not case.plan or child_id not in case.plan:
        return None
    plan = case.plan[child_id]
    actions = []
    for action in plan.actions:
        who_role = ""
        if any(p.id == action.who for p in case.professionals):
            pro = case.professional(action.who)
            who_role = f"{ROLE_LABELS[pro.role.value]}, {pro.agency}"
        elif any(p.id == action.who for p in vis.people):
            who_role = _relationship_label(case.person(action.who).relationship.value)
        by_date = action.by if isinstance(action.by, dt.date) else None
        actions.append(
            ActionView(
                what=action.what.strip(),
                who=_visible_name(case, vis, action.who),
                who_role=who_role,
                by=by_date,
                by_text="" if by_date else str(action.by),
            )
        )
    return PlanView(
        risks=tuple(r.strip() for r in plan.risks),
        outcomes=tuple(o.strip() for o in plan.outcomes),
        actions=tuple(actions),
        contact=plan.contact.strip() if plan.contact else None,
        contingency=plan.contingency.strip() if plan.contingency else None,
    )


def _child_view(case: Case, vis: Visibility, child: Child) -> ChildView:
    name, first = _child_display(case, vis, child)
    decided = case.decision.children.get(child.id) if case.decision else None
    people = {p.id: p for p in vis.people}
    advocate = None
    if child.advocate and child.advocate in people:
        advocate = _person_view(case, vis, people[child.advocate])
    info = tuple(_information_view(i) for i in vis.information if child.id in i.children)
    return ChildView(
        id=child.id,
        name=name,
        first_name=first,
        has_name=bool(child.name),
        date_of_birth=child.date_of_birth,
        expected_birth_date=child.expected_birth_date,
        unborn=child.unborn,
        age=child.age_on(case.conference.date),
        gender=child.gender.value,
        school=child.school,
        lives_with=tuple(people[i].name for i in child.lives_with if i in people),
        participation=child.participation.value,
        participation_label=PARTICIPATION_LABELS[child.participation.value],
        not_attending_reason=child.not_attending_reason,
        advocate=advocate,
        wishes_and_feelings=(child.wishes_and_feelings or "").strip() or None,
        analysis=(child.analysis or "").strip() or None,
        worried_about=(child.worried_about or "").strip() or None,
        working_well=(child.working_well or "").strip() or None,
        needs_to_happen=(child.needs_to_happen or "").strip() or None,
        recommendation=child.recommendation.value if child.recommendation else None,
        recommendation_label=OUTCOME_LABELS[child.recommendation.value]
        if child.recommendation
        else None,
        outcome=decided.outcome.value if decided else None,
        outcome_label=OUTCOME_LABELS[decided.outcome.value] if decided else None,
        category=decided.category.value if decided and decided.category else None,
        category_label=CATEGORY_LABELS[decided.category.value]
        if decided and decided.category
        else None,
        plan=_plan_view(case, vis, child.id)
        if decided and decided.outcome is Outcome.CHILD_PROTECTION_PLAN
        else None,
        information=info,
        first_language=child.first_language,
        interpreter=child.interpreter,
    )


def _authority_view(case: Case, authority: Authority) -> AuthorityView:
    service = authority.conference_service
    return AuthorityView(
        name=authority.name,
        service=authority.service,
        partnership=authority.partnership,
        address=tuple(authority.address),
        phone=authority.phone,
        email=authority.email,
        website=authority.website,
        logo_path=authority.logo_path,
        marking=authority.protective_marking,
        conference_service=Contact(service.name, service.phone, service.email),
        complaints=authority.complaints,
        leaflets=authority.leaflets,
        advice_lines=tuple(Contact(a.name, a.phone) for a in authority.advice_lines),
        chair_signature_path=authority.signature_path(case.conference.chair),
        base_dir=authority.base_dir,
    )


def _recipient_view(case: Case, vis: Visibility) -> RecipientView:
    rec = vis.recipient
    conference_day = case.conference.date
    if rec.kind == "professional":
        pro = case.professional(rec.id)
        lead = case.lead_social_worker
        lines = (pro.agency, *(pro.address or ()))
        return RecipientView(
            id=pro.id,
            kind=rec.kind,
            name=pro.name,
            salutation=f"Dear {pro.name}",
            address_lines=tuple(lines),
            email=pro.email,
            role=pro.role.value,
            role_label=ROLE_LABELS[pro.role.value],
            agency=pro.agency,
            relationship=None,
            first_language=None,
            interpreter=None,
            age=None,
            exclusion=None,
            is_lead_social_worker=lead is not None and lead.id == pro.id,
            has_safe_address=False,
            knows=tuple(c.id for c in case.children_known_by(pro)),
        )
    if rec.kind == "child":
        child = case.child(rec.id)
        name, first = _child_display(case, vis, child)
        child_lines: tuple[str, ...] = ()
        people = {p.id: p for p in vis.people}
        for carer_id in child.lives_with:
            carer = people.get(carer_id)
            if carer and carer.address and not vis.address_withheld(carer):
                child_lines = tuple(carer.address)
                break
        return RecipientView(
            id=child.id,
            kind=rec.kind,
            name=name,
            salutation=f"Dear {first}",
            address_lines=child_lines,
            email=None,
            role=None,
            role_label=None,
            agency=None,
            relationship=None,
            first_language=child.first_language,
            interpreter=child.interpreter,
            age=child.age_on(conference_day),
            exclusion=None,
            is_lead_social_worker=False,
            has_safe_address=False,
        )
    person = case.person(rec.id)
    salutation = (
        f"Dear {person.title} {person.name.split()[-1]}"
        if person.title
        else (f"Dear {person.name}")
    )
    return RecipientView(
        id=person.id,
        kind=rec.kind,
        name=person.name,
        salutation=salutation,
        address_lines=tuple(person.address or ()),
        email=person.email,
        role=None,
        role_label=None,
        agency=person.organisation,
        relationship=person.relationship.value,
        first_language=person.first_language,
        interpreter=person.interpreter,
        age=None,
        exclusion=_exclusion_view(person, vis) if person.exclusion else None,
        is_lead_social_worker=False,
        has_safe_address=bool(person.withhold_address_from),
    )


def _accessibility(case: Case, rec: Recipient) -> set[Accessibility]:
    if rec.kind == "child":
        return set(case.child(rec.id).accessibility)
    if rec.kind == "person":
        return set(case.person(rec.id).accessibility)
    return set()


def build_view(
    case: Case,
    authority: Authority,
    recipient: Recipient,
    *,
    kind: str,
    issued_on: dt.date,
    profile: Profile | None = None,
    child: str | None = None,
    deadlines: Mapping[str, DeadlineView] | None = None,
    enclosed_kinds: tuple[str, ...] = (),
) -> View:
    """The one view a template may see for this document and reader."""
    vis = Visibility(case, authority, recipient, profile, child)
    children = tuple(_child_view(case, vis, case.child(c)) for c in vis.document_children)
    lead = case.lead_social_worker
    lead_view = _professional_view(case, lead) if lead else None
    decision = None
    if case.decision is not None:
        d = case.decision
        professional = vis.profile is Profile.PROFESSIONAL
        decision = DecisionView(
            quorate=d.quorate,
            lead_social_worker=lead_view,
            core_group_date=d.core_group_date,
            review_date=d.review_date,
            core_group=tuple(_visible_name(case, vis, i) for i in d.core_group),
            dissent=tuple(
                DissentView(
                    case.name_of(x.professional),
                    case.professional(x.professional).agency,
                    x.reason.strip(),
                )
                for x in d.dissent
            )
            if professional
            else (),
            any_plan=any(c.outcome == Outcome.CHILD_PROTECTION_PLAN.value for c in children),
        )
    access = _accessibility(case, recipient)
    contact = (
        Contact(lead.name, lead.phone or "", lead.email or "")
        if lead
        else Contact(
            authority.conference_service.name,
            authority.conference_service.phone,
            authority.conference_service.email,
        )
    )
    conf = case.conference
    return View(
        kind=kind,
        profile=vis.profile.value,
        reference=case.case.reference,
        issued_on=issued_on,
        title=DOCUMENT_TITLES.get(kind, kind.replace("_", " ").capitalize()),
        is_letter=kind in LETTER_KINDS,
        large_print=Accessibility.LARGE_PRINT in access,
        easy_read=Accessibility.EASY_READ in access,
        language="en-GB",
        recipient=_recipient_view(case, vis),
        authority=_authority_view(case, authority),
        contact=contact,
        conference=ConferenceView(
            type=conf.type.value,
            type_label=CONFERENCE_TYPE_LABELS[conf.type.value],
            date=conf.date,
            start=conf.start,
            end=conf.end,
            duration_minutes=conf.duration_minutes,
            venue_name=conf.venue.name if conf.venue else None,
            venue_address=tuple(conf.venue.address) if conf.venue else (),
            virtual_link=conf.virtual_link,
            chair=_professional_view(case, case.chair),
            originating_authority=conf.originating_authority,
            previous_conference_date=conf.previous_conference_date,
            previous_conference_type=conf.previous_conference_type.value
            if conf.previous_conference_type
            else None,
            strategy_discussion_date=conf.strategy_discussion_date,
        ),
        children=children,
        child=children[0] if child is not None and children else None,
        people=tuple(_person_view(case, vis, p) for p in vis.people),
        professionals=tuple(_professional_view(case, p) for p in case.professionals),
        information=tuple(_information_view(i) for i in vis.information),
        lead_social_worker=lead_view,
        decision=decision,
        deadlines=dict(deadlines or {}),
        enclosed_kinds=enclosed_kinds,
    )


# -- what was withheld, for the audit and the manifest ------------------------------------------


def _date_forms(day: dt.date) -> tuple[str, ...]:
    """The ways a date of birth could be printed, so the audit finds any of them."""
    return (
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year}",
        day.strftime("%d.%m.%Y"),
        f"{day.day} {day.strftime('%B')} {day.year}",
        f"{day.day} {day.strftime('%b')} {day.year}",
    )


def withheld_items(
    case: Case,
    authority: Authority,
    recipient: Recipient,
    profile: Profile | None = None,
    child: str | None = None,
) -> list[WithheldItem]:
    """Everything this document may not show its reader, by rule, with the revealing values."""
    vis = Visibility(case, authority, recipient, profile, child)
    out: list[WithheldItem] = []
    for item in case.information:
        rule = vis.information_rule(item)
        if rule is not None:
            out.append(WithheldItem(rule, item.id, (item.text.strip(),)))
    for person in case.people:
        if person.address and vis.address_withheld(person):
            out.append(WithheldItem("address-withheld", person.id, tuple(person.address), True))
        if (
            person.exclusion
            and person.exclusion.summary
            and not vis.may_see_exclusion_summary(person)
        ):
            out.append(
                WithheldItem("exclusion-summary", person.id, (person.exclusion.summary.strip(),))
            )
    visible_names = {p.name for p in vis.people}
    for other in case.children:
        if vis.may_see_child(other.id):
            continue
        values: list[str] = []
        if other.name and other.name not in visible_names:
            values.append(other.name)
        if other.date_of_birth:
            values.extend(_date_forms(other.date_of_birth))
        out.append(WithheldItem("absent-child", other.id, tuple(values), True))
    return out


def withheld_counts(items: list[WithheldItem]) -> dict[str, int]:
    """Counts by rule, for the manifest: no values, so it can be shown to anyone."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item.rule] = counts.get(item.rule, 0) + 1
    return dict(sorted(counts.items()))
