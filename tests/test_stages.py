"""Stages: every envelope dated for its moment, and no partial render ever loses a document.

Whole packs are rendered here into real published folders, then rendered again stage by stage,
with ``--only``/``--recipient`` reprints, to prove the contract's reprint rule on disk.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, run_cli, run_subprocess

from cpcdocs.errors import CpcdocsError
from cpcdocs.kinds import KINDS, Stage
from cpcdocs.load import load_case
from cpcdocs.pack import RenderOptions, render_pack
from cpcdocs.stages import StageStatus, resolve_stage_dates, stage_window

RECORD = ROOT / "samples" / "example-record.yaml"
REF = "NM-2026-0412"


def _hashes(pack: Path) -> dict[str, str]:
    return {
        p.relative_to(pack).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(pack.rglob("*"))
        if p.is_file() and p.name not in ("manifest.json", "post-list.csv")
    }


def _without_issued(tmp_path: Path) -> Path:
    """The v2 example with no ``issued:`` block, so dates come from --date or today."""
    text = RECORD.read_text(encoding="utf-8")
    head, _, tail = text.partition("\nissued:\n")
    rest = tail.split("\n\n", 1)[1] if "\n\n" in tail else ""
    path = tmp_path / "case.yaml"
    path.write_text(head + "\n" + rest, encoding="utf-8")
    return path


# -- the date rules, without rendering ---------------------------------------------------


def test_every_kind_belongs_to_a_stage_and_every_stage_has_a_kind() -> None:
    assert {spec.stage for spec in KINDS.values()} == set(Stage)


def test_stage_windows_follow_the_contract_table() -> None:
    case = load_case(RECORD)
    day = case.conference.date
    assert stage_window(case, Stage.INVITATIONS).latest == day
    assert stage_window(case, Stage.REPORTS).latest == day
    assert stage_window(case, Stage.DECISION).earliest == day
    exclusions = stage_window(case, Stage.EXCLUSIONS)
    assert (exclusions.earliest, exclusions.latest) == (dt.date(2026, 12, 23), day)
    assert stage_window(case, Stage.RECORD).earliest == dt.date(2027, 1, 12)


def test_today_before_the_conference_issues_what_is_due_and_says_why_the_rest_waits(
    tmp_path: Path,
) -> None:
    case = load_case(_without_issued(tmp_path))
    out = resolve_stage_dates(case, on=dt.date(2026, 12, 2))
    assert out[Stage.INVITATIONS].issued and out[Stage.INVITATIONS].issued_on == dt.date(
        2026, 12, 2
    )
    assert out[Stage.EXCLUSIONS].status is StageStatus.WAITING
    assert "2026-12-23" in out[Stage.EXCLUSIONS].reason
    assert out[Stage.DECISION].status is StageStatus.WAITING
    assert "conference on 2027-01-06" in out[Stage.DECISION].reason
    assert out[Stage.RECORD].status is StageStatus.WAITING


def test_after_the_conference_invitations_never_issued_are_passed_not_dated_late(
    tmp_path: Path,
) -> None:
    case = load_case(_without_issued(tmp_path))
    out = resolve_stage_dates(case, on=dt.date(2027, 1, 20))
    assert out[Stage.INVITATIONS].status is StageStatus.PASSED
    assert out[Stage.DECISION].issued and out[Stage.DECISION].issued_on == dt.date(2027, 1, 20)


def test_a_published_stage_keeps_its_first_date(tmp_path: Path) -> None:
    case = load_case(_without_issued(tmp_path))
    out = resolve_stage_dates(
        case, on=dt.date(2027, 1, 20), published={Stage.INVITATIONS: dt.date(2026, 12, 14)}
    )
    assert out[Stage.INVITATIONS].issued_on == dt.date(2026, 12, 14)


@pytest.mark.parametrize(
    ("stage", "day", "event"),
    [
        ("decision", "2026-12-14", "before the conference on 2027-01-06"),
        ("invitations", "2027-01-07", "after the conference on 2027-01-06"),
        ("exclusions", "2026-12-20", "before the exclusion decided on 2026-12-23"),
        ("record", "2027-01-11", "before the record's approval on 2027-01-12"),
    ],
)
def test_an_explicit_date_that_breaks_a_stage_rule_is_refused_before_rendering(
    tmp_path: Path, stage: str, day: str, event: str
) -> None:
    code, _, err = run_cli(
        "render", _without_issued(tmp_path), "-o", tmp_path / "out", "--stage", stage, "--date", day
    )
    assert code == 2, err
    assert err.strip().splitlines()[-1] == (
        f"cpcdocs: --date: the {stage} stage cannot be dated {day}: it is {event}"
    )
    assert not (tmp_path / "out" / REF).exists()


def test_issued_in_the_case_file_is_checked_the_same_way(tmp_path: Path) -> None:
    text = RECORD.read_text(encoding="utf-8").replace(
        "  decision: 2027-01-07", "  decision: 2027-01-05"
    )
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CpcdocsError) as caught:
        resolve_stage_dates(load_case(path), case_file=str(path))
    assert caught.value.exit_status == 2
    assert "issued.decision" in caught.value.message
    assert "2027-01-05" in caught.value.message


def test_asking_for_a_stage_the_case_is_not_ready_for_is_an_error(tmp_path: Path) -> None:
    code, _, err = run_cli(
        "render",
        ROOT / "samples" / "single-child-pre-conference.yaml",
        "-o",
        tmp_path,
        "--stage",
        "decision",
    )
    assert code == 2
    assert "stage decision is not ready: the case has no decision yet" in err


def test_an_unknown_stage_is_an_error_naming_the_stages(tmp_path: Path) -> None:
    code, _, err = run_cli("render", RECORD, "-o", tmp_path, "--stage", "minutes")
    assert code == 2
    assert "unknown stage 'minutes'; stages are invitations, exclusions, reports" in err


# -- real packs ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The v2 example rendered stage by stage into one published pack, dates from the case."""
    out = tmp_path_factory.mktemp("staged")
    for stage in ("invitations", "exclusions", "reports", "decision", "record"):
        render_pack(RECORD, out, RenderOptions(stages=(stage,)), jobs=1)
    return out / REF


