"""``cpcdocs init DIR``: a new folder that validates as written, and never overwrites."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import run_cli, run_subprocess

from cpcdocs.load import load_case
from cpcdocs.scaffold import scaffold


def test_init_output_validates_from_another_folder(tmp_path: Path) -> None:
    maker = tmp_path / "maker"
    elsewhere = tmp_path / "elsewhere"
    maker.mkdir()
    elsewhere.mkdir()
    status, out, err = run_subprocess("init", "new-case", cwd=maker)
    assert (status, err) == (0, "")
    folder = maker / "new-case"
    written = {line.removeprefix("wrote ") for line in out.splitlines()}
    assert {Path(p).name for p in written} == {
        "case.yaml",
        "local.yaml",
        "logo.png",
        "cpcdocs-case.schema.json",
    }
    for name in ("case.yaml", "authorities/local.yaml", "authorities/logo.png"):
        assert (folder / name).is_file(), name
    # validated from a folder that has no ./authorities/: the profile beside the case is found
    status, out, err = run_subprocess("validate", folder / "case.yaml", cwd=elsewhere)
    assert (status, err) == (0, "")
    assert out.strip() == f"{folder / 'case.yaml'}: ok (NM-2027-0001, initial conference)"


def test_init_case_uses_the_local_profile_and_schema(tmp_path: Path) -> None:
    status, _, err = run_cli("init", tmp_path / "c", "--reference", "NM-2027-0123")
    assert (status, err) == (0, "")
    case_file = tmp_path / "c" / "case.yaml"
    text = case_file.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=./cpcdocs-case.schema.json"
    case = load_case(case_file)
    assert case.case.reference == "NM-2027-0123"
    assert case.case.authority == "local"
    assert case.decision is None
    schema = json.loads((tmp_path / "c" / "cpcdocs-case.schema.json").read_text("utf-8"))
    _, printed, _ = run_cli("schema")
    assert schema == json.loads(printed)


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    folder = tmp_path / "case-folder"
    assert run_cli("init", folder)[0] == 0
    case_file = folder / "case.yaml"
    case_file.write_text("# my half-finished case\n", encoding="utf-8")
    status, out, err = run_cli("init", folder)
    assert status == 2
    assert out == ""
    assert err.splitlines() == [f"cpcdocs: {case_file} already exists; init never overwrites files"]
    assert case_file.read_text(encoding="utf-8") == "# my half-finished case\n"


def test_init_refuses_when_only_the_profile_exists(tmp_path: Path) -> None:
    profile = tmp_path / "authorities" / "local.yaml"
    profile.parent.mkdir()
    profile.write_text("# ours\n", encoding="utf-8")
    status, _, err = run_cli("init", tmp_path)
    assert status == 2
    assert "already exists" in err
    assert not (tmp_path / "case.yaml").exists()
    assert profile.read_text(encoding="utf-8") == "# ours\n"


def test_init_rejects_an_unsafe_reference(tmp_path: Path) -> None:
    status, _, err = run_cli("init", tmp_path / "x", "--reference", "../../escape")
    assert status == 2
    assert err.splitlines() == [
        "cpcdocs: --reference '../../escape' is not a safe folder name (letters, digits, '-', '_')"
    ]
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("offset", range(7))
def test_init_conference_falls_on_a_weekday_in_time(tmp_path: Path, offset: int) -> None:
    # June 2027 has no bank holidays: 15 working days is exactly three weeks from a weekday
    today = dt.date(2027, 6, 7) + dt.timedelta(days=offset)
    scaffold(tmp_path, reference="NM-2027-0001", today=today)
    conference = load_case(tmp_path / "case.yaml").conference
    assert conference.strategy_discussion_date == today
    assert conference.date.weekday() < 5
    working = [
        today + dt.timedelta(days=n)
        for n in range(1, 30)
        if (today + dt.timedelta(days=n)).weekday() < 5
    ]
    assert today < conference.date <= working[14]
