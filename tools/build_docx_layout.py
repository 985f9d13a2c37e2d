"""Build templates/layout/letter.docx, the Word layout every DOCX letter is written into.

Run after changing this script; the output is committed (and byte-identical on every run):

    .venv/bin/python tools/build_docx_layout.py

The layout mirrors letter.css: A4, Arial 11 pt (metrically the same as the PDF's Liberation
Sans), real Word styles (Heading 1-3, List Bullet, List Number, Table Grid, Callout, ...), and
page furniture:

- first-page header: the protective marking, the letterhead (``{{ logo }}``, authority name,
  service, partnership) and, for letters, the recipient's address placed for a DL/C5 window
  envelope (20 mm from the left, 45 mm from the top: rows of exact height in a borderless
  table) with the reference block beside it; in large print (``view.large_print``) the
  reference block is 16 pt and goes under the window, across the page, where it fits;
- continuation header: the marking and "Our ref";
- footer on every page: contact line, marking, "Page X of Y" from PAGE and NUMPAGES fields;
- body: ``{{p body }}``, replaced by the letter's wording.

The tags are docxtpl's (Jinja): the context is ``view`` (the recipient's view) and ``logo``.
A council may replace this file with its own through ``--templates DIR/layout/letter.docx``,
keeping the tags.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpcdocs.render.docx import normalise_docx  # noqa: E402

OUT = ROOT / "templates" / "layout" / "letter.docx"
FONT = "Arial"
TEAL = RGBColor(0x00, 0x5C, 0x63)
DARK = RGBColor(0x00, 0x3C, 0x41)
GREY = RGBColor(0x44, 0x44, 0x44)
TEXT_WIDTH = Mm(170)
COLUMNS = (Mm(60), Mm(42), Mm(68))  # letterhead / window / reference block columns

STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
APP_XML = (
    b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'docPropsVTypes"><Template>Normal.dotm</Template><Application>cpcdocs</Application>'
    b"<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><LinksUpToDate>false"
    b"</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
    b"</Properties>"
)


# -- styles ------------------------------------------------------------------------------------


def plain_fonts(element) -> None:
    """Arial everywhere: explicit font names and no theme fonts (which would win in Word)."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def set_styles(doc) -> None:
    styles = doc.styles
    # Document defaults: Arial 11 pt, British English.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr_default.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    for tag in ("w:sz", "w:szCs"):
        node = rpr_default.find(qn(tag))
        if node is None:
            node = OxmlElement(tag)
            rpr_default.append(node)
        node.set(qn("w:val"), "22")
    lang = rpr_default.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr_default.append(lang)
    lang.set(qn("w:val"), "en-GB")
    lang.set(qn("w:eastAsia"), "en-GB")
    lang.set(qn("w:bidi"), "ar-SA")

    normal = styles["Normal"]
    plain_fonts(normal.element)
    normal.font.size = Pt(11)
    normal.font.color.rgb = RGBColor(0x11, 0x11, 0x11)
    fmt = normal.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(8)
    fmt.line_spacing_rule = WD_LINE_SPACING.MULTIPLE
    fmt.line_spacing = 1.15
    fmt.widow_control = True

    for level, size, before, after, color in (
        (1, 13.5, 3, 8, DARK),
        (2, 12, 14, 6, DARK),
        (3, 11, 11, 4, RGBColor(0x11, 0x11, 0x11)),
    ):
        style = styles[f"Heading {level}"]
        plain_fonts(style.element)
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.italic = False
        style.font.color.rgb = color
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(after)
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.line_spacing = 1.1

    for name in (
        "List Bullet",
        "List Bullet 2",
        "List Bullet 3",
        "List Number",
        "List Number 2",
        "List Number 3",
        "List Continue",
        "List Continue 2",
        "List Continue 3",
    ):
        style = styles[name]
        style.paragraph_format.space_after = Pt(3)
        # Word's "contextual spacing" would drop the space between items: keep it.
        ppr = style.element.get_or_add_pPr()
        ctx = ppr.find(qn("w:contextualSpacing"))
        if ctx is not None:
            ppr.remove(ctx)

    grid = styles["Table Grid"]
    plain_fonts(grid.element)
    grid.font.size = Pt(10)
    grid_ppr = grid.element.get_or_add_pPr()
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:before"), "40")
    spacing.set(qn("w:after"), "40")
    grid_ppr.append(spacing)
    borders = grid.element.find(qn("w:tblPr")).find(qn("w:tblBorders"))
    for edge in borders:
        edge.set(qn("w:color"), "555555")
    cell_margins = OxmlElement("w:tblCellMar")
    for side, width in (("top", "57"), ("left", "113"), ("bottom", "57"), ("right", "113")):
        node = OxmlElement(f"w:{side}")
        node.set(qn("w:w"), width)
        node.set(qn("w:type"), "dxa")
        cell_margins.append(node)
    old = grid.element.find(qn("w:tblPr")).find(qn("w:tblCellMar"))
    if old is not None:
        old.getparent().remove(old)
    grid.element.find(qn("w:tblPr")).append(cell_margins)

    def paragraph_style(name: str, size: float, **kw):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(size)
        style.quick_style = True
        fmt = style.paragraph_format
        for key, value in kw.items():
            if key in ("bold", "italic"):
                setattr(style.font, key, value)
            elif key == "color":
                style.font.color.rgb = value
            elif key == "alignment":
                fmt.alignment = value
            else:
                setattr(fmt, key, value)
        return style

    callout = paragraph_style(
        "Callout", 11, space_after=Pt(6), left_indent=Mm(4), right_indent=Mm(4)
    )
    ppr = callout.element.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for key, value in (("val", "single"), ("sz", "24"), ("space", "8"), ("color", "005C63")):
        left.set(qn(f"w:{key}"), value)
    bdr.append(left)
    shd = OxmlElement("w:shd")
    for key, value in (("val", "clear"), ("color", "auto"), ("fill", "EEF4F4")):
        shd.set(qn(f"w:{key}"), value)
    ppr.append(bdr)
    ppr.append(shd)

    paragraph_style("Signature", 11, keep_with_next=True, space_after=Pt(0))
    paragraph_style("Enclosures", 10, space_after=Pt(3))
    paragraph_style("Small", 9.5)
    paragraph_style("Table Text", 10, space_before=Pt(2), space_after=Pt(2), line_spacing=1.1)

    # Page furniture.
    paragraph_style(
        "Marking",
        9,
        bold=True,
        alignment=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=Pt(0),
        line_spacing=1.0,
    )
    paragraph_style("Org Name", 14, bold=True, color=TEAL, space_after=Pt(0), line_spacing=1.0)
    paragraph_style("Org Service", 10.5, space_after=Pt(0), line_spacing=1.0)
    paragraph_style(
        "Org Partnership", 8, color=GREY, space_before=Pt(2), space_after=Pt(0), line_spacing=1.0
    )
    paragraph_style("Handling", 7.5, bold=True, space_after=Pt(3), line_spacing=1.0)
    paragraph_style("Window Address", 11, space_after=Pt(0), line_spacing=1.0)
    refs = paragraph_style("Reference Block", 9.5, space_after=Pt(1.5), line_spacing=1.0)
    refs.paragraph_format.tab_stops.add_tab_stop(Mm(27))
    paragraph_style("Footer Text", 7, color=GREY, space_after=Pt(0), line_spacing=1.0)
    paragraph_style(
        "Footer Page", 8, alignment=WD_ALIGN_PARAGRAPH.RIGHT, space_after=Pt(0), line_spacing=1.0
    )
    paragraph_style("Tight", 1, space_after=Pt(0), line_spacing=Pt(1))
    continuation = paragraph_style("Continuation Header", 8, space_after=Pt(0), line_spacing=1.0)
    continuation.paragraph_format.tab_stops.add_tab_stop(Mm(85), WD_TAB_ALIGNMENT.CENTER)
    continuation.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)

    link = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    link.font.underline = True
    link.font.color.rgb = DARK
    link.unhide_when_used = True


