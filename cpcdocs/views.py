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
from pathlib import Path

from .authority import Authority, Complaints, Leaflets
from .i18n import html_lang
from .model import (
    EXCLUSION_GROUND_TEXT,
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
    TextItem,
)
from .nations import NationProfile, nation_profile
from .rules import (
    ALWAYS_WITHHELD_FROM_FAMILY,
    Profile,
    Recipient,
    Visibility,
    WithheldItem,
    profile_for,
    recipient_of,
    withheld_counts,
    withheld_items,
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
    "recipient_of",
    "withheld_counts",
    "withheld_items",
]


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
    services: tuple[str, ...] = ()


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
    complaints: Complaints
    leaflets: Leaflets
    advice_lines: tuple[Contact, ...]
    chair_signature_path: Path | None
    #: ``with_chair_agreement`` or ``allowed``: what the invitation says about solicitors.
    solicitors: str = "with_chair_agreement"
    #: The profile's folder: the only place besides the templates its images may come from.
    base_dir: Path | None = None
    #: The nation whose procedures apply, and its guidance, terms and routes (cpcdocs.nations).
    nation: str = "england"
    nation_profile: NationProfile = field(default_factory=lambda: nation_profile("england"))
    #: What a reader's letter is when their language's catalog is incomplete (cpcdocs.i18n).
    language_fallback: str = "error"


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

    @property
    def addressed_as(self) -> str:
        """The salutation without "Dear" ("Ms Harrow"): a catalog translates "Dear %(name)s,"."""
        return self.salutation.removeprefix("Dear ")


@dataclass(frozen=True)
class ReportSectionView:
    """One section of a returned report that this reader may see."""

    heading: str | None
    text: str


@dataclass(frozen=True)
class ReportView:
    """A returned report (an agency's, or the social worker's), cut to this reader."""

    author: ProfessionalView
    child: str
    received_on: dt.date | None
    shared_with_family: bool
    sections: tuple[ReportSectionView, ...]
    #: Professionals only: why the author asked that the family does not see it.
    not_shared_reason: str | None
    chair_agreed_on: dt.date | None


@dataclass(frozen=True)
class RecordSectionView:
    """One section of the conference record: its heading and the entries this reader may see."""

    key: str
    heading: str
    entries: tuple[str, ...]


@dataclass(frozen=True)
class NotSentView:
    """A family member the chair decided not to send the record to, and the reason (if shown)."""

    name: str
    reason: str | None


@dataclass(frozen=True)
class RecordView:
    """The approved conference record, cut to this reader."""

    approved_on: dt.date | None
    present: tuple[str, ...]
    apologies: tuple[str, ...]
    sections: tuple[RecordSectionView, ...]
    not_sent_to: tuple[NotSentView, ...]
    #: The chair's reason for not sending the record to this reader, when it applies to them.
    reader_not_sent_reason: str | None
    #: Whether this reader will be sent the record (the decision letter's promise).
    reader_receives: bool


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
    #: The stage this document goes out in.
    stage: str = ""
    #: The returned report this document copies (an agency report, or the social worker's
    #: report once it has come back); None before it has.
    report: ReportView | None = None
    #: The conference record, cut to this reader, once it exists.
    record: RecordView | None = None
    #: Whether the record stage will send this reader the record (the decision letter's promise).
    record_promised: bool = False
    #: The chair's reason for not sending this reader the record, when they may read it.
    record_withheld_reason: str | None = None


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
    Role.MINUTE_TAKER.value: "Minute Taker",
    Role.OTHER.value: "Professional",
}


def _relationship_label(value: str) -> str:
    return value.replace("_", " ")


# -- building ------------------------------------------------------------------------------------


def _child_display(case: Case, vis: Visibility, child: Child) -> tuple[str, str]:
    """Full and first name; an unnamed child is "the (unborn) baby of <mother>".

    A baby born but not yet named is "the baby", never "unborn": the letters and the
    ``child_name`` macro turn it into "your baby" for the mother herself.
    """
    if child.name:
        return child.name, child.name.split()[0]
    mothers = [
        p
        for p in case.pr_holders(child.id)
        if p.relationship in (Relationship.MOTHER, Relationship.PARENT)
    ]
    people = {p.id for p in vis.people}
    named = [m for m in mothers if m.id in people]
    baby = "the unborn baby" if child.unborn else "the baby"
    label = f"{baby} of {named[0].name}" if named else baby
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
        phone=None if vis.address_withheld(person) else person.phone,
        email=None if vis.address_withheld(person) else person.email,
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
        summary=vis.text(excl.summary),
        requested_on=excl.requested_on,
        decided_on=excl.decided_on,
        views_routes=tuple(r.value for r in excl.views_routes),
        part_description=vis.text(excl.part_description),
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


def _visible_texts(vis: Visibility, items: list[TextItem]) -> tuple[str, ...]:
    """The words of the items this reader may see, in order; the others are simply absent."""
    return tuple(t for t in (vis.text(i) for i in items) if t is not None)


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
        what = vis.text(action.what)
        if what is None:
            continue
        by_date = action.by if isinstance(action.by, dt.date) else None
        actions.append(
            ActionView(
                what=what,
                who=_visible_name(case, vis, action.who),
                who_role=who_role,
                by=by_date,
                by_text="" if by_date else str(action.by),
            )
        )
    return PlanView(
        risks=_visible_texts(vis, plan.risks),
        outcomes=_visible_texts(vis, plan.outcomes),
        actions=tuple(actions),
        contact=vis.text(plan.contact),
        contingency=vis.text(plan.contingency),
        services=_visible_texts(vis, plan.services),
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
        not_attending_reason=vis.text(child.not_attending_reason),
        advocate=advocate,
        wishes_and_feelings=vis.text(child.wishes_and_feelings),
        analysis=vis.text(child.analysis),
        worried_about=vis.text(child.worried_about),
        working_well=vis.text(child.working_well),
        needs_to_happen=vis.text(child.needs_to_happen),
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
        solicitors=authority.solicitors.value,
        base_dir=authority.base_dir,
        nation=authority.nation.value,
        nation_profile=nation_profile(authority.nation),
        language_fallback=authority.language_fallback,
    )


