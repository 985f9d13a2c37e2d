"""The leak audit: extraction, normalisation, matching, and a clean pack tampered every way.

The mutation tests take one real, clean pack (rendered by :func:`cpcdocs.pack.render_pack`)
and break it the ways a leak or a mix-up happens in practice: two envelopes' letters swapped,
a safe address typed into a Word body, header or document properties, a police allegation in
a PDF page, its metadata, XMP or an annotation, a stray file, a changed byte. Each must be
caught with the right exit status, and no output may quote what was found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
import weasyprint
from conftest import ROOT, SAMPLES, run_cli, run_subprocess, shared_folder, writable_copy

from cpcdocs import views
from cpcdocs.audit import (
    RULES_IN_WORDS,
    AuditReport,
    audit_pack,
    explain_pack,
    normalise,
    rule_in_words,
)
from cpcdocs.authority import Authority, builtin_authorities
from cpcdocs.errors import ExitStatus, LeakFound
from cpcdocs.extract import extract_bytes
from cpcdocs.load import load_authority, load_case
from cpcdocs.model import PERSONAL_TAGS, Case
from cpcdocs.pack import RenderOptions, render_pack
from cpcdocs.plan import plan_pack
from cpcdocs.search import Excuse, SearchPlan, date_forms, item_needles
from cpcdocs.views import WithheldItem, withheld_items

ISSUED = dt.date(2026, 12, 24)
REFERENCE = "NM-2026-0412"
#: The contract example with its stages' issue dates, so every stage renders on any day.
EXAMPLE = ROOT / "samples" / "example-initial.yaml"
#: A few envelopes are enough to tamper with, and keep the suite quick.
RECIPIENTS = ("mother", "father-maya", "father-theo", "pc-mensah")

# Values from the contract example that some of these readers may not see.
MOTHER_ADDRESS = ("Flat 2", "41 Wren Road", "Northmoor", "NM4 7QT")  # withheld from father-theo
POLICE_TEXT = (
    "Police are investigating an allegation that Mr Quinn assaulted Ms Harrow on 28 November 2026."
)
THEO = "Theo Harrow-Quinn"  # absent for father-maya
MAYA = "Maya Lin Harrow"  # absent for father-theo


@pytest.fixture(scope="module")
def case() -> Case:
    return load_case(EXAMPLE)


@pytest.fixture(scope="module")
def northmoor() -> Authority:
    return load_authority(builtin_authorities()["northmoor"])


@pytest.fixture(scope="module")
def sensitive(case: Case, northmoor: Authority) -> set[str]:
    """Every value any planned document withholds: none may ever be printed by the audit."""
    values = set()
    for doc in plan_pack(case):
        for item in withheld_items(case, northmoor, doc.recipient, doc.profile, doc.child):
            values.update(
                v
                for v in (
                    *item.texts,
                    *(line for address in item.addresses for line in address),
                    *item.names,
                    *item.exact,
                    *(form for day in item.dates for form in date_forms(day)),
                )
                if len(v) > 3
            )
    return values


@pytest.fixture(scope="session")
def clean_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four readers' envelopes of the example, rendered once per test run (read-only)."""
    options = RenderOptions(recipients=RECIPIENTS)
    out = shared_folder(
        tmp_path_factory, "audit-clean", lambda folder: render_pack(EXAMPLE, folder, options)
    )
    return out / REFERENCE


@pytest.fixture
def pack(clean_pack: Path, tmp_path: Path) -> Path:
    """A fresh copy of the clean pack to tamper with."""
    return writable_copy(clean_pack, tmp_path)


def audit(pack: Path, *extra: str) -> tuple[int, str, str]:
    return run_cli("audit", pack, "--case", EXAMPLE, *extra)


def assert_quiet(sensitive: set[str], *outputs: str) -> None:
    """No withheld value in anything the audit printed (logs get copied)."""
    text = "\n".join(outputs)
    leaked = sorted(v for v in sensitive if v in text)
    assert not leaked, f"the audit printed {len(leaked)} withheld value(s)"


def findings(stdout: str) -> list[dict]:
    return json.loads(stdout)["findings"]


# -- helpers that tamper ------------------------------------------------------------------------


