"""The Word forms that come back: what each one asks, and what identifies it.

Three forms go out as Word documents and come back filled in: the agency report proforma (one
per professional and child), the lead social worker's report shell (one per child) and the
minute-taker's record shell (one per conference). ``tools/build_docx_templates.py`` draws them
from the section lists here, and ``collect`` reads them back with the same lists, so a form and
its reader can never disagree about what a section is called.

Every returned form must say which case, form, author and child it is for, in a way an author
cannot change by accident. It says so twice: in a custom XML part (``customXml/item1.xml``,
invisible in Word and kept by Word and LibreOffice alike) written here after docxtpl has
rendered the template, and in locked content controls (``cpcdocs:case`` ...) that the author can
read but not edit. ``collect`` refuses a form whose two copies disagree. The part also lists, in
order, the people an author may say a section is about and the sections the form has, because
LibreOffice 7 drops content control tags when it saves: the reader then finds each section by
its bookmark (``cpcdocs_s<N>``, the N-th section of the list) and each tick box by its place.

The digest in the part is a check against casual editing (an unzip, a find-and-replace), not a
signature: anybody can compute it. What makes a forged form harmless is that ``collect`` checks
everything it says against the case file.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import quoteattr

from .kinds import KINDS

__all__ = [
    "DESCRIPTOR_PART",
    "FORM_KINDS",
    "FORM_NS",
    "FORM_VERSION",
    "IDENTITY_FIELDS",
    "PLACEHOLDERS",
    "RECORD_FORM_SECTIONS",
    "REPORT_FORM_SECTIONS",
    "Descriptor",
    "FormSection",
    "descriptor_for",
    "render_form",
    "with_descriptor",
]

#: Bumped whenever a form's sections change, so a form printed before the change is read by
#: the section list it was made with (or refused, once that list is gone).
FORM_VERSION = "2"
#: The namespace of the descriptor part.
FORM_NS = "urn:cpcdocs:form:2"
#: Where the descriptor lives in the package.
DESCRIPTOR_PART = "customXml/item1.xml"
#: Words a control shows before anyone types in it: never an answer.
PLACEHOLDERS = frozenset(
    {"Click or tap here to enter text.", "Choose an item.", "Click or tap to enter a date."}
)
#: The identification controls, in the order the form prints them: (field, tag, label).
IDENTITY_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("case", "cpcdocs:case", "Case reference"),
    ("kind", "cpcdocs:kind", "Form"),
    ("author", "cpcdocs:author", "Author id"),
    ("child", "cpcdocs:child", "Child id"),
    ("version", "cpcdocs:form-version", "Form version"),
)


@dataclass(frozen=True)
class FormSection:
    """One free-text section of a form: its key (the tag suffix), heading and guidance."""

    key: str
    heading: str
    guidance: str


_FACTS = (
    "A fact has been checked or is not in dispute; an allegation is something someone says "
    "happened, which has not been proved; an opinion is what a professional thinks. Say who "
    "each one comes from."
)

#: The free-text sections of each report form, in the order the form prints them.
REPORT_FORM_SECTIONS: dict[str, tuple[FormSection, ...]] = {
    "report_proforma": (
        FormSection(
            "involvement",
            "Your agency's involvement and contact",
            "How and since when your agency has known the child and family, how often you see "
            "them, and the date of your most recent contact.",
        ),
        FormSection(
            "worried",
            "What we are worried about",
            "Harm that has happened or may happen to the child, and how likely and how serious "
            "you think it is. Say what you have seen yourself.",
        ),
        FormSection(
            "working_well",
            "What is working well",
            "Strengths and safety in the family: what is going well, what the parents do well, "
            "and who helps.",
        ),
        FormSection(
            "needs_to_happen",
            "What needs to happen",
            "What needs to change for the child to be safe, and what your agency will do.",
        ),
        FormSection(
            "child_views",
            "The child's views, wishes and feelings",
            "{% if view.child.unborn %}The baby is not born yet: say what you know of the "
            "parents' plans and the baby's expected needs.{% else %}What the child has said or "
            "shown you, in their own words where you can, and when.{% endif %}",
        ),
        FormSection("facts", "Facts", _FACTS),
        FormSection("allegations", "Allegations", "Something someone says happened."),
        FormSection("opinions", "Opinions", "What a professional thinks, and why."),
        FormSection(
            "parenting_capacity",
            "Parenting capacity",
            "How well each parent or carer meets the child's needs: basic care, safety, warmth, "
            "guidance, boundaries and stability.",
        ),
        FormSection(
            "family_environment",
            "Family and environment",
            "Family history and relationships, housing, money and work, and support from the "
            "wider family and community.",
        ),
    ),
    "child_report": (
        FormSection("more_facts", "Further facts", "Facts not listed above, with their source."),
        FormSection(
            "more_allegations",
            "Further allegations",
            "Allegations not listed above, with their source.",
        ),
        FormSection(
            "more_opinions", "Further opinions", "Opinions not listed above, with their source."
        ),
        FormSection(
            "child_views",
            "The child's views",
            "{% if view.child.unborn %}What you know of the baby's expected needs and the "
            "parents' plans.{% else %}How you learned the child's views, in their words where "
            "you can, and anything more they have said.{% endif %}",
        ),
        FormSection(
            "worried",
            "What we are worried about",
            "Harm that has happened or may happen, how likely and how serious it is.",
        ),
        FormSection(
            "working_well",
            "What is working well",
            "Strengths and safety in the family, and who helps.",
        ),
        FormSection(
            "needs_to_happen",
            "What needs to happen",
            "What must change for the child to be safe, who will help, and by when.",
        ),
        FormSection(
            "analysis",
            "Analysis",
            "Your analysis of the risks and strengths, bringing together what is known.",
        ),
        FormSection(
            "reasons",
            "Reasons for the recommendation",
            "Why you recommend what you do.",
        ),
    ),
}

#: The record shell's sections, repeated for every child; keys are ``RecordSections`` fields.
RECORD_FORM_SECTIONS: tuple[FormSection, ...] = (
    FormSection(
        "information", "Information shared", "What each agency told the conference about the child."
    ),
    FormSection("parents_views", "Parents' views", "What the parents and carers said."),
    FormSection(
        "child_views", "The child's views", "What the child said, or how their views were given."
    ),
    FormSection("analysis", "Analysis", "The conference's analysis of risks and strengths."),
    FormSection(
        "decision_reasons",
        "Decision and reasons",
        "The conference's decision for this child and the reasons for it.",
    ),
    FormSection(
        "dissent",
        "Dissent",
        "Anyone who disagreed with the decision, and why. Leave empty when nobody did.",
    ),
)

#: The kinds of form that come back, and their Word template: from the one declaration of
#: each kind (:data:`cpcdocs.kinds.KINDS`).
FORM_KINDS: dict[str, str] = {
    kind.value: spec.word_template
    for kind, spec in KINDS.items()
    if spec.returnable and spec.word_template is not None
}


@dataclass(frozen=True)
class Descriptor:
    """What a form says about itself: who wrote it, for what, and what it asks.

    ``sections`` are section ids (``worried``; for the record ``maya/information``) in the
    order of their bookmarks; ``about`` the ids an author may tick for every section, in the
    order of the tick boxes; ``attendance`` the participants of the record's attendance list.
    """

    case: str
    kind: str
    author: str
    child: str
    version: str
    sections: tuple[str, ...]
    about: tuple[str, ...]
    attendance: tuple[str, ...] = ()

    @property
    def identity(self) -> dict[str, str]:
        """The identification fields, as the locked controls print them."""
        return {
            "case": self.case,
            "kind": self.kind,
            "author": self.author,
            "child": self.child,
            "version": self.version,
        }

    def digest(self) -> str:
        """A check over every field, so an edit to one shows (see the module docstring)."""
        canonical = "\n".join(
            [
                *(f"{k}={v}" for k, v in self.identity.items()),
                "sections=" + " ".join(self.sections),
                "about=" + " ".join(self.about),
                "attendance=" + " ".join(self.attendance),
            ]
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def to_xml(self) -> bytes:
        """The custom XML part's bytes."""

        def ids(name: str, values: Sequence[str]) -> str:
            return "".join(f"<{name} id={quoteattr(v)}/>" for v in values)

        attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in self.identity.items())
        body = (
            f"<sections>{ids('section', self.sections)}</sections>"
            f"<about>{ids('person', self.about)}</about>"
            f"<attendance>{ids('person', self.attendance)}</attendance>"
        )
        xml = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<form xmlns="{FORM_NS}" {attrs} digest="{self.digest()}">{body}</form>'
        )
        return xml.encode("utf-8")