def _reader_language(case: Case, vis: Visibility) -> str:
    """The language the reader's letters are written in: ``en-GB`` unless they chose one."""
    rec = vis.recipient
    found = None
    if rec.kind == "child":
        found = case.child(rec.id).language
    elif rec.kind != "professional":
        found = next((p.language for p in case.people if p.id == rec.id), None)
    return html_lang(found)


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
    author: str | None = None,
) -> View:
    """The one view a template may see for this document and reader."""
    from .kinds import kind_spec
    from .plan import record_promised

    spec = kind_spec(kind)
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
                    vis.text(x.reason) or "",
                )
                for x in d.dissent
                if vis.text(x.reason)
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
    record = _record_view(case, vis)
    # A pre-birth conference's letters to a reader not connected to any unborn child must not
    # reveal the pregnancy: for them it is a child protection conference about their children.
    conference_type = conf.type.value
    pregnancy_hidden = conference_type == "pre_birth" and not any(
        case.child(c).unborn for c in vis.reader_children
    )
    shown_deadlines = dict(deadlines or {})
    if pregnancy_hidden:
        conference_type = "initial"
        shown_deadlines = {k: v for k, v in shown_deadlines.items() if "birth" not in k}
    return View(
        kind=kind,
        profile=vis.profile.value,
        reference=case.case.reference,
        issued_on=issued_on,
        title=spec.title,
        is_letter=spec.letter,
        large_print=Accessibility.LARGE_PRINT in access,
        easy_read=Accessibility.EASY_READ in access,
        language=_reader_language(case, vis),
        recipient=_recipient_view(case, vis),
        authority=_authority_view(case, authority),
        contact=contact,
        conference=ConferenceView(
            type=conference_type,
            # In the nation's own terms ("child protection planning meeting" in Scotland).
            type_label=nation_profile(authority.nation).term(
                "child protection conference"
                if pregnancy_hidden
                else CONFERENCE_TYPE_LABELS[conference_type]
            ),
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
        deadlines=shown_deadlines,
        enclosed_kinds=enclosed_kinds,
        stage=spec.stage.value,
        report=_report_view(case, vis, child, author),
        record=record,
        record_promised=record_promised(case, recipient),
        record_withheld_reason=record.reader_not_sent_reason if record else None,
    )


def _report_view(
    case: Case, vis: Visibility, child: str | None, author: str | None
) -> ReportView | None:
    """The returned report a per-child document copies: ``author``'s, else the lead's."""
    if child is None or child not in vis.document_children:
        return None
    lead = case.lead_social_worker
    wanted = author or (lead.id if lead else None)
    report = next((r for r in case.reports if r.child == child and r.author == wanted), None)
    if report is None:
        return None
    sections = tuple(
        ReportSectionView(item.heading, text)
        for item in report.sections
        if (text := vis.text(item)) is not None
    )
    return ReportView(
        author=_professional_view(case, case.professional(report.author)),
        child=report.child,
        received_on=report.received_on,
        shared_with_family=report.shared_with_family,
        sections=sections,
        not_shared_reason=vis.text(report.not_shared_reason),
        chair_agreed_on=report.chair_agreed_on if not vis.family else None,
    )


RECORD_HEADINGS = {
    "information": "What each agency told the conference",
    "parents_views": "The parents' views",
    "child_views": "The child's views",
    "analysis": "Analysis",
    "decision_reasons": "The decision and the reasons for it",
    "dissent": "Disagreement with the decision",
}


def _record_view(case: Case, vis: Visibility) -> RecordView | None:
    record = case.record
    if record is None:
        return None
    from .model import RECORD_SECTIONS

    visible_people = {p.id for p in vis.people}

    def names(ids: list[str]) -> tuple[str, ...]:
        out = []
        for some_id in ids:
            if any(c.id == some_id for c in case.children):
                if vis.may_see_child(some_id):
                    out.append(_child_display(case, vis, case.child(some_id))[0])
            elif any(p.id == some_id for p in case.people):
                if some_id in visible_people:
                    out.append(case.name_of(some_id))
            else:
                out.append(case.name_of(some_id))
        return tuple(out)

    sections = []
    for key in RECORD_SECTIONS:
        entries = _visible_texts(vis, getattr(record.sections, key))
        if entries:
            sections.append(RecordSectionView(key, RECORD_HEADINGS[key], entries))
    not_sent = tuple(
        NotSentView(case.name_of(e.id), vis.text(e.reason))
        for e in record.not_sent_to
        if not vis.family
    )
    reader = vis.recipient.id
    own = next((e for e in record.not_sent_to if e.id == reader), None)
    excluded_from_record = any(
        p.id == reader and p.exclusion is not None and not p.exclusion.receives_record
        for p in case.people
    )
    return RecordView(
        approved_on=record.approved_on,
        present=names(record.present),
        apologies=names(record.apologies),
        sections=tuple(sections),
        not_sent_to=not_sent,
        reader_not_sent_reason=vis.text(own.reason) if own else None,
        reader_receives=own is None and not excluded_from_record,
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
