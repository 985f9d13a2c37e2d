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
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
        tpl.init_docx()
        doc = tpl.docx
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
        tpl.init_docx()
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
        _core_properties(tpl.docx, metadata, issued_on)
        buffer = io.BytesIO()
        tpl.save(buffer)
        return normalise_docx(buffer.getvalue())


@functools.cache
def _template_class() -> Any:
    """``DocxTemplate`` that patches each distinct part XML once per process.

    (batch) Before compiling a part, docxtpl runs some twenty regular expressions over its
    whole XML (``patch_xml``) on every render; for a given template the input and the output
    are always the same, so a warm worker pays for it once: about a quarter of a warm DOCX.
    The compiled Jinja template is cached likewise, by the environment (``env.py``).
    """
    from docxtpl import DocxTemplate

    patched: dict[str, str] = {}

    class CachedTemplate(DocxTemplate):  # type: ignore[misc]
        def patch_xml(self, src_xml: str) -> str:
            out = patched.get(src_xml)
            if out is None:
                if len(patched) > 256:
                    patched.clear()
                out = patched[src_xml] = super().patch_xml(src_xml)
            return out

    return CachedTemplate


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
        inline = self.tpl.current_rendering_part.new_pic_inline(
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
    paragraphs and tables are made in a detached ``<w:body>`` whose story part is the target
    document's, so styles, numbering, hyperlinks and images resolve there.
    """

    def __init__(self, doc: Any) -> None:
        from docx.document import _Body
        from docx.oxml import parse_xml
        from docx.oxml.ns import nsdecls

        self.part = doc.part
        self._element = parse_xml(f"<w:body {nsdecls('w')}/>")
        self._body = _Body(self._element, self)
        section = doc.sections[0]
        self.width = section.page_width - section.left_margin - section.right_margin

    def add_paragraph(self) -> Any:
        """A new paragraph at the end (python-docx's ``Paragraph``)."""
        return self._body.add_paragraph()

    def add_table(self, rows: int, cols: int) -> Any:
        """A new table the width of the text at the end (python-docx's ``Table``)."""
        return self._body.add_table(rows, cols, self.width)

    def __html__(self) -> str:
        from lxml import etree

        return "".join(etree.tostring(child, encoding="unicode") for child in self._element)

    __str__ = __html__


class _Writer:
    def __init__(self, doc: Any) -> None:
        self.doc = doc
        # Looking a style up by name walks every style in python-docx: map names to ids once.
        self.ids = {s.name: s.style_id for s in doc.styles}
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
            paragraph._p.get_or_add_pPr().style = self.ids[name]
        return name

    def block(self, target: WordBody, block: Block, *, in_cell: bool = False) -> None:
        if isinstance(block, Paragraph):
            paragraph = target.add_paragraph()
            self.paragraph(paragraph, block, in_cell=in_cell)
        elif isinstance(block, Image):
            paragraph = target.add_paragraph()
            self.apply(paragraph, *self.class_styles(block.classes))
            self.image(paragraph, block)
        else:
            self.table(target, block)

    @staticmethod
    def class_styles(classes: tuple[str, ...]) -> list[str]:
        return [CLASS_STYLES[c] for c in reversed(classes) if c in CLASS_STYLES]

    def paragraph(self, paragraph: Any, block: Paragraph, *, in_cell: bool = False) -> None:
        if block.style in ("h1", "h2", "h3"):
            self.apply(paragraph, f"Heading {block.style[1]}")
        elif block.list_type is not None:
            suffix = "" if block.level == 0 else f" {min(block.level + 1, 3)}"
            if block.continuation:
                self.apply(paragraph, f"List Continue{suffix}", "List Continue")
            elif block.list_type == "bullet":
                self.apply(paragraph, f"List Bullet{suffix}", "List Bullet")
            else:
                name = self.apply(paragraph, f"List Number{suffix}", "List Number")
                num_id = self.restart(name, block.list_id or 0)
                if num_id is not None:
                    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
                    num_pr.get_or_add_ilvl().val = 0
                    num_pr.get_or_add_numId().val = int(num_id)
        else:
            names = self.class_styles(block.classes)
            if in_cell:
                names.append("Table Text")
            self.apply(paragraph, *names)
        if "signature" in block.classes:
            paragraph.paragraph_format.keep_with_next = True
        for run in block.runs:
            if run.line_break:
                paragraph.add_run().add_break()
            elif run.href:
                self.hyperlink(paragraph, run.text, run.href, run.bold, run.italic)
            else:
                word_run = paragraph.add_run(run.text)
                if run.bold:
                    word_run.bold = True
                if run.italic:
                    word_run.italic = True

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

    def hyperlink(self, paragraph: Any, text: str, href: str, bold: bool, italic: bool) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        rid = self.doc.part.relate_to(href, _HYPERLINK, is_external=True)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), rid)
        run = OxmlElement("w:r")
        props = OxmlElement("w:rPr")
        if "Hyperlink" in self.styles:
            style = OxmlElement("w:rStyle")
            style.set(qn("w:val"), self.ids["Hyperlink"])
            props.append(style)
        else:
            underline = OxmlElement("w:u")
            underline.set(qn("w:val"), "single")
            props.append(underline)
        if bold:
            props.append(OxmlElement("w:b"))
        if italic:
            props.append(OxmlElement("w:i"))
        run.append(props)
        node = OxmlElement("w:t")
        node.set(qn("xml:space"), "preserve")
        node.text = text
        run.append(node)
        link.append(run)
        paragraph._p.append(link)

    def image(self, paragraph: Any, image: Image) -> None:
        from docx.shared import Mm

        run = paragraph.add_run()
        run.add_picture(str(image.path), height=Mm(_SIGNATURE_HEIGHT_MM))
        for doc_pr in run._r.xpath(".//wp:docPr"):
            doc_pr.set("descr", image.alt)

    def table(self, target: WordBody, block: Table) -> None:
        from docx.oxml import OxmlElement

        columns = block.columns
        table = target.add_table(rows=len(block.rows), cols=columns)
        if "Table Grid" in self.styles:
            table._tbl.tblPr.style = self.ids["Table Grid"]
        table.autofit = False
        width = int(self.text_width / columns)
        for column in table.columns:
            column.width = width
        for r, row in enumerate(block.rows):
            word_row = table.rows[r]
            cells = word_row.cells
            for cell_ in cells:
                cell_.width = width
            tr_pr = word_row._tr.get_or_add_trPr()
            tr_pr.append(OxmlElement("w:cantSplit"))
            if r < block.header_rows:
                tr_pr.append(OxmlElement("w:tblHeader"))
            c = 0
            for cell in row:
                word_cell = cells[c]
                if cell.colspan > 1:
                    word_cell = word_cell.merge(cells[c + cell.colspan - 1])
                self.cell(word_cell, cell)
                c += cell.colspan

    def cell(self, word_cell: Any, cell: Cell) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        first = True
        for block in cell.blocks:
            if isinstance(block, Paragraph) and first:
                self.paragraph(word_cell.paragraphs[0], block, in_cell=True)
            elif isinstance(block, Paragraph):
                self.paragraph(word_cell.add_paragraph(), block, in_cell=True)
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
            shading = OxmlElement("w:shd")
            shading.set(qn("w:val"), "clear")
            shading.set(qn("w:color"), "auto")
            shading.set(qn("w:fill"), "E8EEEE")
            word_cell._tc.get_or_add_tcPr().append(shading)


# -- layout adjustments ----------------------------------------------------------------------------


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
    from docx.oxml.ns import qn

    for rel in doc.part.rels.values():
        if rel.reltype != _HEADER:
            continue
        root = rel.target_part._element
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
    from docx.oxml.ns import qn

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
    element = props._element
    printed = element.find(f"{{{_CORE}}}lastPrinted")
    if printed is not None:
        element.remove(printed)


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
    stamp = _zip_time()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, parts[name], compresslevel=6)
    return out.getvalue()
