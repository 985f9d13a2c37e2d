"""Archival and accessible PDFs, the signature's place, large print and easy read.

Every PDF cpcdocs writes declares PDF/A-3a and is tagged; these tests read the files back with
pikepdf (structure, metadata, fonts, output intent) and pypdf (where text is and how big), as
a checker would. No PDF/A validator (veraPDF) is available here: what is checked is what the
standard asks that a structure reader can see, not a validator's verdict (see the README).

A handful of real documents is rendered from the samples with one shared :class:`Renderer`:
each PDF kind for a parent (and the exclusion notice for the excluded father), the large-print
mother's letter and plan, and the easy-read child's invitation.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import math
import re
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import docx
import pikepdf
import pytest
from conftest import ROOT, run_cli
from pypdf import PdfReader

from cpcdocs import sign
from cpcdocs.errors import RenderError
from cpcdocs.load import load_case, resolve_authority
from cpcdocs.pack import _metadata, document_views
from cpcdocs.plan import PlannedDocument
from cpcdocs.render import Renderer
from cpcdocs.render.blocks import ALLOWED_IDS, Paragraph, parse_fragment
from cpcdocs.render.pdf import PDF_VARIANT
from cpcdocs.views import View

ISSUED = dt.date(2026, 11, 22)
MM = 72 / 25.4
PDF_KINDS = ("invitation", "exclusion_notice", "decision_letter", "outline_plan", "child_report")
#: (sample, kind, recipient, child) of one document of each PDF kind.
EXAMPLES = {
    "invitation": ("example-initial", "invitation", "mother", None),
    "exclusion_notice": ("example-initial", "exclusion_notice", "father-theo", None),
    "decision_letter": ("example-initial", "decision_letter", "mother", None),
    "outline_plan": ("example-initial", "outline_plan", "mother", "maya"),
    "child_report": ("example-initial", "child_report", "mother", "maya"),
}
LARGE_PRINT = "part-exclusion-interpreter"  # the mother asked for large print
EASY_READ = "single-child-pre-conference"  # Ellie-Mae asked for easy read
XMP_NS = {
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
}


# -- rendering, once ------------------------------------------------------------------------------


@cache
def renderer() -> Renderer:
    return Renderer()


@cache
def document(
    sample: str, kind: str, recipient: str, child: str | None = None
) -> tuple[PlannedDocument, View]:
    path = ROOT / "samples" / f"{sample}.yaml"
    case = load_case(path)
    authority = resolve_authority(case, case_file=str(path))
    for doc, view in document_views(case, authority, ISSUED):
        if doc.kind.value == kind and doc.recipient.id == recipient and doc.child == child:
            return doc, view
    msg = f"no {kind} for {recipient} in {sample}"
    raise LookupError(msg)


@cache
def pdf_of(sample: str, kind: str, recipient: str, child: str | None = None) -> bytes:
    doc, view = document(sample, kind, recipient, child)
    return renderer().render_pdf(view, metadata=_metadata(view, doc))


@cache
def docx_of(sample: str, kind: str, recipient: str) -> bytes:
    _, view = document(sample, kind, recipient)
    return renderer().render_docx(view)


@pytest.fixture(params=PDF_KINDS)
def kind_pdf(request: pytest.FixtureRequest) -> Iterator[pikepdf.Pdf]:
    with pikepdf.open(io.BytesIO(pdf_of(*EXAMPLES[request.param]))) as pdf:
        yield pdf


# -- reading PDFs back ----------------------------------------------------------------------------


def structure(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every structure element, depth first (document order)."""
    found: list[pikepdf.Dictionary] = []

    def walk(node: Any) -> None:
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid)
        elif isinstance(node, pikepdf.Dictionary) and node.get("/Type") != "/OBJR":
            if "/S" in node:
                found.append(node)
            if "/K" in node:
                walk(node.K)

    walk(pdf.Root.StructTreeRoot.K)
    return found


def tags(pdf: pikepdf.Pdf) -> set[str]:
    return {str(e.S)[1:] for e in structure(pdf)}


def xmp(pdf: pikepdf.Pdf) -> dict[str, str]:
    """The XMP packet's properties, read only (pikepdf's context manager would rewrite it)."""
    meta = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
    return {key: str(value) for key, value in meta.items()}


