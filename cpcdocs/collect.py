"""``cpcdocs collect``: the completed Word forms back into the case, as ``reports`` and ``record``.

A returned form is a file from outside: an agency's Word, a social worker's LibreOffice, or
someone who means harm. So every file is first checked as a package (size, zip bomb, macros,
external links, DTDs and entities) before any of its XML is parsed, and then as a form: is it
one cpcdocs made for this case, for a child and an author the case has, with its
identification unedited, and has the author answered the sharing questions for every section
they wrote. The first problem refuses the whole run, naming the file and the section; nothing
is written unless every file passes, and then the output is replaced in one step.

Word and LibreOffice save the same form differently. Word keeps the content controls' tags and
may leave revision marks (insertions are accepted, deletions dropped) and text split across
many runs. LibreOffice 7 drops the tags of content controls (and some of the controls
themselves) but keeps bookmarks, table rows and the form's descriptor part, so each section
is found by its tag when there is one and otherwise by its bookmark and row order
(:mod:`cpcdocs.forms` explains the layout).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CpcdocsError, ExitStatus
from .forms import (
    FORM_KINDS,
    FORM_NS,
    FORM_VERSION,
    IDENTITY_FIELDS,
    PLACEHOLDERS,
    RECORD_FORM_SECTIONS,
    REPORT_FORM_SECTIONS,
    Descriptor,
)

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_UNCOMPRESSED_BYTES",
    "Collected",
    "FormRefused",
    "ReturnedForm",
    "collect",
    "read_form",
    "summary_table",
]

#: Largest returned form accepted. A filled-in form is tens of kilobytes; a scan pasted into
#: one is a few megabytes.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Most the parts of one form may hold once unzipped, together and one by one.
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_PART_BYTES = 40 * 1024 * 1024
#: Highest compression ratio believed for a part bigger than 1 MB: XML compresses about 10:1;
#: a zip bomb thousands to one.
MAX_RATIO = 200
MAX_MEMBERS = 2_000
#: The tag a section gets when its author says the family may not see it: a tag every family
#: profile withholds (``rules.py``), so the family copy leaves it out unless the chair
#: removes the tag.
NOT_SHARED_TAG = "chair_confidential"

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
#: Tick-box glyphs, for a control that lost its w14:checkbox properties on the way.
_TICKED = frozenset("\u2612\u2611\u2713\u2714\u2717\u2718xX")


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


class FormRefused(CpcdocsError):
    """A returned form that cannot be used: one line naming the file and what is wrong."""

    exit_status = ExitStatus.INVALID_INPUT

    def __init__(self, file: str | Path, message: str, section: str = "") -> None:
        where = f"{file}: section '{section}'" if section else str(file)
        super().__init__(f"{where}: {message}")


# -- the package -----------------------------------------------------------------------------------


def _open_package(path: Path) -> dict[str, bytes]:
    """The parts a form is read from, after the checks that make reading them safe.

    Sizes are taken from the zip directory and checked before anything is decompressed;
    ``zipfile`` never inflates a part past the size its directory entry declares.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise FormRefused(path, "file not found") from None
    except OSError as err:
        raise FormRefused(path, f"cannot read the file: {err.strerror}") from None
    if not path.is_file():
        raise FormRefused(path, "not a file")
    if size > MAX_FILE_BYTES:
        raise FormRefused(
            path, f"larger than {MAX_FILE_BYTES // 1024 // 1024} MB: not a returned form"
        )
    if path.suffix.lower() in (".docm", ".dotm"):
        raise FormRefused(path, "a macro-enabled document (.docm): save it as .docx")
    data = path.read_bytes()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FormRefused(path, "not a Word document (.docx)") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise FormRefused(path, f"more than {MAX_MEMBERS} parts: not a returned form")
        total = 0
        for info in infos:
            name = info.filename
            lower = name.lower()
            if lower.endswith(("vbaproject.bin", "vbadata.xml")) or "/activex/" in lower:
                raise FormRefused(path, f"contains macros or ActiveX ({name})")
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_PART_BYTES or (
                info.file_size > 1024 * 1024 and ratio > MAX_RATIO
            ):
                raise FormRefused(
                    path, f"part {name} unzips to {info.file_size} bytes (a zip bomb?)"
                )
            total += info.file_size
            if total > MAX_UNCOMPRESSED_BYTES:
                raise FormRefused(path, "unzips to more than 100 MB (a zip bomb?)")
        wanted = [
            info
            for info in infos
            if info.filename in ("[Content_Types].xml", "word/document.xml")
            or info.filename.endswith(".rels")
            or re.fullmatch(r"customXml/item\d+\.xml", info.filename)
        ]
        parts: dict[str, bytes] = {}
        for info in wanted:
            try:
                with archive.open(info) as member:
                    parts[info.filename] = member.read(MAX_PART_BYTES + 1)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
                raise FormRefused(path, f"damaged part {info.filename}: {err}") from None
            except NotImplementedError:
                raise FormRefused(path, f"part {info.filename} is compressed oddly") from None
    for name in ("[Content_Types].xml", "word/document.xml"):
        if name not in parts:
            raise FormRefused(path, f"not a Word document (no {name})")
    types = parts["[Content_Types].xml"]
    if b"macroEnabled" in types or b"vbaProject" in types:
        raise FormRefused(path, "a macro-enabled document: save it as .docx")
    for name, blob in parts.items():
        if name.endswith(".rels"):
            _check_relationships(path, name, _parse(path, name, blob))
    return parts


