"""The chair's review sheet (`explain PACK --format html`): content, escaping, CLI, browser.

The sheet reads a pack's manifest, never its files, so most tests give it a pack folder holding
only a manifest built from the plan of the contract's v2 example (every recipient, every stage),
which takes milliseconds; one slow test renders a real pack and runs the real command on it.
The browser test opens the sheet in Debian's headless ``chromium`` with name resolution turned
off, takes a screenshot and prints it to PDF. With ``CPCDOCS_UPDATE_SCREENSHOTS=1`` it also
saves the screenshot the README shows (``docs/review-sheet.png``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import lxml.html
import pypdfium2
import pytest
import yaml
from conftest import ROOT, run_cli, run_subprocess
from PIL import Image

from cpcdocs.audit import BESIDE_PACK, rule_in_words
from cpcdocs.authority import Authority
from cpcdocs.errors import CpcdocsError, ExitStatus
from cpcdocs.load import load_case, resolve_authority
from cpcdocs.model import Case
from cpcdocs.plan import plan_pack
from cpcdocs.review import (
    PREVIEW_WORDS,
    REVIEW_FILE,
    _css_string,
    build_review,
    first_words,
    render_review,
    write_review,
)
from cpcdocs.rules import withheld_counts, withheld_items

RECORD = ROOT / "samples" / "example-record.yaml"
REFERENCE = "NM-2026-0412"
WRITTEN = dt.date(2027, 1, 14)
POLICE_TEXT_START = "Police are investigating an allegation that Mr Quinn"
MOTHER_ADDRESS = ("41 Wren Road", "NM4 7QT")
SCREENSHOT = ROOT / "docs" / "review-sheet.png"


# -- fixtures: a pack folder holding the manifest the example's plan gives ------------------------


def fake_pack(case: Case, authority: Authority, folder: Path) -> Path:
    """A pack folder with only ``manifest.json``, as ``render`` would write it for ``case``.

    Each planned document gets one entry per format, with its stage's issue date from the
    case's ``issued:`` and the withheld counts the rules give; no file is rendered, since the
    review sheet reads nothing else.
    """
    pack = folder / case.case.reference
    pack.mkdir(parents=True)
    documents = []
    for doc in plan_pack(case):
        issued = getattr(case.issued, doc.stage.value)
        counts = withheld_counts(
            withheld_items(case, authority, doc.recipient, doc.profile, doc.child)
        )
        for fmt, path in zip(doc.formats, doc.paths(), strict=True):
            documents.append(
                {
                    "path": path,
                    "stage": doc.stage.value,
                    "kind": doc.kind.value,
                    "recipient": doc.recipient.id,
                    "recipient_type": doc.recipient.kind,
                    "profile": doc.profile.value,
                    "child": doc.child,
                    "children": list(doc.children),
                    "author": doc.author,
                    "format": fmt,
                    "issued_on": issued.isoformat(),
                    "withheld": counts,
                }
            )
    manifest = {"case": case.case.reference, "authority": authority.id, "documents": documents}
    (pack / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return pack


@pytest.fixture(scope="module")
def case() -> Case:
    return load_case(RECORD)


@pytest.fixture(scope="module")
def authority(case: Case) -> Authority:
    return resolve_authority(case, None, case_file=RECORD)


@pytest.fixture(scope="module")
def pack(case: Case, authority: Authority, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fake_pack(case, authority, tmp_path_factory.mktemp("review"))


@pytest.fixture(scope="module")
def html(pack: Path, case: Case, authority: Authority) -> str:
    return render_review(build_review(pack, case, authority, written_on=WRITTEN))


@pytest.fixture(scope="module")
def page(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def text_of(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def reader_section(page: lxml.html.HtmlElement, rid: str) -> lxml.html.HtmlElement:
    return page.get_element_by_id(f"reader-{rid}")


def withheld_rows(page: lxml.html.HtmlElement, rid: str) -> dict[tuple[str, str], list[str]]:
    """(rule, item id) -> the row's cells (id, first words, kept out of), for one reader."""
    rows = {}
    for body in reader_section(page, rid).cssselect("table.withheld tbody"):
        for tr in body.cssselect("tr[data-item]"):
            rows[(body.get("data-rule"), tr.get("data-item"))] = [
                text_of(c) for c in tr.cssselect("th, td")
            ]
    return rows


