"""Plan stage: who receives which document. The contract's "Who receives what" table, as code.

The plan is data: a pure function of the case, printed by ``render --dry-run`` exactly as a real
run would write it. Each kind's recipients rule is one function here, registered in
:data:`RECIPIENTS` next to the kind's declaration in :mod:`cpcdocs.kinds`; who is connected to
which child comes from :meth:`Case.connected_children`, the same method the redaction rules use,
so the list of envelopes and what goes in them cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from .kinds import KINDS, DocumentKind, KindSpec, Stage, kind_spec
from .model import (
    Case,
    Child,
    ExclusionExtent,
    Outcome,
    Participation,
    Person,
    Record,
    Relationship,
    Role,
)
from .rules import Profile, Recipient, profile_for

__all__ = [
    "PER_CHILD",
    "DocumentKind",
    "PlannedDocument",
    "Stage",
    "enclosed_kinds",
    "plan_pack",
]

#: Per-child kinds: one document per child, holding only that child's information.
PER_CHILD = frozenset(k for k, spec in KINDS.items() if spec.per_child)

#: Family-side readers who are not family: they support a child, or act for the family.
SUPPORTERS = (Relationship.ADVOCATE, Relationship.SUPPORTER)
COPY_HOLDERS = (Relationship.ADVOCATE, Relationship.SUPPORTER, Relationship.SOLICITOR)
#: Professionals who receive nothing as attendees: the chair runs the conference, the
#: minute-taker records it (and gets the record shell).
NOT_ATTENDEES = (Role.CHAIR, Role.MINUTE_TAKER)


@dataclass(frozen=True)
class PlannedDocument:
    """One document for one recipient, in one stage, in one or more formats."""

    kind: DocumentKind
    recipient: Recipient
    profile: Profile
    formats: tuple[str, ...]
    children: tuple[str, ...]
    child: str | None = None
    stage: Stage = Stage.INVITATIONS
    #: A returned report's author (``agency_report``): one copy per report.
    author: str | None = None

    @property
    def spec(self) -> KindSpec:
        """The kind's declaration."""
        return kind_spec(self.kind)

    @property
    def folder(self) -> str:
        """One folder per stage and recipient: one envelope."""
        return f"{self.stage.value}/{self.recipient.id}"

    @property
    def envelope(self) -> tuple[Stage, str]:
        """The envelope this document goes in."""
        return (self.stage, self.recipient.id)

    @property
    def key(self) -> tuple[str, str, str | None, str | None]:
        """What identifies the document in a pack, whatever its formats."""
        return (self.kind.value, self.recipient.id, self.child, self.author)

    def filename(self, fmt: str) -> str:
        """``<kind>[-<child id>[-<author>]].<ext>``, as the contract lays the pack out."""
        return self.spec.filename(fmt, self.child, self.author)

    def paths(self) -> list[str]:
        """Pack-relative paths of every file this document produces."""
        return [f"{self.folder}/{self.filename(fmt)}" for fmt in self.formats]


# -- who counts as what -----------------------------------------------------------------------


def attendee_professionals(case: Case) -> list[str]:
    """Professionals who are invited and receive the decision: all but chair and minute-taker."""
    chair = case.conference.chair
    return [p.id for p in case.professionals if p.id != chair and p.role not in NOT_ATTENDEES]


def _fully_excluded(person: Person) -> bool:
    return person.exclusion is not None and person.exclusion.extent is ExclusionExtent.FULL


def _attends(child: Child) -> bool:
    return child.participation in (Participation.ATTEND, Participation.ATTEND_PART)


def _age(case: Case, child: Child) -> int | None:
    return child.age_on(case.conference.date)


def _twelve_or_over(case: Case, child: Child) -> bool:
    age = _age(case, child)
    return age is not None and age >= 12


def _holds_any_pr(case: Case, person: Person) -> bool:
    return bool(case.pr_children(person.id))


# -- one recipients rule per kind --------------------------------------------------------------

#: What a rule yields: (recipient, child, author); formats and profile come from the rule's
#: registration unless the rule yields a full PlannedDocument.
Target = tuple[Recipient, str | None]