def _check_relationships(path: Path, name: str, root: Any) -> None:
    """Refuse links that make Word fetch something from elsewhere when the file is opened.

    A hyperlink is kept: Word makes one whenever an author types a web address, and it does
    nothing until clicked. An external template, picture, frame or OLE object is refused.
    """
    for rel in root:
        if rel.get("TargetMode") == "External" and rel.get("Type") != _HYPERLINK:
            kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
            raise FormRefused(path, f"links to an external {kind} ({name}): not a returned form")


def _parse(path: Path, name: str, data: bytes) -> Any:
    """Parse one part: no DTD, no entities, no network, no huge trees."""
    from lxml import etree

    if len(data) > MAX_PART_BYTES:
        raise FormRefused(path, f"part {name} is too large")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise FormRefused(path, f"part {name} declares a DTD or entities: not a returned form")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        raise FormRefused(path, f"part {name} is not well-formed XML ({err})") from None
    if root.getroottree().docinfo.doctype:
        raise FormRefused(path, f"part {name} declares a DTD: not a returned form")
    return root


# -- reading Word markup ---------------------------------------------------------------------------


def _accept_revisions(root: Any) -> None:
    """Tracked changes as if accepted: insertions and moves kept, deletions dropped.

    Alternate content keeps its first choice only, so a text box is not read twice.
    """
    for tag in ("del", "moveFrom"):
        for element in list(root.iter(_w(tag))):
            parent = element.getparent()
            if parent is not None and parent.tag != _w("rPr"):
                parent.remove(element)
    for element in list(root.iter(f"{{{MC}}}Fallback")):
        element.getparent().remove(element)
    for tag in ("ins", "moveTo"):
        for element in list(root.iter(_w(tag))):
            parent = element.getparent()
            if parent is None or parent.tag == _w("rPr"):
                continue
            index = parent.index(element)
            for offset, child in enumerate(list(element)):
                parent.insert(index + offset, child)
            parent.remove(element)


def _sdt_pr(sdt: Any) -> Any:
    return sdt.find(_w("sdtPr"))


def _prop(sdt: Any, name: str) -> str | None:
    pr = _sdt_pr(sdt)
    element = pr.find(_w(name)) if pr is not None else None
    return element.get(_w("val")) if element is not None else None


def _is_checkbox(sdt: Any) -> bool:
    pr = _sdt_pr(sdt)
    return pr is not None and pr.find(f"{{{W14}}}checkbox") is not None