@pytest.mark.slow
def test_the_v2_example_renders_into_stage_folders_with_each_stage_dated(staged: Path) -> None:
    manifest = json.loads((staged / "manifest.json").read_text())
    assert manifest["stages"] == {
        "invitations": {"issued_on": "2026-12-14"},
        "exclusions": {"issued_on": "2026-12-23"},
        "reports": {"issued_on": "2027-01-04"},
        "decision": {"issued_on": "2027-01-07"},
        "record": {"issued_on": "2027-01-13"},
    }
    for entry in manifest["documents"]:
        assert entry["path"].split("/")[0] == entry["stage"]
        assert entry["path"].split("/")[1] == entry["recipient"]
        assert entry["issued_on"] == manifest["stages"][entry["stage"]]["issued_on"]
    assert {e["stage"] for e in manifest["documents"]} == {s.value for s in Stage}
    code, out, _ = run_cli("audit", staged, "--case", RECORD)
    assert code == 0, out


@pytest.mark.slow
def test_the_letters_print_their_own_stage_date(staged: Path) -> None:
    from cpcdocs.extract import extract_bytes

    def text(rel: str) -> str:
        data = (staged / rel).read_bytes()
        return " ".join(c.text for c in extract_bytes(data, "pdf"))

    assert "14 December 2026" in text("invitations/mother/invitation.pdf")
    assert "7 January 2027" in text("decision/mother/decision_letter.pdf")
    assert "7 January 2027" in text("decision/mother/outline_plan-maya.pdf")
    assert "13 January 2027" in text("record/mother/conference_record.pdf")


