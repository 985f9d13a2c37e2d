"""End to end: every sample renders a complete, audited, staged pack that matches its manifest.

The samples carry their stages' issue dates (``issued:``), so every stage they are ready for
renders whatever day the suite runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import run_cli as run

from cpcdocs.load import load_case
from cpcdocs.plan import plan_pack

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "samples" / "example-record.yaml"
SAMPLES = sorted((ROOT / "samples").glob("*.yaml"))
BESIDE = {"manifest.json", "post-list.csv"}

pytestmark = pytest.mark.slow


class _Packs(dict[str, Path]):
    """Each sample's pack, rendered when first asked for, once per test run (``sample_pack``)."""

    def __init__(self, get: Callable[[Path], Path]) -> None:
        super().__init__()
        self._get = get

    def __missing__(self, stem: str) -> Path:
        # One folder each: two samples are the same case at two moments.
        self[stem] = self._get(ROOT / "samples" / f"{stem}.yaml")
        return self[stem]


@pytest.fixture(scope="module")
def packs(sample_pack: Callable[[Path], Path]) -> dict[str, Path]:
    return _Packs(sample_pack)


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
    on_disk = {str(p.relative_to(pack)) for p in pack.rglob("*") if p.is_file()} - BESIDE
    assert listed == on_disk
    issued = set(manifest["stages"])
    planned = {p for doc in plan_pack(case) if doc.stage in issued for p in doc.paths()}
    assert listed == planned
    dated = case.issued.model_dump() if case.issued else {}
    assert issued == {stage for stage, day in dated.items() if day}
    for entry in manifest["documents"]:
        data = (pack / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert entry["format"] == entry["path"].rsplit(".", 1)[1]
        assert entry["profile"] in ("professional", "parent", "child")
        assert set(entry) >= {
            "path",
            "stage",
            "issued_on",
            "kind",
            "recipient",
            "profile",
            "children",
            "format",
        }
        assert entry["issued_on"] == manifest["stages"][entry["stage"]]["issued_on"]
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


def test_example_renders_through_the_cli_and_is_deterministic(
    tmp_path: Path, packs: dict[str, Path]
) -> None:
    """The command's pack is byte for byte the library's, rendered in another process."""
    code, stdout, stderr = run("render", str(EXAMPLE), "-o", str(tmp_path))
    assert code == 0, stderr
    assert "NM-2026-0412" in stdout
    first, second = tmp_path / "NM-2026-0412", packs[EXAMPLE.stem]
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert len(files) > 60
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def test_rendered_letters_know_what_is_in_their_envelope(packs: dict[str, Path]) -> None:
    """The enclosure sentence comes from the pack plan, in the real render path too."""
    import pypdf

    pack = packs["example-initial"]
    maya = " ".join(
        page.extract_text()
        for page in pypdf.PdfReader(pack / "decision" / "maya" / "decision_letter.pdf").pages
    )
    assert "copy of your plan in with this letter" in " ".join(maya.split())
    teacher = " ".join(
        page.extract_text()
        for page in pypdf.PdfReader(pack / "invitations" / "teacher-ames" / "invitation.pdf").pages
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
    )
    assert code == 0, stderr
    pack = tmp_path / "NM-2026-0412"
    files = sorted(str(p.relative_to(pack)) for p in pack.rglob("*.*") if p.name not in BESIDE)
    assert files == ["decision/mother/decision_letter.pdf", "invitations/mother/invitation.pdf"]


def test_unknown_kind_is_invalid_input(tmp_path: Path) -> None:
    code, _, stderr = run("render", str(EXAMPLE), "-o", str(tmp_path), "--only", "invitaton")
    assert code == 2
    assert "unknown document kind 'invitaton'" in stderr
    assert not (tmp_path / "NM-2026-0412").exists()


def test_failed_render_keeps_the_earlier_pack(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, stderr = run("render", str(EXAMPLE), "-o", str(out), "--only", "invitation")
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
    lines = [line for line in stdout.splitlines() if line.startswith("NM-2026-0412/")]
    listed = {line.split()[0].split("/", 1)[1] for line in lines}
    case = load_case(EXAMPLE)
    assert listed == {p for d in plan_pack(case) for p in d.paths()}
    assert not any(tmp_path.iterdir())


def test_render_through_a_real_subprocess(tmp_path: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1798502400"}  # 2026-12-29
    undated = tmp_path / "case.yaml"
    undated.write_text(EXAMPLE.read_text().split("\nissued:\n")[0] + "\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cpcdocs",
            "render",
            str(undated),
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
    assert manifest["stages"] == {"exclusions": {"issued_on": "2026-12-29"}}
    assert [d["path"] for d in manifest["documents"]] == [
        "exclusions/father-theo/exclusion_notice.pdf",
        "exclusions/father-theo/exclusion_notice.docx",
    ]
    shutil.rmtree(tmp_path / "NM-2026-0412")