# -- first words ------------------------------------------------------------------------------


def test_first_words_keeps_the_first_eight_and_marks_the_cut() -> None:
    assert PREVIEW_WORDS == 8
    text = "one two three four five six seven eight nine ten"
    assert first_words(text) == "one two three four five six seven eight …"
    assert first_words("  short\n text  ") == "short text"
    assert first_words("a b c", 2) == "a b …"
    assert first_words(" ".join(["w"] * 8)) == " ".join(["w"] * 8)


# -- the distribution grid --------------------------------------------------------------------


def test_grid_shows_every_planned_document_and_nothing_else(
    page: lxml.html.HtmlElement, case: Case
) -> None:
    expected: dict[tuple[str, str, str, str, str], tuple[str, str]] = {}
    for doc in plan_pack(case):
        key = (doc.stage.value, doc.recipient.id, doc.kind.value, doc.child or "", doc.author or "")
        day = getattr(case.issued, doc.stage.value)
        expected[key] = (
            " + ".join(sorted(f.upper() for f in doc.formats)),
            f"{day.day} {day:%B} {day.year}",
        )
    seen = {}
    grids = page.cssselect("table.grid")
    assert [g.get("data-stage") for g in grids] == [
        s
        for s in ("invitations", "exclusions", "reports", "decision", "record")
        if any(k[0] == s for k in expected)
    ]
    for grid in grids:
        stage = grid.get("data-stage")
        heads = grid.cssselect("thead th")
        assert [h.get("scope") for h in heads] == ["col"] * len(heads)
        columns = [
            (h.get("data-kind"), h.get("data-child"), h.get("data-author")) for h in heads[2:]
        ]
        for tr in grid.cssselect("tbody tr"):
            rid = tr.get("data-recipient")
            row_head = tr.cssselect("th")
            assert len(row_head) == 1 and row_head[0].get("scope") == "row"
            assert case.name_of(rid) in text_of(row_head[0]) and rid in text_of(row_head[0])
            cells = tr.cssselect("td")[1:]
            assert len(cells) == len(columns)
            for (kind, child, author), cell in zip(columns, cells, strict=True):
                key = (stage, rid, kind, child, author)
                if "sent" in (cell.get("class") or ""):
                    formats = text_of(cell.cssselect(".formats")[0])
                    date = text_of(cell.cssselect(".date")[0])
                    seen[key] = (formats, date)
                else:
                    assert text_of(cell.cssselect(".visually-hidden")[0]) == "not sent"
    assert seen == expected


def test_grid_spot_checks_of_the_example(page: lxml.html.HtmlElement) -> None:
    """The v2 example's distribution as the contract describes it, read off the page."""

    def row(stage: str, rid: str) -> dict[str, str]:
        grid = page.get_element_by_id(f"stage-{stage}")
        heads = grid.cssselect("thead th")[2:]
        names = [
            f"{h.get('data-kind')}:{h.get('data-child')}:{h.get('data-author')}" for h in heads
        ]
        tr = grid.cssselect(f'tbody tr[data-recipient="{rid}"]')
        if not tr:
            return {}
        cells = tr[0].cssselect("td")[1:]
        return {n: text_of(c) for n, c in zip(names, cells, strict=True)}

    decision_theo = row("decision", "father-theo")
    assert decision_theo["outline_plan:theo:"].startswith("PDF")
    assert decision_theo["outline_plan:maya:"] == "– not sent"
    assert decision_theo["decision_letter::"].startswith("DOCX + PDF 7 January 2027")
    grandmother = row("decision", "grandmother")
    assert grandmother["outline_plan:theo:"].startswith("PDF")
    assert grandmother["outline_plan:maya:"] == "– not sent"
    assert row("exclusions", "father-theo")["exclusion_notice::"].startswith("DOCX + PDF")
    assert row("exclusions", "mother") == {}
    assert row("record", "father-theo") == {}  # excluded from the record's circulation


# -- what each reader does not get ------------------------------------------------------------