def fonts(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every font the pages use, in their resources or in form XObjects'."""

    def of(resources: Any) -> Iterator[pikepdf.Dictionary]:
        yield from resources.get("/Font", {}).values()
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
                yield from of(xobject.Resources)

    for page in pdf.pages:
        yield from of(page.Resources)


def runs(data: bytes) -> list[tuple[int, str, float, float, float]]:
    """Each text run: page, text, x and y of its baseline (mm from the top left), size (pt)."""
    reader = PdfReader(io.BytesIO(data))
    found: list[tuple[int, str, float, float, float]] = []
    for number, page in enumerate(reader.pages):
        height = float(page.mediabox.height)

        def visit(
            text: str, cm: Any, tm: Any, font: Any, size: Any, n: int = number, h: float = height
        ) -> None:
            if not text.strip():
                return
            # The text matrix times the current transformation matrix: position and scale.
            a = tm[0] * cm[0] + tm[1] * cm[2]
            b = tm[0] * cm[1] + tm[1] * cm[3]
            e = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            f = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = math.hypot(a, b)  # the font size times this is the size on the page
            found.append((n, text.strip(), e / MM, (h - f) / MM, float(size) * scale))

        page.extract_text(visitor_text=visit)
    return found


# -- tagged, archival, every kind -----------------------------------------------------------------


def test_every_kind_is_tagged_with_language_and_title(kind_pdf: pikepdf.Pdf) -> None:
    root = kind_pdf.Root
    assert "/StructTreeRoot" in root
    assert root.MarkInfo.Marked is True
    assert str(root.Lang) == "en-GB"
    assert root.ViewerPreferences.DisplayDocTitle is True  # the title, not the file name
    title = str(kind_pdf.trailer.Info.Title)
    assert title.endswith("(NM-2026-0412)") and len(title) > 20
    assert xmp(kind_pdf)["{http://purl.org/dc/elements/1.1/}title"] == title
    assert all(page.get("/Tabs") == "/S" for page in kind_pdf.pages)


def test_every_kind_declares_pdfa_3a_with_an_srgb_output_intent(kind_pdf: pikepdf.Pdf) -> None:
    assert PDF_VARIANT == "pdf/a-3a"
    meta = xmp(kind_pdf)
    assert meta[f"{{{XMP_NS['pdfaid']}}}part"] == "3"
    assert meta[f"{{{XMP_NS['pdfaid']}}}conformance"] == "A"
    assert kind_pdf.pdf_version == "1.7"
    (intent,) = kind_pdf.Root.OutputIntents
    assert intent.S == "/GTS_PDFA1"
    assert "sRGB" in str(intent.OutputConditionIdentifier)
    profile = intent.DestOutputProfile
    assert int(profile.N) == 3 and len(profile.read_bytes()) > 1000
    assert len(kind_pdf.trailer.ID) == 2 and kind_pdf.trailer.ID[0]  # a file identifier


def test_every_kind_embeds_every_font_and_no_image_interpolates(kind_pdf: pikepdf.Pdf) -> None:
    seen = 0
    for font in fonts(kind_pdf):
        seen += 1
        described = font.DescendantFonts[0] if "/DescendantFonts" in font else font
        descriptor = described.FontDescriptor
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()), font.BaseFont
        assert "/ToUnicode" in font  # level "a" (and "u"): every glyph maps to text
    assert seen
    for page in kind_pdf.pages:
        for image in page.Resources.get("/XObject", {}).values():
            if image.get("/Subtype") == "/Image":
                assert image.get("/Interpolate", False) is False  # forbidden in PDF/A


def test_every_kind_marks_up_headings_lists_tables_and_the_logo(kind_pdf: pikepdf.Pdf) -> None:
    found = tags(kind_pdf)
    assert {"Document", "H1", "H2", "P"} <= found
    assert {"L", "LI", "Lbl", "LBody"} <= found
    assert {"Table", "TR", "TH", "TD"} <= found
    figures = [e for e in structure(kind_pdf) if e.S == "/Figure"]
    assert "Northmoor Borough Council logo" in [str(f.get("/Alt", "")) for f in figures]
    assert all(str(f.get("/Alt", "")).strip() for f in figures)  # every image described


