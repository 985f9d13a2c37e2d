"""The shapes of a view: what a template is handed, one frozen dataclass per part.

Built only by :mod:`cpcdocs.views` from the redaction rules (:mod:`cpcdocs.rules`); a template
sees an instance of :class:`View` for exactly one reader and nothing else. Kept apart from the
builders so a reviewer can read what a letter may print without reading how it is decided.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .authority import Complaints, Leaflets
from .nations import NationProfile, nation_profile

__all__ = [
    "ActionView",
    "AddressView",
    "AuthorityView",
    "ChildView",
    "ConferenceView",
    "Contact",
    "DeadlineView",
    "DecisionView",
    "DissentView",
    "ExclusionView",
    "InformationView",
    "NotSentView",
    "PersonView",
    "PlanView",
    "ProfessionalView",
    "RecipientView",
    "RecordSectionView",
    "RecordView",
    "ReportSectionView",
    "ReportView",
    "View",
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
    #: The chair's reason for not sending the record (``receives_record`` false), if recorded.
    record_reason: str | None = None


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