#: Styles the layout keeps (with what they are based on or linked to); the default template's
#: hundred-odd others only slow every render down. Word adds any built-in style a user picks.
KEEP_STYLES = {
    "Normal",
    "Default Paragraph Font",
    "Normal Table",
    "No List",
    "Title",
    "Subtitle",
    "Heading 1",
    "Heading 2",
    "Heading 3",
    "Strong",
    "Emphasis",
    "Quote",
    "Caption",
    "List Paragraph",
    "List Bullet",
    "List Bullet 2",
    "List Bullet 3",
    "List Number",
    "List Number 2",
    "List Number 3",
    "List Continue",
    "List Continue 2",
    "List Continue 3",
    "Table Grid",
    "Header",
    "Footer",
    "Hyperlink",
    "Callout",
    "Signature",
    "Enclosures",
    "Small",
    "Table Text",
    "Marking",
    "Org Name",
    "Org Service",
    "Org Partnership",
    "Handling",
    "Window Address",
    "Reference Block",
    "Footer Text",
    "Footer Page",
    "Tight",
    "Continuation Header",
}


def prune_styles(doc) -> None:
    root = doc.styles.element
    styles = root.findall(qn("w:style"))
    by_id = {s.get(qn("w:styleId")): s for s in styles}

    def name(style) -> str:
        node = style.find(qn("w:name"))
        return node.get(qn("w:val")).lower() if node is not None else ""

    wanted = {n.lower() for n in KEEP_STYLES}
    keep = {s.get(qn("w:styleId")) for s in styles if name(s) in wanted}
    missing = wanted - {name(s) for s in styles}
    assert not missing, missing
    queue = list(keep)
    while queue:
        style = by_id.get(queue.pop())
        if style is None:
            continue
        for tag in ("w:basedOn", "w:link", "w:next"):
            node = style.find(qn(tag))
            target = node.get(qn("w:val")) if node is not None else None
            if target and target not in keep:
                keep.add(target)
                queue.append(target)
    for style_id, style in by_id.items():
        if style_id not in keep and style.get(qn("w:default")) not in ("1", "true"):
            root.remove(style)