def _invitation(case: Case) -> Iterator[Target]:
    for person in case.people:
        if _fully_excluded(person):
            continue  # an excluded parent or supporter gets the notice, not an invitation
        if person.invite or person.relationship in SUPPORTERS:
            yield Recipient("person", person.id), None
    for child in case.children:
        if child.invite is False:
            continue
        if _twelve_or_over(case, child) or _attends(child):
            yield Recipient("child", child.id), None
    for pro in attendee_professionals(case):
        yield Recipient("professional", pro), None


def _exclusion_notice(case: Case) -> Iterator[Target]:
    for person in case.people:
        if person.exclusion is not None and person.exclusion.decided_on is not None:
            yield Recipient("person", person.id), None


def _report_proforma(case: Case) -> Iterator[Target]:
    lead = case.lead_social_worker
    for pro_id in attendee_professionals(case):
        if lead is not None and pro_id == lead.id:
            continue
        for child in case.children_known_by(case.professional(pro_id)):
            yield Recipient("professional", pro_id), child.id


def report_family_readers(case: Case, child: Child) -> list[Recipient]:
    """Who gets the family copies of the reports about ``child``.

    Each family member who holds parental responsibility for the child or with whom the child
    lives (fully excluded people included: the procedures say they are given the social
    worker's report), and the child when 12 or over and ``reports_to_child`` is true.
    """
    readers = [
        Recipient("person", p.id)
        for p in case.people
        if case.holds_pr(p.id, child.id) or p.id in child.lives_with
    ]
    if child.reports_to_child and _twelve_or_over(case, child):
        readers.append(Recipient("child", child.id))
    return readers


def _record_shell(case: Case) -> Iterator[Target]:
    for pro in case.professionals:
        if pro.role is Role.MINUTE_TAKER:
            yield Recipient("professional", pro.id), None


def _decision_letter(case: Case) -> Iterator[Target]:
    if case.decision is None:
        return
    for person in case.people:
        if (
            _holds_any_pr(case, person)
            or person.invite
            or (person.relationship in COPY_HOLDERS and person.copies)
        ):
            yield Recipient("person", person.id), None
    for child in case.children:
        if child.documents_to_child and (_attends(child) or _twelve_or_over(case, child)):
            yield Recipient("child", child.id), None
    for pro in attendee_professionals(case):
        yield Recipient("professional", pro), None


def _outline_plan(case: Case) -> Iterator[Target]:
    if case.decision is None:
        return
    for child in case.children:
        decided = case.decision.children.get(child.id)
        if decided is None or decided.outcome is not Outcome.CHILD_PROTECTION_PLAN:
            continue
        for pro in attendee_professionals(case):
            yield Recipient("professional", pro), child.id
        for person in case.connected_people(child.id):
            yield Recipient("person", person.id), child.id
        if child.documents_to_child and _twelve_or_over(case, child):
            yield Recipient("child", child.id), child.id


def record_promised(case: Case, recipient: Recipient) -> bool:
    """Whether the record stage will send this reader the record, as far as the case says now.

    The decision letter's promise ("you will also be sent the record") asks this, so it says
    exactly what the record stage will do: the same rule as :func:`_conference_record`, with
    no ``not_sent_to`` or ``to_children`` decided yet when there is no record.
    """
    empty = case.model_copy(update={"record": case.record or Record()})
    return any(target == recipient for target, _ in _conference_record(empty))


def _conference_record(case: Case) -> Iterator[Target]:
    record = case.record
    if record is None:
        return
    for pro in attendee_professionals(case):
        yield Recipient("professional", pro), None
    not_sent = {entry.id for entry in record.not_sent_to}
    for person in case.people:
        if person.id in not_sent:
            continue
        if person.exclusion is not None and not person.exclusion.receives_record:
            continue
        if (
            _holds_any_pr(case, person)
            or person.invite
            or (person.relationship in COPY_HOLDERS and person.copies)
        ):
            yield Recipient("person", person.id), None
    for child_id in record.to_children:
        yield Recipient("child", child_id), None


