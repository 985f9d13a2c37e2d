"""Build the Word forms in templates/docx/: the forms that go out and come back filled in.

Run after changing this script; the outputs are committed (and byte-identical on every run):

    .venv/bin/python tools/build_docx_templates.py

All three are real Word documents with docxtpl tags (Jinja; the context is ``view``, the
author's professional view) and Word content controls where the author writes. Their sections
come from :mod:`cpcdocs.forms`, which ``cpcdocs collect`` reads them back with:

- ``report_proforma.docx``: the form an agency fills in for one child. The header is filled in
  from the case (child, date of birth, conference, report deadline, agency, author).
- ``child_report.docx``: the lead social worker's shell for one child, filled in with what the
  case holds (details, the information items grouped as facts, allegations and opinions, the
  child's wishes and feelings, analysis, recommendation).
- ``record_shell.docx``: the minute-taker's record: attendance (a Present and an Apologies
  tick box for everyone in the case), the agenda, and a part per child.

Every free-text section is one bordered table: a rich text control for the author's words
(``cpcdocs:text:<section>``), "May this section be shared with the family?" as a Yes/No
drop-down (``cpcdocs:share:<section>``), and "Who is this section about?" as a Word 2010 tick
box per person and child of the view (``cpcdocs:about:<section>:<id>``); the first label cell
holds the bookmark ``cpcdocs_s<N>``, by which ``collect`` finds the section when LibreOffice
has dropped the tags. The reports end with whether the whole report may be shared and the
reason if not. The form's identification (case, form, author, child, version) is printed in
controls locked against editing; ``cpcdocs.forms.render_form`` adds the same in a custom XML
part after rendering. Section controls are locked against deletion.

The package is cleaned of what python-docx's default template brings and the forms do not use
(a bibliography part, a thumbnail, stylesWithEffects, webSettings, numbering, a Mac Word
app.xml), and its proofing language is en-GB. Tables have real borders so the forms print
well; styles are Word's own (Heading 1-3, Table Grid) with Arial throughout, so a council can
restyle them in Word. A council may replace a file through ``--templates DIR/docx/<name>.docx``,
keeping the tags and bookmarks ``collect`` needs.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import zipfile
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

from cpcdocs.forms import (  # noqa: E402
    FORM_VERSION,
    IDENTITY_FIELDS,
    RECORD_FORM_SECTIONS,
    REPORT_FORM_SECTIONS,
    FormSection,
)
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


def page_setup(doc, title: str, footer_left: str = NAME) -> None:
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
    left = footer.add_run(footer_left + "\t")
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


def _sdt_pr(ids: Ids | str, alias: str, tag: str, kind: str, lock: str = "") -> str:
    """A control's properties; ``ids`` is a counter, or a Jinja expression inside a loop."""
    number = ids if isinstance(ids, str) else ids()
    locked = f'<w:lock w:val="{lock}"/>' if lock else ""
    return (
        f'<w:sdtPr><w:rPr><w:rStyle w:val="PlaceholderText"/></w:rPr>'
        f'<w:alias w:val="{alias}"/><w:tag w:val="{tag}"/><w:id w:val="{number}"/>{locked}'
        f"<w:showingPlcHdr/>{kind}</w:sdtPr>"
    )


def _placeholder_run(text: str) -> str:
    return f'<w:r><w:rPr><w:rStyle w:val="PlaceholderText"/></w:rPr><w:t>{text}</w:t></w:r>'


