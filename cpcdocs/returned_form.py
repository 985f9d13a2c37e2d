"""Interpreting one returned form: its identity, its answers and its sharing questions.

A form must be one cpcdocs made for this case (its descriptor part), with its identification
unedited, and with the sharing questions answered for every section its author wrote. Word and
LibreOffice save the same form differently: Word keeps the content controls' tags, LibreOffice
7 drops them (and some controls) but keeps bookmarks, table rows and the descriptor, so each
section is found by its tag when there is one and otherwise by its bookmark and row order
(:mod:`cpcdocs.forms` explains the layout). The package itself is read safely by
:mod:`cpcdocs.word_package` first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .forms import (
    FORM_KINDS,
    FORM_NS,
    FORM_VERSION,
    IDENTITY_FIELDS,
    RECORD_FORM_SECTIONS,
    REPORT_FORM_SECTIONS,
    Descriptor,
)
from .word_package import (
    FormRefused,
    WordDocument,
    accept_revisions,
    ancestor,
    element_text,
    is_checkbox,
    is_checked,
    open_package,
    parse_part,
    table_rows,
    value_cell,
    w_tag,
)

__all__ = ["Answer", "ReturnedForm", "read_form"]


# -- one form --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One section as the author left it."""

    sid: str
    heading: str
    text: str
    shared: bool | None
    about: tuple[str, ...]


@dataclass(frozen=True)
class ReturnedForm:
    """What one returned form says, before it is checked against the case."""

    file: str
    descriptor: Descriptor
    answers: tuple[Answer, ...]
    report_shared: bool | None = None
    not_shared_reason: str = ""
    present: tuple[str, ...] = ()
    apologies: tuple[str, ...] = ()


def _descriptor(path: Path, parts: dict[str, bytes]) -> Descriptor:
    """The form's descriptor part; LibreOffice may save it twice, and both must agree."""
    found: list[Descriptor] = []
    for name in sorted(n for n in parts if n.startswith("customXml/item")):
        root = parse_part(path, name, parts[name])
        if root.tag != f"{{{FORM_NS}}}form":
            continue

        def ids(group: str, root: Any = root) -> tuple[str, ...]:
            holder = root.find(f"{{{FORM_NS}}}{group}")
            return tuple(e.get("id", "") for e in holder) if holder is not None else ()

        descriptor = Descriptor(
            case=root.get("case", ""),
            kind=root.get("kind", ""),
            author=root.get("author", ""),
            child=root.get("child", ""),
            version=root.get("version", ""),
            sections=ids("sections"),
            about=ids("about"),
            attendance=ids("attendance"),
        )
        if root.get("digest") != descriptor.digest():
            raise FormRefused(path, "the form's identification has been edited")
        found.append(descriptor)
    if not found:
        raise FormRefused(
            path, "not a cpcdocs form (no form identification): send the author a new form"
        )
    if any(d != found[0] for d in found[1:]):
        raise FormRefused(path, "the form carries two different identifications")
    return found[0]


def _headings(descriptor: Descriptor) -> dict[str, str]:
    if descriptor.kind == "record_shell":
        by_key = {s.key: s.heading for s in RECORD_FORM_SECTIONS}
        return {sid: by_key.get(sid.split("/", 1)[-1], sid) for sid in descriptor.sections}
    by_key = {s.key: s.heading for s in REPORT_FORM_SECTIONS.get(descriptor.kind, ())}
    return {sid: by_key.get(sid, sid) for sid in descriptor.sections}


def _check_identity(path: Path, doc: WordDocument, descriptor: Descriptor) -> None:
    """The locked controls must say what the descriptor says (by tag, else by row)."""
    expected = descriptor.identity
    fields = [f for f in IDENTITY_FIELDS if descriptor.kind != "record_shell" or f[0] != "child"]
    table = doc.table_at("cpcdocs_identity")
    rows = table_rows(table) if table is not None else []
    seen = 0
    for index, (name, tag, label) in enumerate(fields):
        control = doc.tagged(tag)
        if control is not None:
            shown = element_text(control)
        elif index < len(rows):
            shown = element_text(value_cell(rows[index]))
        else:
            continue
        seen += 1
        if shown != expected[name]:
            raise FormRefused(
                path,
                f"the form's identification has been edited ({label} reads '{shown}', "
                f"the form was made for '{expected[name]}')",
            )
    if not seen:
        raise FormRefused(path, "the form's identification has been removed")


def _choice(text: str) -> bool | None:
    answer = text.strip().lower()
    if answer in ("yes", "y"):
        return True
    if answer in ("no", "n"):
        return False
    return None


def _ticks(path: Path, cell: Any, people: Sequence[str], heading: str) -> tuple[str, ...]:
    """The ids ticked in a section's "about" cell, by the tick boxes' order."""
    boxes = [s for s in cell.iter(w_tag("sdt")) if is_checkbox(s)]
    if len(boxes) != len(people):
        raise FormRefused(
            path,
            f"its list of who the section is about has {len(boxes)} tick boxes, the form "
            f"was made with {len(people)}",
            heading,
        )
    return tuple(p for p, box in zip(people, boxes, strict=True) if is_checked(box))