def section_ids(kind: str, children: Sequence[str]) -> tuple[str, ...]:
    """A form's section ids in bookmark order: the report's keys, or per child for the record."""
    if kind == "record_shell":
        return tuple(f"{c}/{s.key}" for c in children for s in RECORD_FORM_SECTIONS)
    return tuple(s.key for s in REPORT_FORM_SECTIONS[kind])


def descriptor_for(view: Any) -> Descriptor:
    """The descriptor of the form rendered from ``view`` (a professional's view).

    The tick boxes list the people and then the children of the view, in its order: the
    template loops over the same two tuples.
    """
    children = tuple(c.id for c in view.children)
    attendance = ()
    if view.kind == "record_shell":
        attendance = (
            *(p.id for p in view.people),
            *children,
            *(p.id for p in view.professionals),
        )
    return Descriptor(
        case=view.reference,
        kind=view.kind,
        author=view.recipient.id,
        child=view.child.id if view.child is not None else "",
        version=FORM_VERSION,
        sections=section_ids(view.kind, children),
        about=(*(p.id for p in view.people), *children),
        attendance=attendance,
    )


_ITEM_PROPS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
    '<ds:datastoreItem ds:itemID="{8F4D2C1A-6B0E-4E8B-9C3A-2D6E1F0A5B71}" '
    'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
    f'<ds:schemaRefs><ds:schemaRef ds:uri="{FORM_NS}"/></ds:schemaRefs></ds:datastoreItem>'
).encode()
_ITEM_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/customXmlProps" Target="itemProps1.xml"/></Relationships>'
)
_CUSTOM_XML_REL = (
    b'<Relationship Id="rIdCpcdocsForm" Type="http://schemas.openxmlformats.org/officeDocument/'
    b'2006/relationships/customXml" Target="../customXml/item1.xml"/>'
)
_PROPS_OVERRIDE = (
    b'<Override PartName="/customXml/itemProps1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.customXmlProperties+xml"/>'
)


