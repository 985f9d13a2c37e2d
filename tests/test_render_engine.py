"""The rendering engine: layout, both formats from one wording, escaping, determinism, errors.

Views here are small fakes (tests/render_fixtures/fake_view.py) with the fields the layout
reads, and the wording is the engine's stand-in (tests/render_fixtures/letters/), so these
tests do not depend on the real letters or on the case model.
"""

from __future__ import annotations

import datetime as dt
import getpass
import importlib.util
import io
import logging
import re
import socket
import sys
import warnings
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import docx
import pytest
from pypdf import PdfReader

from cpcdocs.errors import ExitStatus, RenderError
from cpcdocs.render import Fragment, PdfMetadata, Picture, Renderer
from cpcdocs.render import pdf as pdf_module
from cpcdocs.render.blocks import parse_fragment
from cpcdocs.render.env import date_long, date_short, join_names, possessive

FIXTURES = Path(__file__).parent / "render_fixtures"
_spec = importlib.util.spec_from_file_location("fake_view", FIXTURES / "fake_view.py")
assert _spec is not None and _spec.loader is not None
fv = importlib.util.module_from_spec(_spec)
sys.modules["fake_view"] = fv
_spec.loader.exec_module(fv)

MM = 72 / 25.4
NASTY = "Tom & Jerry <b>{{ x }}{% if %}"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(FIXTURES)


@pytest.fixture(scope="module")
def parent_pdf(renderer: Renderer) -> bytes:
    return renderer.render_pdf(
        fv.fake_view(),
        metadata=PdfMetadata("Invitation", "Northmoor Borough Council", "Conference", ("cp",)),
    )


@pytest.fixture(scope="module")
def parent_docx(renderer: Renderer) -> bytes:
    return renderer.render_docx(fv.fake_view())


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def text_positions(data: bytes, page: int = 0) -> dict[str, tuple[float, float]]:
    """Each text run's position, in mm from the page's top left corner."""
    reader = PdfReader(io.BytesIO(data))
    height = float(reader.pages[page].mediabox.height)
    found: dict[str, tuple[float, float]] = {}

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        text = text.strip()
        if text and text not in found:
            x = tm[4] * cm[0] + cm[4]
            y = tm[5] * cm[3] + cm[5]
            found[text] = (x / MM, (height - y) / MM)

    reader.pages[page].extract_text(visitor_text=visit)
    return found


def docx_parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {
            n: z.read(n).decode("utf-8", "replace")
            for n in z.namelist()
            if n.endswith((".xml", ".rels"))
        }


