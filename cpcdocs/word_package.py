"""Reading a returned Word package safely, and the Word markup a form is made of.

A returned form is a file from outside: an agency's Word, a social worker's LibreOffice, or
someone who means harm. So every file is first checked as a package (size, zip bomb, macros,
external links, DTDs and entities) before any of its XML is parsed (:func:`open_package`,
:func:`parse_part`). The helpers below read what Word and LibreOffice write: content controls
and their tick boxes, text split across runs, revision marks (insertions accepted, deletions
dropped), tables and bookmarks. What the form means is :mod:`cpcdocs.returned_form`'s job.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CpcdocsError, ExitStatus
from .forms import PLACEHOLDERS

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_MEMBERS",
    "MAX_PART_BYTES",
    "MAX_RATIO",
    "MAX_UNCOMPRESSED_BYTES",
    "MC",
    "W14",
    "FormRefused",
    "W",
    "WordDocument",
    "accept_revisions",
    "ancestor",
    "element_text",
    "is_checkbox",
    "is_checked",
    "open_package",
    "parse_part",
    "table_rows",
    "value_cell",
    "w_tag",
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

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
#: Tick-box glyphs, for a control that lost its w14:checkbox properties on the way.
_TICKED = frozenset("\u2612\u2611\u2713\u2714\u2717\u2718xX")


def w_tag(name: str) -> str:
    """A WordprocessingML element or attribute name, namespace included (``w:name``)."""
    return f"{{{W}}}{name}"


class FormRefused(CpcdocsError):
    """A returned form that cannot be used: one line naming the file and what is wrong."""

    exit_status = ExitStatus.INVALID_INPUT

    def __init__(self, file: str | Path, message: str, section: str = "") -> None:
        where = f"{file}: section '{section}'" if section else str(file)
        super().__init__(f"{where}: {message}")


# -- the package -----------------------------------------------------------------------------------


def open_package(path: Path) -> dict[str, bytes]:
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
            _check_relationships(path, name, parse_part(path, name, blob))
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


def parse_part(path: Path, name: str, data: bytes) -> Any:
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


def accept_revisions(root: Any) -> None:
    """Tracked changes as if accepted: insertions and moves kept, deletions dropped.

    Alternate content keeps its first choice only, so a text box is not read twice.
    """
    for tag in ("del", "moveFrom"):
        for element in list(root.iter(w_tag(tag))):
            parent = element.getparent()
            if parent is not None and parent.tag != w_tag("rPr"):
                parent.remove(element)
    for element in list(root.iter(f"{{{MC}}}Fallback")):
        element.getparent().remove(element)
    for tag in ("ins", "moveTo"):
        for element in list(root.iter(w_tag(tag))):
            parent = element.getparent()
            if parent is None or parent.tag == w_tag("rPr"):
                continue
            index = parent.index(element)
            for offset, child in enumerate(list(element)):
                parent.insert(index + offset, child)
            parent.remove(element)


def _sdt_pr(sdt: Any) -> Any:
    return sdt.find(w_tag("sdtPr"))


def _prop(sdt: Any, name: str) -> str | None:
    pr = _sdt_pr(sdt)
    element = pr.find(w_tag(name)) if pr is not None else None
    return element.get(w_tag("val")) if element is not None else None


def is_checkbox(sdt: Any) -> bool:
    """Whether a content control is a tick box (it has ``w14:checkbox`` properties)."""
    pr = _sdt_pr(sdt)
    return pr is not None and pr.find(f"{{{W14}}}checkbox") is not None


def is_checked(sdt: Any) -> bool:
    """Whether a tick box is ticked: by its ``w14:checked`` state, else by the glyph shown."""
    pr = _sdt_pr(sdt)
    box = pr.find(f"{{{W14}}}checkbox") if pr is not None else None
    if box is not None:
        state = box.find(f"{{{W14}}}checked")
        if state is not None:
            return (state.get(f"{{{W14}}}val") or "").lower() in ("1", "true", "on")
    shown = "".join(t.text or "" for t in sdt.iter(w_tag("t"))).strip()
    return bool(shown) and shown[0] in _TICKED


def _paragraph_text(paragraph: Any) -> str:
    out: list[str] = []
    for node in paragraph.iter(
        w_tag("t"), w_tag("tab"), w_tag("br"), w_tag("cr"), w_tag("noBreakHyphen")
    ):
        if node.tag == w_tag("t"):
            out.append(node.text or "")
        elif node.tag == w_tag("tab"):
            out.append("\t")
        elif node.tag == w_tag("noBreakHyphen"):
            out.append("-")
        else:
            out.append("\n")
    return "".join(out)


def element_text(element: Any) -> str:
    """What an author wrote in ``element``: its paragraphs, placeholders left out.

    Runs are joined as Word shows them (an edit may split a word across ten runs); empty
    paragraphs and paragraphs that are only a control's placeholder text are dropped, and the
    rest separated by a blank line. A control's ``showingPlcHdr`` flag is not trusted: an
    editor that forgets to clear it must not make an author's words disappear.
    """
    paragraphs: list[str] = []
    nodes = [element] if element.tag == w_tag("p") else list(element.iter(w_tag("p")))
    if not nodes:  # an inline control: its runs, no paragraph of its own
        nodes = [element]
    for paragraph in nodes:
        text = re.sub(r"[ \t]+", " ", _paragraph_text(paragraph)).strip()
        if text and text not in PLACEHOLDERS:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


def ancestor(element: Any, tag: str) -> Any:
    """The nearest enclosing ``w:tag`` element, or None."""
    node = element.getparent()
    while node is not None and node.tag != w_tag(tag):
        node = node.getparent()
    return node


def table_rows(table: Any) -> list[Any]:
    """A table's own rows, in order."""
    return list(table.findall(w_tag("tr")))


def value_cell(row: Any) -> Any:
    """The cell of a form row that holds the answer: its last."""
    cells = row.findall(w_tag("tc"))
    if not cells:  # a row wrapped in a content control (w15:repeatingSection and the like)
        cells = [c for c in row.iter(w_tag("tc")) if ancestor(c, "tr") is row]
    return cells[-1] if cells else row


@dataclass
class WordDocument:
    """``word/document.xml`` indexed by content control tag and by bookmark."""

    root: Any
    tags: dict[str, list[Any]] = field(default_factory=dict)
    bookmarks: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, root: Any) -> WordDocument:
        """Index a parsed ``word/document.xml``."""
        doc = cls(root)
        for sdt in root.iter(w_tag("sdt")):
            tag = _prop(sdt, "tag")
            if tag:
                doc.tags.setdefault(tag, []).append(sdt)
        for mark in root.iter(w_tag("bookmarkStart")):
            name = mark.get(w_tag("name"))
            if name:
                doc.bookmarks.setdefault(name, mark)
        return doc

    def tagged(self, tag: str) -> Any:
        """The first content control with this tag, or None."""
        found = self.tags.get(tag)
        return found[0] if found else None

    def table_at(self, bookmark: str) -> Any:
        """The table holding this bookmark, or None."""
        mark = self.bookmarks.get(bookmark)
        return ancestor(mark, "tbl") if mark is not None else None