# -- tables ------------------------------------------------------------------------------------


def borderless(table, widths) -> None:
    """A layout table: fixed column widths, no borders, no cell padding."""
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side in ("top", "left", "bottom", "right"):
        node = OxmlElement(f"w:{side}")
        node.set(qn("w:w"), "0")
        node.set(qn("w:type"), "dxa")
        margins.append(node)
    tbl_pr.append(margins)
    layout = tbl_pr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tbl_pr.append(layout)
    layout.set(qn("w:type"), "fixed")
    width = tbl_pr.find(qn("w:tblW"))
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(int(sum(widths) / 635)))
    for row in table.rows:
        for cell, w in zip(row.cells, widths, strict=True):
            cell.width = w
    for col, w in zip(table.columns, widths, strict=True):
        col.width = w


def exact_row(row, height) -> None:
    row.height = height
    row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY


def cell_left_border(cell, color: str, eighths: int) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    left = OxmlElement("w:left")
    for key, value in (("val", "single"), ("sz", str(eighths)), ("space", "0"), ("color", color)):
        left.set(qn(f"w:{key}"), value)
    borders.append(left)
    tc_pr.append(borders)
    margins = OxmlElement("w:tcMar")
    node = OxmlElement("w:left")
    node.set(qn("w:w"), "198")  # 3.5 mm between the rule and the text
    node.set(qn("w:type"), "dxa")
    margins.append(node)
    tc_pr.append(margins)


def write(paragraph, text: str, style: str | None = None, bold: bool = False):
    if style:
        paragraph.style = style
    run = paragraph.add_run(text)
    if bold:
        run.bold = True
    return run


