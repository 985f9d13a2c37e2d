"""The small parts every view is built from: a person, a professional, a child's name.

Shared by the document views (:mod:`cpcdocs.views`); each part applies the redaction rules
(:class:`~cpcdocs.rules.Visibility`) for the one reader it is built for.
"""

from __future__ import annotations

from .labels import (
    KIND_LABELS,
    ROLE_LABELS,
    relationship_label,
)
from .model import (
    EXCLUSION_GROUND_TEXT,
    Case,
    Child,
    Information,
    Person,
    Professional,
    Relationship,
    TextItem,
)
from .rules import (
    Profile,
    Visibility,
)
from .viewtypes import (
    AddressView,
    ExclusionView,
    InformationView,
    PersonView,
    ProfessionalView,
)

__all__ = [
    "child_display",
    "exclusion_view",
    "information_view",
    "person_view",
    "professional_view",
    "visible_name",
    "visible_texts",
]


def child_display(case: Case, vis: Visibility, child: Child) -> tuple[str, str]:
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


def person_view(case: Case, vis: Visibility, person: Person) -> PersonView:
    """A family member or supporter as this reader may see them (address and contact by rule)."""
    address = None
    if person.address and not vis.address_withheld(person):
        withheld_from = tuple(case.name_of(i) for i in person.withhold_address_from)
        confidential = vis.profile is Profile.PROFESSIONAL and bool(withheld_from)
        address = AddressView(
            lines=tuple(person.address),
            confidential=confidential,
            withheld_from=withheld_from if confidential else (),
        )
    exclusion = exclusion_view(person, vis) if person.exclusion else None
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
        relationship_label=relationship_label(person.relationship.value),
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


def exclusion_view(person: Person, vis: Visibility) -> ExclusionView:
    """An exclusion; its summary and part description only for those the rules allow."""
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
        record_reason=vis.text(excl.record_reason),
    )


def professional_view(case: Case, pro: Professional) -> ProfessionalView:
    """A professional, as every reader may see them."""
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


def information_view(item: Information) -> InformationView:
    """A fact, allegation or opinion the reader may see."""
    return InformationView(
        id=item.id,
        kind=item.kind.value,
        kind_label=KIND_LABELS[item.kind.value],
        text=item.text.strip(),
        source=item.source,
        children=tuple(item.children),
    )


def visible_name(case: Case, vis: Visibility, some_id: str) -> str:
    """A name for an id, or a neutral description when the reader may not see that person.

    Core groups and plan actions can name family members from another branch of the family
    (another child's father); a reader who may not see that person reads "a family member".
    """
    if any(p.id == some_id for p in case.people) and some_id not in {p.id for p in vis.people}:
        return "a family member"
    return case.name_of(some_id)


def visible_texts(vis: Visibility, items: list[TextItem]) -> tuple[str, ...]:
    """The words of the items this reader may see, in order; the others are simply absent."""
    return tuple(t for t in (vis.text(i) for i in items) if t is not None)