def rewrite_part(path: Path, part: str, change: Callable[[bytes], bytes]) -> None:
    """Rewrite one part of a DOCX in place, keeping every other part byte for byte."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    assert part in [info.filename for info, _ in members], part
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info, change(data) if info.filename == part else data)


def split_runs(text: str, at: int) -> bytes:
    """A Word paragraph holding ``text`` split across two runs mid-word, as Word often does."""
    first, second = text[:at], text[at:]
    return (
        f'<w:p><w:r><w:t xml:space="preserve">{first}</w:t></w:r>'
        f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{second}</w:t></w:r></w:p>'
    ).encode()


def insert_after(marker: bytes, payload: bytes) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        index = data.index(marker)
        end = data.index(b">", index) + 1
        return data[:end] + payload + data[end:]

    return change


def pdf_with(path: Path, change: Callable[[pikepdf.Pdf], None]) -> None:
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        change(pdf)
        pdf.save(path)


# -- normalisation and matching ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ﬁne ﬂat", "fine flat"),  # ligatures
        ("Tanner’s Row “quoted”", 'tanner\'s row "quoted"'),
        ("a – b — c − d", "a - b - c - d"),
        ("inves-\ntigating", "investigating"),
        ("inves\u00ad\ntigating", "investigating"),  # a soft hyphen at a line end
        ("soft\u00adhyphen", "softhyphen"),
        ("NM4\u00a07QT", "nm4 7qt"),  # non-breaking space
        ("  many \t\n  spaces\u2003here ", "many spaces here"),
        ("zero\u200bwidth", "zerowidth"),
        ("STRASSE Straße", "strasse strasse"),  # casefold, not lower
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_hyphenated_names_survive_either_reading_of_a_line_end_hyphen() -> None:
    from cpcdocs.audit import _haystack, _words

    hay = _haystack("Alfie Hollis-\nWalsh and inves-\ntigating")
    assert _words("Alfie Hollis-Walsh") in hay
    assert _words("investigating") in hay


def test_a_word_broken_without_a_hyphen_in_laid_out_text_is_found() -> None:
    from cpcdocs.audit import _haystack, _words

    assert _words("15 Marsh Lane") in _haystack("Flat 6, 15 Marsh La\nne", wrapped=True)
    assert _words("15 Marsh Lane") not in _haystack("Flat 6, 15 Marsh La\nne")


def searched(item: WithheldItem, *allowed: str) -> list[str]:
    """The needles the audit searches for ``item`` when the reader may see ``allowed``."""
    from cpcdocs.audit import _words

    excuse = Excuse(phrases="|".join(_words(s) for s in allowed), free="")
    return SearchPlan([item], excuse).needles_of(0)


def test_address_needles_are_lines_and_postcode_forms_less_what_the_reader_may_see() -> None:
    item = WithheldItem("address-withheld", "mother", addresses=(MOTHER_ADDRESS,))
    found = searched(item, "Civic Centre", "Northmoor", "NM1 2AB", "12 Wren Road")
    assert sorted(found) == sorted(
        [
            " flat 2 41 wren road northmoor nm4 7qt ",
            " flat 2 41 wren road ",
            " 41 wren road ",
            " nm4 7qt ",
            " nm47qt ",
        ]
    )  # "wren road" is excused: the reader's own street


def test_lone_short_numbers_are_not_needles() -> None:
    item = WithheldItem("address-withheld", "x", addresses=(("15", "Marsh Lane"),))
    assert [n.words for n in item_needles(item)] == [" 15 marsh lane "]


def test_text_needles_are_the_whole_text_and_its_five_word_phrases() -> None:
    from cpcdocs.audit import _words

    item = WithheldItem("tag:police_investigation", "p", texts=(POLICE_TEXT,))
    shared = "Police are investigating an allegation that"  # also in the letters' wording
    found = searched(item, shared)
    assert _words(POLICE_TEXT) in found
    assert " police are investigating an allegation " not in found
    assert " an allegation that mr quinn " in found
    assert " quinn " in found and " harrow " in found  # names in it, alone


def test_whole_word_matching() -> None:
    from cpcdocs.audit import _haystack

    item = WithheldItem("absent-child", "theo", names=("Theo Harrow",))
    plan = SearchPlan([item], Excuse(phrases="", free=""))
    assert not plan.find(_haystack("Theodore Harrowgate"))
    assert plan.find(_haystack("THEO\nHARROW."))


def test_every_rule_has_words() -> None:
    for tag in PERSONAL_TAGS:
        assert f"personal-tag:{tag}" in RULES_IN_WORDS
        for profile in ("parent", "child"):
            assert "information tagged" not in rule_in_words(f"personal-tag:{tag}", profile)
    for tag in views.ALWAYS_WITHHELD_FROM_FAMILY:
        assert RULES_IN_WORDS[f"tag:{tag}"].endswith("never shared with family members")
    assert "mash_intelligence" in rule_in_words("authority-tag:mash_intelligence", "parent")


# -- extraction: every place a value could hide ---------------------------------------------


def docx_bytes(build: Callable[..., None]) -> bytes:
    import docx

    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def found_in(data: bytes, kind: str, value: str) -> list[str]:
    from cpcdocs.audit import _haystack, _words

    return [
        c.where
        for c in extract_bytes(data, kind)
        if _words(value) in _haystack(c.text, wrapped=c.wrapped)
    ]


DOCX_PLACES: dict[str, Callable[..., None]] = {
    "body split across runs": lambda d: (
        (p := d.add_paragraph()).add_run("41 Wr"),
        p.add_run("en Road"),
    ),
    "header": lambda d: d.sections[0].header.paragraphs[0].add_run("41 Wren Road"),
    "footer": lambda d: d.sections[0].footer.paragraphs[0].add_run("41 Wren Road"),
    "table cell": lambda d: (
        d.add_table(rows=1, cols=1).cell(0, 0).paragraphs[0].add_run("41 Wren Road")
    ),
    "title property": lambda d: setattr(d.core_properties, "title", "41 Wren Road"),
    "comments property": lambda d: setattr(d.core_properties, "comments", "41 Wren Road"),
    "hidden text": lambda d: setattr(
        d.add_paragraph().add_run("41 Wren Road").font, "hidden", True
    ),
    "comment": lambda d: d.add_comment(d.add_paragraph("x").runs[0], text="41 Wren Road"),
}


@pytest.mark.parametrize("place", DOCX_PLACES)
def test_docx_extraction_reaches(place: str) -> None:
    assert found_in(docx_bytes(DOCX_PLACES[place]), "docx", "41 Wren Road")


def test_docx_attribute_values_and_custom_parts_are_read() -> None:
    data = docx_bytes(lambda d: d.add_paragraph("x"))
    control = (
        b'<w:sdt><w:sdtPr><w:alias w:val="Address"/><w:tag w:val="NM4 7QT"/></w:sdtPr>'
        b"<w:sdtContent><w:p/></w:sdtContent></w:sdt>"
        b'<w:p><w:r><w:drawing><wp:docPr id="9" name="pic" descr="Theo Harrow-Quinn"'
        b' xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"/>'
        b"</w:drawing></w:r></w:p>"
    )
    path = io.BytesIO(data)
    with zipfile.ZipFile(path) as archive:
        members = [(i, archive.read(i)) for i in archive.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info, part in members:
            if info.filename == "word/document.xml":
                part = insert_after(b"<w:body", control)(part)
            archive.writestr(info, part)
        archive.writestr("customXml/item9.xml", "<root><v>Flat 2, 41 Wren Road</v></root>")
        archive.writestr("word/glossary/document.xml", "<g><!-- 28 November 2026 --></g>")
        archive.writestr("word/media/image9.png", png_with_text("Taken at 3 Mill Lane"))
    data = out.getvalue()
    assert found_in(data, "docx", "NM4 7QT") == ["word/document.xml (attributes)"]
    assert found_in(data, "docx", THEO) == ["word/document.xml (attributes)"]
    assert found_in(data, "docx", "41 Wren Road") == ["customXml/item9.xml"]
    assert found_in(data, "docx", "28 November 2026") == ["word/glossary/document.xml (attributes)"]
    assert found_in(data, "docx", "3 Mill Lane") == ["word/media/image9.png"]


def png_with_text(text: str) -> bytes:
    """A 1x1 PNG with a text chunk, as cameras and editors write them."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", b"Comment\x00" + text.encode())
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def base_pdf() -> bytes:
    return weasyprint.HTML(string="<p>An ordinary letter.</p>").write_pdf()