@pytest.mark.slow
def test_rendering_a_later_stage_leaves_every_earlier_document_byte_for_byte(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    render_pack(RECORD, out, RenderOptions(stages=("invitations",)), jobs=1)
    before = _hashes(out / REF)
    assert before and all(rel.startswith("invitations/") for rel in before)
    render_pack(RECORD, out, RenderOptions(stages=("decision",)), jobs=1)
    after = _hashes(out / REF)
    assert {rel: h for rel, h in after.items() if rel.startswith("invitations/")} == before
    assert any(rel.startswith("decision/") for rel in after)


@pytest.mark.slow
def test_a_reprint_of_one_letter_changes_only_that_letter(staged: Path, tmp_path: Path) -> None:
    pack = tmp_path / REF
    shutil.copytree(staged, pack)
    before = _hashes(pack)
    code, out, err = run_cli(
        "render",
        RECORD,
        "-o",
        tmp_path,
        "--only",
        "decision_letter",
        "--recipient",
        "mother",
        "--date",
        "2027-01-08",
    )
    assert code == 0, err
    after = _hashes(pack)
    changed = {rel for rel in after if after[rel] != before.get(rel)}
    assert changed == {
        "decision/mother/decision_letter.pdf",
        "decision/mother/decision_letter.docx",
    }
    assert set(after) == set(before)
    rows = list(csv.DictReader((pack / "post-list.csv").open(encoding="utf-8")))
    assert [(r["stage"], r["recipient"]) for r in rows] == [("decision", "mother")]
    assert "decision/mother:" in out


@pytest.mark.slow
def test_an_unchanged_rerun_lists_nothing_to_post(staged: Path, tmp_path: Path) -> None:
    pack = tmp_path / REF
    shutil.copytree(staged, pack)
    before = _hashes(pack)
    code, out, err = run_cli("render", RECORD, "-o", tmp_path)
    assert code == 0, err
    assert _hashes(pack) == before
    assert "to post: nothing new or changed" in out
    rows = list(csv.DictReader((pack / "post-list.csv").open(encoding="utf-8")))
    assert rows == []


@pytest.mark.slow
def test_the_post_list_flags_safe_addresses_and_lists_every_envelope_once(tmp_path: Path) -> None:
    render_pack(RECORD, tmp_path, RenderOptions(stages=("invitations",)), jobs=1)
    rows = list(csv.DictReader((tmp_path / REF / "post-list.csv").open(encoding="utf-8")))
    by_recipient = {r["recipient"]: r for r in rows}
    assert by_recipient["mother"]["safe_address"] == "yes"
    assert by_recipient["mother"]["address"].splitlines()[1] == "41 Wren Road"
    assert by_recipient["father-maya"]["safe_address"] == "no"
    assert by_recipient["teacher-ames"]["files"].split() == [
        "invitation.pdf",
        "invitation.docx",
        "report_proforma-maya.docx",
    ] or set(by_recipient["teacher-ames"]["files"].split()) == {
        "invitation.pdf",
        "invitation.docx",
        "report_proforma-maya.docx",
    }
    assert len(rows) == len({(r["stage"], r["recipient"]) for r in rows})


def test_a_selection_that_matches_nothing_is_exit_2_and_publishes_nothing(tmp_path: Path) -> None:
    code, _, err = run_cli(
        "render", RECORD, "-o", tmp_path, "--only", "exclusion_notice", "--recipient", "mother"
    )
    assert code == 2
    assert "matches no document" in err
    assert not (tmp_path / REF).exists()


def test_dry_run_shows_stages_and_dates(tmp_path: Path) -> None:
    code, out, err = run_subprocess("render", RECORD, "-o", tmp_path, "--dry-run")
    assert code == 0, err
    lines = out.splitlines()
    assert f"{REF}: invitations: issued 2026-12-14 (issued)" in lines
    assert f"{REF}: record: issued 2027-01-13 (issued)" in lines
    assert any(line.startswith(f"{REF}/record/mother/conference_record.pdf") for line in lines)
    assert not (tmp_path / REF).exists()