def xml_text(xml: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", xml))


# -- PDF ---------------------------------------------------------------------------------------


def test_pdf_is_a4_with_embedded_fonts(parent_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(parent_pdf))
    assert len(reader.pages) == 2
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1
        fonts = page["/Resources"]["/Font"]
        assert fonts
        for ref in fonts.values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (
                descendants[0].get_object()["/FontDescriptor"]
                if descendants
                else font["/FontDescriptor"]
            ).get_object()
            assert "/FontFile2" in descriptor, f"font {font.get('/BaseFont')} not embedded"
            assert "Liberation-Sans" in str(descriptor["/FontName"])


def test_pdf_first_page_has_the_letter_furniture(parent_pdf: bytes) -> None:
    first, second = pdf_text(parent_pdf)
    for expected in (
        "OFFICIAL-SENSITIVE",
        "Private and confidential: addressee only",
        "Ms Claire Harrow",
        "41 Wren Road",
        "NM4 7QT",
        "Our ref",
        "NM-2026-0412",
        "14 December 2026",
        "Please ask for",
        "Priya Patel",
        "Northmoor Borough Council",
        "Children's Services",
        "Page 1 of 2",
        "01632 960000",
    ):
        assert expected in first, expected
    assert first.count("OFFICIAL-SENSITIVE") == 2  # header and footer
    assert "Our ref: NM-2026-0412" in second and "Page 2 of 2" in second
    assert second.count("OFFICIAL-SENSITIVE") == 2
    assert "Private and confidential" not in second


def test_the_address_sits_in_the_envelope_window(renderer: Renderer, parent_pdf: bytes) -> None:
    # DL/C5 window: 20 mm from the left, 45 mm from the top, 90 x 35 mm.
    for data in (parent_pdf, renderer.render_pdf(fv.fake_view(large_print=True))):
        where = text_positions(data)
        for line in ("Private and confidential: addressee only", "Ms Claire Harrow", "NM4 7QT"):
            x, baseline = where[line]
            assert 19.5 <= x < 110, (line, x)
            assert 45 < baseline < 80, (line, baseline)


def test_a_long_address_shrinks_to_stay_in_the_window(renderer: Renderer) -> None:
    lines = (
        "Flat 14, Rowan House",
        "The Old Mill",
        "127 Upper Riverside Road",
        "Eastfold",
        "Northmoor",
        "West Northshire",
        "NM12 9ZZ",
    )
    view = fv.fake_view(recipient=replace(fv.Recipient(), address_lines=lines))
    where = text_positions(renderer.render_pdf(view))
    assert 45 < where["NM12 9ZZ"][1] < 80


def test_professional_letters_have_no_handling_line(renderer: Renderer) -> None:
    text = pdf_text(renderer.render_pdf(fv.professional_view()))[0]
    assert "Private and confidential" not in text
    assert "Mrs Helen Ames, Designated Safeguarding Lead" in text


def test_email_only_recipients_are_addressed_by_email(renderer: Renderer) -> None:
    recipient = fv.Recipient(
        "pc-mensah", "PC Kofi Mensah", "Dear PC Mensah", (), "k.m@police.example"
    )
    html = renderer.render_html(fv.professional_view(recipient=recipient))
    assert "PC Kofi Mensah<br>By email: k.m@police.example" in html


def test_an_authority_without_logo_partnership_or_website(renderer: Renderer) -> None:
    authority = replace(fv.Authority(), logo_path=None, partnership=None, website=None)
    view = fv.fake_view(authority=authority, contact=fv.Contact("Conference Service"))
    text = pdf_text(renderer.render_pdf(view))[0]
    assert "Northmoor Borough Council" in text and "Partnership" not in text
    assert "Telephone" not in text.split("Dear")[0]  # no empty "Please ask for" rows
    document = docx.Document(io.BytesIO(renderer.render_docx(view)))
    header = document.sections[0].first_page_header
    assert not header.part.rels  # no logo picture
    assert "Partnership" not in xml_text(header._element.xml)


def test_forms_have_no_window(renderer: Renderer) -> None:
    html = renderer.render_html(fv.fake_view(is_letter=False))
    assert 'class="window"' not in html and "Copy for" in html
    assert 'class="form ' in html


def test_pdf_metadata_and_dates_come_from_the_document(parent_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(parent_pdf))
    info = reader.metadata
    assert info is not None
    assert info["/Title"] == "Invitation"
    assert info["/Author"] == "Northmoor Borough Council"
    assert info["/Subject"] == "Conference"
    assert info["/Keywords"] == "cp"
    assert info["/CreationDate"].startswith("D:20261214")
    assert info["/ModDate"].startswith("D:20261214")
    assert reader.trailer["/ID"][0]


def test_source_date_epoch_never_changes_a_files_bytes(
    renderer: Renderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file's dates are its stage's issue date, whatever day it is rendered (or pretends to
    be): a nightly run must see an unchanged published document as unchanged."""
    view = fv.fake_view()
    pdf, docx = renderer.render_pdf(view), renderer.render_docx(view)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    assert renderer.render_pdf(view) == pdf
    assert renderer.render_docx(view) == docx
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None
    assert reader.metadata["/CreationDate"].startswith(
        "D:" + view.issued_on.strftime("%Y%m%d") + "000000"
    )
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_pdf_rendering_is_quiet(renderer: Renderer, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        renderer.render_pdf(fv.fake_view(large_print=True))
    assert caplog.records == []


def test_harfbuzz_subset_is_used_or_warned_about(monkeypatch: pytest.MonkeyPatch) -> None:
    assert pdf_module.check_font_subsetting(), "install libharfbuzz-subset0"
    monkeypatch.setattr(pdf_module, "_harfbuzz_subset_loaded", lambda: False)
    monkeypatch.setattr(pdf_module, "_checked", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert not pdf_module.check_font_subsetting()
        assert not pdf_module.check_font_subsetting()
    assert len(caught) == 1 and issubclass(caught[0].category, pdf_module.FontSubsettingWarning)
    assert "libharfbuzz-subset0" in str(caught[0].message)


# -- DOCX --------------------------------------------------------------------------------------


def test_docx_opens_with_the_layout_furniture(parent_docx: bytes) -> None:
    document = docx.Document(io.BytesIO(parent_docx))
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert section.different_first_page_header_footer
    parts = docx_parts(parent_docx)
    headers = {n: x for n, x in parts.items() if n.startswith("word/header")}
    footers = {n: x for n, x in parts.items() if n.startswith("word/footer")}
    assert len(headers) == 2 and len(footers) == 2
    for xml in [*headers.values(), *footers.values()]:
        assert "OFFICIAL-SENSITIVE" in xml_text(xml)
    for xml in footers.values():
        assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", xml)
        assert re.search(r"<w:instrText[^>]*> NUMPAGES </w:instrText>", xml)
        assert "Page" in xml_text(xml) and " of " in xml_text(xml)
    first = next(x for x in headers.values() if "Wren Road" in x)
    text = xml_text(first)
    for expected in (
        "Private and confidential: addressee only",
        "Ms Claire Harrow",
        "NM4 7QT",
        "Our ref",
        "NM-2026-0412",
        "Please ask for",
        "Priya Patel",
    ):
        assert expected in text
    assert 'descr="Northmoor Borough Council logo"' in first
    continuation = next(x for x in headers.values() if x is not first)
    assert "Our ref: NM-2026-0412" in xml_text(continuation)


def test_docx_wording_uses_word_styles(parent_docx: bytes) -> None:
    document = docx.Document(io.BytesIO(parent_docx))
    styles = [(p.style.name, p.text) for p in document.paragraphs]
    names = {s for s, _ in styles}
    assert {
        "Heading 1",
        "Heading 2",
        "Heading 3",
        "List Bullet",
        "List Bullet 2",
        "List Number",
        "Callout",
        "Signature",
        "Enclosures",
    } <= names
    assert ("Normal", "Dear Ms Harrow,") in styles
    assert document.tables[0].style.name == "Table Grid"
    assert document.tables[0].rows[0].cells[0].text == "When"
    body = docx_parts(parent_docx)["word/document.xml"]
    assert "<w:tblHeader/>" in body
    assert "<w:hyperlink" in body
    assert 'descr="Signature of Ann Okafor"' in body
    rels = docx_parts(parent_docx)["word/_rels/document.xml.rels"]
    assert 'Target="mailto:cp.conferences@northmoor.example"' in rels


def test_each_numbered_list_starts_at_one(renderer: Renderer, tmp_path: Path) -> None:
    (tmp_path / "letters").mkdir()
    (tmp_path / "letters" / "invitation.html.j2").write_text(
        "<ol><li>a</li><li>b</li></ol><p>between</p><ol><li>c</li></ol>"
    )
    data = Renderer(tmp_path).render_docx(fv.fake_view())
    document = docx.Document(io.BytesIO(data))
    numbered = [p for p in document.paragraphs if p.style.name == "List Number"]
    ids = [p._p.pPr.numPr.numId.val for p in numbered]
    assert ids[0] == ids[1] != ids[2]
    numbering = docx_parts(data)["word/numbering.xml"]
    for num_id in {ids[0], ids[2]}:
        block = re.search(rf'<w:num w:numId="{num_id}">.*?</w:num>', numbering, re.S)
        assert block and '<w:startOverride w:val="1"/>' in block.group(0)


def test_docx_properties_name_no_user_or_machine(parent_docx: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(parent_docx)) as z:
        names = z.namelist()
        core = z.read("docProps/core.xml").decode()
        app = z.read("docProps/app.xml").decode()
        infos = z.infolist()
    assert names[0] == "[Content_Types].xml" and names[1:] == sorted(names[1:])
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert "docProps/custom.xml" not in names
    assert "<dc:creator>Northmoor Borough Council</dc:creator>" in core
    assert "<cp:lastModifiedBy>cpcdocs</cp:lastModifiedBy>" in core
    assert "2026-12-14T00:00:00Z" in core
    assert "python-docx" not in core + app
    for who in {getpass.getuser(), socket.gethostname()} - {""}:
        assert who not in core and who not in app


def test_large_print_docx_has_16pt_body(renderer: Renderer) -> None:
    document = docx.Document(io.BytesIO(renderer.render_docx(fv.fake_view(large_print=True))))
    assert document.styles["Normal"].font.size.pt == 16
    header = docx_parts(renderer.render_docx(fv.fake_view(large_print=True)))
    assert "Wren Road" in "".join(header.values())


# -- one wording, escaping, determinism ----------------------------------------------------------


def test_case_values_render_literally_in_both_formats(renderer: Renderer) -> None:
    view = fv.fake_view(
        recipient=replace(fv.Recipient(), name=NASTY, address_lines=("1 <Main> & Co", "{{ 7*7 }}")),
        extra_paragraphs=(f"Note: {NASTY}\x0b end",),
    )
    pdf = "\n".join(pdf_text(renderer.render_pdf(view)))
    assert NASTY in pdf and "1 <Main> & Co" in pdf and "{{ 7*7 }}" in pdf
    assert "49" not in pdf
    data = renderer.render_docx(view)
    document = docx.Document(io.BytesIO(data))  # the file is well formed
    assert any(f"Note: {NASTY} end" in p.text for p in document.paragraphs)
    header = next(
        x for n, x in docx_parts(data).items() if n.startswith("word/header") and "Co" in x
    )
    assert "Tom &amp; Jerry &lt;b&gt;{{ x }}{% if %}" in header
    assert "1 &lt;Main&gt; &amp; Co" in header


def test_rendering_is_byte_identical(renderer: Renderer, parent_pdf: bytes) -> None:
    again = Renderer(FIXTURES)
    view = fv.fake_view()
    meta = PdfMetadata("Invitation", "Northmoor Borough Council", "Conference", ("cp",))
    assert again.render_pdf(view, metadata=meta) == parent_pdf
    assert renderer.render_pdf(view, metadata=meta) == parent_pdf
    assert renderer.render_docx(view) == again.render_docx(view) == renderer.render_docx(view)


def test_the_pdf_id_depends_on_the_content(renderer: Renderer, parent_pdf: bytes) -> None:
    other = renderer.render_pdf(
        fv.fake_view(reference="NM-2026-9999"),
        metadata=PdfMetadata("Invitation", "Northmoor Borough Council", "Conference", ("cp",)),
    )
    ids = [PdfReader(io.BytesIO(d)).trailer["/ID"][0] for d in (parent_pdf, other)]
    assert ids[0] != ids[1]


# -- templates: overrides, errors, checks ----------------------------------------------------------


def test_an_override_folder_wins_over_the_built_in_templates(tmp_path: Path) -> None:
    (tmp_path / "letters").mkdir()
    (tmp_path / "letters" / "invitation.html.j2").write_text(
        "<p>{{ view.recipient.salutation }}, this is the council's own wording.</p>"
    )
    (tmp_path / "layout").mkdir()
    (tmp_path / "layout" / "letter.css").write_text(
        (Renderer().find("layout/letter.css")).read_text() + "\n.wording p { color: red; }"
    )
    renderer = Renderer(tmp_path)
    html = renderer.render_html(fv.fake_view())
    assert "the council&#39;s own wording" in html or "the council's own wording" in html
    listed = dict(renderer.list_templates())
    assert listed["letters/invitation.html.j2"] == str(tmp_path / "letters" / "invitation.html.j2")
    assert listed["layout/letter.css"] == str(tmp_path / "layout" / "letter.css")
    assert listed["layout/letter.html.j2"] == "built-in"
    assert listed["layout/letter.docx"] == "built-in"
    assert "council's own wording" in pdf_text(renderer.render_pdf(fv.fake_view()))[0]


def write_letter(folder: Path, text: str) -> Renderer:
    (folder / "letters").mkdir(exist_ok=True)
    (folder / "letters" / "invitation.html.j2").write_text(text)
    return Renderer(folder)


def test_an_undefined_name_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    renderer = write_letter(
        tmp_path, "<p>Dear {{ view.recipient.name }},</p>\n<p>{{ view.nope }}</p>\n"
    )
    with pytest.raises(RenderError) as caught:
        renderer.render_pdf(fv.fake_view())
    message = caught.value.message
    assert re.search(r"letters/invitation\.html\.j2:2: .*nope", message), message
    assert message.endswith("(rendering invitation for mother)")
    assert caught.value.exit_status is ExitStatus.RENDER_ERROR
    assert isinstance(caught.value.__cause__, Exception)


def test_a_syntax_error_is_reported_by_check(tmp_path: Path) -> None:
    renderer = write_letter(tmp_path, "<p>ok</p>\n<p>{% if view.profile %}unclosed</p>\n")
    problems = renderer.check_templates([fv.fake_view()])
    assert problems, "a broken template passed the check"
    assert re.match(r".*letters/invitation\.html\.j2:2: ", problems[0]), problems
    with pytest.raises(RenderError, match=r"invitation\.html\.j2:2:"):
        renderer.render_docx(fv.fake_view())


def test_check_passes_good_templates_and_finds_undefined_names(tmp_path: Path) -> None:
    assert Renderer(FIXTURES).check_templates([fv.fake_view(), fv.professional_view()]) == []
    renderer = write_letter(tmp_path, "<p>{{ view.recipient.nickname }}</p>")
    problems = renderer.check_templates([fv.fake_view()])
    assert len(problems) == 1 and ":1: " in problems[0] and "nickname" in problems[0]


def test_a_tag_outside_the_letter_subset_is_an_error(tmp_path: Path) -> None:
    renderer = write_letter(tmp_path, "<p>Hello</p>\n<span>no</span>\n")
    for render in (renderer.render_pdf, renderer.render_docx):
        with pytest.raises(RenderError, match=r"invitation\.html\.j2: <span> is not allowed"):
            render(fv.fake_view())


def test_a_missing_wording_template_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"letters/no_such_kind\.html\.j2: no such template"):
        Renderer(tmp_path).render_html(fv.fake_view(kind="no_such_kind"))


@pytest.mark.parametrize(
    "expression",
    [
        "view.__class__.__mro__",
        "view.authority.logo_path.read_bytes()",
        "view.authority.logo_path.parent.parent",
    ],
)
def test_the_sandbox_refuses_internals_and_files(tmp_path: Path, expression: str) -> None:
    renderer = write_letter(tmp_path, f"<p>{{{{ {expression} }}}}</p>")
    with pytest.raises(RenderError, match=r"invitation\.html\.j2:1:"):
        renderer.render_html(fv.fake_view())
    assert write_letter(tmp_path, "<p>{{ view.authority.logo_path.name }}</p>").render_html(
        fv.fake_view()
    )


# -- real Word templates ------------------------------------------------------------------------


def test_docx_templates_render_with_autoescape_and_pictures(tmp_path: Path) -> None:
    (tmp_path / "docx").mkdir()
    source = docx.Document()
    source.add_paragraph("Report for {{ view.recipient.name }} about {{ child }}")
    source.add_paragraph("{{ signature }}")
    source.add_paragraph("{{p section }}")
    source.save(str(tmp_path / "docx" / "report_proforma.docx"))
    renderer = Renderer(tmp_path)
    view = fv.fake_view(recipient=replace(fv.Recipient(), name=NASTY))
    context = {
        "view": view,
        "child": "Maya <3 & co",
        "signature": Picture(fv.Authority().chair_signature_path, "Signature", height_mm=15),
        "section": Fragment("<h2>Involvement</h2><ul><li>One</li></ul>"),
    }
    data = renderer.render_docx_template("report_proforma", context)
    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    assert f"Report for {NASTY} about Maya <3 & co" in texts
    assert ("Heading 2", "Involvement") in [(p.style.name, p.text) for p in document.paragraphs]
    assert 'descr="Signature"' in docx_parts(data)["word/document.xml"]
    core = docx_parts(data)["docProps/core.xml"]
    assert (
        "python-docx" not in core and "<dc:creator>Northmoor Borough Council</dc:creator>" in core
    )
    assert data == renderer.render_docx_template("docx/report_proforma.docx", context)
    assert ("docx/report_proforma.docx", str(tmp_path / "docx" / "report_proforma.docx")) in (
        renderer.list_templates()
    )


def test_docx_template_errors_name_the_template(tmp_path: Path) -> None:
    (tmp_path / "docx").mkdir()
    source = docx.Document()
    source.add_paragraph("{{ view.recipient.name }} {{ missing_value }}")
    source.save(str(tmp_path / "docx" / "report_proforma.docx"))
    with pytest.raises(RenderError, match=r"docx/report_proforma\.docx:\d+: .*missing_value"):
        Renderer(tmp_path).render_docx_template("report_proforma", {"view": fv.fake_view()})
    # A kind with a Word template and no wording is checked through the Word template.
    problems = Renderer(tmp_path).check_templates([fv.professional_view(kind="report_proforma")])
    assert len(problems) == 1 and "missing_value" in problems[0], problems
    assert "rendering report_proforma for teacher-ames" in problems[0]
    broken = docx.Document()
    broken.add_paragraph("{% if x %} never closed")
    broken.save(str(tmp_path / "docx" / "report_proforma.docx"))
    problems = Renderer(tmp_path).check_templates([])
    assert len(problems) == 1, problems
    assert re.match(r".*docx/report_proforma\.docx:\d+: Unexpected end", problems[0]), problems


# -- filters and the fragment parser -----------------------------------------------------------


def test_filters() -> None:
    day = dt.date(2027, 1, 6)
    assert date_long(day) == "Wednesday 6 January 2027"
    assert date_short(day) == "6 January 2027"
    assert date_short("2026-12-14") == "14 December 2026"
    assert join_names([]) == "" and join_names(["A"]) == "A"
    assert join_names(["A", "B"]) == "A and B"
    assert join_names([fv.Child("m", "Maya"), "Theo", "Ivy"]) == "Maya, Theo and Ivy"
    assert possessive("Maya") == "Maya's" and possessive("James") == "James's"


def test_address_lines_filter_in_templates(renderer: Renderer) -> None:
    template = renderer.env.from_string("{{ a | address_lines }}|{{ a | address_lines(', ') }}")
    assert (
        template.render(a=["1 <High> St", "Town"])
        == "1 &lt;High&gt; St<br>Town|1 &lt;High&gt; St, Town"
    )
    docx_template = renderer.docx_env.from_string("{{ a | address_lines }}")
    assert docx_template.render(a=["A & B", "C"]) == "A &amp; B\nC"


def test_fragment_whitespace_and_lists() -> None:
    blocks = parse_fragment(
        """
        <p>  Two   spaces
           and <strong>bold </strong> text.<br>
           Next line </p>
        <ul><li><p>Item</p><p>more</p></li><li>Two<ol><li>a</li></ol>after</li></ul>
        """,
        template="t",
    )
    first = blocks[0]
    assert first.text == "Two spaces and bold text.\nNext line"
    items = [(b.level, b.list_type, b.continuation, b.text) for b in blocks[1:]]
    assert items == [
        (0, "bullet", False, "Item"),
        (0, "bullet", True, "more"),
        (0, "bullet", False, "Two"),
        (1, "number", False, "a"),
        (0, "bullet", True, "after"),
    ]


@pytest.mark.parametrize(
    ("fragment", "message"),
    [
        ("<script>x</script>", "<script> is not allowed"),
        ('<p style="color:red">x</p>', "<p> takes class"),
        ("<p>a<div>b</div></p>", "<div> inside <p>"),
        ('<a href="javascript:alert(1)">x</a>', "only http, https, mailto and tel"),
        ("<ul>text</ul>", "text in a list outside <li>"),
        ("<li>x</li>", "<li> outside <ul> or <ol>"),
        ("<p>open", "<p> is never closed"),
        ("<p>a</em>", "</em> does not close"),
        ('<img src="/etc/passwd">', "PNG or JPEG"),
        ('<img src="https://tracker.example/x.png">', "PNG or JPEG"),
        ("<table><tr><td><table></table></td></tr></table>", "a table inside a table"),
    ],
)
def test_fragment_errors(fragment: str, message: str) -> None:
    with pytest.raises(RenderError, match=re.escape(message)):
        parse_fragment(fragment, template="letters/x.html.j2")