def _annotate(pdf: pikepdf.Pdf, **entries: object) -> pikepdf.Dictionary:
    annot = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Annot, Rect=[0, 0, 10, 10], **entries)
    )
    page = pdf.pages[0]
    page.obj.Annots = pdf.make_indirect(pikepdf.Array([*page.obj.get("/Annots", []), annot]))
    return annot


def _form_field(pdf: pikepdf.Pdf) -> None:
    field = _annotate(
        pdf,
        Subtype=pikepdf.Name.Widget,
        FT=pikepdf.Name.Tx,
        T=pikepdf.String("address"),
        V=pikepdf.String("41 Wren Road"),
    )
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=[field])


def _xmp(pdf: pikepdf.Pdf) -> None:
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:description"] = "Flat 2, 41 Wren Road"


def _outline(pdf: pikepdf.Pdf) -> None:
    with pdf.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem("41 Wren Road", 0))


def _struct_alt(pdf: pikepdf.Pdf) -> None:
    figure = pikepdf.Dictionary(S=pikepdf.Name.Figure, Alt=pikepdf.String("41 Wren Road"))
    pdf.Root.StructTreeRoot = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot, K=pdf.make_indirect(figure))
    )


def _attachment(pdf: pikepdf.Pdf) -> None:
    pdf.attachments["notes.txt"] = pikepdf.AttachedFileSpec(pdf, b"She lives at 41 Wren Road.")


PDF_PLACES: dict[str, Callable[[pikepdf.Pdf], None]] = {
    "info dictionary": lambda pdf: pdf.docinfo.__setitem__(
        "/Subject", pikepdf.String("41 Wren Road")
    ),
    "annotation contents": lambda pdf: _annotate(
        pdf, Subtype=pikepdf.Name.Text, Contents=pikepdf.String("41 Wren Road")
    ),
    "annotation author": lambda pdf: _annotate(
        pdf, Subtype=pikepdf.Name.Text, T=pikepdf.String("41 Wren Road")
    ),
    "link target": lambda pdf: _annotate(
        pdf,
        Subtype=pikepdf.Name.Link,
        A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://x/41 Wren Road")),
    ),
    "form field value": _form_field,
    "XMP metadata": _xmp,
    "outline title": _outline,
    "structure tree alt text": _struct_alt,
    "embedded file": _attachment,
}


