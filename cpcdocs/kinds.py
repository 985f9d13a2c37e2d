"""The vocabulary of a pack: its stages and its document kinds, each declared once.

A stage is a set of envelopes posted together on one date (invitations a fortnight before the
conference, the decision the day after). A document kind says, in one :class:`KindSpec`, what
the document is called, which stage it goes out in, which formats it comes in, whether there is
one per child, and how it is rendered. Who receives it is the one function of the same name in
:mod:`cpcdocs.plan`; the rules for what each reader may see are in :mod:`cpcdocs.rules`.
Everything else (views' titles, the renderer's choice of template, file names, the audit's
reading of file names, ``--only``, the README table test) asks this module.

Adding a kind is one entry in :data:`KINDS`, one recipients function in :mod:`cpcdocs.plan`
and one template (see CONTRIBUTING.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "KINDS",
    "STAGES",
    "DocumentKind",
    "KindSpec",
    "Stage",
    "StageSpec",
    "kind_spec",
    "parse_filename",
]


class Stage(StrEnum):
    """The contract's stages, in the order a conference issues them."""

    INVITATIONS = "invitations"
    EXCLUSIONS = "exclusions"
    REPORTS = "reports"
    DECISION = "decision"
    RECORD = "record"


class DocumentKind(StrEnum):
    """Every document kind of the contract (version 2)."""

    INVITATION = "invitation"
    EXCLUSION_NOTICE = "exclusion_notice"
    REPORT_PROFORMA = "report_proforma"
    CHILD_REPORT = "child_report"
    RECORD_SHELL = "record_shell"
    AGENCY_REPORT = "agency_report"
    DECISION_LETTER = "decision_letter"
    OUTLINE_PLAN = "outline_plan"
    CONFERENCE_RECORD = "conference_record"


@dataclass(frozen=True)
class StageSpec:
    """A stage: its kinds, and in words when it is ready and what its date must respect."""

    stage: Stage
    ready_when: str
    date_rule: str


@dataclass(frozen=True)
class KindSpec:
    """One document kind, declared once.

    ``word_template`` names a Word form (``docx/<name>``) rendered by docxtpl for the ``docx``
    format; without it both formats come from the one wording template
    ``letters/<kind>.html.j2``. ``letter`` kinds get the window-envelope letter layout.
    ``encloses``: kinds that travel in the same envelope, so a letter can say "enclosed".
    """

    kind: DocumentKind
    title: str
    stage: Stage
    per_child: bool = False
    letter: bool = False
    word_template: str | None = None
    encloses: frozenset[DocumentKind] = frozenset()
    #: Signed by the chair when a signing key is given (``render --sign-key``).
    signed: bool = False
    #: A Word form that comes back filled in (``cpcdocs collect``); it carries its descriptor.
    returnable: bool = False

    @property
    def wording_template(self) -> str:
        """The one wording source of the kind (PDF, and DOCX when there is no Word form)."""
        return f"letters/{self.kind.value}.html.j2"

    def filename(self, fmt: str, child: str | None = None, author: str | None = None) -> str:
        """``<kind>[-<child id>[-<author id>]].<ext>``, as the contract lays a pack out."""
        parts = [self.kind.value, *(p for p in (child, author) if p)]
        return "-".join(parts) + f".{fmt}"


STAGES: dict[Stage, StageSpec] = {
    spec.stage: spec
    for spec in (
        StageSpec(
            Stage.INVITATIONS,
            "the conference is booked",
            "on or before the conference date",
        ),
        StageSpec(
            Stage.EXCLUSIONS,
            "a person has an exclusion with decided_on",
            "on or after the latest exclusion decision, and on or before the conference date",
        ),
        StageSpec(
            Stage.REPORTS,
            "the conference is booked",
            "on or before the conference date",
        ),
        StageSpec(Stage.DECISION, "the case has a decision", "on or after the conference date"),
        StageSpec(
            Stage.RECORD,
            "the record is approved (record.approved_on)",
            "on or after the record's approval",
        ),
    )
}

KINDS: dict[DocumentKind, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            DocumentKind.INVITATION,
            "Invitation to a child protection conference",
            Stage.INVITATIONS,
            letter=True,
            encloses=frozenset({DocumentKind.REPORT_PROFORMA}),
        ),
        KindSpec(
            DocumentKind.EXCLUSION_NOTICE,
            "Your involvement in the child protection conference",
            Stage.EXCLUSIONS,
            letter=True,
        ),
        KindSpec(
            DocumentKind.REPORT_PROFORMA,
            "Agency report to the child protection conference",
            Stage.INVITATIONS,
            per_child=True,
            word_template="report_proforma.docx",
            returnable=True,
        ),
        KindSpec(
            DocumentKind.CHILD_REPORT,
            "Social work report to the child protection conference",
            Stage.REPORTS,
            per_child=True,
            word_template="child_report.docx",
            returnable=True,
        ),
        KindSpec(
            DocumentKind.RECORD_SHELL,
            "Record of the child protection conference (minute-taker's form)",
            Stage.INVITATIONS,
            word_template="record_shell.docx",
            returnable=True,
        ),
        KindSpec(
            DocumentKind.AGENCY_REPORT,
            "Agency report to the child protection conference: your copy",
            Stage.REPORTS,
            per_child=True,
        ),
        KindSpec(
            DocumentKind.DECISION_LETTER,
            "The decision of the child protection conference",
            Stage.DECISION,
            letter=True,
            encloses=frozenset({DocumentKind.OUTLINE_PLAN}),
        ),
        KindSpec(
            DocumentKind.OUTLINE_PLAN,
            "Outline child protection plan",
            Stage.DECISION,
            per_child=True,
            signed=True,
        ),
        KindSpec(
            DocumentKind.CONFERENCE_RECORD,
            "Record of the child protection conference",
            Stage.RECORD,
        ),
    )
}


def kind_spec(kind: DocumentKind | str) -> KindSpec:
    """The declaration of a kind (raises ``KeyError`` for an unknown one)."""
    return KINDS[DocumentKind(kind)]


def parse_filename(
    name: str, children: set[str], authors: set[str]
) -> tuple[str, str | None, str | None] | None:
    """A pack file name back into (kind, child, author); None when it is not one of ours."""
    stem = name.rsplit(".", 1)[0]
    for kind in sorted((k.value for k in DocumentKind), key=len, reverse=True):
        if stem == kind:
            return kind, None, None
        if not stem.startswith(kind + "-"):
            continue
        rest = stem[len(kind) + 1 :]
        if rest in children:
            return kind, rest, None
        for child in children:
            if rest.startswith(child + "-") and rest[len(child) + 1 :] in authors:
                return kind, child, rest[len(child) + 1 :]
    return None