def _checked(sdt: Any) -> bool:
    pr = _sdt_pr(sdt)
    box = pr.find(f"{{{W14}}}checkbox") if pr is not None else None
    if box is not None:
        state = box.find(f"{{{W14}}}checked")
        if state is not None:
            return (state.get(f"{{{W14}}}val") or "").lower() in ("1", "true", "on")
    shown = "".join(t.text or "" for t in sdt.iter(_w("t"))).strip()
    return bool(shown) and shown[0] in _TICKED


def _paragraph_text(paragraph: Any) -> str:
    out: list[str] = []
    for node in paragraph.iter(_w("t"), _w("tab"), _w("br"), _w("cr"), _w("noBreakHyphen")):
        if node.tag == _w("t"):
            out.append(node.text or "")
        elif node.tag == _w("tab"):
            out.append("\t")
        elif node.tag == _w("noBreakHyphen"):
            out.append("-")
        else:
            out.append("\n")
    return "".join(out)


def _text(element: Any) -> str:
    """What an author wrote in ``element``: its paragraphs, placeholders left out.

    Runs are joined as Word shows them (an edit may split a word across ten runs); empty
    paragraphs and paragraphs that are only a control's placeholder text are dropped, and the
    rest separated by a blank line. A control's ``showingPlcHdr`` flag is not trusted: an
    editor that forgets to clear it must not make an author's words disappear.
    """
    paragraphs: list[str] = []
    nodes = [element] if element.tag == _w("p") else list(element.iter(_w("p")))
    if not nodes:  # an inline control: its runs, no paragraph of its own
        nodes = [element]
    for paragraph in nodes:
        text = re.sub(r"[ \t]+", " ", _paragraph_text(paragraph)).strip()
        if text and text not in PLACEHOLDERS:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


def _ancestor(element: Any, tag: str) -> Any:
    node = element.getparent()
    while node is not None and node.tag != _w(tag):
        node = node.getparent()
    return node


def _rows(table: Any) -> list[Any]:
    return list(table.findall(_w("tr")))


def _value_cell(row: Any) -> Any:
    cells = row.findall(_w("tc"))
    if not cells:  # a row wrapped in a content control (w15:repeatingSection and the like)
        cells = [c for c in row.iter(_w("tc")) if _ancestor(c, "tr") is row]
    return cells[-1] if cells else row


@dataclass
class _Document:
    """``word/document.xml`` indexed by content control tag and by bookmark."""

    root: Any
    tags: dict[str, list[Any]] = field(default_factory=dict)
    bookmarks: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, root: Any) -> _Document:
        doc = cls(root)
        for sdt in root.iter(_w("sdt")):
            tag = _prop(sdt, "tag")
            if tag:
                doc.tags.setdefault(tag, []).append(sdt)
        for mark in root.iter(_w("bookmarkStart")):
            name = mark.get(_w("name"))
            if name:
                doc.bookmarks.setdefault(name, mark)
        return doc

    def tagged(self, tag: str) -> Any:
        found = self.tags.get(tag)
        return found[0] if found else None

    def table_at(self, bookmark: str) -> Any:
        mark = self.bookmarks.get(bookmark)
        return _ancestor(mark, "tbl") if mark is not None else None


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
        root = _parse(path, name, parts[name])
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


def _check_identity(path: Path, doc: _Document, descriptor: Descriptor) -> None:
    """The locked controls must say what the descriptor says (by tag, else by row)."""
    expected = descriptor.identity
    fields = [f for f in IDENTITY_FIELDS if descriptor.kind != "record_shell" or f[0] != "child"]
    table = doc.table_at("cpcdocs_identity")
    rows = _rows(table) if table is not None else []
    seen = 0
    for index, (name, tag, label) in enumerate(fields):
        control = doc.tagged(tag)
        if control is not None:
            shown = _text(control)
        elif index < len(rows):
            shown = _text(_value_cell(rows[index]))
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
    boxes = [s for s in cell.iter(_w("sdt")) if _is_checkbox(s)]
    if len(boxes) != len(people):
        raise FormRefused(
            path,
            f"its list of who the section is about has {len(boxes)} tick boxes, the form "
            f"was made with {len(people)}",
            heading,
        )
    return tuple(p for p, box in zip(people, boxes, strict=True) if _checked(box))