@pytest.mark.parametrize("place", PDF_PLACES)
def test_pdf_extraction_reaches(place: str, base_pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(base_pdf)
    pdf_with(path, PDF_PLACES[place])
    assert found_in(path.read_bytes(), "pdf", "41 Wren Road")


def test_pdf_page_text_with_ligatures_hyphenation_and_odd_spaces() -> None:
    html = (
        '<p style="width: 4em; hyphens: manual">The of\u00adfice at 41&nbsp;Wren Road</p>'
        "<p>a ﬁne day</p>"
    )
    data = weasyprint.HTML(string=html).write_pdf()
    assert found_in(data, "pdf", "41 Wren Road") == ["page 1"]
    assert found_in(data, "pdf", "office") == ["page 1"]
    assert found_in(data, "pdf", "fine day") == ["page 1"]


@pytest.mark.parametrize(
    "style",
    [
        "position: absolute; left: -80mm",  # drawn off the page, to the left
        "position: absolute; top: 400mm",  # below the page's bottom edge
        "color: white",  # white on white
        "font-size: 0.5pt",  # too small to see
    ],
)
def test_page_text_a_reader_cannot_see_is_still_read(style: str) -> None:
    html = f'<p>An ordinary letter.</p><p style="{style}">41 Wren Road</p>'
    data = weasyprint.HTML(string=html).write_pdf()
    assert found_in(data, "pdf", "41 Wren Road") == ["page 1"]


def test_invisible_text_render_mode_is_read(base_pdf: bytes, tmp_path: Path) -> None:
    """Text in render mode 3 (as OCR layers are written) shows nothing and selects as text."""
    path = tmp_path / "x.pdf"
    path.write_bytes(base_pdf)

    def hidden(pdf: pikepdf.Pdf) -> None:
        page = pdf.pages[0]
        font = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
            )
        )
        resources = page.obj.Resources
        fonts = resources.get("/Font", pikepdf.Dictionary())
        fonts.Hidden = font
        resources.Font = fonts
        page.contents_add(
            pikepdf.Stream(pdf, b"BT /Hidden 10 Tf 3 Tr 50 50 Td (41 Wren Road) Tj ET"),
            prepend=False,
        )

    pdf_with(path, hidden)
    assert "page 1" in found_in(path.read_bytes(), "pdf", "41 Wren Road")


def test_a_damaged_file_is_unreadable_not_clean() -> None:
    from cpcdocs.extract import ExtractionError

    with pytest.raises(ExtractionError):
        extract_bytes(b"PK\x03\x04 not really a zip", "docx")
    with pytest.raises(ExtractionError):
        extract_bytes(b"%PDF-1.7 nothing else", "pdf")


# -- the clean pack, and every way of breaking it ----------------------------------------------


@pytest.mark.slow
def test_the_clean_pack_audits_clean(clean_pack: Path, case: Case, northmoor: Authority) -> None:
    report = audit_pack(clean_pack, case, northmoor)
    assert isinstance(report, AuditReport)
    assert report.clean and not report.leaked and report.exit_status is ExitStatus.OK
    assert report.files == len(json.loads((clean_pack / "manifest.json").read_text())["documents"])
    code, stdout, _ = audit(clean_pack, "--format", "json")
    assert code == 0
    assert json.loads(stdout) == {
        "pack": str(clean_pack),
        "case": REFERENCE,
        "clean": True,
        "files": report.files,
        "findings": [],
    }


@pytest.mark.slow
def test_swapped_envelopes_are_caught_by_content_and_by_hash(
    pack: Path, sensitive: set[str]
) -> None:
    # The mother's decision letter names Theo and carries her address: in father-maya's
    # envelope Theo is a child he holds no PR for, in father-theo's the address is a safe one.
    a, b = (
        pack / "decision/mother/decision_letter.pdf",
        pack / "decision/father-theo/decision_letter.pdf",
    )
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    c, d = (
        pack / "invitations/mother/invitation.docx",
        pack / "invitations/father-maya/invitation.docx",
    )
    data_c, data_d = c.read_bytes(), d.read_bytes()
    c.write_bytes(data_d)
    d.write_bytes(data_c)
    code, stdout, stderr = audit(pack, "--format", "json")
    assert code == ExitStatus.LEAK
    got = {(f["document"], f["kind"], f["rule"], f["item"]) for f in findings(stdout)}
    assert ("decision/father-theo/decision_letter.pdf", "leak", "address-withheld", "mother") in got
    assert ("decision/father-theo/decision_letter.pdf", "leak", "absent-child", "maya") in got
    assert ("invitations/father-maya/invitation.docx", "leak", "absent-child", "theo") in got
    for path in ("decision/mother/decision_letter.pdf", "decision/father-theo/decision_letter.pdf"):
        assert (path, "hash-mismatch", None, None) in got
    assert_quiet(sensitive, stdout, stderr)


