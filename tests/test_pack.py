"""End to end: every sample renders a complete, audited pack that matches its manifest."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli as run

from cpcdocs.load import load_case
from cpcdocs.pack import RenderOptions, render_pack
from cpcdocs.plan import plan_pack

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "case-format" / "example-case.yaml"
SAMPLES = sorted((ROOT / "samples").glob("*.yaml"))
ISSUED = dt.date(2026, 12, 24)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("packs")
    rendered = {}
    for sample in SAMPLES:
        result = render_pack(sample, out, RenderOptions(issued_on=ISSUED))
        rendered[sample.stem] = result.path
    return rendered


@pytest.mark.parametrize("sample", [s.stem for s in SAMPLES])
def test_sample_pack_matches_manifest_and_plan(packs: dict[str, Path], sample: str) -> None:
    pack = packs[sample]
    case = load_case(ROOT / "samples" / f"{sample}.yaml")
    manifest = json.loads((pack / "manifest.json").read_text())
    assert manifest["case"] == case.case.reference
    assert manifest["generator"].startswith("cpcdocs ")
    source = (ROOT / "samples" / f"{sample}.yaml").read_bytes()
    assert manifest["input_sha256"] == hashlib.sha256(source).hexdigest()
    listed = {d["path"] for d in manifest["documents"]}
    on_disk = {str(p.relative_to(pack)) for p in pack.rglob("*") if p.is_file()} - {"manifest.json"}
    assert listed == on_disk
    planned = {path for doc in plan_pack(case) for path in doc.paths()}
    assert listed == planned
    for entry in manifest["documents"]:
        data = (pack / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert entry["format"] == entry["path"].rsplit(".", 1)[1]
        assert entry["profile"] in ("professional", "parent", "child")
        assert set(entry) >= {"path", "kind", "recipient", "profile", "children", "format"}
        assert all(isinstance(n, int) for n in entry["withheld"].values())


@pytest.mark.parametrize("sample", [s.stem for s in SAMPLES])
def test_every_file_opens(packs: dict[str, Path], sample: str) -> None:
    import docx
    import pypdf

    for path in packs[sample].rglob("*"):
        if path.suffix == ".pdf":
            reader = pypdf.PdfReader(path)
            box = reader.pages[0].mediabox
            assert abs(float(box.width) - 595.28) < 1.5 and abs(float(box.height) - 841.89) < 1.5
            assert reader.pages[0].extract_text().strip()
        elif path.suffix == ".docx":
            document = docx.Document(str(path))
            assert document.paragraphs or document.tables


def test_example_renders_through_the_cli_and_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        code, stdout, stderr = run(
            "render", str(EXAMPLE), "-o", str(out), "--date", ISSUED.isoformat()
        )
        assert code == 0, stderr
        assert "NM-2026-0412" in stdout
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert len(files) > 60
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def test_rendered_letters_know_what_is_in_their_envelope(packs: dict[str, Path]) -> None:
    """The enclosure sentence comes from the pack plan, in the real render path too."""
    import pypdf

    pack = packs["example-initial"]
    maya = " ".join(
        page.extract_text() for page in pypdf.PdfReader(pack / "maya" / "decision_letter.pdf").pages
    )
    assert "copy of your plan in with this letter" in " ".join(maya.split())
    teacher = " ".join(
        page.extract_text()
        for page in pypdf.PdfReader(pack / "teacher-ames" / "invitation.pdf").pages
    )
    assert "report form is enclosed" in " ".join(teacher.split())


def test_only_recipient_and_format_narrow_the_pack(tmp_path: Path) -> None:
    code, _, stderr = run(
        "render",
        str(EXAMPLE),
        "-o",
        str(tmp_path),
        "--only",
        "invitation,decision_letter",
        "--recipient",
        "mother",
        "--format",
        "pdf",
        "--date",
        ISSUED.isoformat(),
    )
    assert code == 0, stderr
    pack = tmp_path / "NM-2026-0412"
    files = sorted(str(p.relative_to(pack)) for p in pack.rglob("*.*") if p.name != "manifest.json")
    assert files == ["mother/decision_letter.pdf", "mother/invitation.pdf"]


def test_unknown_kind_is_invalid_input(tmp_path: Path) -> None:
    code, _, stderr = run("render", str(EXAMPLE), "-o", str(tmp_path), "--only", "invitaton")
    assert code == 2
    assert "unknown document kind 'invitaton'" in stderr
    assert not (tmp_path / "NM-2026-0412").exists()


def test_failed_render_keeps_the_earlier_pack(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, stderr = run(
        "render", str(EXAMPLE), "-o", str(out), "--only", "invitation", "--date", ISSUED.isoformat()
    )
    assert code == 0, stderr
    pack = out / "NM-2026-0412"
    before = {p: p.read_bytes() for p in pack.rglob("*") if p.is_file()}
    broken = tmp_path / "broken"
    (broken / "letters").mkdir(parents=True)
    (broken / "letters" / "invitation.html.j2").write_text("<p>{{ view.no_such_field }}</p>\n")
    code, stdout, stderr = run("render", str(EXAMPLE), "-o", str(out), "--templates", str(broken))
    assert code == 4, (stdout, stderr)
    assert "invitation.html.j2" in stderr
    assert "Traceback" not in stderr
    after = {p: p.read_bytes() for p in pack.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in out.iterdir()] == ["NM-2026-0412"]  # no staging left behind


def test_invalid_case_publishes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("chair: chair-okafor", "chair: nobody"))
    code, _, stderr = run("render", str(bad), "-o", str(tmp_path / "out"))
    assert code == 2
    assert f"{bad}:" in stderr and "conference.chair" in stderr
    assert not any((tmp_path / "out").glob("*/manifest.json"))


def test_dry_run_lists_what_a_real_run_writes(tmp_path: Path) -> None:
    code, stdout, _ = run("render", str(EXAMPLE), "-o", str(tmp_path), "--dry-run")
    assert code == 0
    listed = {line.split()[0].split("/", 1)[1] for line in stdout.splitlines()}
    case = load_case(EXAMPLE)
    assert listed == {p for d in plan_pack(case) for p in d.paths()}
    assert not any(tmp_path.iterdir())


def test_render_through_a_real_subprocess(tmp_path: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1798502400"}  # 2026-12-29
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cpcdocs",
            "render",
            str(EXAMPLE),
            "-o",
            str(tmp_path),
            "--only",
            "exclusion_notice",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((tmp_path / "NM-2026-0412" / "manifest.json").read_text())
    assert manifest["issued_on"] == "2026-12-29"
    assert [d["path"] for d in manifest["documents"]] == [
        "father-theo/exclusion_notice.pdf",
        "father-theo/exclusion_notice.docx",
    ]
    shutil.rmtree(tmp_path / "NM-2026-0412")