def test_every_reader_has_a_section_in_grid_order(page: lxml.html.HtmlElement, pack: Path) -> None:
    manifest = json.loads((pack / "manifest.json").read_text())
    readers = list(dict.fromkeys(d["recipient"] for d in manifest["documents"]))
    sections = [s.get("id") for s in page.cssselect("section.reader")]
    assert sections == [f"reader-{r}" for r in readers]
    links = [a.get("href") for a in page.cssselect("nav a")]
    assert links == ["#distribution", *(f"#reader-{r}" for r in readers)]


def test_items_show_their_id_rule_and_first_words_only(
    page: lxml.html.HtmlElement, html: str, case: Case, authority: Authority
) -> None:
    rows = withheld_rows(page, "father-theo")
    police = rows[("tag:police_investigation", "police-investigation")]
    assert police[0] == "police-investigation"
    assert police[1] == POLICE_TEXT_START + " …"
    assert police[2] == "every document"
    text = case.information[[i.id for i in case.information].index("police-investigation")].text
    later = " ".join(text.split()[PREVIEW_WORDS:])
    assert later and later not in text_of(page)
    heads = [
        text_of(b.cssselect("tr.rule-head th")[0])
        for b in reader_section(page, "father-theo").cssselect("tbody[data-rule]")
    ]
    assert (
        f"tag:police_investigation {rule_in_words('tag:police_investigation', 'parent')}" in heads
    )
    # No item's words past the eighth are on the page, for any item of the case (unless they
    # are also the first words of another item, shown as that item's).
    page_text = text_of(page)
    texts = [i.text for i in case.information] + [r.item.text for r in case.text_refs()]
    shown = [first_words(t) for t in texts]
    for item_text in texts:
        words = item_text.split()
        tail = " ".join(words[PREVIEW_WORDS:])
        if len(words) > PREVIEW_WORDS + 3 and not any(tail in s for s in shown):
            assert tail not in page_text


def test_chair_decisions_come_first(page: lxml.html.HtmlElement) -> None:
    """The contingency the chair withheld from Mr Lin heads his list, under chair-withheld."""
    rules = [
        b.get("data-rule")
        for b in reader_section(page, "father-maya").cssselect("table.withheld tbody")
    ]
    assert rules[0] == "chair-withheld"
    assert ("chair-withheld", "plan.maya.contingency") in withheld_rows(page, "father-maya")


def test_a_safe_address_is_named_by_its_owner_only(page: lxml.html.HtmlElement) -> None:
    rows = withheld_rows(page, "father-theo")
    assert rows[("address-withheld", "mother")][1] == "the address of Claire Harrow"
    page_text = text_of(page)
    for line in MOTHER_ADDRESS:
        assert line not in page_text


def test_professionals_see_per_child_limits_only(page: lxml.html.HtmlElement) -> None:
    rules = {
        b.get("data-rule")
        for b in reader_section(page, "pc-mensah").cssselect("table.withheld tbody")
    }
    assert rules <= {"per-child-document"}


# -- the header, and a page that stands alone ---------------------------------------------------


def test_header_names_case_authority_date_and_marking(page: lxml.html.HtmlElement) -> None:
    header = text_of(page.cssselect("body > header")[0])
    assert "OFFICIAL-SENSITIVE: for the chair only, not for any envelope." in header
    facts = {
        text_of(tr.cssselect("th")[0]): text_of(tr.cssselect("td")[0])
        for tr in page.cssselect("table.facts tr")
    }
    assert facts["Case reference"] == REFERENCE
    assert facts["Authority"] == "Northmoor Borough Council"
    assert facts["Sheet written"] == "Thursday 14 January 2027"
    assert facts["Chair"] == "Grace Okafor"
    assert REFERENCE in text_of(page.cssselect("title")[0])
    assert "OFFICIAL-SENSITIVE" in text_of(page.cssselect("title")[0])


def test_page_is_self_contained_and_accessible(page: lxml.html.HtmlElement, html: str) -> None:
    assert page.get("lang") == "en-GB"
    assert not page.cssselect("script, link, img, iframe, object, embed, base")
    assert not re.search(r"url\(|@import|https?://|src=", html, re.IGNORECASE)
    for table in page.cssselect("table.grid, table.docs, table.withheld"):
        assert table.cssselect("caption"), "every data table has a caption"
    for th in page.cssselect("table.grid th, table.docs th, table.withheld th"):
        assert th.get("scope") in ("col", "row", "rowgroup")
    style = text_of(page.cssselect("style")[0])
    assert "@media print" in style and "size: A4" in style
    assert "break-before: page" in style and "table-header-group" in style
    assert page.cssselect("main") and page.cssselect("h1")