def _answer(path: Path, doc: _Document, descriptor: Descriptor, index: int) -> Answer:
    sid = descriptor.sections[index]
    heading = _headings(descriptor)[sid]
    table = doc.table_at(f"cpcdocs_s{index}")
    text_control = doc.tagged(f"cpcdocs:text:{sid}")
    if table is None and text_control is not None:
        table = _ancestor(text_control, "tbl")
    rows = _rows(table) if table is not None else []
    if len(rows) < 3:
        raise FormRefused(path, "the section is missing from the form", heading)
    # the whole cell that holds the control: text typed beside a control is still the
    # author's answer, and must not be lost (nor a stray word make "Yes" read as "Yes")
    text = _text(_cell_of(text_control, rows[0]))
    shared = _choice(_text(_cell_of(doc.tagged(f"cpcdocs:share:{sid}"), rows[1])))
    prefix = f"cpcdocs:about:{sid}:"
    tagged = {t[len(prefix) :]: s[0] for t, s in doc.tags.items() if t.startswith(prefix)}
    if tagged:
        unknown = sorted(set(tagged) - set(descriptor.about))
        if unknown:
            raise FormRefused(path, f"a tick box for '{unknown[0]}' was added", heading)
        about = tuple(p for p in descriptor.about if p in tagged and _checked(tagged[p]))
    else:
        about = _ticks(path, _value_cell(rows[2]), descriptor.about, heading)
    return Answer(sid, heading, text, shared, about)


def _report_sharing(path: Path, doc: _Document) -> tuple[bool | None, str]:
    table = doc.table_at("cpcdocs_sharing")
    rows = _rows(table) if table is not None else []
    share = doc.tagged("cpcdocs:report-share")
    reason = doc.tagged("cpcdocs:not-shared-reason")
    if share is None and len(rows) < 2:
        raise FormRefused(path, "the question 'May this report be shared' is missing")
    shared = _choice(_text(_cell_of(share, rows[0] if rows else None)))
    has_reason = reason is not None or len(rows) > 1
    why = _text(_cell_of(reason, rows[1] if len(rows) > 1 else None)) if has_reason else ""
    return shared, why


def _cell_of(control: Any, row: Any) -> Any:
    """The table cell holding ``control`` (found by its tag), else the value cell of ``row``."""
    if control is not None:
        cell = _ancestor(control, "tc")
        return cell if cell is not None else control
    return _value_cell(row)