def test_reading_order_is_letterhead_address_references_then_wording() -> None:
    """The structure tree reads as the letter does: who from, who to, the references, then
    the wording (the page furniture is not in it: the hidden page strings are empty)."""
    data = pdf_of(*EXAMPLES["invitation"])
    with pikepdf.open(io.BytesIO(data)) as pdf:
        order = [str(e.S)[1:] for e in structure(pdf)]
    assert order.index("Figure") < order.index("Table") < order.index("Part") < order.index("H1")


def test_tables_link_cells_to_their_headers() -> None:
    with pikepdf.open(io.BytesIO(pdf_of(*EXAMPLES["outline_plan"]))) as pdf:
        cells = [e for e in structure(pdf) if e.S == "/TD"]
        headers = {str(e.ID) for e in structure(pdf) if e.S == "/TH" and "/ID" in e}
        assert cells and headers
        for cell in cells:
            assert {str(h) for h in cell.A.Headers} <= headers


def test_the_chairs_signature_image_has_alt_text() -> None:
    with pikepdf.open(io.BytesIO(pdf_of(*EXAMPLES["outline_plan"]))) as pdf:
        alts = [str(e.get("/Alt", "")) for e in structure(pdf) if e.S == "/Figure"]
    assert "Signature of Grace Okafor" in alts


def test_dates_come_from_the_issue_date_and_agree(kind_pdf: pikepdf.Pdf) -> None:
    meta = xmp(kind_pdf)
    info = kind_pdf.trailer.Info
    assert meta[f"{{{XMP_NS['xmp']}}}CreateDate"] == "2026-11-22T00:00:00Z"
    assert meta[f"{{{XMP_NS['xmp']}}}ModifyDate"] == "2026-11-22T00:00:00Z"
    assert str(info.CreationDate) == str(info.ModDate) == "D:20261122000000Z"
    assert meta["{http://ns.adobe.com/pdf/1.3/}Producer"] == str(info.Producer)
    packet = kind_pdf.Root.Metadata.read_bytes()
    assert b"DocumentID" not in packet and b"InstanceID" not in packet  # nothing random


def test_archival_pdfs_are_byte_identical_across_renderers() -> None:
    doc, view = document(*EXAMPLES["outline_plan"])
    again = Renderer().render_pdf(view, metadata=_metadata(view, doc))
    assert again == pdf_of(*EXAMPLES["outline_plan"])
    doc, view = document(LARGE_PRINT, "invitation", "mother")
    assert Renderer().render_pdf(view, metadata=_metadata(view, doc)) == pdf_of(
        LARGE_PRINT, "invitation", "mother"
    )


