"""The Word forms that come back: identification, sharing controls, language, clean packages.

Forms are rendered for the contract's example record (copied into ``tests/forms/case.yaml``)
by calling the renderer directly (:func:`cpcdocs.forms.render_form`), not through a pack.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from cpcdocs.forms import (
    DESCRIPTOR_PART,
    FORM_NS,
    FORM_VERSION,
    RECORD_FORM_SECTIONS,
    REPORT_FORM_SECTIONS,
    descriptor_for,
    form_views,
    render_form,
)
from cpcdocs.load import load_case, resolve_authority
from cpcdocs.pack import get_renderer

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "tests" / "forms" / "case.yaml"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[object, dict[str, bytes]]]:
    """Every returnable form of the example case: name -> (view, parts)."""
    case = load_case(CASE)
    authority = resolve_authority(case, case_file=str(CASE))
    out = {}
    for name, view in form_views(case, authority, dt.date(2026, 12, 14)):
        data = render_form(get_renderer(), view)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            out[name] = (view, {n: archive.read(n) for n in archive.namelist()})
    return out


def _doc(parts: dict[str, bytes]) -> etree._Element:
    return etree.fromstring(parts["word/document.xml"])


def _sdts(root: etree._Element) -> dict[str, etree._Element]:
    out = {}
    for sdt in root.iter(f"{W}sdt"):
        tag = sdt.find(f"{W}sdtPr/{W}tag")
        if tag is not None:
            out[tag.get(f"{W}val")] = sdt
    return out


def _lock(sdt: etree._Element) -> str | None:
    lock = sdt.find(f"{W}sdtPr/{W}lock")
    return lock.get(f"{W}val") if lock is not None else None


def test_the_distribution_of_forms(rendered) -> None:
    assert sorted(rendered) == [
        "child_report-sw-patel-maya.docx",
        "child_report-sw-patel-theo.docx",
        "record_shell-mt-doyle.docx",
        "report_proforma-gp-shah-maya.docx",
        "report_proforma-gp-shah-theo.docx",
        "report_proforma-hv-byrne-theo.docx",
        "report_proforma-pc-mensah-maya.docx",
        "report_proforma-pc-mensah-theo.docx",
        "report_proforma-teacher-ames-maya.docx",
    ]


def test_each_form_carries_its_descriptor(rendered) -> None:
    for name, (view, parts) in rendered.items():
        root = etree.fromstring(parts[DESCRIPTOR_PART])
        assert root.tag == f"{{{FORM_NS}}}form", name
        expected = descriptor_for(view)
        assert root.get("case") == "NM-2026-0412"
        assert root.get("kind") == view.kind
        assert root.get("author") == view.recipient.id
        assert root.get("child") == (view.child.id if view.child else "")
        assert root.get("version") == FORM_VERSION
        assert root.get("digest") == expected.digest()
        # Word finds the part through the document's relationship
        assert b"../customXml/item1.xml" in parts["word/_rels/document.xml.rels"]
        assert b"customXmlProperties+xml" in parts["[Content_Types].xml"]


def test_identification_is_in_locked_controls(rendered) -> None:
    _view, parts = rendered["report_proforma-pc-mensah-theo.docx"]
    sdts = _sdts(_doc(parts))
    shown = {
        tag: "".join(t.text or "" for t in sdts[tag].iter(f"{W}t"))
        for tag in ("cpcdocs:case", "cpcdocs:kind", "cpcdocs:author", "cpcdocs:child")
    }
    assert shown == {
        "cpcdocs:case": "NM-2026-0412",
        "cpcdocs:kind": "report_proforma",
        "cpcdocs:author": "pc-mensah",
        "cpcdocs:child": "theo",
    }
    for tag in (*shown, "cpcdocs:form-version"):
        assert _lock(sdts[tag]) == "sdtContentLocked"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("report_proforma-teacher-ames-maya.docx", "report_proforma"),
        ("child_report-sw-patel-theo.docx", "child_report"),
    ],
)
def test_every_report_section_has_text_sharing_and_about_controls(rendered, name, kind) -> None:
    view, parts = rendered[name]
    root = _doc(parts)
    sdts = _sdts(root)
    bookmarks = {b.get(f"{W}name") for b in root.iter(f"{W}bookmarkStart")}
    people = [p.id for p in view.people] + [c.id for c in view.children]
    for index, section in enumerate(REPORT_FORM_SECTIONS[kind]):
        assert f"cpcdocs_s{index}" in bookmarks
        text = sdts[f"cpcdocs:text:{section.key}"]
        assert _lock(text) == "sdtLocked"
        share = sdts[f"cpcdocs:share:{section.key}"]
        items = [i.get(f"{W}displayText") for i in share.iter(f"{W}listItem")]
        assert items == ["Yes", "No"]
        for pid in people:
            box = sdts[f"cpcdocs:about:{section.key}:{pid}"]
            assert box.find(f"{W}sdtPr/{W14}checkbox") is not None
    assert sdts["cpcdocs:report-share"] is not None
    assert sdts["cpcdocs:not-shared-reason"] is not None
    assert "cpcdocs_sharing" in bookmarks


def test_the_people_listed_come_from_the_view(rendered) -> None:
    """A professional's view lists every family member, and the form's own child."""
    _view, parts = rendered["report_proforma-hv-byrne-theo.docx"]
    root = etree.fromstring(parts[DESCRIPTOR_PART])
    about = [e.get("id") for e in root.find(f"{{{FORM_NS}}}about")]
    assert about == ["mother", "father-maya", "father-theo", "advocate-rees", "grandmother", "theo"]
    text = b"".join(parts["word/document.xml"].split(b"<")).decode()
    assert "Halina Harrow (grandmother)" in text


def test_record_shell_has_attendance_and_a_part_per_child(rendered) -> None:
    view, parts = rendered["record_shell-mt-doyle.docx"]
    sdts = _sdts(_doc(parts))
    everyone = [p.id for p in view.people] + ["maya", "theo"] + [p.id for p in view.professionals]
    for pid in everyone:
        assert f"cpcdocs:present:{pid}" in sdts
        assert f"cpcdocs:apologies:{pid}" in sdts
    for child in ("maya", "theo"):
        for section in RECORD_FORM_SECTIONS:
            sid = f"{child}/{section.key}"
            assert f"cpcdocs:text:{sid}" in sdts
            assert f"cpcdocs:share:{sid}" in sdts
            assert f"cpcdocs:about:{sid}:mother" in sdts
    root = etree.fromstring(parts[DESCRIPTOR_PART])
    sections = [e.get("id") for e in root.find(f"{{{FORM_NS}}}sections")]
    assert sections[:2] == ["maya/information", "maya/parents_views"]
    assert len(sections) == 2 * len(RECORD_FORM_SECTIONS)


def test_british_english_and_no_default_template_leftovers(rendered) -> None:
    for name, (_, parts) in rendered.items():
        styles = etree.fromstring(parts["word/styles.xml"])
        lang = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
        assert lang.get(f"{W}val") == "en-GB", name
        settings = etree.fromstring(parts["word/settings.xml"])
        assert settings.find(f"{W}themeFontLang").get(f"{W}val") == "en-GB"
        for leftover in (
            "word/stylesWithEffects.xml",
            "word/webSettings.xml",
            "word/numbering.xml",
            "docProps/thumbnail.jpeg",
            "customXml/item2.xml",
        ):
            assert leftover not in parts, (name, leftover)
        for part, blob in parts.items():
            assert b"python-docx" not in blob, (name, part)
            assert b"Microsoft Macintosh Word" not in blob, (name, part)
        assert b"numbering" not in parts["word/_rels/document.xml.rels"]


@pytest.mark.parametrize("name", ["report_proforma", "child_report", "record_shell"])
def test_forms_use_only_the_view(name: str) -> None:
    assert get_renderer()._docx_engine().undeclared(f"docx/{name}.docx") == {"view"}


def test_control_and_bookmark_ids_are_unique(rendered) -> None:
    """Word repairs a document whose content controls or bookmarks share an id."""
    for name, (_, parts) in rendered.items():
        root = _doc(parts)
        ids = [s.find(f"{W}sdtPr/{W}id").get(f"{W}val") for s in root.iter(f"{W}sdt")]
        assert len(ids) == len(set(ids)), name
        marks = [(b.get(f"{W}id"), b.get(f"{W}name")) for b in root.iter(f"{W}bookmarkStart")]
        assert len({i for i, _ in marks}) == len({n for _, n in marks}) == len(marks), name
        assert all(len(n) <= 40 for _, n in marks), name