def test_marking_in_css_cannot_break_out() -> None:
    css = _css_string('OFFICIAL</style><script>"x"\\')
    assert "<" not in css and '"x' not in css and "\\\\" not in css
    assert css.startswith('"OFFICIAL') and css.endswith('"')
    assert css.count('"') == 2


def test_everything_is_escaped(case: Case, authority: Authority, tmp_path: Path) -> None:
    data = yaml.safe_load(RECORD.read_text(encoding="utf-8"))
    hostile = "<script>alert('x')</script> O'Brien & Sons"
    for person in data["people"]:
        if person["id"] == "father-theo":
            person["name"] = hostile
    for item in data["information"]:
        if item["id"] == "police-investigation":
            item["text"] = "<b>Bold</b> & 'quoted' \"text\" {{ not_jinja }} more words to cut here"
    data["case"]["authority"] = case.case.authority
    hostile_file = tmp_path / "case.yaml"
    hostile_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    hostile_case = load_case(hostile_file)
    pack = fake_pack(hostile_case, authority, tmp_path / "out")
    html = render_review(build_review(pack, hostile_case, authority, written_on=WRITTEN))
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "O&#39;Brien &amp; Sons" in html
    page = lxml.html.document_fromstring(html)
    assert hostile in text_of(page)
    row = withheld_rows(page, "father-maya")[("absent-person", "father-theo")]
    assert row[1] == hostile
    mother = withheld_rows(page, "mother")
    assert mother[("tag:police_investigation", "police-investigation")][1] == (
        "<b>Bold</b> & 'quoted' \"text\" {{ not_jinja }} more …"
    )


def test_one_recipient_only(pack: Path, case: Case, authority: Authority) -> None:
    page = lxml.html.document_fromstring(
        render_review(build_review(pack, case, authority, recipient="grandmother"))
    )
    assert [s.get("id") for s in page.cssselect("section.reader")] == ["reader-grandmother"]
    assert {tr.get("data-recipient") for tr in page.cssselect("table.grid tbody tr")} == {
        "grandmother"
    }


def test_a_changed_case_is_flagged(
    pack: Path, case: Case, authority: Authority, tmp_path: Path
) -> None:
    stale = Path(shutil.copytree(pack, tmp_path / REFERENCE))
    manifest = json.loads((stale / "manifest.json").read_text())
    for entry in manifest["documents"]:
        if entry["recipient"] == "mother":
            entry["withheld"] = {"chair-withheld": 99}
    (stale / "manifest.json").write_text(json.dumps(manifest))
    page = lxml.html.document_fromstring(render_review(build_review(stale, case, authority)))
    alerts = page.cssselect('[role="alert"]')
    assert len(alerts) == 2  # the page's banner and the mother's section
    assert reader_section(page, "mother").cssselect('[role="alert"]')
    assert not reader_section(page, "father-theo").cssselect('[role="alert"]')
    clean = lxml.html.document_fromstring(render_review(build_review(pack, case, authority)))
    assert not clean.cssselect('[role="alert"]')


# -- writing the file, and its errors ---------------------------------------------------------


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_write_review_touches_nothing_else(
    pack: Path, case: Case, authority: Authority, tmp_path: Path
) -> None:
    copy = Path(shutil.copytree(pack, tmp_path / REFERENCE))
    (copy / "decision" / "mother").mkdir(parents=True)
    (copy / "decision" / "mother" / "decision_letter.pdf").write_bytes(b"%PDF-1.7 stand-in")
    before = tree_hashes(copy)
    path = write_review(copy, case, authority, written_on=WRITTEN)
    assert path == copy / REVIEW_FILE
    after = tree_hashes(copy)
    assert after.pop(REVIEW_FILE)
    assert after == before
    assert path.stat().st_mode & 0o077 == 0, "the sheet is readable by its owner only"
    assert not list(copy.glob(".*")), "no temporary file left behind"