def _attendance(
    path: Path, doc: _Document, descriptor: Descriptor
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    present: list[str] = []
    apologies: list[str] = []
    if any(t.startswith("cpcdocs:present:") for t in doc.tags):
        for pid in descriptor.attendance:
            for what, into in (("present", present), ("apologies", apologies)):
                box = doc.tagged(f"cpcdocs:{what}:{pid}")
                if box is not None and _checked(box):
                    into.append(pid)
        return tuple(present), tuple(apologies)
    table = doc.table_at("cpcdocs_attendance")
    rows = _rows(table)[1:] if table is not None else []
    if len(rows) != len(descriptor.attendance):
        raise FormRefused(path, "the attendance list has been changed", "Attendance")
    for pid, row in zip(descriptor.attendance, rows, strict=True):
        cells = row.findall(_w("tc"))
        boxes = [[s for s in c.iter(_w("sdt")) if _is_checkbox(s)] for c in cells[2:4]]
        if len(cells) < 4 or any(len(b) != 1 for b in boxes):
            raise FormRefused(path, "the attendance list has been changed", "Attendance")
        if _checked(boxes[0][0]):
            present.append(pid)
        if _checked(boxes[1][0]):
            apologies.append(pid)
    return tuple(present), tuple(apologies)


def read_form(path: str | Path) -> ReturnedForm:
    """Read one returned form (Word- or LibreOffice-saved) without judging it against a case.

    Raises :class:`FormRefused` for a file that is unsafe to read or not a cpcdocs form.
    """
    path = Path(path)
    parts = _open_package(path)
    descriptor = _descriptor(path, parts)
    if descriptor.kind not in FORM_KINDS:
        raise FormRefused(path, f"'{descriptor.kind}' is not a form cpcdocs reads back")
    if descriptor.version != FORM_VERSION:
        raise FormRefused(
            path,
            f"made with form version {descriptor.version}; this cpcdocs reads version "
            f"{FORM_VERSION}: send the author a new form",
        )
    root = _parse(path, "word/document.xml", parts["word/document.xml"])
    _accept_revisions(root)
    doc = _Document.of(root)
    _check_identity(path, doc, descriptor)
    answers = tuple(_answer(path, doc, descriptor, i) for i in range(len(descriptor.sections)))
    if descriptor.kind == "record_shell":
        present, apologies = _attendance(path, doc, descriptor)
        return ReturnedForm(str(path), descriptor, answers, present=present, apologies=apologies)
    shared, reason = _report_sharing(path, doc)
    return ReturnedForm(str(path), descriptor, answers, shared, reason)


# -- checking against the case ---------------------------------------------------------------------


def _check_against_case(form: ReturnedForm, case: Any) -> None:
    """Refuse a form that is not one of this case's, as cpcdocs would have made it."""
    from .model import Role

    d = form.descriptor
    file = form.file
    if d.case != case.case.reference:
        raise FormRefused(file, f"this form is for case {d.case}, not {case.case.reference}")
    professionals = {p.id: p for p in case.professionals}
    author = professionals.get(d.author)
    if author is None:
        raise FormRefused(file, f"the author '{d.author}' is not a professional in this case")
    children = {c.id for c in case.children}
    if d.kind != "record_shell" and d.child not in children:
        raise FormRefused(file, f"the child '{d.child}' is not in this case")
    lead = case.lead_social_worker
    if d.kind == "child_report" and (lead is None or lead.id != d.author):
        raise FormRefused(file, f"'{d.author}' is not the lead social worker of this case")
    if d.kind == "report_proforma":
        if author.role in (Role.CHAIR, Role.MINUTE_TAKER) or (lead and lead.id == d.author):
            raise FormRefused(file, f"'{d.author}' is not sent a report proforma")
        if d.child not in {c.id for c in case.children_known_by(author)}:
            raise FormRefused(file, f"'{d.author}' does not report on the child '{d.child}'")
    if d.kind == "record_shell" and author.role is not Role.MINUTE_TAKER:
        raise FormRefused(file, f"'{d.author}' is not the minute-taker of this case")
    known = children | {p.id for p in case.people} | set(professionals)
    for answer in form.answers:
        for pid in answer.about:
            if pid not in known:
                raise FormRefused(
                    file, f"it is ticked as about '{pid}', who is not in the case", answer.heading
                )
    for pid in (*form.present, *form.apologies):
        if pid not in known:
            raise FormRefused(file, f"'{pid}' is not in the case", "Attendance")


def _section_item(answer: Answer, children: list[str] | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"heading": answer.heading, "text": answer.text}
    if children is not None:
        item["children"] = children
    if answer.about:
        item["about"] = list(answer.about)
    if answer.shared is False:
        item["tags"] = [NOT_SHARED_TAG]
    return item


def _written(form: ReturnedForm) -> list[Answer]:
    """The sections with text, each with its sharing answer (refused when there is none)."""
    written = [a for a in form.answers if a.text]
    for answer in written:
        if answer.shared is None:
            raise FormRefused(
                form.file,
                "no answer to 'May this section be shared with the family?'",
                answer.heading,
            )
    return written


def report_entry(form: ReturnedForm, received_on: dt.date) -> dict[str, Any]:
    """The ``reports`` entry for one returned report form."""
    written = _written(form)
    if not written:
        raise FormRefused(form.file, "nothing has been written in the form")
    if form.report_shared is None:
        raise FormRefused(
            form.file,
            "no answer to 'May this report be shared with the family?'",
            "Sharing this report with the family",
        )
    held_back = [a for a in written if a.shared is False]
    if (form.report_shared is False or held_back) and not form.not_shared_reason:
        what = "the report" if form.report_shared is False else f"'{held_back[0].heading}'"
        raise FormRefused(
            form.file,
            f"{what} is not to be shared and no reason is given",
            "Sharing this report with the family",
        )
    entry: dict[str, Any] = {
        "author": form.descriptor.author,
        "child": form.descriptor.child,
        "received_on": received_on,
        "shared_with_family": form.report_shared,
    }
    if form.not_shared_reason:
        entry["not_shared_reason"] = form.not_shared_reason
    entry["form_version"] = form.descriptor.version
    entry["sections"] = [_section_item(a) for a in written]
    return entry


def record_entry(form: ReturnedForm) -> dict[str, Any]:
    """The ``record`` (without the chair's approval) from the minute-taker's shell."""
    written = _written(form)
    if not written:
        raise FormRefused(form.file, "nothing has been written in the record")
    sections: dict[str, list[dict[str, Any]]] = {}
    for answer in written:
        child, key = answer.sid.split("/", 1)
        sections.setdefault(key, []).append(_section_item(answer, [child]))
    order = [s.key for s in RECORD_FORM_SECTIONS]
    record: dict[str, Any] = {}
    if form.present:
        record["present"] = list(form.present)
    if form.apologies:
        record["apologies"] = list(form.apologies)
    record["sections"] = {k: sections[k] for k in order if k in sections}
    return record


# -- the whole run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Collected:
    """What a run read: the forms, the YAML to write, and where."""

    forms: tuple[ReturnedForm, ...]
    data: dict[str, Any]
    output: Path

    @property
    def yaml(self) -> str:
        """The file's text: a comment saying where it came from, then ``reports``/``record``."""
        import yaml

        names = ", ".join(Path(f.file).name for f in self.forms)
        head = (
            f"{HEADER} from the returned forms; do not edit by hand (run\n"
            "# collect again with every returned form). Name it in the case file:\n"
            f"#   include: [{self.output.name}]\n"
            f"# Forms: {names}\n"
        )
        body = yaml.dump(
            self.data,
            Dumper=_Dumper,
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=False,
            width=96,
        )
        return head + body


def _dumper() -> Any:
    """A safe YAML dumper that writes text of several paragraphs as a ``|`` block."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: Any, value: str) -> Any:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return Dumper


_Dumper = _dumper()


def _check_no_clash(forms: Sequence[ReturnedForm], case: Any, case_path: str | Path) -> None:
    """Refuse what the case file itself already holds: the include would then not load.

    A report written by hand in the case for the same author and child would be there twice;
    the minutes (``present``, ``apologies``, ``sections``) may come from one place only.
    """
    own = {(r.author, r.child): i for i, r in enumerate(case.reports)}
    for form in forms:
        d = form.descriptor
        if d.kind == "record_shell":
            given = [k for k in ("present", "apologies") if getattr(case.record, k, None)]
            if case.record is not None and any(case.record.sections.model_dump().values()):
                given.append("sections")
            if given:
                raise FormRefused(
                    form.file,
                    f"{case_path} already gives record.{given[0]}: take it out of the case "
                    "file, which keeps only the chair's part of the record",
                )
        elif (d.author, d.child) in own:
            raise FormRefused(
                form.file,
                f"{case_path} already holds this report (reports[{own[(d.author, d.child)]}]): "
                "take it out of the case file or leave this form out",
            )


def _validate(entries: dict[str, Any], case: Any, output: Path) -> None:
    """The output must load as the case's ``reports``/``record``: same models, same tags."""
    from pydantic import ValidationError

    from .model import Record, Report

    try:
        for entry in entries.get("reports", []):
            Report.model_validate(entry)
        if "record" in entries:
            Record.model_validate(entries["record"])
    except ValidationError as err:  # a form answer the case format cannot hold
        first = err.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise FormRefused(output, f"{where}: {first['msg']}") from None


def collect(
    paths: Iterable[str | Path],
    case_path: str | Path,
    output: str | Path | None = None,
    *,
    received_on: dt.date | None = None,
    write: bool = True,
) -> Collected:
    """Read, check and (with ``write``) save every returned form of one case, or none.

    Every file is read and checked before anything is written; the output then replaces the
    old file in one step (a temporary file beside it, then ``os.replace``), so a refused run
    leaves the last good output as it was.
    """
    from .load import load_case
    from .pack import issued_date

    case = load_case(case_path, includes=False)  # the output replaces what they hold
    day = issued_date(received_on)
    out = Path(output) if output else Path(case_path).resolve().parent / "returned.yaml"
    forms: list[ReturnedForm] = []
    seen: dict[tuple[str, str, str], str] = {}
    for path in paths:
        form = read_form(path)
        _check_against_case(form, case)
        key = (form.descriptor.kind, form.descriptor.author, form.descriptor.child)
        if key in seen:
            raise FormRefused(path, f"the same form as {seen[key]}: give each form once")
        seen[key] = str(path)
        forms.append(form)
    if not forms:
        msg = "no forms given"
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
    earlier = _earlier_dates(out, case_path)
    data: dict[str, Any] = {}
    reports = [
        report_entry(f, earlier.get((f.descriptor.author, f.descriptor.child), day))
        for f in forms
        if f.descriptor.kind != "record_shell"
    ]
    if reports:
        data["reports"] = reports
    records = [f for f in forms if f.descriptor.kind == "record_shell"]
    if records:
        data["record"] = record_entry(records[0])
    _validate(data, case, out)
    _check_no_clash(forms, case, case_path)
    collected = Collected(tuple(forms), data, out)
    if write:
        _write_atomically(out, collected.yaml)
    return collected


#: The first line of every file ``collect`` writes: it overwrites no other file.
HEADER = "# Written by `cpcdocs collect`"


def _earlier_dates(out: Path, case_path: str | Path) -> dict[tuple[str, str], dt.date]:
    """When each report first came back, from the output of an earlier run.

    Collecting again (a report revised, one more form returned) keeps the date a report was
    first received, which is what the reports deadline is judged by. Refuses to overwrite a
    file ``collect`` did not write, the case file above all.
    """
    if not out.exists():
        return {}
    if out.resolve() == Path(case_path).resolve():
        raise FormRefused(out, "is the case file: write the collected forms to a file of their own")
    try:
        text = out.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise FormRefused(out, f"cannot be read to be replaced ({err})") from None
    if not text.startswith(HEADER):
        raise FormRefused(
            out, "exists and was not written by cpcdocs collect: choose another -o or move it"
        )
    import yaml

    try:
        old = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return {}
    dates: dict[tuple[str, str], dt.date] = {}
    for entry in old.get("reports", []) if isinstance(old, dict) else []:
        if isinstance(entry, dict) and isinstance(entry.get("received_on"), dt.date):
            dates[(str(entry.get("author")), str(entry.get("child")))] = entry["received_on"]
    return dates


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as err:
        msg = f"{path}: cannot write: {err.strerror}"
        raise CpcdocsError(msg, ExitStatus.RENDER_ERROR) from err


def summary_table(collected: Collected) -> list[str]:
    """What was read, one row per form: file, form, author, child, sections, shared."""
    rows = [("file", "form", "author", "child", "sections", "shared")]
    for form in collected.forms:
        d = form.descriptor
        written = [a for a in form.answers if a.text]
        held = sum(1 for a in written if a.shared is False)
        if d.kind == "record_shell":
            shared = f"{len(written) - held} of {len(written)} sections"
        elif form.report_shared is False:
            shared = "no"
        else:
            shared = "yes" + (f" ({held} kept back)" if held else "")
        rows.append(
            (Path(form.file).name, d.kind, d.author, d.child or "all", str(len(written)), shared)
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
