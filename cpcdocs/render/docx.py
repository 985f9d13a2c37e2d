"""DOCX: letters written into the Word layout, real Word templates rendered, bytes made stable.

A letter's wording (the blocks parsed from its HTML fragment) becomes a :class:`WordBody`: Word
paragraphs, lists and tables in the layout's own styles ("Heading 1", "List Bullet", "List
Number", "Table Grid", ...), placed where ``templates/layout/letter.docx`` says ``{{p body }}``.
The layout's header and footer carry the letterhead, the window address, the marking and
"Page X of Y" as Word fields.

docxtpl renders with the shared sandboxed environment (DOCX flavour) and ``autoescape=True``:
docxtpl does not escape unless told, and an unescaped ``&`` in a name makes a file Word
refuses to open.

Every file leaves through :func:`normalise_docx`: fixed zip entry order and dates, and
document properties with no user or machine name, so the same input gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._compat.docx import (
    element,
    new_element,
    nsdecls,
    package_members,
    parse_xml,
    qn,
    styles_part,
)
from .._compat.docxtpl import before_saving, open_document, picture_inline, template_class
from ..recurring import RecurringCache
from .blocks import Block, Cell, Image, Paragraph, Table, parse_fragment
from .pdf import source_date

__all__ = [
    "DocxEngine",
    "DocxMetadata",
    "Fragment",
    "Picture",
    "WordBody",
    "normalise_docx",
    "write_blocks",
]

_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
_CORE = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_HEADER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"

#: ``<div class>`` names with a paragraph style of their own in the layout.
CLASS_STYLES = {
    "callout": "Callout",
    "enclosures": "Enclosures",
    "small": "Small",
    "signature": "Signature",
}
#: Sizes in large print (points), by style: 16 or more for everything the reader reads, as
#: in letter.css. The layout moves the reference block under the window in large print (it
#: does not fit beside it at 16 pt); the handling line is for the post room, not the reader.
LARGE_PRINT = {
    "Normal": 16,
    "Heading 1": 20,
    "Heading 2": 18,
    "Heading 3": 16,
    "Table Grid": 16,
    "Table Text": 16,
    "Enclosures": 16,
    "Small": 16,
    "Callout": 16,
    "Signature": 16,
    "Reference Block": 16,
    "Handling": 8.5,
}
#: Easy read (when not also large print): 14 pt and more space, as in letter.css.
EASY_READ = {
    "Normal": 14,
    "Heading 1": 18,
    "Heading 2": 16,
    "Heading 3": 14,
    "Table Grid": 13,
    "Table Text": 13,
    "Enclosures": 13,
    "Small": 13,
    "Callout": 14,
    "Signature": 14,
}
#: The envelope window's width and height (DL/C5), and the address's largest type.
_WINDOW_WIDTH_MM = 90.0
_WINDOW_HEIGHT_MM = 33.0  # 35 mm less the cell's top spacing
#: Average advance of a character in Arial / Liberation Sans, in em (0.45-0.5 in mixed case,
#: 0.6 in postcodes): enough to keep the longest address line from wrapping.
_EM_PER_CHARACTER = 0.55
_SIGNATURE_HEIGHT_MM = 16
_WORD_IMAGES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp"})


# -- things a template context may hold ----------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    """An image for a Word template's context (``{{ signature }}``), bound at render time.

    Give ``height_mm`` or ``width_mm`` (or neither for the image's own size); ``alt`` becomes
    the picture's description for screen readers.
    """

    path: Path
    alt: str = ""
    width_mm: float | None = None
    height_mm: float | None = None


@dataclass(frozen=True)
class Fragment:
    """HTML in the letter subset for a Word template's context, written as Word paragraphs.

    Use it with a paragraph tag: ``{{p section }}``.
    """

    html: str
    template: str = "fragment"


@dataclass(frozen=True)
class DocxMetadata:
    """Document properties: title, author (the authority), subject, keywords, language."""

    title: str = ""
    author: str = ""
    subject: str = ""
    keywords: tuple[str, ...] = ()
    language: str = "en-GB"


# -- the engine ------------------------------------------------------------------------------------


class DocxEngine:
    """Renders letters and Word templates; keeps template bytes in memory between documents."""

    def __init__(self, environment: Any, find: Callable[[str], Path]) -> None:
        self.env = environment
        self._find = find
        self._bytes: dict[Path, bytes] = {}

    @staticmethod
    def load_libraries() -> None:
        """Import docxtpl and python-docx now (before forking render workers)."""
        _template_class()

    def _load(self, name: str) -> tuple[Path, bytes]:
        path = self._find(name)
        data = self._bytes.get(path)
        if data is None:
            data = self._bytes[path] = path.read_bytes()
        return path, data

    def letter(self, view: Any, blocks: list[Block], metadata: DocxMetadata, layout: str) -> bytes:
        """A letter or form: the wording's blocks in the Word layout, for one recipient."""
        _, data = self._load(layout)
        tpl = _template_class()(io.BytesIO(data))
        restyled = bool(getattr(view, "large_print", False) or getattr(view, "easy_read", False))
        tpl.share_styles = not restyled  # large print and easy read change the styles
        doc = open_document(tpl)
        if getattr(view, "large_print", False):
            _large_print(doc)
        elif getattr(view, "easy_read", False):
            _easy_read(doc)
        body = write_blocks(doc, blocks)
        logo_path = getattr(view.authority, "logo_path", None)
        if logo_path and Path(logo_path).suffix.lower() not in _WORD_IMAGES:
            logo_path = None  # an SVG logo prints in the PDF; Word files go without
        context = {
            "view": view,
            "body": body,
            "logo": _BoundPicture(
                tpl, Picture(Path(logo_path), f"{view.authority.name} logo", height_mm=22)
            )
            if logo_path
            else "",
        }
        tpl.render(context, jinja_env=self.env, autoescape=True)
        _fit_window_address(doc, large_print=bool(getattr(view, "large_print", False)))
        return self._save(tpl, metadata, view.issued_on)

    def template(
        self,
        name: str,
        context: Mapping[str, Any],
        metadata: DocxMetadata,
        issued_on: dt.date | None,
    ) -> bytes:
        """A real Word template (``docx/<name>.docx``) rendered with ``context``."""
        _, data = self._load(name)
        tpl = _template_class()(io.BytesIO(data))
        open_document(tpl)
        bound = {key: _bind(tpl, value) for key, value in context.items()}
        tpl.render(bound, jinja_env=self.env, autoescape=True)
        return self._save(tpl, metadata, issued_on)

    def undeclared(self, name: str) -> set[str]:
        """Variables a Word template uses (raises the template's syntax errors)."""
        _, data = self._load(name)
        tpl = _template_class()(io.BytesIO(data))
        return set(tpl.get_undeclared_template_variables(jinja_env=self.env))

    @staticmethod
    def _save(tpl: Any, metadata: DocxMetadata, issued_on: dt.date | None) -> bytes:
        """The package's bytes, written once, straight from its parts (see :func:`_parts`)."""
        _core_properties(tpl.docx, metadata, issued_on)
        before_saving(tpl)  # docxtpl's picture replacement (unused here: kept for overrides)
        return _normalised_zip(_parts(tpl.docx.part.package))


@functools.cache
def _template_class() -> Any:
    """``DocxTemplate`` that patches each distinct part XML once per process.

    (batch) Before compiling a part, docxtpl runs some twenty regular expressions over its
    whole XML (``patch_xml``) on every render; for a given template the input and the output
    are always the same, so a warm worker pays for it once: about a quarter of a warm DOCX.
    The compiled Jinja template is cached likewise, by the environment (``env.py``), and the
    parsed package is copied rather than parsed again (:func:`_fresh_document`). The class
    overrides docxtpl internals: :func:`cpcdocs._compat.docxtpl.template_class`.
    """
    return template_class(lambda data, share: _fresh_document(data, share_styles=share))


_PRISTINE: dict[bytes, tuple[Any, dict[str, str]]] = {}
#: id(styles part) -> (that part, its XML): the styles parts copies share with their template.
_SHARED_STYLES: dict[int, tuple[Any, bytes]] = {}


def _fresh_document(data: bytes, *, share_styles: bool = False) -> Any:
    """A python-docx ``Document`` of these bytes, as a copy of one parsed once.

    (batch) Every document starts from the same few templates, and a deep copy of the parsed
    package takes half the time of unzipping and parsing it again.

    With ``share_styles`` the copy uses the template's own styles part instead of a copy, and
    :func:`_parts` writes the XML serialised once. Nothing but large print and easy read
    changes a style, and those ask for a copy. The report templates' styles part is 350 KB
    (every built-in style Word knows): copying and serialising it was 9 ms of a 15 ms proforma.
    """
    import copy

    from docx import Document

    entry = _PRISTINE.get(data)
    if entry is None:
        if len(_PRISTINE) >= 16:
            _PRISTINE.clear()
            _SHARED_STYLES.clear()
        pristine = Document(io.BytesIO(data))
        entry = _PRISTINE[data] = (pristine, {s.name: s.style_id for s in pristine.styles})
        styles = styles_part(pristine)
        if styles is not None:
            _SHARED_STYLES[id(styles)] = (styles, styles.blob)
    pristine, ids = entry
    memo: dict[int, Any] = {}
    styles = styles_part(pristine) if share_styles else None
    if styles is not None:
        memo[id(styles)] = styles  # deepcopy returns what the memo holds: the part itself
    fresh = copy.deepcopy(pristine, memo)
    # Style names are never changed (large print changes sizes), so the copy's are the same.
    _STYLE_IDS.clear()  # only the newest copy is being written
    _STYLE_IDS[id(fresh.styles.element)] = (fresh.styles.element, ids)
    return fresh


def _bind(tpl: Any, value: Any) -> Any:
    if isinstance(value, Picture):
        return _BoundPicture(tpl, value)
    if isinstance(value, Fragment):
        return write_blocks(tpl.docx, parse_fragment(value.html, template=value.template))
    return value


class _BoundPicture:
    """docxtpl's InlineImage, plus the picture's description (alt text)."""

    def __init__(self, tpl: Any, picture: Picture) -> None:
        self.tpl = tpl
        self.picture = picture

    def __html__(self) -> str:
        from docx.shared import Mm

        picture = self.picture
        inline = picture_inline(
            self.tpl,
            str(picture.path),
            Mm(picture.width_mm) if picture.width_mm else None,
            Mm(picture.height_mm) if picture.height_mm else None,
        )
        inline.docPr.set("descr", picture.alt)
        return (
            "</w:t></w:r><w:r><w:drawing>%s</w:drawing></w:r><w:r>"  # noqa: UP031
            '<w:t xml:space="preserve">' % inline.xml
        )

    __str__ = __html__


# -- blocks to Word ------------------------------------------------------------------------------


def write_blocks(doc: Any, blocks: list[Block]) -> WordBody:
    """``blocks`` as Word paragraphs and tables in ``doc``'s styles, for ``{{p name }}``."""
    body = WordBody(doc)
    writer = _Writer(doc)
    for block in blocks:
        writer.block(body, block)
    if blocks and isinstance(blocks[-1], Table):
        body.add_paragraph()  # Word wants a paragraph after a table
    return body


class WordBody:
    """Word content built apart from a document and inserted by docxtpl (``{{p body }}``).

    What docxtpl's own subdoc does for a new document, without loading a second document:
    tables and pictures are made in a detached ``<w:body>`` whose story part is the target
    document's, so styles, numbering, hyperlinks and images resolve there; paragraphs are
    written as WordprocessingML text straight away (see :meth:`_Writer.paragraph_xml`).
    """

    def __init__(self, doc: Any) -> None:
        from docx.blkcntnr import BlockItemContainer

        self.part = doc.part
        self._element = parse_xml(f"<w:body {nsdecls('w')}/>")
        self._body = BlockItemContainer(self._element, self)
        self._pieces: list[Any] = []  # XML text, or elements of the detached body
        section = doc.sections[0]
        self.width = section.page_width - section.left_margin - section.right_margin

    def add_paragraph(self) -> Any:
        """A new paragraph at the end (python-docx's ``Paragraph``)."""
        paragraph = self._body.add_paragraph()
        self._pieces.append(element(paragraph))
        return paragraph

    def add_table(self, rows: int, cols: int) -> Any:
        """A new table the width of the text at the end (python-docx's ``Table``)."""
        table = self._body.add_table(rows, cols, self.width)
        self._pieces.append(element(table))
        return table

    def add_xml(self, xml: str) -> None:
        """WordprocessingML text (prefixes ``w:`` and ``r:``) at the end."""
        self._pieces.append(xml)

    def __html__(self) -> str:
        from lxml import etree

        return "".join(
            piece if isinstance(piece, str) else etree.tostring(piece, encoding="unicode")
            for piece in self._pieces
        )

    __str__ = __html__


def _style_ids(doc: Any) -> dict[str, str]:
    """Style names to ids. Looking a style up by name walks every style in python-docx.

    Remembered by the styles part's element for documents copied from one parsed template
    (:func:`_fresh_document` records the copy's element against the pristine one's ids).
    """
    element = doc.styles.element
    found = _STYLE_IDS.get(id(element))
    if found is not None and found[0] is element:
        return found[1]
    return {s.name: s.style_id for s in doc.styles}


#: id(styles element) -> (that element, its names to ids), for fresh copies of templates.
_STYLE_IDS: dict[int, tuple[Any, dict[str, str]]] = {}


class _Writer:
    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.ids = _style_ids(doc)
        self.styles = set(self.ids)
        self.numbering: dict[int, str] = {}
        section = doc.sections[0]
        self.text_width = section.page_width - section.left_margin - section.right_margin

    def style(self, *names: str) -> str:
        return next((n for n in names if n in self.styles), "Normal")

    def apply(self, paragraph: Any, *names: str) -> str:
        """Give ``paragraph`` the first of the named styles the layout has; the name used."""
        name = self.style(*names)
        if name != "Normal" and name in self.ids:
            element(paragraph).get_or_add_pPr().style = self.ids[name]
        return name

    def block(self, target: WordBody, block: Block) -> None:
        if isinstance(block, Paragraph):
            target.add_xml(self.paragraph_xml(block))
        elif isinstance(block, Image):
            paragraph = target.add_paragraph()
            self.apply(paragraph, *self.class_styles(block.classes))
            self.image(paragraph, block)
        else:
            self.table(target, block)

    @staticmethod
    def class_styles(classes: tuple[str, ...]) -> list[str]:
        return [CLASS_STYLES[c] for c in reversed(classes) if c in CLASS_STYLES]

    def paragraph_xml(self, block: Paragraph, *, in_cell: bool = False) -> str:
        """A ``<w:p>`` as text: what python-docx would build, without building it.

        (batch) The body goes into docxtpl as text anyway (``{{p body }}``), so making each
        paragraph as python-docx elements and then serialising them was work for nothing: a
        third of a warm DOCX letter. The XML is the same, element for element (the tests
        compare it with python-docx's); tables and pictures are still made with python-docx.
        """
        num_id = None
        if block.style in ("h1", "h2", "h3"):
            name = self.style(f"Heading {block.style[1]}")
        elif block.list_type is not None:
            suffix = "" if block.level == 0 else f" {min(block.level + 1, 3)}"
            if block.continuation:
                name = self.style(f"List Continue{suffix}", "List Continue")
            elif block.list_type == "bullet":
                name = self.style(f"List Bullet{suffix}", "List Bullet")
            else:
                name = self.style(f"List Number{suffix}", "List Number")
                num_id = self.restart(name, block.list_id or 0)
        else:
            names = self.class_styles(block.classes)
            if in_cell:
                names.append("Table Text")
            name = self.style(*names)
        # w:pPr children in the schema's order: pStyle, keepNext, numPr.
        properties = []
        if name != "Normal" and name in self.ids:
            properties.append(f'<w:pStyle w:val="{_xml_attr(self.ids[name])}"/>')
        if "signature" in block.classes:
            properties.append("<w:keepNext/>")
        if num_id is not None:
            properties.append(
                f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{int(num_id)}"/></w:numPr>'
            )
        runs = []
        for run in block.runs:
            if run.line_break:
                runs.append("<w:r><w:br/></w:r>")
            elif run.href:
                runs.append(self.hyperlink_xml(run.text, run.href, run.bold, run.italic))
            else:
                runs.append(_run_xml(run.text, run.bold, run.italic))
        head = f"<w:pPr>{''.join(properties)}</w:pPr>" if properties else ""
        if not head and not runs:
            return "<w:p/>"
        return f"<w:p>{head}{''.join(runs)}</w:p>"

    def restart(self, style_name: str, list_id: int) -> str | None:
        """A numbering instance of the style's list that starts at 1: one per ``<ol>``."""
        if list_id in self.numbering:
            return self.numbering[list_id]
        try:
            style_num = self.doc.styles[style_name].element.pPr.numPr.numId.val
            numbering = self.doc.part.numbering_part.element
            abstract = numbering.num_having_numId(style_num).abstractNumId.val
        except (AttributeError, KeyError, NotImplementedError):
            return None
        num = numbering.add_num(abstract)
        num.add_lvlOverride(ilvl=0).add_startOverride(1)
        self.numbering[list_id] = str(num.numId)
        return self.numbering[list_id]

    def hyperlink_xml(self, text: str, href: str, bold: bool, italic: bool) -> str:
        """A ``<w:hyperlink>`` to ``href`` (an external relationship of the document)."""
        rid = self.doc.part.relate_to(href, _HYPERLINK, is_external=True)
        if "Hyperlink" in self.styles:
            props = f'<w:rStyle w:val="{_xml_attr(self.ids["Hyperlink"])}"/>'
        else:
            props = '<w:u w:val="single"/>'
        props += ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
        return (
            f'<w:hyperlink r:id="{_xml_attr(rid)}"><w:r><w:rPr>{props}</w:rPr>'
            f'<w:t xml:space="preserve">{_xml_text(text)}</w:t></w:r></w:hyperlink>'
        )

    def image(self, paragraph: Any, image: Image) -> None:
        from docx.shared import Mm

        run = paragraph.add_run()
        run.add_picture(str(image.path), height=Mm(_SIGNATURE_HEIGHT_MM))
        for doc_pr in element(run).xpath(".//wp:docPr"):
            doc_pr.set("descr", image.alt)

    def table(self, target: WordBody, block: Table) -> None:
        columns = block.columns
        table = target.add_table(rows=len(block.rows), cols=columns)
        if "Table Grid" in self.styles:
            element(table).tblPr.style = self.ids["Table Grid"]
        table.autofit = False
        width = int(self.text_width / columns)
        for column in table.columns:
            column.width = width
        for r, row in enumerate(block.rows):
            word_row = table.rows[r]
            cells = word_row.cells
            for cell_ in cells:
                cell_.width = width
            tr_pr = element(word_row).get_or_add_trPr()
            tr_pr.append(new_element("w:cantSplit"))
            if r < block.header_rows:
                tr_pr.append(new_element("w:tblHeader"))
            c = 0
            for cell in row:
                word_cell = cells[c]
                if cell.colspan > 1:
                    word_cell = word_cell.merge(cells[c + cell.colspan - 1])
                self.cell(word_cell, cell)
                c += cell.colspan

    def cell(self, word_cell: Any, cell: Cell) -> None:
        first = True
        for block in cell.blocks:
            if isinstance(block, Paragraph):
                written = _parse_paragraph(self.paragraph_xml(block, in_cell=True))
                if first:  # in place of the empty paragraph a new cell has
                    empty = element(word_cell.paragraphs[0])
                    empty.addprevious(written)
                    empty.getparent().remove(empty)
                else:
                    element(word_cell).append(written)
            elif isinstance(block, Image):
                paragraph = word_cell.paragraphs[0] if first else word_cell.add_paragraph()
                self.image(paragraph, block)
            first = False
        if first:
            self.apply(word_cell.paragraphs[0], "Table Text")
        if cell.header:
            for paragraph in word_cell.paragraphs:
                for run in paragraph.runs:
                    run.bold = True
            shading = new_element("w:shd")
            shading.set(qn("w:val"), "clear")
            shading.set(qn("w:color"), "auto")
            shading.set(qn("w:fill"), "E8EEEE")
            element(word_cell).get_or_add_tcPr().append(shading)


# -- layout adjustments ----------------------------------------------------------------------------


def _run_xml(text: str, bold: bool, italic: bool) -> str:
    """A ``<w:r>`` as python-docx's ``add_run(text)`` writes it, then ``.bold``, ``.italic``.

    A tab becomes ``<w:tab/>`` and a line end ``<w:br/>``, between ``<w:t>`` pieces; a piece
    with whitespace at either end keeps it (``xml:space="preserve"``).
    """
    props = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    out = [f"<w:rPr>{props}</w:rPr>"] if props else []
    for piece in _RUN_CONTENT.split(text):
        if piece == "\t":
            out.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            out.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            out.append(f"<w:t{space}>{_xml_text(piece)}</w:t>")
    return f"<w:r>{''.join(out)}</w:r>" if out else "<w:r/>"


_RUN_CONTENT = re.compile(r"([\t\r\n])")
#: Characters XML 1.0 cannot hold; lxml refuses them too.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text escaped for element content, as lxml writes it."""
    if _NOT_XML.search(text):
        msg = (
            "All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control "
            "characters"
        )
        raise ValueError(msg)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(text: str) -> str:
    """Text escaped for a double-quoted attribute value, as lxml writes it."""
    return _xml_text(text).replace('"', "&quot;")


def _parse_paragraph(xml: str) -> Any:
    """One ``<w:p>`` from :meth:`_Writer.paragraph_xml`, as a python-docx element."""
    return parse_xml(f"<w:body {nsdecls('w', 'r')}>{xml}</w:body>")[0]


def _large_print(doc: Any) -> None:
    """16 pt and more (:data:`LARGE_PRINT`), in the layout's own styles.

    Styles rather than runs: a reader who opens the file in Word sees "Normal" at 16 pt and can
    make it larger still in one place. The reference block's labels ("Please ask for" is
    about 45 mm at 16 pt bold) get a tab stop past them.
    """
    from docx.shared import Mm, Pt

    names = {s.name for s in doc.styles}
    for name, size in LARGE_PRINT.items():
        if name in names:
            doc.styles[name].font.size = Pt(size)
    if "Reference Block" in names:
        stops = doc.styles["Reference Block"].paragraph_format.tab_stops
        stops.clear_all()
        stops.add_tab_stop(Mm(50))


def _easy_read(doc: Any) -> None:
    """Easy read: 14 pt (:data:`EASY_READ`), 1.5 line spacing and more space after paragraphs.

    The short-sentence wording comes from the letter templates; this is the type that goes
    with it, as in letter.css.
    """
    from docx.shared import Pt

    names = {s.name for s in doc.styles}
    for name, size in EASY_READ.items():
        if name not in names:
            continue
        style = doc.styles[name]
        style.font.size = Pt(size)
        if name in ("Normal", "Callout", "Signature"):
            style.paragraph_format.line_spacing = 1.5
            style.paragraph_format.space_after = Pt(9)


def _fit_window_address(doc: Any, *, large_print: bool) -> None:
    """Shrink the window address's type so that every line shows through the window.

    The window is 35 mm tall; the handling line takes about 4.5 mm of it. Line height in Word's
    single spacing is about 1.15 em; 1.2 leaves a margin. Its width is 90 mm (the header cell
    is wider, but the envelope hides the rest): the longest line must fit without wrapping,
    at :data:`_EM_PER_CHARACTER`. Large print asks for 16 pt; a long address gets less,
    because the window cannot grow.
    """
    for rel in doc.part.rels.values():
        if rel.reltype != _HEADER:
            continue
        root = rel.target_part.element
        address_style = _style_id(doc, "Window Address")
        handling_style = _style_id(doc, "Handling")
        for paragraph in root.iter(qn("w:p")):
            style = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            if style is None or style.get(qn("w:val")) != address_style:
                continue
            lines = 1 + len(paragraph.findall(f".//{qn('w:br')}"))
            longest = max(len(line) for line in _paragraph_lines(paragraph))
            cell = paragraph.getparent()
            handling = any(
                (s := p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")) is not None
                and s.get(qn("w:val")) == handling_style
                for p in cell.iter(qn("w:p"))
            )
            available_pt = (_WINDOW_HEIGHT_MM - (4.5 if handling else 0)) * _PT_PER_MM
            width_pt = _WINDOW_WIDTH_MM * _PT_PER_MM
            size = min(
                16.0 if large_print else 11.0,
                available_pt / (lines * 1.2),
                width_pt / (max(longest, 1) * _EM_PER_CHARACTER),
            )
            half_points = str(int(size * 2))
            for run in paragraph.iter(qn("w:r")):
                props = run.find(qn("w:rPr"))
                if props is None:
                    props = run.makeelement(qn("w:rPr"), {})
                    run.insert(0, props)
                for tag in ("w:sz", "w:szCs"):
                    node = props.find(qn(tag))
                    if node is None:
                        node = props.makeelement(qn(tag), {})
                        props.append(node)
                    node.set(qn("w:val"), half_points)


_PT_PER_MM = 72 / 25.4


def _paragraph_lines(paragraph: Any) -> list[str]:
    """A Word paragraph's text, split at its line breaks (``w:br``)."""
    lines = [""]
    for node in paragraph.iter(qn("w:t"), qn("w:br"), qn("w:tab")):
        if node.tag == qn("w:br"):
            lines.append("")
        elif node.tag == qn("w:tab"):
            lines[-1] += " "
        else:
            lines[-1] += node.text or ""
    return lines


def _style_id(doc: Any, name: str) -> str | None:
    try:
        return str(doc.styles[name].style_id)
    except KeyError:
        return None


# -- properties and bytes --------------------------------------------------------------------------


def _core_properties(doc: Any, metadata: DocxMetadata, issued_on: dt.date | None) -> None:
    props = doc.core_properties
    props.title = metadata.title
    props.subject = metadata.subject
    props.keywords = ", ".join(metadata.keywords)
    props.author = metadata.author
    props.last_modified_by = "cpcdocs"
    props.comments = ""
    props.category = ""
    props.content_status = ""
    props.identifier = ""
    props.version = ""
    props.language = metadata.language
    props.revision = 1
    when = _document_time(issued_on)
    props.created = when
    props.modified = when
    core = element(props)
    printed = core.find(f"{{{_CORE}}}lastPrinted")
    if printed is not None:
        core.remove(printed)


def _document_time(issued_on: dt.date | None) -> dt.datetime:
    epoch = source_date()
    if epoch is not None:
        return epoch.replace(tzinfo=None)
    day = issued_on or dt.date(1980, 1, 1)
    return dt.datetime(day.year, day.month, day.day)


def _zip_time() -> tuple[int, int, int, int, int, int]:
    epoch = source_date()
    if epoch is None or epoch.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    t = time.gmtime(epoch.timestamp())
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


_CUSTOM_PROPS = "docProps/custom.xml"
_APP_SCRUB = re.compile(rb"<(Company|Manager|HyperlinkBase)>[^<]*</\1>")
_APP_TEMPLATE = re.compile(rb"<Template>[^<]*</Template>")


def normalise_docx(data: bytes) -> bytes:
    """The same package with fixed entry order and dates, and no custom or identifying props.

    ``[Content_Types].xml`` first (as Word writes it), then every other part by name; every
    entry dated 1980-01-01 (or ``SOURCE_DATE_EPOCH``); ``docProps/custom.xml`` dropped; the
    company, manager and template path blanked in ``docProps/app.xml``.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    return _normalised_zip(parts)


def _parts(package: Any) -> dict[str, bytes]:
    """Every zip member of a python-docx package, by name: what ``Document.save`` would write.

    The same members as python-docx's ``PackageWriter`` (content types, package relationships,
    each part and its relationships), gathered instead of zipped, so that the package is
    compressed once, by :func:`_normalised_zip`, and not zipped, unzipped and zipped again.
    """

    def blob(part: Any) -> bytes:
        shared = _SHARED_STYLES.get(id(part))
        return shared[1] if shared and shared[0] is part else bytes(part.blob)

    return package_members(package, blob)


def _normalised_zip(parts: dict[str, bytes]) -> bytes:
    """Scrub the identifying properties, then zip in a fixed order with fixed dates."""
    parts = dict(parts)
    if _CUSTOM_PROPS in parts:
        del parts[_CUSTOM_PROPS]
        parts["[Content_Types].xml"] = re.sub(
            rb'<Override[^>]*PartName="/docProps/custom\.xml"[^>]*/>',
            b"",
            parts["[Content_Types].xml"],
        )
        parts["_rels/.rels"] = re.sub(
            rb'<Relationship[^>]*Target="/?docProps/custom\.xml"[^>]*/>', b"", parts["_rels/.rels"]
        )
    if "docProps/app.xml" in parts:
        app = _APP_SCRUB.sub(lambda m: b"<" + m.group(1) + b"/>", parts["docProps/app.xml"])
        parts["docProps/app.xml"] = _APP_TEMPLATE.sub(b"<Template>Normal.dotm</Template>", app)
    names = sorted(parts, key=lambda n: (n != "[Content_Types].xml", n))
    return _zip([(name, parts[name]) for name in names], _zip_time())


# -- the zip container ---------------------------------------------------------------------------
#
# (batch) Written here rather than with ``zipfile`` for one reason: most members of every
# package are byte-identical from one document to the next (styles, theme, fonts, numbering,
# settings, the logo), and ``zipfile`` can only compress them again each time, which was a
# third of a warm DOCX. Here each distinct member is deflated once per process and its
# compressed bytes reused. The format written is the plainest ZIP there is (APPNOTE 6.3: no
# ZIP64, no data descriptors, no extra fields, deflate level 6, DOS dates), which Word,
# LibreOffice, python-docx and ``zipfile`` read; the tests read every file back.

#: Deflated members. The members every file shares (a template's styles, theme, fonts,
#: numbering, settings, logo) stay; a letter's own text (``word/document.xml``, the header with
#: its address) is new every time and never kept; members shared only within one case (two
#: letters to the same reader) age out, so a batch worker does not grow from case to case.
#: Over 120 generated cases the members met in three cases or more were 31, 0.9 MB in all;
#: replaying those cases' members, a 2 MB limit spares as much deflating as 4 MB did (94% of
#: member bytes), and 512 KB only 11%. At 4 MB a batch worker was still filling it 75 cases
#: in, which the benchmark counted as growth.
_DEFLATED: RecurringCache[bytes, tuple[int, bytes]] = RecurringCache(2 * 1024 * 1024)


def _compress(data: bytes) -> tuple[int, bytes]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return zlib.crc32(data), compressor.compress(data) + compressor.flush()


def _deflate(data: bytes) -> tuple[int, bytes]:
    """(CRC-32, raw deflate) of a member, remembered for members that recur."""
    return _DEFLATED.get(data, _compress, len(data))


def _zip(members: list[tuple[str, bytes]], stamp: tuple[int, int, int, int, int, int]) -> bytes:
    """A ZIP archive of ``members`` in this order, every entry deflated and dated ``stamp``."""
    year, month, day, hour, minute, second = stamp
    dos_time = hour << 11 | minute << 5 | second // 2
    dos_date = (year - 1980) << 9 | month << 5 | day
    out = io.BytesIO()
    central = []
    for name, data in members:
        raw_name = name.encode("utf-8")
        flags = 0x800 if not raw_name.isascii() else 0  # bit 11: the name is UTF-8
        crc, packed = _deflate(data)
        offset = out.tell()
        # The fields the local header and the central directory entry share, in the same order:
        # flags, method (8: deflate), time, date, CRC-32, sizes, name length.
        shared = struct.pack(
            "<4H3LH", flags, 8, dos_time, dos_date, crc, len(packed), len(data), len(raw_name)
        )
        # Local header: version needed (2.0, deflate), the shared fields, no extra field.
        out.write(b"PK\x03\x04" + struct.pack("<H", 20) + shared + struct.pack("<H", 0))
        out.write(raw_name)
        out.write(packed)
        # Central entry: made by MS-DOS 2.0 and needs 2.0 (as zipfile writes create_system 0),
        # the shared fields, no extra field or comment, disk 0, no internal attributes,
        # rw------- as external attributes (what zipfile.writestr sets), the header's offset.
        central.append(
            b"PK\x01\x02"
            + struct.pack("<2H", 20, 20)
            + shared
            + struct.pack("<4H2L", 0, 0, 0, 0, 0o600 << 16, offset)
            + raw_name
        )
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(
        struct.pack(
            "<4s4H2LH",
            b"PK\x05\x06",
            0,
            0,
            len(members),
            len(members),
            len(directory),
            start,
            0,
        )
    )
    return out.getvalue()