DOCX_INJECTIONS = {
    "body": ("word/document.xml", b"<w:body", split_runs("Flat 2, 41 Wren Road", 9)),
    "header": ("word/header1.xml", b"<w:hdr", split_runs("NM47QT", 3)),
    "footer": ("word/footer1.xml", b"<w:ftr", split_runs("41 Wren Road", 4)),
    "core properties": ("docProps/core.xml", b"<dc:title", b"Flat 2 41 Wren Road "),
    "app properties": (
        "docProps/app.xml",
        b"<Properties",
        b"<Company>41 Wren Road, NM4 7QT</Company>",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("place", DOCX_INJECTIONS)
def test_a_safe_address_injected_into_a_docx_is_a_leak(
    pack: Path, place: str, sensitive: set[str]
) -> None:
    part, marker, payload = DOCX_INJECTIONS[place]
    target = pack / "decision/father-theo/decision_letter.docx"
    rewrite_part(target, part, insert_after(marker, payload))
    code, stdout, stderr = audit(pack, "--format", "json")
    assert code == ExitStatus.LEAK  # even though the hash no longer matches either
    leaks = [f for f in findings(stdout) if f["kind"] == "leak"]
    assert [(f["document"], f["rule"], f["item"]) for f in leaks] == [
        ("decision/father-theo/decision_letter.docx", "address-withheld", "mother")
    ]
    assert part in leaks[0]["where"]
    assert any(f["kind"] == "hash-mismatch" for f in findings(stdout))
    assert_quiet(sensitive, stdout, stderr)


def _reflowed_pdf() -> bytes:
    """The police allegation re-set in a narrow column: hyphenated, ligatures, curly quotes."""
    phrase = "Mr Quinn assaulted Ms\u00a0Harrow on 28 Novem\u00adber 2026"
    html = (
        '<html lang="en"><body><p>Dear Mr Lin,</p>'
        f'<p style="width: 7em; hyphens: auto">Officers said that {phrase}.</p></body></html>'
    )
    return weasyprint.HTML(string=html).write_pdf()


PDF_INJECTIONS: dict[str, Callable[[Path], None]] = {
    "page text": lambda path: path.write_bytes(_reflowed_pdf()),
    "info subject": lambda path: pdf_with(
        path,
        lambda pdf: pdf.docinfo.__setitem__(
            "/Subject", pikepdf.String("that Mr Quinn assaulted Ms Harrow")
        ),
    ),
    "XMP description": lambda path: pdf_with(
        path,
        lambda pdf: _xmp_text(pdf, "an allegation that Mr Quinn assaulted"),
    ),
    "annotation": lambda path: pdf_with(
        path,
        lambda pdf: _annotate(
            pdf,
            Subtype=pikepdf.Name.Text,
            Contents=pikepdf.String("Note: Mr Quinn assaulted Ms Harrow on 28 November"),
        ),
    ),
}


def _xmp_text(pdf: pikepdf.Pdf, text: str) -> None:
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:description"] = text


@pytest.mark.slow
@pytest.mark.parametrize("place", PDF_INJECTIONS)
def test_a_police_phrase_injected_into_a_pdf_is_a_leak(
    pack: Path, place: str, sensitive: set[str]
) -> None:
    PDF_INJECTIONS[place](pack / "decision/father-maya/decision_letter.pdf")
    code, stdout, stderr = audit(pack, "--format", "json")
    assert code == ExitStatus.LEAK
    leaks = [(f["document"], f["rule"], f["item"]) for f in findings(stdout) if f["kind"] == "leak"]
    # For Daniel Lin the item is first of all about a child he holds no PR for.
    assert leaks == [
        ("decision/father-maya/decision_letter.pdf", "other-child", "police-investigation")
    ]
    assert_quiet(sensitive, stdout, stderr)


@pytest.mark.slow
def test_integrity_problems_alone_exit_1(pack: Path, sensitive: set[str]) -> None:
    (pack / "decision/mother/notes.txt").write_text("Remember to post on Monday.\n")
    with (pack / "invitations/pc-mensah/invitation.pdf").open("ab") as handle:
        handle.write(b"\n")  # one byte more: still a readable PDF, no longer the listed one
    (pack / "invitations/father-maya/invitation.docx").unlink()
    code, stdout, stderr = audit(pack)
    assert code == ExitStatus.FINDINGS
    assert "UNLISTED  decision/mother/notes.txt" in stdout
    assert "HASH-MISMATCH  invitations/pc-mensah/invitation.pdf" in stdout
    assert "MISSING  invitations/father-maya/invitation.docx" in stdout
    assert "0 leak(s), 3 integrity problem(s)" in stdout
    assert_quiet(sensitive, stdout, stderr)


@pytest.mark.slow
def test_an_unlisted_file_is_still_read_as_its_envelope_would(
    pack: Path, sensitive: set[str]
) -> None:
    (pack / "decision/father-theo/cover-note.txt").write_text(
        "Reply to Flat 2, 41 Wren Road please."
    )
    code, stdout, stderr = audit(pack, "--format", "json")
    assert code == ExitStatus.LEAK
    kinds = {(f["document"], f["kind"], f["rule"]) for f in findings(stdout)}
    assert ("decision/father-theo/cover-note.txt", "unlisted", None) in kinds
    assert ("decision/father-theo/cover-note.txt", "leak", "address-withheld") in kinds
    assert_quiet(sensitive, stdout, stderr)


@pytest.mark.slow
def test_a_manifest_that_gives_a_parent_the_professional_profile_is_not_planned(
    pack: Path,
) -> None:
    manifest = json.loads((pack / "manifest.json").read_text())
    for entry in manifest["documents"]:
        if entry["path"] == "decision/father-theo/decision_letter.pdf":
            entry["profile"] = "professional"
        if entry["path"] == "invitations/mother/invitation.pdf":
            entry["recipient"] = "pc-mensah"
    (pack / "manifest.json").write_text(json.dumps(manifest))
    code, stdout, _ = audit(pack, "--format", "json")
    assert code == ExitStatus.FINDINGS
    got = {(f["document"], f["kind"]) for f in findings(stdout)}
    assert ("decision/father-theo/decision_letter.pdf", "not-planned") in got
    assert ("invitations/mother/invitation.pdf", "wrong-recipient") in got


@pytest.mark.slow
def test_a_kind_the_plan_does_not_give_that_recipient(pack: Path) -> None:
    # father-theo is fully excluded: he gets no invitation. A copy slipped in (and listed in
    # the manifest with a correct hash) is still reported.
    source = pack / "invitations/father-maya/invitation.pdf"
    target = pack / "invitations/father-theo/invitation.pdf"
    target.parent.mkdir()
    shutil.copy(source, target)
    manifest = json.loads((pack / "manifest.json").read_text())
    entry = next(
        e for e in manifest["documents"] if e["path"] == "invitations/father-maya/invitation.pdf"
    )
    manifest["documents"].append(
        {**entry, "path": "invitations/father-theo/invitation.pdf", "recipient": "father-theo"}
    )
    (pack / "manifest.json").write_text(json.dumps(manifest))
    code, stdout, _ = audit(pack, "--format", "json")
    got = {(f["document"], f["kind"], f["rule"]) for f in findings(stdout)}
    assert ("invitations/father-theo/invitation.pdf", "not-planned", None) in got
    # and its content is read as father-theo's: Maya is a child he may not know about
    assert ("invitations/father-theo/invitation.pdf", "leak", "absent-child") in got
    assert code == ExitStatus.LEAK


@pytest.mark.slow
def test_without_a_manifest_every_file_is_still_audited(pack: Path) -> None:
    (pack / "manifest.json").unlink()
    code, stdout, _ = audit(pack)
    assert code == ExitStatus.FINDINGS and "BAD-MANIFEST" in stdout
    rewrite_part(
        pack / "decision/father-theo/decision_letter.docx",
        "word/document.xml",
        insert_after(b"<w:body", split_runs("41 Wren Road", 2)),
    )
    code, stdout, _ = audit(pack)
    assert code == ExitStatus.LEAK


@pytest.mark.slow
def test_a_damaged_file_is_an_integrity_problem(pack: Path) -> None:
    path = pack / "invitations/mother/invitation.docx"
    path.write_bytes(path.read_bytes()[:200])
    code, stdout, _ = audit(pack, "--format", "json")
    assert code == ExitStatus.FINDINGS
    got = {(f["document"], f["kind"]) for f in findings(stdout)}
    assert ("invitations/mother/invitation.docx", "unreadable") in got


@pytest.mark.slow
def test_the_real_entry_point_exits_3_and_prints_no_value(pack: Path, sensitive: set[str]) -> None:
    rewrite_part(
        pack / "decision/father-theo/decision_letter.docx",
        "docProps/core.xml",
        insert_after(b"<dc:title", f"{MAYA}: ".encode()),
    )
    code, stdout, stderr = run_subprocess("audit", pack, "--case", EXAMPLE)
    assert code == 3, stderr
    assert "LEAK  decision/father-theo/decision_letter.docx  recipient=father-theo" in stdout
    assert "rule=absent-child  item=maya  (in docProps/core.xml)" in stdout
    assert_quiet(sensitive, stdout, stderr)


# -- explain ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_explain_lists_every_redaction_with_its_reason_and_no_value(
    clean_pack: Path, case: Case, northmoor: Authority, sensitive: set[str]
) -> None:
    code, stdout, stderr = run_cli("explain", clean_pack, "father-theo", "--case", EXAMPLE)
    assert code == 0, stderr
    header = next(line for line in stdout.splitlines() if "decision_letter.pdf" in line)
    assert "decision/father-theo/decision_letter.docx" in header
    assert "  address-withheld: mother\n      a safe address:" in stdout
    assert "  absent-child: maya\n" in stdout
    assert (
        "  tag:police_investigation: police-investigation\n"
        "      police investigation material is never shared with family members"
    ) in stdout
    assert "exclusion-summary" not in stdout  # his own exclusion's reasons are his to read
    assert_quiet(sensitive, stdout, stderr)
    documents = explain_pack(clean_pack, case, northmoor, "father-theo")
    manifest = json.loads((clean_pack / "manifest.json").read_text())
    for doc in documents:
        entry = next(e for e in manifest["documents"] if e["path"] == doc.paths[0])
        assert doc.counts == entry["withheld"]  # the manifest's record agrees with the rules


@pytest.mark.slow
def test_explain_for_a_professional_and_for_no_one(pack: Path) -> None:
    # A manifest in the contract's own shape (no "child" key): the file name says the child.
    manifest = json.loads((pack / "manifest.json").read_text())
    for entry in manifest["documents"]:
        del entry["child"]
    (pack / "manifest.json").write_text(json.dumps(manifest))
    code, stdout, _ = run_cli("explain", pack, "pc-mensah", "--case", EXAMPLE)
    assert code == 0
    assert "invitations/pc-mensah/report_proforma-maya.docx (report_proforma, about maya;" in stdout
    # the proforma about Maya holds nothing about Theo: his item, and his plan's text items
    assert (
        "  per-child-document: police-investigation, people.father-theo.exclusion.summary, "
        "plan.theo.outcomes.0" in stdout
    )
    assert "note: the manifest's counts differ" not in stdout
    code, _, stderr = run_cli("explain", pack, "nobody", "--case", EXAMPLE)
    assert code == ExitStatus.INVALID_INPUT and "no recipient has id 'nobody'" in stderr


# -- the gate: render never publishes a pack that leaks ------------------------------------------


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An earlier, clean pack for the case, and the hash of every file in it."""
    options = RenderOptions(recipients=("father-theo",))
    result = render_pack(EXAMPLE, tmp_path / "out", options)
    return tmp_path / "out", _snapshot(result.path)


def _buggy_builders() -> dict[str, Callable[..., object]]:
    real_build, real_person = views.build_view, views._person_view

    def professional_for_everyone(*args: object, **kwargs: object) -> object:
        kwargs["profile"] = views.Profile.PROFESSIONAL
        return real_build(*args, **kwargs)  # type: ignore[arg-type]

    def person_view_ignoring_safe_addresses(case: Case, vis: object, person: object) -> object:
        class Careless:
            def __getattr__(self, name: str) -> object:
                return getattr(vis, name)

            def address_withheld(self, owner: object) -> bool:
                return False

        return real_person(case, Careless(), person)  # type: ignore[arg-type]

    return {
        "build_view uses the professional profile": professional_for_everyone,
        "_person_view ignores safe addresses": person_view_ignoring_safe_addresses,
    }


@pytest.mark.slow
@pytest.mark.parametrize("bug", list(_buggy_builders()))
def test_a_view_builder_bug_is_stopped_at_the_gate(
    bug: str,
    published: tuple[Path, dict[str, str]],
    leaky_templates: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A view that wrongly holds a safe address, rendered by a template that prints it."""
    import cpcdocs.pack

    out, before = published
    patched = _buggy_builders()[bug]
    if bug.startswith("build_view"):
        monkeypatch.setattr(cpcdocs.pack, "build_view", patched)
    else:
        monkeypatch.setattr(views, "_person_view", patched)
    options = RenderOptions(recipients=("father-theo",), templates=leaky_templates)
    with pytest.raises(LeakFound) as caught:
        render_pack(EXAMPLE, out, options)
    assert caught.value.exit_status == ExitStatus.LEAK == 3
    assert "rule=address-withheld  item=mother" in caught.value.message
    for value in (*MOTHER_ADDRESS[:2], MAYA, POLICE_TEXT):
        assert value not in caught.value.message
    assert _snapshot(out / REFERENCE) == before  # the earlier pack is untouched
    assert sorted(p.name for p in out.iterdir()) == [REFERENCE]  # no staging left behind


@pytest.mark.slow
def test_the_gate_through_the_cli_exits_3_and_publishes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sensitive: set[str]
) -> None:
    import cpcdocs.pack

    monkeypatch.setattr(
        cpcdocs.pack, "build_view", _buggy_builders()["build_view uses the professional profile"]
    )
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("render", EXAMPLE, "-o", out, "--recipient", "father-maya")
    assert code == 3
    assert "absent-child" in stderr and "nothing was published" in stderr
    assert not (out / REFERENCE).exists()
    assert_quiet(sensitive, stdout, stderr)


