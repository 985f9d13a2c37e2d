"""Build the Word forms in templates/docx/: the agency report proforma and the social work report.

Run after changing this script; the outputs are committed (and byte-identical on every run):

    .venv/bin/python tools/build_docx_templates.py

Both are real Word documents with docxtpl tags (Jinja; the context is ``view``, the recipient's
view) and Word content controls where the author writes:

- ``report_proforma.docx``: the form an agency fills in for one child. The header is filled in
  from the case (child, date of birth, conference, report deadline, agency, author); every
  section below is a content control with "Click or tap here to enter text.", facts,
  allegations and opinions in three separate controls, a Yes/No drop-down for whether the
  report was shared with the family, date pickers for when and for the signature date.
- ``child_report.docx``: the lead social worker's shell for one child, filled in with what the
  case holds (details, the information items grouped as facts, allegations and opinions, the
  child's wishes and feelings, analysis, recommendation) with content controls for what the
  social worker writes.

Tables have real borders so the forms print well; styles are Word's own (Heading 1-2, Table
Grid) with Arial throughout, so a council can restyle them in Word. A council may replace
either file through ``--templates DIR/docx/<name>.docx``, keeping the tags it needs.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpcdocs.render.docx import normalise_docx  # noqa: E402

OUT = ROOT / "templates" / "docx"
FONT = "Arial"
TEAL = RGBColor(0x00, 0x5C, 0x63)
DARK = RGBColor(0x00, 0x3C, 0x41)
GREY = RGBColor(0x44, 0x44, 0x44)
LABEL_FILL = "E8EEEE"
BORDER = "555555"
TEXT_WIDTH = Mm(170)
LABEL_WIDTH = Mm(52)
PLACEHOLDER = "Click or tap here to enter text."
DATE_PLACEHOLDER = "Click or tap to enter a date."
CHOICE_PLACEHOLDER = "Choose an item."
FIXED_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

# Tags used in both forms. Each is one Word run, so docxtpl sees it whole.
DEADLINE = (
    '{% if "reports_to_chair" in view.deadlines %}'
    '{{ view.deadlines["reports_to_chair"].due | date_long }}'
    "{% else %}the date in your invitation letter{% endif %}"
)
SHARED_BY = (
    '{% if "reports_shared_with_family" in view.deadlines %}'
    'by {{ view.deadlines["reports_shared_with_family"].due | date_long }}'
    "{% else %}before the conference{% endif %}"
)
BORN_LABEL = "{% if view.child.unborn %}Expected date of birth{% else %}Date of birth{% endif %}"
BORN = (
    "{% if view.child.unborn %}{{ view.child.expected_birth_date | date_short }}"
    "{% else %}{{ view.child.date_of_birth | date_short }}"
    "{% if view.child.age is not none %} (age {{ view.child.age }} on the day of the "
    "conference){% endif %}{% endif %}"
)
NAME = "{{ view.child.name[:1] | upper }}{{ view.child.name[1:] }}"
CONFERENCE = (
    "{{ view.conference.type_label[:1] | upper }}{{ view.conference.type_label[1:] }}, "
    "{{ view.conference.date | date_long }}, {{ view.conference.start }} to "
    "{{ view.conference.end }}"
)


class Ids:
    """Content control ids: unique in a document and the same on every build."""

    def __init__(self, start: int = 1001) -> None:
        self.next = start

    def __call__(self) -> int:
        value = self.next
        self.next += 1
        return value


# -- styles ----------------------------------------------------------------------------------


def plain_fonts(style) -> None:
    """Arial everywhere: explicit font names, no theme fonts (which would win in Word)."""
    rpr = style.element.get_or_add_rPr()
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
    normal = styles["Normal"]
    plain_fonts(normal)
    normal.font.size = Pt(11)
    normal.font.color.rgb = RGBColor(0x11, 0x11, 0x11)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.15
    for name, size, color, before, after in (
        ("Heading 1", 16, TEAL, 0, 4),
        ("Heading 2", 12.5, DARK, 12, 4),
        ("Heading 3", 11, DARK, 8, 3),
    ):
        style = styles[name]
        plain_fonts(style)
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.italic = False
        style.font.color.rgb = color
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(after)
        style.paragraph_format.keep_with_next = True
    for name in ("Header", "Footer", "Table Grid"):
        plain_fonts(styles[name])
    for name in ("Header", "Footer"):
        # the default template's tab stops are for US Letter: the forms set their own
        ppr = styles[name].element.get_or_add_pPr()
        for tabs in ppr.findall(qn("w:tabs")):
            ppr.remove(tabs)
    guidance = styles.add_style("Guidance", WD_STYLE_TYPE.PARAGRAPH)
    guidance.base_style = normal
    guidance.font.size = Pt(9.5)
    guidance.font.italic = True
    guidance.font.color.rgb = GREY
    guidance.paragraph_format.space_after = Pt(3)
    guidance.paragraph_format.keep_with_next = True
    subtitle = styles.add_style("Form Subtitle", WD_STYLE_TYPE.PARAGRAPH)
    subtitle.base_style = normal
    subtitle.font.size = Pt(10.5)
    subtitle.font.color.rgb = GREY
    subtitle.paragraph_format.space_after = Pt(8)
    warning = styles.add_style("Form Warning", WD_STYLE_TYPE.PARAGRAPH)
    warning.base_style = normal
    warning.font.bold = True
    warning.paragraph_format.space_after = Pt(6)
    cell = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    cell.font.size = Pt(10.5)
    cell.paragraph_format.space_after = Pt(2)
    cell.paragraph_format.line_spacing = 1.1
    placeholder = styles.add_style("Placeholder Text", WD_STYLE_TYPE.CHARACTER)
    placeholder.font.color.rgb = RGBColor(0x59, 0x59, 0x59)


# -- page set-up, header and footer -----------------------------------------------------------


def field(paragraph, instruction: str, shown: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice update when they open the file."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run._r.append(begin)
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    run = paragraph.add_run()
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run._r.append(sep)
    paragraph.add_run(shown)
    run = paragraph.add_run()
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)


def page_setup(doc, title: str) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin, section.bottom_margin = Mm(24), Mm(22)
    section.header_distance = section.footer_distance = Mm(10)

    header = section.header.paragraphs[0]
    header.style = doc.styles["Header"]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = header.add_run("{{ view.authority.marking }}")
    run.bold = True
    run.font.size = Pt(9)
    line = section.header.add_paragraph(style="Header")
    line.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    small = line.add_run("{{ view.authority.name }}\t" + title + ": {{ view.reference }}")
    small.font.size = Pt(8)
    small.font.color.rgb = GREY

    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["Footer"]
    footer.paragraph_format.tab_stops.add_tab_stop(Mm(85), WD_TAB_ALIGNMENT.CENTER)
    footer.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    left = footer.add_run(NAME + "\t")
    left.font.size = Pt(8)
    mark = footer.add_run("{{ view.authority.marking }}")
    mark.bold = True
    mark.font.size = Pt(9)
    right = footer.add_run("\tPage ")
    right.font.size = Pt(8)
    field(footer, "PAGE", "1")
    footer.add_run(" of ").font.size = Pt(8)
    field(footer, "NUMPAGES", "1")
    for run in footer.runs:
        run.font.size = run.font.size or Pt(8)


# -- tables ------------------------------------------------------------------------------------


def borders(table) -> None:
    """Real borders on every cell edge, so the form prints as a form."""
    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblBorders")):
        tbl_pr.remove(old)
    edges = "".join(
        f'<w:{edge} w:val="single" w:sz="4" w:space="0" w:color="{BORDER}"/>'
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    tbl_pr.append(parse_xml(f"<w:tblBorders {nsdecls('w')}>{edges}</w:tblBorders>"))
    margins = (
        f"<w:tblCellMar {nsdecls('w')}>"
        '<w:top w:w="57" w:type="dxa"/><w:left w:w="102" w:type="dxa"/>'
        '<w:bottom w:w="57" w:type="dxa"/><w:right w:w="102" w:type="dxa"/>'
        "</w:tblCellMar>"
    )
    tbl_pr.append(parse_xml(margins))


def shade(cell, fill: str = LABEL_FILL) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    tc_pr.append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>'))


def new_table(doc, rows: int, widths: tuple) -> object:
    table = doc.add_table(rows=rows, cols=len(widths))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    borders(table)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid: what LibreOffice and Word lay out from
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    return table


def min_height(row, mm: float) -> None:
    """Room to write by hand when the form is printed blank."""
    row.height = Mm(mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def cell_text(cell, text: str, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.style = cell.part.document.styles["Table Text"]
    run = paragraph.add_run(text)
    run.bold = bold


def keep_row(row, header: bool = False) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def details_table(
    doc, rows: list[tuple[str, str]], ids: Ids | None = None, controls: tuple = ()
) -> None:
    """Two columns: a shaded label and a value filled in from the case.

    ``controls`` adds rows of (label, alias, tag) whose value is a plain-text control.
    """
    table = new_table(doc, len(rows) + len(controls), (LABEL_WIDTH, TEXT_WIDTH - LABEL_WIDTH))
    for row, (label, value) in zip(table.rows, rows, strict=False):
        keep_row(row)
        shade(row.cells[0])
        cell_text(row.cells[0], label, bold=True)
        cell_text(row.cells[1], value)
    for row, (label, alias, tag) in zip(table.rows[len(rows) :], controls, strict=True):
        keep_row(row)
        shade(row.cells[0])
        cell_text(row.cells[0], label, bold=True)
        assert ids is not None
        block_control(row.cells[1], ids, alias, tag, plain=True)
    spacer(doc)


def spacer(doc) -> None:
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(2)


# -- content controls --------------------------------------------------------------------------


def _sdt_pr(ids: Ids, alias: str, tag: str, kind: str) -> str:
    return (
        f'<w:sdtPr><w:rPr><w:rStyle w:val="PlaceholderText"/></w:rPr>'
        f'<w:alias w:val="{alias}"/><w:tag w:val="{tag}"/><w:id w:val="{ids()}"/>'
        f"<w:showingPlcHdr/>{kind}</w:sdtPr>"
    )


def _placeholder_run(text: str) -> str:
    return f'<w:r><w:rPr><w:rStyle w:val="PlaceholderText"/></w:rPr><w:t>{text}</w:t></w:r>'


def block_control(container, ids: Ids, alias: str, tag: str, *, plain: bool = False) -> None:
    """A block-level text content control (rich text, or plain multi-line text) in ``container``.

    ``container`` is a table cell or the document body; the control replaces the container's
    first (empty) paragraph when it is a cell.
    """
    kind = '<w:text w:multiLine="1"/>' if plain else ""
    xml = (
        f"<w:sdt {nsdecls('w')}>{_sdt_pr(ids, alias, tag, kind)}"
        f'<w:sdtContent><w:p><w:pPr><w:pStyle w:val="TableText"/></w:pPr>'
        f"{_placeholder_run(PLACEHOLDER)}</w:p></w:sdtContent></w:sdt>"
    )
    element = parse_xml(xml)
    target = container._tc if hasattr(container, "_tc") else container._body._body
    if hasattr(container, "_tc"):
        first = container.paragraphs[0]._p
        first.addprevious(element)
        target.remove(first)
    else:
        sect = target.find(qn("w:sectPr"))
        if sect is not None:
            sect.addprevious(element)
        else:
            target.append(element)


def inline_dropdown(paragraph, ids: Ids, alias: str, tag: str, items: tuple[str, ...]) -> None:
    choices = "".join(f'<w:listItem w:displayText="{i}" w:value="{i}"/>' for i in items)
    kind = f"<w:dropDownList>{choices}</w:dropDownList>"
    xml = (
        f"<w:sdt {nsdecls('w')}>{_sdt_pr(ids, alias, tag, kind)}"
        f"<w:sdtContent>{_placeholder_run(CHOICE_PLACEHOLDER)}</w:sdtContent></w:sdt>"
    )
    paragraph._p.append(parse_xml(xml))


def inline_date(paragraph, ids: Ids, alias: str, tag: str) -> None:
    kind = (
        '<w:date><w:dateFormat w:val="d MMMM yyyy"/><w:lid w:val="en-GB"/>'
        '<w:storeMappedDataAs w:val="dateTime"/><w:calendar w:val="gregorian"/></w:date>'
    )
    xml = (
        f"<w:sdt {nsdecls('w')}>{_sdt_pr(ids, alias, tag, kind)}"
        f"<w:sdtContent>{_placeholder_run(DATE_PLACEHOLDER)}</w:sdtContent></w:sdt>"
    )
    paragraph._p.append(parse_xml(xml))


def inline_text(paragraph, ids: Ids, alias: str, tag: str) -> None:
    xml = (
        f"<w:sdt {nsdecls('w')}>{_sdt_pr(ids, alias, tag, '<w:text/>')}"
        f"<w:sdtContent>{_placeholder_run(PLACEHOLDER)}</w:sdtContent></w:sdt>"
    )
    paragraph._p.append(parse_xml(xml))


def box(doc, ids: Ids, alias: str, tag: str, height_mm: float = 30) -> None:
    """A bordered box holding one rich-text control, tall enough to write in on paper."""
    table = new_table(doc, 1, (TEXT_WIDTH,))
    min_height(table.rows[0], height_mm)
    block_control(table.rows[0].cells[0], ids, alias, tag)
    spacer(doc)


def section(doc, ids: Ids, heading: str, guidance: str, alias: str, tag: str) -> None:
    """A numbered section: heading, one line of guidance, a bordered box holding a control."""
    doc.add_paragraph(heading, style="Heading 2")
    doc.add_paragraph(guidance, style="Guidance")
    box(doc, ids, alias, tag)


def labelled_controls(doc, ids: Ids, rows: list[tuple[str, str, str, str]]) -> None:
    """A two-column table: shaded labels, and a control of the given kind in each value cell.

    Each row is (label, kind, alias, tag); kind is ``rich``, ``plain``, ``date`` or ``yesno``.
    """
    table = new_table(doc, len(rows), (LABEL_WIDTH, TEXT_WIDTH - LABEL_WIDTH))
    for row, (label, kind, alias, tag) in zip(table.rows, rows, strict=True):
        if kind == "rich":
            min_height(row, 18)
        else:
            keep_row(row)
        shade(row.cells[0])
        cell_text(row.cells[0], label, bold=True)
        value = row.cells[1]
        if kind in ("rich", "plain"):
            block_control(value, ids, alias, tag, plain=kind == "plain")
        else:
            paragraph = value.paragraphs[0]
            paragraph.style = doc.styles["Table Text"]
            if kind == "date":
                inline_date(paragraph, ids, alias, tag)
            elif kind == "yesno":
                inline_dropdown(paragraph, ids, alias, tag, ("Yes", "No"))
            elif kind == "line":
                inline_text(paragraph, ids, alias, tag)
    spacer(doc)


def sharing_section(doc, ids: Ids, heading: str) -> None:
    doc.add_paragraph(heading, style="Heading 2")
    doc.add_paragraph(
        "Reports are shared with the family " + SHARED_BY + ", unless there is a good reason "
        "not to. If any part should not be shared, say which part and why: the chair decides.",
        style="Guidance",
    )
    labelled_controls(
        doc,
        ids,
        [
            ("Shared with the family?", "yesno", "Shared with the family", "shared"),
            ("Date shared", "date", "Date shared", "shared_on"),
            (
                "If not shared, or not all of it, why not?",
                "rich",
                "Why not shared",
                "not_shared_why",
            ),
        ],
    )


def signature_section(doc, ids: Ids, heading: str, name: str, role: str) -> None:
    doc.add_paragraph(heading, style="Heading 2")
    table = new_table(doc, 4, (LABEL_WIDTH, TEXT_WIDTH - LABEL_WIDTH))
    labels = ("Signature", "Name", "Role and agency", "Date")
    for row, label in zip(table.rows, labels, strict=True):
        keep_row(row)
        shade(row.cells[0])
        cell_text(row.cells[0], label, bold=True)
    min_height(table.rows[0], 14)
    block_control(table.rows[0].cells[1], ids, "Signature", "signature", plain=True)
    cell_text(table.rows[1].cells[1], name)
    cell_text(table.rows[2].cells[1], role)
    date = table.rows[3].cells[1].paragraphs[0]
    date.style = doc.styles["Table Text"]
    inline_date(date, ids, "Date signed", "signed_on")


# -- the documents -------------------------------------------------------------------------------


def new_document(title: str, short_title: str) -> object:
    doc = Document()
    set_styles(doc)
    page_setup(doc, short_title)
    props = doc.core_properties
    props.title = title
    props.author = ""
    props.last_modified_by = ""
    props.comments = ""
    props.keywords = ""
    props.created = props.modified = FIXED_DATE
    props.revision = 1
    doc.add_paragraph(title, style="Heading 1")
    return doc


def proforma() -> object:
    ids = Ids()
    doc = new_document("Agency report to the child protection conference", "Agency report")
    doc.add_paragraph(
        "{{ view.authority.partnership or view.authority.name }}", style="Form Subtitle"
    )
    doc.add_paragraph(
        "Please complete this report and send it to the chair through the "
        "{{ view.authority.conference_service.name }} at "
        "{{ view.authority.conference_service.email }} by " + DEADLINE + ". "
        "Write in plain language that the family can follow. Keep facts, allegations and "
        "opinions apart. Click in a box to start typing."
    )
    doc.add_paragraph("1. About this report", style="Heading 2")
    details_table(
        doc,
        [
            ("Child", NAME),
            (BORN_LABEL, BORN),
            ("Conference", CONFERENCE),
            ("Case reference", "{{ view.reference }}"),
            ("Report deadline", DEADLINE),
            ("Agency", "{{ view.recipient.agency }}"),
            ("Author", "{{ view.recipient.name }}, {{ view.recipient.role_label }}"),
        ],
        ids,
        (("Your phone and email", "Author contact details", "contact"),),
    )
    section(
        doc,
        ids,
        "2. Your agency's involvement and contact",
        "How and since when your agency has known the child and family, how often you see "
        "them, and the date of your most recent contact.",
        "Involvement and contact",
        "involvement",
    )
    section(
        doc,
        ids,
        "3. What we are worried about",
        "Harm that has happened or may happen to the child, and how likely and how serious "
        "you think it is. Say what you have seen yourself.",
        "What we are worried about",
        "worried",
    )
    section(
        doc,
        ids,
        "4. What is working well",
        "Strengths and safety in the family: what is going well, what the parents do well, "
        "and who helps.",
        "What is working well",
        "working_well",
    )
    section(
        doc,
        ids,
        "5. What needs to happen",
        "What needs to change for the child to be safe, and what your agency will do.",
        "What needs to happen",
        "needs_to_happen",
    )
    section(
        doc,
        ids,
        "6. The child's views, wishes and feelings",
        "{% if view.child.unborn %}The baby is not born yet: say what you know of the "
        "parents' plans and the baby's expected needs.{% else %}What the child has said or "
        "shown you, in their own words where you can, and when.{% endif %}",
        "The child's views",
        "child_views",
    )
    doc.add_paragraph("7. Facts, allegations and opinions", style="Heading 2")
    doc.add_paragraph(
        "Keep these apart. A fact has been checked or is not in dispute; an allegation is "
        "something someone says happened, which has not been proved; an opinion is what a "
        "professional thinks. Say who each one comes from.",
        style="Guidance",
    )
    labelled_controls(
        doc,
        ids,
        [
            ("Facts", "rich", "Facts", "facts"),
            ("Allegations", "rich", "Allegations", "allegations"),
            ("Opinions", "rich", "Opinions", "opinions"),
        ],
    )
    section(
        doc,
        ids,
        "8. Parenting capacity",
        "How well each parent or carer meets the child's needs: basic care, safety, warmth, "
        "guidance, boundaries and stability.",
        "Parenting capacity",
        "parenting_capacity",
    )
    section(
        doc,
        ids,
        "9. Family and environment",
        "Family history and relationships, housing, money and work, and support from the "
        "wider family and community.",
        "Family and environment",
        "family_environment",
    )
    sharing_section(doc, ids, "10. Sharing this report with the family")
    signature_section(
        doc,
        ids,
        "11. Signature",
        "{{ view.recipient.name }}",
        "{{ view.recipient.role_label }}, {{ view.recipient.agency }}",
    )
    return doc


def info_table(doc, kind: str, label: str) -> None:
    """Prefilled: every information item of one kind, one row each, with its source.

    docxtpl's ``{%tr %}`` rows are removed and become the loop and condition around the rows
    between them; a spanning "none" row shows when there is no item of this kind.
    """
    items = f'view.child.information | selectattr("kind", "equalto", "{kind}") | list'
    table = new_table(doc, 7, (Mm(125), TEXT_WIDTH - Mm(125)))
    head, loop, body, end, if_none, none, end_if = table.rows
    keep_row(head, header=True)
    for cell, text in zip(head.cells, (label, "Source"), strict=True):
        shade(cell)
        cell_text(cell, text, bold=True)
    cell_text(loop.cells[0], "{%tr for item in " + items + " %}")
    keep_row(body)
    cell_text(body.cells[0], "{{ item.text }}")
    cell_text(body.cells[1], "{{ item.source or '' }}")
    cell_text(end.cells[0], "{%tr endfor %}")
    cell_text(if_none.cells[0], "{%tr if not (" + items + ") %}")
    cell_text(none.cells[0].merge(none.cells[1]), f"No {label.lower()} are recorded in the case.")
    cell_text(end_if.cells[0], "{%tr endif %}")


def tag_paragraph(doc, text: str) -> None:
    doc.add_paragraph(text)


def child_report() -> object:
    ids = Ids()
    doc = new_document(
        "Social work report to the child protection conference", "Social work report"
    )
    doc.add_paragraph(NAME, style="Form Subtitle")
    doc.add_paragraph(
        "This is the lead social worker's copy. It holds everything the case file says about "
        "{{ view.child.name }}, including information the family must not see. Do not give "
        "this document to the family: their copies are produced separately, with that "
        "information left out.",
        style="Form Warning",
    )
    doc.add_paragraph(
        "Finish the boxes below and send the report to the chair by " + DEADLINE + ". "
        "Go through the family's copy with them " + SHARED_BY + "."
    )
    doc.add_paragraph("1. About the child", style="Heading 2")
    details_table(
        doc,
        [
            ("Name", NAME),
            (BORN_LABEL, BORN),
            ("School or nursery", "{{ view.child.school or 'None recorded' }}"),
            (
                "{% if view.child.unborn %}Will live with{% else %}Lives with{% endif %}",
                "{{ view.child.lives_with | join_names if view.child.lives_with "
                "else 'Not recorded' }}",
            ),
            (
                "Parental responsibility",
                "{% for p in view.people if view.child.id in p.parental_responsibility_for %}"
                "{{ p.name }}{% if not loop.last %}, {% endif %}"
                "{% else %}Not recorded{% endfor %}",
            ),
            (
                "Taking part in the conference",
                "{{ view.child.participation_label[:1] | upper }}"
                "{{ view.child.participation_label[1:] }}"
                "{% if view.child.not_attending_reason %}. "
                "{{ view.child.not_attending_reason }}{% endif %}"
                "{% if view.child.advocate %}. Advocate: {{ view.child.advocate.name }}"
                "{% endif %}",
            ),
            (
                "Language",
                "{% if view.child.first_language %}First language: "
                "{{ view.child.first_language }}{% else %}Not recorded"
                "{% endif %}{% if view.child.interpreter %}; interpreter: "
                "{{ view.child.interpreter }}{% endif %}",
            ),
            ("Conference", CONFERENCE),
            ("Case reference", "{{ view.reference }}"),
            (
                "Author",
                "{{ view.recipient.name }}, {{ view.recipient.role_label }}, "
                "{{ view.recipient.agency }}",
            ),
        ],
    )
    doc.add_paragraph("2. What we know", style="Heading 2")
    doc.add_paragraph(
        "From the case file, kept apart. A fact has been checked or is not in dispute; an "
        "allegation is something someone says happened, which has not been proved; an opinion "
        "is what a professional thinks.",
        style="Guidance",
    )
    for kind, label, alias in (
        ("fact", "Facts", "Further facts"),
        ("allegation", "Allegations", "Further allegations"),
        ("opinion", "Opinions", "Further opinions"),
    ):
        info_table(doc, kind, label)
        guidance = doc.add_paragraph(f"{alias}, with their source:", style="Guidance")
        guidance.paragraph_format.space_before = Pt(6)
        box(doc, ids, alias, "more_" + kind + "s", 18)
    doc.add_paragraph(
        "3. {% if view.child.unborn %}The baby{% else %}{{ view.child.first_name | possessive }} "
        "wishes and feelings{% endif %}",
        style="Heading 2",
    )
    tag_paragraph(doc, "{%p if view.child.wishes_and_feelings %}")
    doc.add_paragraph("{{ view.child.wishes_and_feelings }}")
    tag_paragraph(doc, "{%p endif %}")
    doc.add_paragraph(
        "{% if view.child.unborn %}What you know of the baby's expected needs and the "
        "parents' plans.{% else %}How you learned the child's views, in their words where you "
        "can, and anything more they have said.{% endif %}",
        style="Guidance",
    )
    box(doc, ids, "The child's views", "child_views")
    section(
        doc,
        ids,
        "4. What we are worried about",
        "Harm that has happened or may happen, how likely and how serious it is.",
        "What we are worried about",
        "worried",
    )
    section(
        doc,
        ids,
        "5. What is working well",
        "Strengths and safety in the family, and who helps.",
        "What is working well",
        "working_well",
    )
    section(
        doc,
        ids,
        "6. What needs to happen",
        "What must change for the child to be safe, who will help, and by when.",
        "What needs to happen",
        "needs_to_happen",
    )
    doc.add_paragraph("7. Analysis", style="Heading 2")
    tag_paragraph(doc, "{%p if view.child.analysis %}")
    doc.add_paragraph("{{ view.child.analysis }}")
    tag_paragraph(doc, "{%p endif %}")
    doc.add_paragraph(
        "{% if view.child.analysis %}Add to or revise the analysis above.{% else %}Your "
        "analysis of the risks and strengths, bringing together what is known.{% endif %}",
        style="Guidance",
    )
    box(doc, ids, "Analysis", "analysis")
    doc.add_paragraph("8. Recommendation", style="Heading 2")
    doc.add_paragraph(
        "{% if view.child.recommendation_label %}The social worker recommends "
        "{{ view.child.recommendation_label }} for {{ view.child.name }}.{% else %}No "
        "recommendation is recorded in the case yet.{% endif %}"
    )
    doc.add_paragraph("Your reasons for the recommendation:", style="Guidance")
    box(doc, ids, "Reasons for the recommendation", "reasons", 20)
    sharing_section(doc, ids, "9. Sharing this report with the family")
    signature_section(
        doc,
        ids,
        "10. Signature",
        "{{ view.recipient.name }}",
        "{{ view.recipient.role_label }}, {{ view.recipient.agency }}",
    )
    return doc


def save(doc, path: Path) -> None:
    buffer = io.BytesIO()
    doc.save(buffer)
    path.write_bytes(normalise_docx(buffer.getvalue()))


def documents() -> Iterator[tuple[str, object]]:
    yield "report_proforma.docx", proforma()
    yield "child_report.docx", child_report()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, doc in documents():
        save(doc, OUT / name)
        print(f"wrote {(OUT / name).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