def with_descriptor(data: bytes, descriptor: Descriptor) -> bytes:
    """The rendered form with its descriptor part added (replacing any ``customXml`` there)."""
    from .render.docx import normalise_docx

    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    for name in [n for n in parts if n.startswith("customXml/")]:
        del parts[name]
    rels_name = "word/_rels/document.xml.rels"
    rels = re.sub(rb"<Relationship [^>]*relationships/customXml\"[^>]*/>", b"", parts[rels_name])
    parts[rels_name] = rels.replace(b"</Relationships>", _CUSTOM_XML_REL + b"</Relationships>")
    types = re.sub(
        rb"<Override [^>]*PartName=\"/customXml/[^>]*/>", b"", parts["[Content_Types].xml"]
    )
    parts["[Content_Types].xml"] = types.replace(b"</Types>", _PROPS_OVERRIDE + b"</Types>")
    parts[DESCRIPTOR_PART] = descriptor.to_xml()
    parts["customXml/itemProps1.xml"] = _ITEM_PROPS
    parts["customXml/_rels/item1.xml.rels"] = _ITEM_RELS
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, blob in parts.items():
            out.writestr(name, blob)
    return normalise_docx(buffer.getvalue())


def render_form(renderer: Any, view: Any) -> bytes:
    """A form for ``view.kind`` rendered for its author, carrying its descriptor.

    The one call ``pack`` needs for the three returnable kinds, in place of
    ``renderer.render_docx_template(name, {"view": view})``.
    """
    data = renderer.render_docx_template(FORM_KINDS[view.kind], {"view": view})
    return with_descriptor(data, descriptor_for(view))


def form_views(
    case: Any,
    authority: Any,
    issued_on: Any,
    *,
    deadlines: Any = None,
) -> list[tuple[str, Any]]:
    """Every returnable form of a case as (file name, view), as the pack plan sends them.

    The Word copies the plan gives a professional of the returnable kinds (the proformas, the
    social work report shell, the record shell), for rendering forms on their own (tests,
    ``tools/``). File names say who the form is for: ``<kind>-<author>[-<child>].docx``.
    """
    from .plan import plan_pack
    from .rules import Profile
    from .views import build_view

    out: list[tuple[str, Any]] = []
    for doc in plan_pack(case):
        if doc.kind.value not in FORM_KINDS or doc.profile is not Profile.PROFESSIONAL:
            continue
        if "docx" not in doc.formats:
            continue
        view = build_view(
            case,
            authority,
            doc.recipient,
            kind=doc.kind.value,
            issued_on=issued_on,
            profile=doc.profile,
            child=doc.child,
            deadlines=deadlines,
        )
        name = f"{doc.kind.value}-{doc.recipient.id}" + (f"-{doc.child}" if doc.child else "")
        out.append((name + ".docx", view))
    return out