def block_control(
    container, ids: Ids, alias: str, tag: str, *, plain: bool = False, lock: str = ""
) -> None:
    """A block-level text content control (rich text, or plain multi-line text) in ``container``.

    ``container`` is a table cell or the document body; the control replaces the container's
    first (empty) paragraph when it is a cell.
    """
    kind = '<w:text w:multiLine="1"/>' if plain else ""
    xml = (
        f"<w:sdt {nsdecls('w')}>{_sdt_pr(ids, alias, tag, kind, lock)}"
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


def inline_dropdown(
    paragraph, ids: Ids, alias: str, tag: str, items: tuple[str, ...], lock: str = ""
) -> None:
    choices = "".join(f'<w:listItem w:displayText="{i}" w:value="{i}"/>' for i in items)
    kind = f"<w:dropDownList>{choices}</w:dropDownList>"
    xml = (
        f"<w:sdt {nsdecls('w')}>{_sdt_pr(ids, alias, tag, kind, lock)}"
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


class IdExpr:
    """Content control ids inside a docxtpl loop: Jinja sums the loop's base and a counter."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.next = 0

    def __call__(self) -> str:
        self.next += 1
        return "{{ " + self.base + f" + {self.next}" + " }}"


def bookmark(paragraph, name: str, number: str) -> None:
    """An empty bookmark: where ``collect`` finds a section when the tags are gone.

    LibreOffice 7 keeps bookmarks but drops content control tags when it saves a form.
    """
    paragraph._p.append(
        parse_xml(f'<w:bookmarkStart {nsdecls("w")} w:id="{number}" w:name="{name}"/>')
    )
    paragraph._p.append(parse_xml(f'<w:bookmarkEnd {nsdecls("w")} w:id="{number}"/>'))


def checkbox(paragraph, number: str, alias: str, tag: str) -> None:
    """A Word 2010 check box content control (``w14:checkbox``), locked against deletion."""
    xml = (
        f"<w:sdt {nsdecls('w', 'w14')}><w:sdtPr>"
        f'<w:alias w:val="{alias}"/><w:tag w:val="{tag}"/><w:id w:val="{number}"/>'
        '<w:lock w:val="sdtLocked"/>'
        '<w14:checkbox><w14:checked w14:val="0"/>'
        '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
        '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox>'
        "</w:sdtPr><w:sdtContent><w:r><w:rPr>"
        '<w:rFonts w:ascii="MS Gothic" w:eastAsia="MS Gothic" w:hAnsi="MS Gothic" '
        'w:hint="eastAsia"/></w:rPr><w:t>\u2610</w:t></w:r></w:sdtContent></w:sdt>'
    )
    paragraph._p.append(parse_xml(xml))


def locked_value(paragraph, ids: Ids, alias: str, tag: str, value: str) -> None:
    """A plain-text control the author can read and not change (``sdtContentLocked``)."""
    xml = (
        f"<w:sdt {nsdecls('w')}><w:sdtPr>"
        f'<w:alias w:val="{alias}"/><w:tag w:val="{tag}"/><w:id w:val="{ids()}"/>'
        '<w:lock w:val="sdtContentLocked"/><w:text/></w:sdtPr>'
        f"<w:sdtContent><w:r><w:t>{value}</w:t></w:r></w:sdtContent></w:sdt>"
    )
    paragraph._p.append(parse_xml(xml))


def about_cell(cell, sid: str, base: str) -> None:
    """One tick box per person and child of the view: who the section is about.

    The view decides who is listed (a professional's view lists everyone in the case), in
    the order :func:`cpcdocs.forms.descriptor_for` records.
    """
    styles = cell.part.document.styles
    first = cell.paragraphs[0]
    first.style = styles["Table Text"]
    first.add_run("{%p for p in view.people %}")
    for loop, label, offset in (
        ("view.people", "{{ p.name }} ({{ p.relationship_label }})", 0),
        ("view.children", "{{ k.name }} (child)", 500),
    ):
        if offset:
            cell.add_paragraph("{%p for k in " + loop + " %}", style=styles["Table Text"])
        var = "p" if offset == 0 else "k"
        line = cell.add_paragraph(style=styles["Table Text"])
        checkbox(
            line,
            "{{ " + base + f" + {600 + offset} + loop.index0" + " }}",
            "About {{ " + var + ".name }}",
            f"cpcdocs:about:{sid}:{{{{ {var}.id }}}}",
        )
        line.add_run(" " + label)
        cell.add_paragraph("{%p endfor %}", style=styles["Table Text"])


def shared_section(
    doc,
    heading: str,
    section: FormSection,
    *,
    sid: str,
    index: str,
    base: str,
    heading_style: str = "Heading 2",
) -> None:
    """A free-text section with the author's sharing choices, as one bordered table.

    Rows: the text (a rich text control), "May this section be shared with the family?"
    (Yes/No), and "Who is this section about?" (a tick box per person and child). The label
    cell of the first row holds the bookmark ``cpcdocs_s<index>``; ``collect`` reads the rows
    in this order when a program has dropped the controls' tags. ``sid`` is the section id
    (``worried``; ``{{ rc.id }}/analysis`` in the record), ``base`` the Jinja expression the
    controls' ids count from.
    """
    doc.add_paragraph(heading, style=heading_style)
    doc.add_paragraph(section.guidance, style="Guidance")
    ids = IdExpr(base)
    table = new_table(doc, 3, (LABEL_WIDTH, TEXT_WIDTH - LABEL_WIDTH))
    text_row, share_row, about_row = table.rows
    min_height(text_row, 28)
    keep_row(share_row)
    labels = (
        "Your words",
        "May this section be shared with the family?",
        "Who is this section about? Tick everyone it is about.",
    )
    for row, label in zip(table.rows, labels, strict=True):
        shade(row.cells[0])
        cell_text(row.cells[0], label, bold=True)
    keep_row(about_row)
    # one table on one page where it fits: Word keeps a row with the next when every
    # paragraph in it says so (below, once the controls are in)
    bookmark(text_row.cells[0].paragraphs[0], f"cpcdocs_s{index}", "{{ " + base + " + 999 }}")
    block_control(text_row.cells[1], ids, section.heading, f"cpcdocs:text:{sid}", lock="sdtLocked")
    share = share_row.cells[1].paragraphs[0]
    share.style = doc.styles["Table Text"]
    inline_dropdown(
        share, ids, "May this be shared", f"cpcdocs:share:{sid}", ("Yes", "No"), lock="sdtLocked"
    )
    about_cell(about_row.cells[1], sid, base)
    for row in (text_row, share_row):
        for paragraph in row._tr.iter(qn("w:p")):
            ppr = paragraph.get_or_add_pPr()
            if ppr.find(qn("w:keepNext")) is None:
                ppr.insert_element_before(
                    OxmlElement("w:keepNext"),
                    *("w:keepLines", "w:pageBreakBefore", "w:spacing", "w:jc", "w:rPr"),
                )
    spacer(doc)


def identity_table(doc, ids: Ids, kind: str, *, per_child: bool = True) -> None:
    """What the form is, in locked controls; ``collect`` checks them against the descriptor."""
    doc.add_paragraph(
        "cpcdocs reads this form back by the details below. They cannot be changed; if one is "
        "wrong, ask the conference service for a new form.",
        style="Guidance",
    )
    values = {
        "case": "{{ view.reference }}",
        "kind": kind,
        "author": "{{ view.recipient.id }}",
        "child": "{{ view.child.id }}",
        "version": FORM_VERSION,
    }
    fields = [f for f in IDENTITY_FIELDS if per_child or f[0] != "child"]
    table = new_table(doc, len(fields), (LABEL_WIDTH, TEXT_WIDTH - LABEL_WIDTH))
    for row, (name, tag, label) in zip(table.rows, fields, strict=True):
        keep_row(row)
        shade(row.cells[0])
        cell_text(row.cells[0], label, bold=True)
        value = row.cells[1].paragraphs[0]
        value.style = doc.styles["Table Text"]
        locked_value(value, ids, label, tag, values[name])
    bookmark(table.rows[0].cells[0].paragraphs[0], "cpcdocs_identity", "900001")
    spacer(doc)


def report_sharing(doc, ids: Ids, heading: str) -> None:
    """Whether the whole report may be shared before the conference, and if not, why not."""
    doc.add_paragraph(heading, style="Heading 2")
    doc.add_paragraph(
        "Reports are shared with the family " + SHARED_BY + ", unless there is a good reason "
        "not to. If the family should not see this report, say why: the chair must agree. To "
        "keep back only one section, answer No under that section and say why here.",
        style="Guidance",
    )
    table = new_table(doc, 2, (LABEL_WIDTH, TEXT_WIDTH - LABEL_WIDTH))
    share_row, reason_row = table.rows
    keep_row(share_row)
    min_height(reason_row, 18)
    labels = (
        "May this report be shared with the family?",
        "If not, or not all of it, the reason",
    )
    for row, label in zip(table.rows, labels, strict=True):
        shade(row.cells[0])
        cell_text(row.cells[0], label, bold=True)
    bookmark(share_row.cells[0].paragraphs[0], "cpcdocs_sharing", "900002")
    share = share_row.cells[1].paragraphs[0]
    share.style = doc.styles["Table Text"]
    inline_dropdown(
        share, ids, "Report may be shared", "cpcdocs:report-share", ("Yes", "No"), lock="sdtLocked"
    )
    block_control(
        reason_row.cells[1], ids, "Reason not shared", "cpcdocs:not-shared-reason", lock="sdtLocked"
    )
    spacer(doc)


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


def new_document(title: str, short_title: str, footer_left: str = NAME) -> object:
    doc = Document()
    set_styles(doc)
    page_setup(doc, short_title, footer_left)
    props = doc.core_properties
    props.title = title
    props.author = ""
    props.last_modified_by = ""
    props.comments = ""
    props.keywords = ""
    props.created = props.modified = FIXED_DATE
    props.revision = 1
    british_english(doc)
    doc.add_paragraph(title, style="Heading 1")
    return doc


def british_english(doc) -> None:
    """en-GB proofing everywhere: the default run language and the theme's font language.

    python-docx's default template says en-US (and ja-JP for East Asian text), so Word would
    mark "colour" and "organise" as misspelt in a British council's form.
    """
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    for attr in list(lang.attrib):
        del lang.attrib[attr]
    lang.set(qn("w:val"), "en-GB")
    lang.set(qn("w:eastAsia"), "en-GB")
    lang.set(qn("w:bidi"), "ar-SA")
    settings = doc.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        for attr in list(theme_lang.attrib):
            del theme_lang.attrib[attr]
        theme_lang.set(qn("w:val"), "en-GB")
    for unwanted in ("w:savePreviewPicture", "w:rsids"):
        for element in settings.findall(qn(unwanted)):
            settings.remove(element)


def report_sections(
    doc, kind: str, first_number: int, *, start: int = 0, stop: int | None = None
) -> int:
    """The report form's shared sections ``start:stop`` in registry order, numbered from
    ``first_number``; the next free number.

    The registry (:data:`cpcdocs.forms.REPORT_FORM_SECTIONS`) is the order of the bookmarks.
    """
    sections = REPORT_FORM_SECTIONS[kind]
    number = first_number
    for index in range(start, len(sections) if stop is None else stop):
        section = sections[index]
        shared_section(
            doc,
            f"{number}. {section.heading}",
            section,
            sid=section.key,
            index=str(index),
            base=str(100_000 + 1_000 * index),
        )
        number += 1
    return number


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
        "opinions apart. Click in a box to start typing. Under every section, say whether the "
        "family may see it and whom it is about."
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
    identity_table(doc, ids, "report_proforma")
    number = report_sections(doc, "report_proforma", 2)
    report_sharing(doc, ids, f"{number}. Sharing this report with the family")
    signature_section(
        doc,
        ids,
        f"{number + 1}. Signature",
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
    identity_table(doc, ids, "child_report")
    doc.add_paragraph("2. What we know", style="Heading 2")
    doc.add_paragraph(
        "From the case file, kept apart. A fact has been checked or is not in dispute; an "
        "allegation is something someone says happened, which has not been proved; an opinion "
        "is what a professional thinks.",
        style="Guidance",
    )
    sections = REPORT_FORM_SECTIONS["child_report"]
    for index, (kind, label) in enumerate(
        (("fact", "Facts"), ("allegation", "Allegations"), ("opinion", "Opinions"))
    ):
        info_table(doc, kind, label)
        shared_section(
            doc,
            sections[index].heading,
            sections[index],
            sid=sections[index].key,
            index=str(index),
            base=str(100_000 + 1_000 * index),
            heading_style="Heading 3",
        )
    doc.add_paragraph(
        "3. {% if view.child.unborn %}The baby{% else %}{{ view.child.first_name | possessive }} "
        "wishes and feelings{% endif %}",
        style="Heading 2",
    )
    tag_paragraph(doc, "{%p if view.child.wishes_and_feelings %}")
    doc.add_paragraph("{{ view.child.wishes_and_feelings }}")
    tag_paragraph(doc, "{%p endif %}")
    views = sections[3]
    shared_section(
        doc,
        "More on the child's views",
        views,
        sid=views.key,
        index="3",
        base=str(100_000 + 3_000),
        heading_style="Heading 3",
    )
    number = report_sections(doc, "child_report", 4, start=4, stop=7)
    doc.add_paragraph(f"{number}. Analysis", style="Heading 2")
    tag_paragraph(doc, "{%p if view.child.analysis %}")
    doc.add_paragraph("{{ view.child.analysis }}")
    tag_paragraph(doc, "{%p endif %}")
    analysis = sections[7]
    shared_section(
        doc,
        "Your analysis",
        analysis,
        sid=analysis.key,
        index="7",
        base=str(100_000 + 7_000),
        heading_style="Heading 3",
    )
    doc.add_paragraph(f"{number + 1}. Recommendation", style="Heading 2")
    doc.add_paragraph(
        "{% if view.child.recommendation_label %}The social worker recommends "
        "{{ view.child.recommendation_label }} for {{ view.child.name }}.{% else %}No "
        "recommendation is recorded in the case yet.{% endif %}"
    )
    reasons = sections[8]
    shared_section(
        doc,
        reasons.heading,
        reasons,
        sid=reasons.key,
        index="8",
        base=str(100_000 + 8_000),
        heading_style="Heading 3",
    )
    report_sharing(doc, ids, f"{number + 2}. Sharing this report with the family")
    signature_section(
        doc,
        ids,
        f"{number + 3}. Signature",
        "{{ view.recipient.name }}",
        "{{ view.recipient.role_label }}, {{ view.recipient.agency }}",
    )
    return doc


#: Parts of python-docx's default template that the forms do not use: a bibliography sources
#: part (``customXml``, which would also be taken for the form's descriptor), the preview
#: thumbnail, Word 2010's duplicate styles, web settings and an unused numbering part.
LEFTOVER_PARTS = (
    "customXml/item1.xml",
    "customXml/itemProps1.xml",
    "customXml/_rels/item1.xml.rels",
    "docProps/thumbnail.jpeg",
    "word/stylesWithEffects.xml",
    "word/webSettings.xml",
    "word/numbering.xml",
)
APP_XML = (
    b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
    b'properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    b"<Template>Normal.dotm</Template><Application>cpcdocs</Application><DocSecurity>0"
    b"</DocSecurity><Company/><Manager/></Properties>"
)


def without_leftovers(data: bytes) -> bytes:
    """The package minus :data:`LEFTOVER_PARTS`, their relationships and content types."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    for name in LEFTOVER_PARTS:
        parts.pop(name, None)
        target = name.rsplit("/", 1)[-1]
        for rels in ("_rels/.rels", "word/_rels/document.xml.rels"):
            parts[rels] = re.sub(
                rb'<Relationship [^>]*Target="[^"]*' + re.escape(target.encode()) + rb'"[^>]*/>',
                b"",
                parts[rels],
            )
        parts["[Content_Types].xml"] = re.sub(
            rb'<Override [^>]*PartName="/' + re.escape(name.encode()) + rb'"[^>]*/>',
            b"",
            parts["[Content_Types].xml"],
        )
    parts["[Content_Types].xml"] = re.sub(
        rb'<Default [^>]*Extension="jpeg"[^>]*/>', b"", parts["[Content_Types].xml"]
    )
    parts["docProps/app.xml"] = APP_XML
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, blob in parts.items():
            out.writestr(name, blob)
    return buffer.getvalue()


def save(doc, path: Path) -> None:
    buffer = io.BytesIO()
    doc.save(buffer)
    path.write_bytes(normalise_docx(without_leftovers(buffer.getvalue())))


AGENDA = (
    "Introductions, the purpose of the conference and confidentiality",
    "Information from the agencies, and the social work report",
    "The parents' and carers' views",
    "The child's views",
    "Analysis: risks, strengths and what needs to happen",
    "Decision, and the category of any plan",
    "The outline plan, the core group and the review date",
    "Dissent",
)


def attendance_table(doc) -> None:
    """Everyone in the case, with a tick box for present and one for apologies.

    Three docxtpl row loops (people, children, professionals, in the order the descriptor's
    ``attendance`` lists them); the header cell holds the bookmark ``cpcdocs_attendance``.
    """
    widths = (Mm(60), Mm(64), Mm(20), TEXT_WIDTH - Mm(144))
    groups = (
        ("p", "view.people", "{{ p.relationship_label }}", 910_000),
        ("k", "view.children", "Child", 920_000),
        ("f", "view.professionals", "{{ f.role_label }}, {{ f.agency }}", 930_000),
    )
    table = new_table(doc, 1 + 3 * len(groups), widths)
    head = table.rows[0]
    keep_row(head, header=True)
    for cell, text in zip(head.cells, ("Name", "Role", "Present", "Apologies"), strict=True):
        shade(cell)
        cell_text(cell, text, bold=True)
    bookmark(head.cells[0].paragraphs[0], "cpcdocs_attendance", "900003")
    for n, (var, loop, role, base) in enumerate(groups):
        start, body, end = table.rows[1 + 3 * n : 4 + 3 * n]
        cell_text(start.cells[0], "{%tr for " + var + " in " + loop + " %}")
        keep_row(body)
        cell_text(body.cells[0], "{{ " + var + ".name }}")
        cell_text(body.cells[1], role)
        for column, what, offset in ((2, "present", 0), (3, "apologies", 1)):
            paragraph = body.cells[column].paragraphs[0]
            paragraph.style = doc.styles["Table Text"]
            checkbox(
                paragraph,
                "{{ " + f"{base + offset} + 2 * loop.index0" + " }}",
                what.capitalize() + ": {{ " + var + ".name }}",
                f"cpcdocs:{what}:{{{{ {var}.id }}}}",
            )
        cell_text(end.cells[0], "{%tr endfor %}")
    spacer(doc)


def record_shell() -> object:
    """The minute-taker's record of the conference: attendance, agenda, a part per child."""
    ids = Ids()
    doc = new_document(
        "Record of the child protection conference",
        "Conference record",
        "{{ view.reference }}",
    )
    doc.add_paragraph(CONFERENCE, style="Form Subtitle")
    doc.add_paragraph(
        "The minute-taker's record, for the chair to approve. Write each part in plain "
        "language the family can follow. Under every part, say whether the family may see it "
        "and whom it is about: each reader's copy is cut from this record by those answers. "
        "Send the finished record to the chair through the "
        "{{ view.authority.conference_service.name }} at "
        "{{ view.authority.conference_service.email }}."
    )
    doc.add_paragraph("1. About this record", style="Heading 2")
    details_table(
        doc,
        [
            ("Conference", CONFERENCE),
            ("Case reference", "{{ view.reference }}"),
            ("Chair", "{{ view.conference.chair.name }}"),
            ("Minute-taker", "{{ view.recipient.name }}, {{ view.recipient.agency }}"),
            (
                "Children",
                "{% for k in view.children %}{{ k.name }}{% if not loop.last %}, "
                "{% endif %}{% endfor %}",
            ),
        ],
    )
    identity_table(doc, ids, "record_shell", per_child=False)
    doc.add_paragraph("2. Attendance", style="Heading 2")
    doc.add_paragraph(
        "Tick who was present and who sent apologies. Leave both empty for anyone who did neither.",
        style="Guidance",
    )
    attendance_table(doc)
    doc.add_paragraph("3. Agenda", style="Heading 2")
    for number, item in enumerate(AGENDA, start=1):
        doc.add_paragraph(f"{number}. {item}")
    tag_paragraph(doc, "{%p for rc in view.children %}")
    tag_paragraph(doc, "{%p set ci = loop.index0 %}")
    doc.add_paragraph("{{ loop.index + 3 }}. {{ rc.name }}", style="Heading 2")
    per_child = len(RECORD_FORM_SECTIONS)
    for k, section in enumerate(RECORD_FORM_SECTIONS):
        shared_section(
            doc,
            section.heading,
            section,
            sid="{{ rc.id }}/" + section.key,
            index="{{ ci * " + str(per_child) + " + " + str(k) + " }}",
            base=f"200000 + 10000 * ci + {1_000 * k}",
            heading_style="Heading 3",
        )
    tag_paragraph(doc, "{%p endfor %}")
    doc.add_paragraph("Approval", style="Heading 2")
    doc.add_paragraph(
        "The chair approves the record, and decides who does not receive it and why, in the "
        "case file (record: approved_on, not_sent_to). Nothing here is sent until then.",
        style="Guidance",
    )
    return doc


def documents() -> Iterator[tuple[str, object]]:
    yield "report_proforma.docx", proforma()
    yield "child_report.docx", child_report()
    yield "record_shell.docx", record_shell()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, doc in documents():
        save(doc, OUT / name)
        print(f"wrote {(OUT / name).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