def test_the_audit_ignores_the_sheet() -> None:
    assert REVIEW_FILE in BESIDE_PACK


def test_never_into_an_envelope(pack: Path, case: Case, authority: Authority) -> None:
    envelope = pack / "decision" / "mother"
    for target in (envelope / REVIEW_FILE, pack / "other.html", envelope / ".." / "x.html"):
        with pytest.raises(CpcdocsError) as caught:
            write_review(pack, case, authority, out=target)
        assert caught.value.exit_status == ExitStatus.INVALID_INPUT
        assert "never in the pack" in str(caught.value)
        assert not target.exists()
    same = write_review(pack, case, authority, out=pack / "decision" / ".." / REVIEW_FILE)
    assert same.resolve() == (pack / REVIEW_FILE).resolve()
    same.unlink()


@pytest.mark.parametrize(
    ("damage", "status", "words"),
    [
        ("no-manifest", ExitStatus.INVALID_INPUT, "no readable manifest.json"),
        ("other-case", ExitStatus.INVALID_INPUT, "the pack is for case 'NM-1999-0001'"),
    ],
)
def test_bad_packs_are_refused(
    damage: str,
    status: ExitStatus,
    words: str,
    pack: Path,
    case: Case,
    authority: Authority,
    tmp_path: Path,
) -> None:
    bad = Path(shutil.copytree(pack, tmp_path / REFERENCE))
    if damage == "no-manifest":
        (bad / "manifest.json").unlink()
    else:
        manifest = json.loads((bad / "manifest.json").read_text())
        manifest["case"] = "NM-1999-0001"
        (bad / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CpcdocsError) as caught:
        write_review(bad, case, authority)
    assert caught.value.exit_status == status
    assert words in str(caught.value)
    assert not (bad / REVIEW_FILE).exists()


# -- the command ------------------------------------------------------------------------------


def test_cli_writes_the_sheet_beside_the_manifest(pack: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(pack, tmp_path / REFERENCE))
    status, out, err = run_cli("explain", copy, "--case", RECORD, "--format", "html")
    assert (status, err) == (0, "")
    assert out.strip() == f"{REFERENCE}: review sheet for the chair written to {copy / REVIEW_FILE}"
    page = lxml.html.document_fromstring((copy / REVIEW_FILE).read_text(encoding="utf-8"))
    assert len(page.cssselect("section.reader")) == len(
        {d["recipient"] for d in json.loads((copy / "manifest.json").read_text())["documents"]}
    )


def test_cli_output_file_recipient_and_text(pack: Path, tmp_path: Path) -> None:
    target = tmp_path / "sheet.html"
    status, _, err = run_cli(
        "explain", pack, "mother", "--case", RECORD, "--format", "html", "-o", target
    )
    assert (status, err) == (0, "")
    assert not (pack / REVIEW_FILE).exists()
    page = lxml.html.document_fromstring(target.read_text(encoding="utf-8"))
    assert [s.get("id") for s in page.cssselect("section.reader")] == ["reader-mother"]

    status, out, _ = run_cli("explain", pack, "mother", "--case", RECORD)
    assert status == 0 and out.startswith(f"{REFERENCE}: what was withheld from mother")
    text_file = tmp_path / "mother.txt"
    status, out, _ = run_cli("explain", pack, "mother", "--case", RECORD, "-o", text_file)
    assert status == 0 and out == ""
    assert text_file.read_text(encoding="utf-8").startswith(f"{REFERENCE}: what was withheld")


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        ((), 2, "cpcdocs: explain: give a RECIPIENT for --format text, or use --format html"),
        (
            ("nobody", "--format", "html"),
            2,
            "the pack holds no documents for 'nobody'",
        ),
        (
            ("--format", "html", "-o", "/nonexistent-folder/sheet.html"),
            4,
            "/nonexistent-folder/sheet.html: cannot write the review sheet",
        ),
    ],
)
def test_cli_errors(pack: Path, args: tuple[str, ...], status: int, message: str) -> None:
    code, out, err = run_cli("explain", pack, "--case", RECORD, *args)
    assert out == ""
    assert code == status
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_real_pack_through_a_subprocess(tmp_path: Path) -> None:
    """A real render, the real entry point, and an audit that still says clean."""
    from cpcdocs.pack import RenderOptions, render_pack

    options = RenderOptions(
        recipients=("mother", "father-theo"), stages=("decision",), formats=("pdf",)
    )
    result = render_pack(RECORD, tmp_path / "out", options)
    before = tree_hashes(result.path)
    status, out, err = run_subprocess("explain", result.path, "--case", RECORD, "--format", "html")
    assert (status, err) == (0, ""), err
    assert "review sheet for the chair written to" in out
    after = tree_hashes(result.path)
    assert after.pop(REVIEW_FILE)
    assert after == before
    page = lxml.html.document_fromstring((result.path / REVIEW_FILE).read_text(encoding="utf-8"))
    manifest = json.loads((result.path / "manifest.json").read_text())
    sent = {(d["recipient"], d["kind"], d["child"] or "") for d in manifest["documents"]}
    grid = page.get_element_by_id("stage-decision")
    heads = grid.cssselect("thead th")[2:]
    shown = set()
    for tr in grid.cssselect("tbody tr"):
        for head, cell in zip(heads, tr.cssselect("td")[1:], strict=True):
            if "sent" in (cell.get("class") or ""):
                assert text_of(cell).startswith("PDF")
                shown.add((tr.get("data-recipient"), head.get("data-kind"), head.get("data-child")))
    assert shown == sent
    status, out, _ = run_cli("audit", result.path, "--case", RECORD)
    assert status == 0, out