LEAKY_LETTER = """\
<p>{{ view.recipient.salutation }},</p>
<h2>Every address this copy holds</h2>
{% for p in view.people %}
<p>{{ p.name }}: {% if p.address %}{{ p.address.lines | address_lines(", ") }}{% endif %}</p>
{% if p.exclusion and p.exclusion.summary %}<p>{{ p.exclusion.summary }}</p>{% endif %}
{% endfor %}
<h2>Every child and item this copy holds</h2>
{% for c in view.children %}<p>{{ c.name }}, born {{ c.date_of_birth }}</p>{% endfor %}
{% for i in view.information %}<p>{{ i.text }}</p>{% endfor %}
"""


@pytest.fixture
def leaky_templates(tmp_path: Path) -> Path:
    """A --templates folder whose letters print every address, child, item and summary."""
    folder = tmp_path / "templates"
    (folder / "letters").mkdir(parents=True)
    for kind in ("invitation", "exclusion_notice", "decision_letter"):
        (folder / "letters" / f"{kind}.html.j2").write_text(LEAKY_LETTER)
    return folder


@pytest.mark.slow
def test_a_template_that_prints_everything_can_only_print_the_view(
    tmp_path: Path, leaky_templates: Path, case: Case, northmoor: Authority
) -> None:
    """Why template leaks are impossible: a template is handed the view and nothing else.

    The override prints every address, child, item and exclusion summary it is given. The
    professional's copy therefore shows the mother's safe address and the police allegation;
    the copies for the family hold none of what they may not see, so the audit passes and the
    pack is published.
    """
    out = tmp_path / "out"
    code, _, stderr = run_cli(
        "render", EXAMPLE, "-o", out, "--templates", leaky_templates,
        "--only", "invitation", "--recipient", "mother,father-maya,pc-mensah",
    )  # fmt: skip
    assert code == 0, stderr
    pack = out / REFERENCE
    from cpcdocs.audit import _haystack, _words

    def text_of(rel: str) -> str:
        chunks = extract_bytes((pack / rel).read_bytes(), "pdf")
        return "|".join(_haystack(c.text, wrapped=c.wrapped) for c in chunks)

    professional = text_of("invitations/pc-mensah/invitation.pdf")
    assert _words("41 Wren Road") in professional and _words(POLICE_TEXT) in professional
    father = text_of("invitations/father-maya/invitation.pdf")
    assert _words(THEO) not in father and _words(POLICE_TEXT) not in father
    assert _words("41 Wren Road") in father  # not withheld from him: he may see it
    assert audit_pack(pack, case, northmoor).clean