#: Each kind's recipients rule and formats (by recipient kind where they differ).
RECIPIENTS: dict[DocumentKind, tuple[Callable[[Case], Iterable[Target]], tuple[str, ...]]] = {
    DocumentKind.INVITATION: (_invitation, ("pdf", "docx")),
    DocumentKind.EXCLUSION_NOTICE: (_exclusion_notice, ("pdf", "docx")),
    DocumentKind.REPORT_PROFORMA: (_report_proforma, ("docx",)),
    DocumentKind.RECORD_SHELL: (_record_shell, ("docx",)),
    DocumentKind.DECISION_LETTER: (_decision_letter, ("pdf", "docx")),
    DocumentKind.OUTLINE_PLAN: (_outline_plan, ("pdf",)),
    DocumentKind.CONFERENCE_RECORD: (_conference_record, ("pdf", "docx")),
}


def _doc(
    case: Case,
    kind: DocumentKind,
    recipient: Recipient,
    formats: tuple[str, ...],
    child: str | None = None,
    *,
    stage: Stage | None = None,
    author: str | None = None,
) -> PlannedDocument:
    profile = profile_for(recipient)
    if child is not None:
        children: tuple[str, ...] = (child,)
    elif recipient.kind == "professional":
        children = tuple(c.id for c in case.children)
    elif recipient.kind == "child":
        children = (recipient.id,)
    else:
        person = case.person(recipient.id)
        ids = {c.id for c in case.connected_children(person.id)} | set(person.supports)
        children = tuple(c.id for c in case.children if c.id in ids)
    return PlannedDocument(
        kind,
        recipient,
        profile,
        formats,
        children,
        child,
        stage or kind_spec(kind).stage,
        author,
    )


def _reports(case: Case) -> Iterator[PlannedDocument]:
    """The social worker's shell (invitations) and every family copy of a report (reports).

    The lead social worker's returned report is the family's copy of the social work report;
    each other returned report that its author agreed to share becomes an ``agency_report``
    for the same readers.
    """
    lead = case.lead_social_worker
    for child in case.children:
        if lead is not None:
            yield _doc(
                case,
                DocumentKind.CHILD_REPORT,
                Recipient("professional", lead.id),
                ("docx",),
                child.id,
                stage=Stage.INVITATIONS,
            )
        readers = report_family_readers(case, child)
        for reader in readers:
            yield _doc(case, DocumentKind.CHILD_REPORT, reader, ("pdf",), child.id)
        for report in case.reports:
            if report.child != child.id or not report.shared_with_family:
                continue
            if lead is not None and report.author == lead.id:
                continue
            for reader in readers:
                yield _doc(
                    case,
                    DocumentKind.AGENCY_REPORT,
                    reader,
                    ("pdf",),
                    child.id,
                    author=report.author,
                )


def plan_pack(case: Case) -> list[PlannedDocument]:
    """Every document the case calls for, in a stable order (stage, kind, recipient, child).

    Every stage is planned whether or not it is ready: when a stage is issued is decided by
    :mod:`cpcdocs.stages`, not here.
    """
    docs: list[PlannedDocument] = []
    for kind, (rule, formats) in RECIPIENTS.items():
        seen: set[tuple[Recipient, str | None]] = set()
        for recipient, child in rule(case):
            if (recipient, child) in seen:
                continue
            seen.add((recipient, child))
            docs.append(_doc(case, kind, recipient, formats, child))
    docs.extend(_reports(case))
    order = {stage: i for i, stage in enumerate(Stage)}
    kinds = {kind: i for i, kind in enumerate(DocumentKind)}
    return sorted(docs, key=lambda d: (order[d.stage], kinds[d.kind]))


def enclosed_kinds(doc: PlannedDocument, docs: Iterable[PlannedDocument]) -> tuple[str, ...]:
    """Kinds of the other documents that go in the same envelope as ``doc``, from the full plan."""
    wanted = doc.spec.encloses
    found = {d.kind.value for d in docs if d.envelope == doc.envelope and d.kind in wanted}
    return tuple(sorted(found))


def restrict(doc: PlannedDocument, formats: tuple[str, ...]) -> PlannedDocument:
    """The same document in fewer formats (``--format``)."""
    return replace(doc, formats=formats)