# -- a real browser ---------------------------------------------------------------------------


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def run_browser(browser: str, profile: Path, *args: str) -> None:
    """Run headless chromium offline (no name resolves), killing its whole group on timeout."""
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        *args,
    ]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("chromium did not finish within 60 s")
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]


@pytest.mark.slow
def test_in_a_real_browser(pack: Path, case: Case, authority: Authority, tmp_path: Path) -> None:
    browser = find_chromium()
    if browser is None:
        pytest.skip("no chromium on PATH: install it with tools/install-system-deps.sh")
    copy = Path(shutil.copytree(pack, tmp_path / REFERENCE))
    sheet = write_review(copy, case, authority, written_on=WRITTEN)
    url = sheet.resolve().as_uri()
    shot, pdf = tmp_path / "sheet.png", tmp_path / "sheet.pdf"
    run_browser(
        browser, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2000", url
    )
    run_browser(
        browser, tmp_path / "profile", f"--print-to-pdf={pdf}", "--no-pdf-header-footer", url
    )

    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 2000)
    grey = image.convert("L")
    dark = sum(grey.histogram()[:128])
    assert dark > 0.01 * image.width * image.height, "the screenshot is blank"
    assert len(image.getcolors(maxcolors=1 << 20) or ()) > 16, "the screenshot is one flat colour"

    document = pypdfium2.PdfDocument(pdf)
    pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    text = " ".join(" ".join(pages).split())
    for heading in (
        f"Chair's review sheet: case {REFERENCE}",
        "Who receives what",
        "What each reader does not get, and why",
        "Stage: Decision, issued 7 January 2027",
        "OFFICIAL-SENSITIVE: for the chair only, not for any envelope.",
        "Withheld from Ryan Quinn, by rule",
    ):
        assert heading in text
    readers = len(build_review(copy, case, authority).readers)
    assert len(pages) > readers, "each reader starts a new page"
    starts = [i for i, p in enumerate(pages) if "Documents for " in p]
    assert len(starts) == readers and len(set(starts)) == readers
    assert starts[0] == next(i for i, p in enumerate(pages) if "What each reader" in p)
    assert all("for the chair only" in p for p in pages), "the marking on every printed page"

    if os.environ.get("CPCDOCS_UPDATE_SCREENSHOTS") == "1":
        small = image.crop((0, 0, 1280, 1100)).resize((960, 825), Image.LANCZOS)
        buffer = io.BytesIO()
        small.quantize(colors=64).save(buffer, format="PNG", optimize=True)
        SCREENSHOT.parent.mkdir(exist_ok=True)
        SCREENSHOT.write_bytes(buffer.getvalue())
        assert SCREENSHOT.stat().st_size < 300_000
