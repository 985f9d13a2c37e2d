"""Plan stage: who receives which document. The contract's "Who receives what" table, as code.

The plan is data: a pure function of the case, printed by ``render --dry-run`` exactly as a real
run would write it. Parental responsibility and who may see which child come from the same
methods the view builder uses (:meth:`Case.holds_pr`, :class:`~cpcdocs.views.Visibility`), so
the list of envelopes and what goes in them cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from .model import Case, ExclusionExtent, Outcome, Participation, Relationship
from .rules import Profile, Recipient, profile_for

__all__ = ["DocumentKind", "PlannedDocument", "plan_pack"]


class DocumentKind(StrEnum):
    """The six document kinds of the contract."""

    INVITATION = "invitation"
    EXCLUSION_NOTICE = "exclusion_notice"
    REPORT_PROFORMA = "report_proforma"
    CHILD_REPORT = "child_report"
    DECISION_LETTER = "decision_letter"
    OUTLINE_PLAN = "outline_plan"


#: Per-child kinds: one document per child, holding only that child's information.
PER_CHILD = frozenset(
    {DocumentKind.REPORT_PROFORMA, DocumentKind.CHILD_REPORT, DocumentKind.OUTLINE_PLAN}
)

SUPPORTERS = (Relationship.ADVOCATE, Relationship.SUPPORTER)


@dataclass(frozen=True)
class PlannedDocument:
    """One document for one recipient in one or more formats."""

    kind: DocumentKind
    recipient: Recipient
    profile: Profile
    formats: tuple[str, ...]
    children: tuple[str, ...]
    child: str | None = None

    @property
    def folder(self) -> str:
        """One folder per recipient: one envelope."""
        return self.recipient.id

    def filename(self, fmt: str) -> str:
        """``<kind>[-<child id>].<ext>``, as the contract lays the pack out."""
        stem = f"{self.kind.value}-{self.child}" if self.child else self.kind.value
        return f"{stem}.{fmt}"

    def paths(self) -> list[str]:
        """Pack-relative paths of every file this document produces."""
        return [f"{self.folder}/{self.filename(fmt)}" for fmt in self.formats]


def _family_children(case: Case, person_id: str) -> tuple[str, ...]:
    person = case.person(person_id)
    ids = {c.id for c in case.pr_children(person_id)} | set(person.supports)
    return tuple(c.id for c in case.children if c.id in ids)


def _doc(
    case: Case,
    kind: DocumentKind,
    recipient: Recipient,
    formats: Iterable[str],
    *,
    child: str | None = None,
    profile: Profile | None = None,
) -> PlannedDocument:
    profile = profile or profile_for(recipient)
    if child is not None:
        children: tuple[str, ...] = (child,)
    elif recipient.kind == "professional":
        children = tuple(c.id for c in case.children)
    elif recipient.kind == "child":
        children = (recipient.id,)
    else:
        children = _family_children(case, recipient.id)
    return PlannedDocument(kind, recipient, profile, tuple(formats), children, child)


def plan_pack(case: Case) -> list[PlannedDocument]:
    """Every document the pack holds, in a stable order (kind, then recipient, then child)."""
    docs: list[PlannedDocument] = []
    both = ("pdf", "docx")
    chair = case.conference.chair
    professionals = [p for p in case.professionals if p.id != chair]
    lead = case.lead_social_worker
    day = case.conference.date

    # invitation
    for person in case.people:
        fully_excluded = person.exclusion and person.exclusion.extent is ExclusionExtent.FULL
        supporter = person.relationship in SUPPORTERS
        if (person.invite and not fully_excluded) or supporter:
            docs.append(_doc(case, DocumentKind.INVITATION, Recipient("person", person.id), both))
    for child in case.children:
        if child.participation in (Participation.ATTEND, Participation.ATTEND_PART):
            docs.append(_doc(case, DocumentKind.INVITATION, Recipient("child", child.id), both))
    for pro in professionals:
        docs.append(_doc(case, DocumentKind.INVITATION, Recipient("professional", pro.id), both))

    # exclusion_notice
    for person in case.people:
        if person.exclusion:
            docs.append(
                _doc(case, DocumentKind.EXCLUSION_NOTICE, Recipient("person", person.id), both)
            )

    # report_proforma
    for pro in professionals:
        if lead is not None and pro.id == lead.id:
            continue
        for child in case.children_known_by(pro):
            docs.append(
                _doc(
                    case,
                    DocumentKind.REPORT_PROFORMA,
                    Recipient("professional", pro.id),
                    ("docx",),
                    child=child.id,
                )
            )

    # child_report
    for child in case.children:
        if lead is not None:
            docs.append(
                _doc(
                    case,
                    DocumentKind.CHILD_REPORT,
                    Recipient("professional", lead.id),
                    ("docx", "pdf"),
                    child=child.id,
                )
            )
        for holder in case.pr_holders(child.id):
            docs.append(
                _doc(
                    case,
                    DocumentKind.CHILD_REPORT,
                    Recipient("person", holder.id),
                    ("pdf",),
                    child=child.id,
                )
            )

    if case.decision is not None:
        # decision_letter
        holders = {p.id for c in case.children for p in case.pr_holders(c.id)}
        for person in case.people:
            if person.id in holders:
                docs.append(
                    _doc(case, DocumentKind.DECISION_LETTER, Recipient("person", person.id), both)
                )
        for child in case.children:
            attended = child.participation in (Participation.ATTEND, Participation.ATTEND_PART)
            age = child.age_on(day)
            if attended or (age is not None and age >= 12):
                docs.append(
                    _doc(case, DocumentKind.DECISION_LETTER, Recipient("child", child.id), both)
                )
        for pro in professionals:
            docs.append(
                _doc(case, DocumentKind.DECISION_LETTER, Recipient("professional", pro.id), both)
            )

        # outline_plan
        for child in case.children:
            decided = case.decision.children.get(child.id)
            if decided is None or decided.outcome is not Outcome.CHILD_PROTECTION_PLAN:
                continue
            for pro in professionals:
                docs.append(
                    _doc(
                        case,
                        DocumentKind.OUTLINE_PLAN,
                        Recipient("professional", pro.id),
                        ("pdf",),
                        child=child.id,
                    )
                )
            for holder in case.pr_holders(child.id):
                docs.append(
                    _doc(
                        case,
                        DocumentKind.OUTLINE_PLAN,
                        Recipient("person", holder.id),
                        ("pdf",),
                        child=child.id,
                    )
                )
            age = child.age_on(day)
            if age is not None and age >= 12:
                docs.append(
                    _doc(
                        case,
                        DocumentKind.OUTLINE_PLAN,
                        Recipient("child", child.id),
                        ("pdf",),
                        child=child.id,
                    )
                )
    return docs


#: What travels with a document in the same envelope.
ENCLOSES = {
    DocumentKind.INVITATION: frozenset({DocumentKind.REPORT_PROFORMA}),
    DocumentKind.DECISION_LETTER: frozenset({DocumentKind.OUTLINE_PLAN}),
}


def enclosed_kinds(doc: PlannedDocument, docs: Iterable[PlannedDocument]) -> tuple[str, ...]:
    """Kinds of the other documents that go in the same envelope as ``doc``, from the full plan."""
    wanted = ENCLOSES.get(doc.kind, frozenset())
    found = {d.kind.value for d in docs if d.recipient == doc.recipient and d.kind in wanted}
    return tuple(sorted(found))
