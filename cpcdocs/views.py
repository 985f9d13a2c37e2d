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

from .authority import Authority
from .i18n import html_lang
from .labels import (
    CATEGORY_LABELS,
    CONFERENCE_TYPE_LABELS,
    OUTCOME_LABELS,
    PARTICIPATION_LABELS,
    RECORD_HEADINGS,
    ROLE_LABELS,
    relationship_label,
)
from .model import (
    Accessibility,
    Case,
    Child,
    Outcome,
)
from .nations import nation_profile
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
from .viewtypes import (
    ActionView,
    AuthorityView,
    ChildView,
    ConferenceView,
    Contact,
    DeadlineView,
    DecisionView,
    DissentView,
    NotSentView,
    PlanView,
    RecipientView,
    RecordSectionView,
    RecordView,
    ReportSectionView,
    ReportView,
    View,
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


# -- building ------------------------------------------------------------------------------------

from .viewparts import (
    child_display as _child_display,
)
from .viewparts import (
    exclusion_view as _exclusion_view,
)
from .viewparts import (
    information_view as _information_view,
)
from .viewparts import (
    person_view as _person_view,
)
from .viewparts import (
    professional_view as _professional_view,
)
from .viewparts import (
    visible_name as _visible_name,
)
from .viewparts import (
    visible_texts as _visible_texts,
)


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
            who_role = relationship_label(case.person(action.who).relationship.value)
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
    author_of = next((p for p in case.professionals if p.id == wanted), None)
    if report is None or author_of is None:  # an author the case no longer lists: no report
        return None
    sections = tuple(
        ReportSectionView(item.heading, text)
        for item in report.sections
        if (text := vis.text(item)) is not None
    )
    return ReportView(
        author=_professional_view(case, author_of),
        child=report.child,
        received_on=report.received_on,
        shared_with_family=report.shared_with_family,
        sections=sections,
        not_shared_reason=vis.text(report.not_shared_reason),
        chair_agreed_on=report.chair_agreed_on if not vis.family else None,
    )


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