def test_a_view_never_excuses_the_values_it_attributes_to_something_withheld(
    case: Case, northmoor: Authority
) -> None:
    """If a buggy view held the mother's address, the audit must not treat it as allowed."""
    from cpcdocs.audit import _Hidden, view_strings

    father_theo = views.Recipient("person", "father-theo")
    items = withheld_items(case, northmoor, father_theo)
    professional = views.build_view(
        case, northmoor, father_theo, kind="decision_letter", issued_on=ISSUED,
        profile=views.Profile.PROFESSIONAL,
    )  # fmt: skip
    everything = set(view_strings(professional))
    assert {"41 Wren Road", MAYA, POLICE_TEXT} <= everything
    allowed = set(view_strings(professional, _Hidden.of(items)))
    assert not {"41 Wren Road", MAYA, POLICE_TEXT, "14 September 2013"} & allowed
    assert "Northmoor" in allowed  # still in the council's and the venue's addresses


@pytest.mark.slow
def test_auditing_with_another_case_file_says_so(pack: Path) -> None:
    other = next(p for p in SAMPLES if p.stem == "split-family-three-fathers")
    code, stdout, _ = run_cli("audit", pack, "--case", other)
    assert code == ExitStatus.FINDINGS
    assert "WRONG-CASE  manifest.json: the manifest is for another case" in stdout


@pytest.mark.slow
def test_explain_notes_a_case_changed_since_rendering(clean_pack: Path, tmp_path: Path) -> None:
    changed = tmp_path / "case.yaml"
    changed.write_text(
        EXAMPLE.read_text().replace(
            "\ninformation:\n",
            "\ninformation:\n  - {id: added, children: [maya], kind: fact,"
            " tags: [third_party], text: A late addition.}\n",
        )
    )
    code, stdout, _ = run_cli("explain", clean_pack, "father-maya", "--case", changed)
    assert code == 0
    assert "  tag:third_party: added, neighbour-report\n" in stdout
    assert "note: the manifest's counts differ" in stdout