def _answer(path: Path, doc: WordDocument, descriptor: Descriptor, index: int) -> Answer:
    sid = descriptor.sections[index]
    heading = _headings(descriptor)[sid]
    table = doc.table_at(f"cpcdocs_s{index}")
    text_control = doc.tagged(f"cpcdocs:text:{sid}")
    if table is None and text_control is not None:
        table = ancestor(text_control, "tbl")
    rows = table_rows(table) if table is not None else []
    if len(rows) < 3:
        raise FormRefused(path, "the section is missing from the form", heading)
    # the whole cell that holds the control: text typed beside a control is still the
    # author's answer, and must not be lost (nor a stray word make "Yes" read as "Yes")
    text = element_text(_cell_of(text_control, rows[0]))
    shared = _choice(element_text(_cell_of(doc.tagged(f"cpcdocs:share:{sid}"), rows[1])))
    prefix = f"cpcdocs:about:{sid}:"
    tagged = {t[len(prefix) :]: s[0] for t, s in doc.tags.items() if t.startswith(prefix)}
    if tagged:
        unknown = sorted(set(tagged) - set(descriptor.about))
        if unknown:
            raise FormRefused(path, f"a tick box for '{unknown[0]}' was added", heading)
        about = tuple(p for p in descriptor.about if p in tagged and is_checked(tagged[p]))
    else:
        about = _ticks(path, value_cell(rows[2]), descriptor.about, heading)
    return Answer(sid, heading, text, shared, about)


def _report_sharing(path: Path, doc: WordDocument) -> tuple[bool | None, str]:
    table = doc.table_at("cpcdocs_sharing")
    rows = table_rows(table) if table is not None else []
    share = doc.tagged("cpcdocs:report-share")
    reason = doc.tagged("cpcdocs:not-shared-reason")
    if share is None and len(rows) < 2:
        raise FormRefused(path, "the question 'May this report be shared' is missing")
    shared = _choice(element_text(_cell_of(share, rows[0] if rows else None)))
    has_reason = reason is not None or len(rows) > 1
    why = element_text(_cell_of(reason, rows[1] if len(rows) > 1 else None)) if has_reason else ""
    return shared, why


def _cell_of(control: Any, row: Any) -> Any:
    """The table cell holding ``control`` (found by its tag), else the value cell of ``row``."""
    if control is not None:
        cell = ancestor(control, "tc")
        return cell if cell is not None else control
    return value_cell(row)


def _attendance(
    path: Path, doc: WordDocument, descriptor: Descriptor
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    present: list[str] = []
    apologies: list[str] = []
    if any(t.startswith("cpcdocs:present:") for t in doc.tags):
        for pid in descriptor.attendance:
            for what, into in (("present", present), ("apologies", apologies)):
                box = doc.tagged(f"cpcdocs:{what}:{pid}")
                if box is not None and is_checked(box):
                    into.append(pid)
        return tuple(present), tuple(apologies)
    table = doc.table_at("cpcdocs_attendance")
    rows = table_rows(table)[1:] if table is not None else []
    if len(rows) != len(descriptor.attendance):
        raise FormRefused(path, "the attendance list has been changed", "Attendance")
    for pid, row in zip(descriptor.attendance, rows, strict=True):
        cells = row.findall(w_tag("tc"))
        boxes = [[s for s in c.iter(w_tag("sdt")) if is_checkbox(s)] for c in cells[2:4]]
        if len(cells) < 4 or any(len(b) != 1 for b in boxes):
            raise FormRefused(path, "the attendance list has been changed", "Attendance")
        if is_checked(boxes[0][0]):
            present.append(pid)
        if is_checked(boxes[1][0]):
            apologies.append(pid)
    return tuple(present), tuple(apologies)


def read_form(path: str | Path) -> ReturnedForm:
    """Read one returned form (Word- or LibreOffice-saved) without judging it against a case.

    Raises :class:`FormRefused` for a file that is unsafe to read or not a cpcdocs form.
    """
    path = Path(path)
    parts = open_package(path)
    descriptor = _descriptor(path, parts)
    if descriptor.kind not in FORM_KINDS:
        raise FormRefused(path, f"'{descriptor.kind}' is not a form cpcdocs reads back")
    if descriptor.version != FORM_VERSION:
        raise FormRefused(
            path,
            f"made with form version {descriptor.version}; this cpcdocs reads version "
            f"{FORM_VERSION}: send the author a new form",
        )
    root = parse_part(path, "word/document.xml", parts["word/document.xml"])
    accept_revisions(root)
    doc = WordDocument.of(root)
    _check_identity(path, doc, descriptor)
    answers = tuple(_answer(path, doc, descriptor, i) for i in range(len(descriptor.sections)))
    if descriptor.kind == "record_shell":
        present, apologies = _attendance(path, doc, descriptor)
        return ReturnedForm(str(path), descriptor, answers, present=present, apologies=apologies)
    shared, reason = _report_sharing(path, doc)
    return ReturnedForm(str(path), descriptor, answers, shared, reason)
