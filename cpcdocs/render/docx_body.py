"""The Word document builder: a letter's blocks as Word paragraphs, lists and tables.

A letter's wording (the blocks parsed from its HTML fragment) becomes a :class:`WordBody`: Word
paragraphs, lists and tables in the layout's own styles ("Heading 1", "List Bullet", "List
Number", "Table Grid", ...), placed where ``templates/layout/letter.docx`` says ``{{p body }}``.
The layout adjustments are here too: large print and easy read sizes, and the window address
fitted to the envelope window. The engine that renders templates is
:mod:`cpcdocs.render.docx`.
"""

from __future__ import annotations

import re
from typing import Any

from .._compat.docx import element, new_element, nsdecls, parse_xml, qn
from .blocks import Block, Cell, Image, Paragraph, Table

__all__ = [
    "CLASS_STYLES",
    "EASY_READ",
    "LARGE_PRINT",
    "STYLE_IDS",
    "WordBody",
    "easy_read",
    "fit_window_address",
    "large_print",
    "write_blocks",
]

_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
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
    found = STYLE_IDS.get(id(element))
    if found is not None and found[0] is element:
        return found[1]
    return {s.name: s.style_id for s in doc.styles}


#: id(styles element) -> (that element, its names to ids), for fresh copies of templates.
STYLE_IDS: dict[int, tuple[Any, dict[str, str]]] = {}


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


def large_print(doc: Any) -> None:
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


def easy_read(doc: Any) -> None:
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


def fit_window_address(doc: Any, *, large_print: bool) -> None:
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
