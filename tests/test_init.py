"""``cpcdocs init DIR``: a council's own folder, nothing of Northmoor's, placeholders refused.

A new council runs ``init`` with its name, nation and reference prefix; every other value only
it can know is a ``<FILL IN: ...>`` placeholder that ``validate`` names (all of them, in both
files, in one run) and ``render`` refuses. Filled in as the README says, the folder validates
from anywhere and renders a clean pack.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import run_cli, run_subprocess

from cpcdocs.load import load_authority, load_case
from cpcdocs.placeholders import PLACEHOLDER
from cpcdocs.scaffold import scaffold

ROOT = Path(__file__).resolve().parent.parent

_FILLED = re.compile(r'"?<FILL IN:([^<>]*)>"?')


def fill_in(folder: Path, nation: str | None = None) -> None:
    """Replace every placeholder with a fictional value, as a council would with real ones."""
    counter = iter(range(1, 1000))

    def value(match: re.Match[str]) -> str:
        what = match.group(1).lower()
        if "date of birth" in what:
            return "2019-05-04"
        if "email" in what:
            return f"team{next(counter)}@council.example"
        if "telephone" in what or "phone" in what:
            return "01632 960999"
        if "england, wales" in what:
            return nation or "england"
        if "start of your case references" in what:
            return "ZZ"
        if "case reference" in what:
            return "ZZ-2027-0001"
        if "postcode" in what:
            return "ZZ1 1ZZ"
        if "full name" in what or "name" in what:
            return f"Alex Fictional{next(counter)}"
        return f"Fictional value {next(counter)}"

    for path in (folder / "case.yaml", folder / "authorities" / "local.yaml"):
        path.write_text(_FILLED.sub(value, path.read_text(encoding="utf-8")), encoding="utf-8")


def placeholders_in(folder: Path) -> int:
    """Placeholders in the values of both files (the comments explain them, and do not count)."""
    return sum(
        len(PLACEHOLDER.findall(line))
        for path in (folder / "case.yaml", folder / "authorities" / "local.yaml")
        for line in path.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
    )


def test_init_writes_the_councils_own_values_and_nothing_of_northmoor(tmp_path: Path) -> None:
    status, out, err = run_cli(
        "init",
        tmp_path / "c",
        "--name",
        "Royal Borough of Windsor and Maidenhead Council",
        "--nation",
        "england",
        "--reference-prefix",
        "WM",
    )
    assert (status, err) == (0, "")
    assert {Path(line.removeprefix("wrote ")).name for line in out.splitlines()} == {
        "case.yaml",
        "local.yaml",
        "cpcdocs-case.schema.json",
    }
    profile = yaml.safe_load((tmp_path / "c" / "authorities" / "local.yaml").read_text("utf-8"))
    assert profile["name"] == "Royal Borough of Windsor and Maidenhead Council"
    assert profile["nation"] == "england"
    assert profile["reference_prefix"] == "WM"
    assert profile["solicitors"] == "with_chair_agreement"
    case = yaml.safe_load((tmp_path / "c" / "case.yaml").read_text("utf-8"))
    assert case["case"]["reference"] == f"WM-{dt.date.today().year}-0001"
    assert case["case"]["authority"] == "local"
    for path in (tmp_path / "c").rglob("*.yaml"):
        written = path.read_text(encoding="utf-8")
        for northmoor in ("Northmoor", "northmoor", "NM-", "NM1", "01632 9601", "Okafor"):
            assert northmoor not in written, (path.name, northmoor)
    assert not (tmp_path / "c" / "authorities" / "logo.png").exists()


def test_untouched_scaffold_fails_validate_naming_every_placeholder(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    assert run_cli("init", folder, "--name", "Hollin Vale Council", "--nation", "wales")[0] == 0
    status, out, err = run_cli("validate", folder / "case.yaml")
    assert status == 2
    assert out == ""
    lines = [line for line in err.splitlines() if line]
    expected = placeholders_in(folder)
    assert expected >= 30
    named = [line for line in lines if "still the placeholder <FILL IN" in line]
    assert len(named) == expected, err
    assert any("authorities/local.yaml" in line for line in named)  # the profile, same run
    assert any(
        line.endswith(
            "children[0].name: still the placeholder <FILL IN: the child's full name>: "
            "replace it with the real value"
        )
        for line in named
    )
    assert any(": case.reference: still the placeholder" in line for line in named)
    assert any(": reference_prefix: still the placeholder" in line for line in named)


def test_render_refuses_a_case_with_placeholders(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    scaffold(folder, name="Hollin Vale Council", nation="england", reference_prefix="HV")
    status, _, err = run_cli("render", folder / "case.yaml", "-o", tmp_path / "out")
    assert status == 2
    assert "still the placeholder" in err
    assert not (tmp_path / "out" / "HV").exists()


def test_filled_in_scaffold_validates_from_another_folder(tmp_path: Path) -> None:
    maker, elsewhere = tmp_path / "maker", tmp_path / "elsewhere"
    maker.mkdir()
    elsewhere.mkdir()
    status, _, err = run_subprocess(
        "init", "council", "--name", "Hollin Vale Council", "--reference-prefix", "HV", cwd=maker
    )
    assert (status, err) == (0, "")
    folder = maker / "council"
    fill_in(folder, nation="scotland")
    assert placeholders_in(folder) == 0
    status, out, err = run_subprocess("validate", folder / "case.yaml", cwd=elsewhere)
    assert (status, err) == (0, "")
    year = dt.date.today().year
    assert out.strip() == f"{folder / 'case.yaml'}: ok (HV-{year}-0001, initial conference)"
    assert load_authority(folder / "authorities" / "local.yaml").nation.value == "scotland"


@pytest.mark.slow
def test_a_welsh_council_made_with_init_renders_a_clean_pack(tmp_path: Path) -> None:
    folder = tmp_path / "council"
    scaffold(folder, name="Cyngor Dyffryn Ffug", nation="wales", reference_prefix="DF")
    fill_in(folder)
    status, out, err = run_cli("render", folder / "case.yaml", "-o", tmp_path / "out")
    assert status == 0, err
    assert "DF-" in out
    pdfs = list((tmp_path / "out").rglob("*.pdf"))
    assert pdfs
    status, _, err = run_cli(
        "audit", next((tmp_path / "out").iterdir()), "--case", folder / "case.yaml"
    )
    assert status == 0, err


def test_init_case_uses_the_local_profile_and_schema(tmp_path: Path) -> None:
    status, _, err = run_cli("init", tmp_path / "c", "--reference", "NM-2027-0123")
    assert (status, err) == (0, "")
    case_file = tmp_path / "c" / "case.yaml"
    text = case_file.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=./cpcdocs-case.schema.json"
    fill_in(tmp_path / "c")
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


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ("--reference", "../../escape"),
            "cpcdocs: --reference '../../escape' is not a safe folder name "
            "(letters, digits, '-', '_')",
        ),
        (
            ("--reference-prefix", "W M"),
            "cpcdocs: --reference-prefix 'W M' must be letters, digits, '-' and '_' (up to 41), "
            "starting with a letter or digit",
        ),
    ],
)
def test_init_rejects_an_unsafe_reference(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    status, _, err = run_cli("init", tmp_path / "x", *args)
    assert status == 2
    assert err.splitlines() == [message]
    assert not (tmp_path / "x").exists()


def test_init_rejects_an_unknown_nation(tmp_path: Path) -> None:
    status, _, err = run_cli("init", tmp_path / "x", "--nation", "cornwall")
    assert status == 2
    assert "'cornwall' is not one of" in err
    assert not (tmp_path / "x").exists()


def test_a_council_name_with_yaml_punctuation_is_written_safely(tmp_path: Path) -> None:
    name = 'Council: "North" & South #1'
    scaffold(tmp_path, name=name, nation="england", reference_prefix="NS")
    profile = yaml.safe_load((tmp_path / "authorities" / "local.yaml").read_text("utf-8"))
    assert profile["name"] == name


@pytest.mark.parametrize("offset", range(7))
def test_init_conference_falls_on_a_weekday_in_time(tmp_path: Path, offset: int) -> None:
    # June 2027 has no bank holidays: 15 working days is exactly three weeks from a weekday
    today = dt.date(2027, 6, 7) + dt.timedelta(days=offset)
    scaffold(tmp_path, reference="NM-2027-0001", today=today)
    conference = yaml.safe_load((tmp_path / "case.yaml").read_text("utf-8"))["conference"]
    assert conference["strategy_discussion_date"] == today
    assert conference["date"].weekday() < 5
    working = [
        today + dt.timedelta(days=n)
        for n in range(1, 30)
        if (today + dt.timedelta(days=n)).weekday() < 5
    ]
    assert today < conference["date"] <= working[14]


@pytest.mark.parametrize(
    "line,key,message",
    [
        ("logo: logo.png", "logo", "no image file 'logo.png' beside the profile"),
        ("logo: logo.gif", "logo", "'logo.gif' is not a PNG or JPEG file"),
        (
            "signatures: {chair: signatures/chair.png}",
            "signatures.chair",
            "no image file 'signatures/chair.png' beside the profile",
        ),
    ],
)
def test_a_missing_logo_or_signature_is_an_error(
    tmp_path: Path, line: str, key: str, message: str
) -> None:
    scaffold(tmp_path, name="Hollin Vale Council", nation="england", reference_prefix="HV")
    fill_in(tmp_path)
    profile = tmp_path / "authorities" / "local.yaml"
    text = profile.read_text(encoding="utf-8").replace("signatures: {}", "signatures: {}\n" + line)
    if line.startswith("signatures"):
        text = text.replace("signatures: {}\n", "", 1)
    profile.write_text(text, encoding="utf-8")
    status, _, err = run_cli("validate", tmp_path / "case.yaml")
    assert status == 2, err
    (problem,) = err.splitlines()
    assert "local.yaml:" in problem and f": {key}: {message}" in problem
    # with the file in place, the profile loads and the letters find it
    image = tmp_path / "authorities" / line.split(":")[-1].strip(" }")
    if image.suffix == ".png":
        image.parent.mkdir(parents=True, exist_ok=True)
        image.write_bytes((ROOT / "templates" / "authorities" / "logo.png").read_bytes())
        assert run_cli("validate", tmp_path / "case.yaml")[0] == 0