def field(paragraph, instruction: str, placeholder: str) -> None:
    """A Word field (PAGE, NUMPAGES): begin, instruction, separate, cached result, end."""

    def fld_char(kind: str):
        run = paragraph.add_run()
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        run._r.append(char)

    fld_char("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    fld_char("separate")
    paragraph.add_run(placeholder)
    fld_char("end")


# -- header and footer ---------------------------------------------------------------------------


def first_page_header(header) -> None:
    table = header.add_table(16, 3, TEXT_WIDTH)
    borderless(table, COLUMNS)
    rows = table.rows

    # 0: the marking, centred: 8 mm (header distance) to 13 mm from the page top.
    exact_row(rows[0], Mm(5))
    cell = rows[0].cells[0].merge(rows[0].cells[2])
    write(cell.paragraphs[0], "{{ view.authority.marking }}", "Marking")

    # 1: letterhead, 13 mm to 43 mm: logo, then name / service / partnership beside a rule.
    exact_row(rows[1], Mm(30))
    logo = rows[1].cells[1]
    logo.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    logo.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    logo.paragraphs[0].paragraph_format.right_indent = Mm(4)
    logo.paragraphs[0].paragraph_format.space_after = Pt(0)
    write(logo.paragraphs[0], "{{ logo }}")
    org = rows[1].cells[2]
    org.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    cell_left_border(org, "005C63", 14)
    write(org.paragraphs[0], "{{ view.authority.name }}", "Org Name")
    write(org.add_paragraph(), "{{ view.authority.service }}", "Org Service")
    write(org.add_paragraph(), "{%p if view.authority.partnership %}")
    write(org.add_paragraph(), "{{ view.authority.partnership }}", "Org Partnership")
    write(org.add_paragraph(), "{%p endif %}")

    # Letters: the window address and the reference block.
    write(rows[2].cells[0].paragraphs[0], "{%tr if view.is_letter %}")
    exact_row(rows[3], Mm(2))  # 43 mm to 45 mm
    rows[3].cells[0].merge(rows[3].cells[2])
    exact_row(rows[4], Mm(37))  # 45 mm to 82 mm: the window is 45 to 80 mm
    window = rows[4].cells[0].merge(rows[4].cells[1])
    first = window.paragraphs[0]
    write(first, '{%p if view.profile != "professional" %}')
    write(window.add_paragraph(), "Private and confidential: addressee only", "Handling")
    write(window.add_paragraph(), "{%p endif %}")
    address = window.add_paragraph(style="Window Address")
    address.add_run("{{ view.recipient.name }}")
    address.add_run().add_break()
    address.add_run(
        "{% if view.recipient.address_lines %}{{ view.recipient.address_lines | address_lines }}"
        "{% elif view.recipient.email %}By email: {{ view.recipient.email }}{% endif %}"
    )
    refs = rows[4].cells[2]
    reference_block(refs, letter=True, unless_large_print=True)
    large_print_reference_rows(rows[5:8])
    write(rows[8].cells[0].paragraphs[0], "{%tr else %}")

    # Forms: no window; the reference block under the letterhead (in large print, 16 pt and
    # across the page).
    exact_row(rows[9], Mm(2))
    rows[9].cells[0].merge(rows[9].cells[2])
    write(rows[10].cells[0].paragraphs[0], "{%tr if view.large_print %}")
    reference_block(rows[11].cells[0].merge(rows[11].cells[2]), letter=False)
    write(rows[12].cells[0].paragraphs[0], "{%tr else %}")
    rows[13].height = Mm(14)
    rows[13].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    reference_block(rows[13].cells[2], letter=False)
    write(rows[14].cells[0].paragraphs[0], "{%tr endif %}")
    write(rows[15].cells[0].paragraphs[0], "{%tr endif %}")

    # A header must end with a paragraph; a 1 pt one, so the body starts under the table.
    header.paragraphs[0].style = "Tight"
    tight = header.paragraphs[0]._p
    tight.getparent().remove(tight)
    header._element.append(tight)


def large_print_reference_rows(rows) -> None:
    """Large print: the reference block in a row of its own, the width of the page.

    At 16 pt "Please ask for" and an email address do not fit in the 68 mm beside the window,
    and the window row's height is exact (it places the address), so the block moves under
    it. ``rows``: three rows, for ``{%tr if view.large_print %}``, the block and
    ``{%tr endif %}``.
    """
    write(rows[0].cells[0].paragraphs[0], "{%tr if view.large_print %}")
    cell = rows[1].cells[0].merge(rows[1].cells[2])
    reference_block(cell, letter=True)
    cell.add_paragraph(style="Tight").paragraph_format.space_before = Pt(10)  # before "Dear"
    write(rows[2].cells[0].paragraphs[0], "{%tr endif %}")


def reference_block(cell, *, letter: bool, unless_large_print: bool = False) -> None:
    """The reference block: our ref, date and who to ask (letters) or who the copy is for.

    With ``unless_large_print`` the block is left out of large-print documents (it is written
    again, larger, by :func:`large_print_reference_rows`), and the cell keeps an empty
    paragraph so that Word still opens the file.
    """
    paragraph = cell.paragraphs[0]
    if unless_large_print:
        write(paragraph, "{%p if not view.large_print %}")
        paragraph = cell.add_paragraph()
    rows = [
        ("Our ref", "{{ view.reference }}", None),
        ("Date", "{{ view.issued_on | date_short }}", None),
    ]
    if letter:
        rows += [
            ("Please ask for", "{{ view.contact.name }}", None),
            ("Telephone", "{{ view.contact.phone }}", "view.contact.phone"),
            ("Email", "{{ view.contact.email }}", "view.contact.email"),
        ]
    else:
        rows += [("Copy for", "{{ view.recipient.name }}", None)]
    for index, (label, value, condition) in enumerate(rows):
        if index:
            paragraph = cell.add_paragraph()
        if condition:
            write(paragraph, f"{{%p if {condition} %}}")
            paragraph = cell.add_paragraph()
        paragraph.style = "Reference Block"
        paragraph.add_run(label).bold = True
        paragraph.add_run("\t" + value)
        if condition:
            write(cell.add_paragraph(), "{%p endif %}")
    if unless_large_print:
        write(cell.add_paragraph(), "{%p endif %}")
        cell.add_paragraph(style="Tight")


def continuation_header(header) -> None:
    paragraph = header.paragraphs[0]
    paragraph.style = "Continuation Header"
    paragraph.add_run("\t")
    marking = paragraph.add_run("{{ view.authority.marking }}")
    marking.bold = True
    marking.font.size = Pt(9)
    paragraph.add_run("\tOur ref: {{ view.reference }}")


def footer(footer_part) -> None:
    table = footer_part.add_table(1, 3, TEXT_WIDTH)
    borderless(table, (Mm(66), Mm(38), Mm(66)))
    contact, marking, page = table.rows[0].cells
    write(
        contact.paragraphs[0],
        '{{ view.authority.name }}, {{ view.authority.address | address_lines(", ") }}'
        " · {{ view.authority.phone }}{% if view.authority.website %} · "
        '{{ view.authority.website | replace("https://", "") | replace("http://", "") }}'
        "{% endif %}",
        "Footer Text",
    )
    write(marking.paragraphs[0], "{{ view.authority.marking }}", "Marking")
    paragraph = page.paragraphs[0]
    paragraph.style = "Footer Page"
    paragraph.add_run("Page ")
    field(paragraph, "PAGE", "1")
    paragraph.add_run(" of ")
    field(paragraph, "NUMPAGES", "1")
    # A footer must end with a paragraph: the empty one goes after the table.
    footer_part.paragraphs[0].style = "Tight"
    tight = footer_part.paragraphs[0]._p
    tight.getparent().remove(tight)
    footer_part._element.append(tight)


# -- the document ------------------------------------------------------------------------------


def strip_package(doc) -> None:
    """Drop the default template's leftovers: thumbnail, customXml, stylesWithEffects."""
    package_rels = doc.part.package.rels
    for rid, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package_rels[rid]
        elif rel.reltype == RT.EXTENDED_PROPERTIES:
            rel.target_part._blob = APP_XML
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype in (RT.CUSTOM_XML, STYLES_WITH_EFFECTS):
            del doc.part.rels[rid]


def build() -> bytes:
    doc = Document()
    strip_package(doc)
    set_styles(doc)
    prune_styles(doc)

    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin, section.bottom_margin = Mm(26), Mm(26)
    section.header_distance = section.footer_distance = Mm(8)
    section.gutter = Mm(0)
    section.different_first_page_header_footer = True

    first_page_header(section.first_page_header)
    continuation_header(section.header)
    footer(section.first_page_footer)
    footer(section.footer)

    body = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    body.add_run("{{p body }}")

    props = doc.core_properties
    for name in (
        "author",
        "title",
        "subject",
        "keywords",
        "comments",
        "category",
        "last_modified_by",
        "content_status",
        "identifier",
        "version",
    ):
        setattr(props, name, "")
    props.language = "en-GB"
    props.revision = 1
    props.created = props.modified = dt.datetime(2026, 1, 1)

    settings = doc.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:val"), "en-GB")
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalise_docx(buffer.getvalue())


def main() -> int:
    data = build()
    OUT.write_bytes(data)
    print(f"wrote {OUT.relative_to(ROOT)} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