# -- signed plans ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The demo chair's throwaway key (tools/make_demo_key.py), in a temporary folder."""
    spec = importlib.util.spec_from_file_location(
        "make_demo_key", ROOT / "tools" / "make_demo_key.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    p12, pem = module.make_demo_key(tmp_path_factory.mktemp("key"))
    return p12, pem, module.DEMO_PASSPHRASE


@pytest.fixture(scope="module")
def signed_plan(demo_key: tuple[Path, Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    p12, _, passphrase = demo_key
    signer = sign.Pkcs12Signer.from_file(p12, sign.Secret(passphrase))
    data = sign.sign_pdf(
        pdf_of(*EXAMPLES["outline_plan"]),
        signer,
        role=sign.CHAIR_ROLE,
        location="Northmoor Borough Council",
    )
    path = tmp_path_factory.mktemp("signed") / "outline_plan-maya.pdf"
    path.write_bytes(data)
    return path


def test_a_signed_plan_still_declares_pdfa_and_verifies(
    signed_plan: Path, demo_key: tuple[Path, Path, str]
) -> None:
    plain = pdf_of(*EXAMPLES["outline_plan"])
    data = signed_plan.read_bytes()
    assert data.startswith(plain)  # an incremental update: the archival file is kept whole
    with pikepdf.open(signed_plan) as pdf, pikepdf.open(io.BytesIO(plain)) as before:
        meta = xmp(pdf)
        assert meta[f"{{{XMP_NS['pdfaid']}}}part"] == "3"
        assert meta[f"{{{XMP_NS['pdfaid']}}}conformance"] == "A"
        assert pdf.Root.Metadata.read_bytes() == before.Root.Metadata.read_bytes()
        assert "/OutputIntents" in pdf.Root and pdf.Root.MarkInfo.Marked is True
        (field,) = pdf.Root.AcroForm.Fields
        assert int(field.F) & 4  # printed, as PDF/A asks of annotations
        assert "/NeedAppearances" not in pdf.Root.AcroForm
        assert pdf.check_pdf_syntax() == []
    _, pem, _ = demo_key
    assert sign.verify_pdf(signed_plan, sign.load_trust_anchors([pem])).ok
    status, out, _ = run_cli("verify", signed_plan, "--trust", pem)
    assert status == 0, out
    assert "the document has not been changed since it was signed" in out


def test_the_widget_covers_the_box_the_plan_reserves(signed_plan: Path) -> None:
    plain = pdf_of(*EXAMPLES["outline_plan"])
    with pikepdf.open(io.BytesIO(plain)) as pdf:
        names = list(pdf.Root.Names.Dests.Names)
        dest = names[names.index(sign.SIGNATURE_ANCHOR) + 1]
        page = [p.objgen for p in pdf.pages].index(dest[0].objgen)
        left, top = float(dest[2]), float(dest[3])
    with pikepdf.open(signed_plan) as pdf:
        (field,) = pdf.Root.AcroForm.Fields
        assert field.P.objgen == pdf.pages[page].objgen
        x1, y1, x2, y2 = (float(v) for v in field.Rect)
    assert (round(x1), round(y2)) == (round(left), round(top))
    assert abs((x2 - x1) / MM - sign.FIELD_WIDTH_MM) < 0.5
    assert abs((y2 - y1) / MM - sign.FIELD_HEIGHT_MM) < 0.5
    # Beside the chair's printed name, inside the text area (20 mm margins).
    assert x2 <= (210 - 20) * MM + 1 and x1 >= 20 * MM
    on_page = [r for r in runs(plain) if r[0] == page]
    name = next(r for r in on_page if r[1] == "Grace Okafor")
    assert name[2] < x1 / MM  # the name is to its left
    assert 297 - y2 / MM - 10 < name[3] < 297 - y1 / MM + 30


def test_only_the_signature_id_is_allowed() -> None:
    assert sign.SIGNATURE_ANCHOR in ALLOWED_IDS
    blocks = parse_fragment(
        '<div class="signature"><div id="cpcdocs-signature" class="signature-field"></div>'
        "<p>Signed</p></div>",
        template="t",
    )
    assert [b.text for b in blocks if isinstance(b, Paragraph)] == ["Signed"]  # Word: nothing
    with pytest.raises(RenderError, match='id "x" is not allowed'):
        parse_fragment('<div id="x"></div>', template="t")
    with pytest.raises(RenderError, match="used twice"):
        parse_fragment('<div id="cpcdocs-signature"></div>' * 2, template="t")
    with pytest.raises(RenderError, match='<p id="…">'):
        parse_fragment('<p id="cpcdocs-signature">x</p>', template="t")


# -- large print and easy read --------------------------------------------------------------------


def body_runs(data: bytes) -> list[tuple[int, str, float, float, float]]:
    """Text the reader reads: not the page furniture (header and footer bands), the letterhead
    or the post room's handling line."""
    out = []
    for page, text, x, y, size in runs(data):
        top = 42.0 if page == 0 else 25.5  # under the letterhead / the continuation header
        if top < y < 297 - 26 and not text.startswith("Private and confidential"):
            out.append((page, text, x, y, size))
    return out


@pytest.mark.parametrize(
    ("kind", "child"),
    [("invitation", None), ("decision_letter", None), ("outline_plan", "zara")],
)
def test_large_print_pdfs_are_16pt_or_more(kind: str, child: str | None) -> None:
    _, view = document(LARGE_PRINT, kind, "mother", child)
    assert view.large_print
    found = body_runs(pdf_of(LARGE_PRINT, kind, "mother", child))
    assert len(found) > 20
    small = [(text, round(size, 1)) for _, text, _, _, size in found if size < 15.95]
    assert not small


def test_large_print_letter_keeps_the_address_in_the_window() -> None:
    data = pdf_of(LARGE_PRINT, "invitation", "mother")
    _, view = document(LARGE_PRINT, "invitation", "mother")
    first = {text: (x, y, size) for page, text, x, y, size in runs(data) if page == 0}
    x, y, _ = first["Private and confidential: addressee only"]
    assert abs(x - 20) < 0.5 and 45 < y < 50  # the window's top left corner
    for line in (view.recipient.name, *view.recipient.address_lines):
        x, y, size = first[line]
        assert abs(x - 20) < 0.5, line
        assert y > 45 and y + 0.25 * size / MM < 80, line  # descenders inside, too
        assert size >= 15.95, line  # this address is short enough for 16 pt
    # The reference block moved under the window, at full size.
    x, y, size = first["Please ask for"]
    assert y > 80 and size >= 15.95


def test_a_long_address_shrinks_only_as_much_as_the_window_needs() -> None:
    _, view = document(LARGE_PRINT, "invitation", "mother")
    lines = ("Flat 14, Rowan House", "127 Upper Riverside Road", "Little Eastfold", "NM12 9ZZ")
    long_view = replace(view, recipient=replace(view.recipient, address_lines=lines))
    data = renderer().render_pdf(long_view)
    first = {text: (x, y, size) for page, text, x, y, size in runs(data) if page == 0}
    last = first["NM12 9ZZ"]
    assert 12 < last[2] < 16  # smaller than 16 pt, but not tiny
    assert last[1] + 0.25 * last[2] / MM < 80


def test_large_print_form_has_no_gap_above_its_title() -> None:
    data = pdf_of(LARGE_PRINT, "outline_plan", "mother", "zara")
    first = [(y, text) for page, text, _, y, _ in runs(data) if page == 0]
    title = next(y for y, text in first if text.startswith("Outline child protection plan"))
    copy_for = next(y for y, text in first if text == "Copy for")
    assert copy_for < title < copy_for + 20  # the title follows the reference block


def test_easy_read_child_gets_easy_words_in_14pt() -> None:
    _, view = document(EASY_READ, "invitation", "ellie")
    assert view.easy_read and not view.large_print
    data = pdf_of(EASY_READ, "invitation", "ellie")
    found = body_runs(data)
    text = " ".join(t for _, t, _, _, _ in found)
    assert "You are invited to a meeting about you" in text
    # The wording: under the first page's fixed zone (12 mm margin + 80 mm), and later pages.
    wording = [size for page, _, _, y, size in found if page > 0 or y > 92]
    assert wording and min(wording) >= 12.95  # 14 pt; tables and small print 13 pt
    assert sorted(wording)[len(wording) // 2] >= 13.95


def _style_size(style: Any) -> float | None:
    while style is not None:
        if style.font.size is not None:
            return float(style.font.size.pt)
        style = style.base_style
    return None


def test_large_print_docx_is_16pt_or_more_with_the_address_in_the_window() -> None:
    data = docx_of(LARGE_PRINT, "invitation", "mother")
    document_ = docx.Document(io.BytesIO(data))
    assert document_.styles["Normal"].font.size.pt == 16
    sizes = []
    for paragraph in document_.paragraphs:
        if not paragraph.text.strip():
            continue
        base = _style_size(paragraph.style) or 16
        sizes += [r.font.size.pt if r.font.size else base for r in paragraph.runs if r.text]
    for table in document_.tables:
        for cell in (c for row in table.rows for c in row.cells):
            for paragraph in cell.paragraphs:
                if paragraph.text.strip():
                    sizes.append(_style_size(paragraph.style) or 16)
    assert sizes and min(sizes) >= 16
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        header = next(
            z.read(n).decode()
            for n in z.namelist()
            if n.startswith("word/header") and "47 Alder Grove" in z.read(n).decode()
        )
    # The address: 16 pt (32 half-points) in the window cell; the reference block is under
    # the window, once, in the 16 pt style.
    assert re.search(r'<w:sz w:val="32"/>.{0,400}47 Alder Grove', header, re.S)
    assert header.count("Please ask for") == 1
    assert _style_size(document_.styles["Reference Block"]) == 16


def test_normal_print_docx_keeps_the_reference_block_beside_the_window() -> None:
    data = docx_of("example-initial", "invitation", "mother")
    document_ = docx.Document(io.BytesIO(data))
    assert document_.styles["Normal"].font.size.pt == 11
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        headers = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/header"))
    assert headers.count("Please ask for") == 1


def test_easy_read_docx_is_14pt_with_more_space() -> None:
    document_ = docx.Document(io.BytesIO(docx_of(EASY_READ, "invitation", "ellie")))
    normal = document_.styles["Normal"]
    assert normal.font.size.pt == 14
    assert normal.paragraph_format.line_spacing == 1.5
