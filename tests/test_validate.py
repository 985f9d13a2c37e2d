"""``cpcdocs validate`` on bad input: the exact user-facing lines, exit status 2, no traceback.

Each folder ``tests/cases/invalid-<what it proves>/`` holds a ``case.yaml`` and an
``expected.txt``: the exact stderr lines, with the case file's path written ``{case}``. When a
message is deliberately reworded, update its ``expected.txt`` in the same change.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import CASES, EXAMPLE, SAMPLES, run_cli, run_subprocess

from cpcdocs.load import MAX_BYTES, load_case, load_yaml

INVALID = sorted(p for p in CASES.glob("invalid-*") if p.is_dir())


def expected_lines(folder: Path, case: Path) -> list[str]:
    text = (folder / "expected.txt").read_text(encoding="utf-8")
    return [line.replace("{case}", str(case)) for line in text.splitlines()]


def test_there_are_enough_scenarios() -> None:
    assert len(INVALID) >= 25
    for folder in INVALID:
        assert (folder / "case.yaml").is_file(), folder
        assert (folder / "expected.txt").read_text(encoding="utf-8").strip(), folder


@pytest.mark.parametrize("folder", INVALID, ids=lambda p: p.name)
def test_invalid_case(folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no ./authorities/ from wherever pytest was started
    case = folder / "case.yaml"
    status, out, err = run_cli("validate", case)
    assert "Traceback" not in err
    assert err.splitlines() == expected_lines(folder, case)
    assert status == 2
    assert out == ""


def test_several_problems_in_one_file_all_reported() -> None:
    case = CASES / "invalid-many-problems" / "case.yaml"
    status, _, err = run_cli("validate", case)
    assert status == 2
    fields = [line.split(": ")[1] for line in err.splitlines()]
    assert len(fields) == len(set(fields)) >= 6
    # one of each kind: a YAML-level value, a typo, a wrong enum, a dangling id, a role check
    for fragment in (
        "write the time in quotes",
        "unknown key 'date_of_brith'",
        "people[0].relationship: expected 'mother'",
        "no person has id 'father'",
        "does not have role: chair",
        "decision.children.maya.category",
    ):
        assert fragment in err, fragment


def test_several_files_report_every_file() -> None:
    bad = [CASES / name / "case.yaml" for name in ("invalid-duplicate-id", "invalid-bad-time")]
    status, _, err = run_cli("validate", bad[0], EXAMPLE, bad[1])
    assert status == 2
    expected = expected_lines(bad[0].parent, bad[0]) + expected_lines(bad[1].parent, bad[1])
    assert sorted(err.splitlines()) == sorted(expected)
    assert str(EXAMPLE) not in err
    assert "Traceback" not in err


def test_the_same_file_twice_reports_twice() -> None:
    # a batch must not drop a file's problems because an identical path came earlier
    case = CASES / "invalid-bad-time" / "case.yaml"
    status, _, err = run_cli("validate", case, case)
    assert status == 2
    assert len(err.splitlines()) == 2


def test_debug_shows_a_traceback() -> None:
    case = CASES / "invalid-duplicate-id" / "case.yaml"
    status, _, err = run_subprocess("--debug", "validate", case)
    assert status != 0
    assert "Traceback (most recent call last)" in err
    assert "InvalidInput" in err
    status, _, err = run_subprocess("validate", case)
    assert status == 2
    assert "Traceback" not in err
    assert err.splitlines() == expected_lines(case.parent, case)


def test_debug_in_process_lets_the_exception_through() -> None:
    status, _, err = run_cli("--debug", "validate", CASES / "invalid-bad-time" / "case.yaml")
    assert status == 1
    assert "Traceback" in err
    assert "InvalidInput" in err


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail (rather than hang the suite) if the block runs longer than ``seconds``."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("name", ["invalid-alias-bomb", "invalid-merge-key-bomb"])
def test_alias_bomb_refused_quickly(name: str) -> None:
    case = CASES / name / "case.yaml"
    assert case.stat().st_size < 2000  # a few hundred bytes: a billion values once expanded
    started = time.process_time()  # CPU time: other processes' load does not count
    with time_limit(10):
        status, _, err = run_cli("validate", case)
    elapsed = time.process_time() - started
    assert status == 2
    assert "alias bomb" in err
    assert elapsed < 2.0, f"took {elapsed:.2f}s of CPU"


def test_invalid_file_too_large(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    line = b"# padding: this file is only comments beyond the limit\n"
    with case.open("wb") as handle:
        handle.write(EXAMPLE.read_bytes())
        while handle.tell() <= MAX_BYTES:
            handle.write(line)
    status, out, err = run_cli("validate", case)
    assert (status, out) == (2, "")
    assert err.splitlines() == [f"{case}:1:1: case file is larger than 2 MB"]


def test_file_just_under_the_limit_is_read(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    text = EXAMPLE.read_bytes()
    padding = b"#" * 99 + b"\n"
    case.write_bytes(text + padding * ((MAX_BYTES - len(text)) // len(padding)))
    assert MAX_BYTES - 100 < case.stat().st_size <= MAX_BYTES
    assert load_case(case).case.reference == "NM-2026-0412"


def test_missing_file() -> None:
    status, out, err = run_cli("validate", "no-such-case.yaml")
    assert (status, out) == (2, "")
    assert err.splitlines() == ["no-such-case.yaml:1:1: case file not found"]


def test_a_folder_is_not_a_case(tmp_path: Path) -> None:
    status, _, err = run_cli("validate", tmp_path)
    assert status == 2
    assert "Traceback" not in err
    assert "is a directory" in err


def test_no_case_given_is_a_usage_error() -> None:
    status, _, err = run_cli("validate")
    assert status == 2
    assert "Missing argument" in err


def test_merge_keys_fill_in_without_false_duplicates(tmp_path: Path) -> None:
    # `<<` is legitimate YAML: shared text written once, local keys overriding it
    text = EXAMPLE.read_text(encoding="utf-8")
    cut = text.rindex("    contingency: >")
    assert text[cut:].count("\n") == 2  # Theo's contingency ends the file: drop it
    text = text[:cut].replace("plan:\n  maya:\n", "plan:\n  maya: &maya_plan\n")
    text = text.replace("  theo:\n    outcomes:\n", "  theo:\n    <<: *maya_plan\n    outcomes:\n")
    case = tmp_path / "case.yaml"
    case.write_text(text, encoding="utf-8")
    located = load_yaml(case)
    assert located.problems == []
    theo = located.data["plan"]["theo"]
    maya = located.data["plan"]["maya"]
    assert theo["contingency"] == maya["contingency"]  # merged in
    assert theo["actions"][0]["who"] == "hv-byrne"  # the local key wins
    assert theo["contact"].startswith("The lead social worker visits Theo")
    assert maya["actions"][0]["who"] == "sw-patel"
    # a merged value is located where it was written
    maya_line = located.values[("plan", "maya", "contingency")][0]
    assert located.values[("plan", "theo", "contingency")][0] == maya_line
    assert load_case(case).plan is not None


def test_every_sample_is_accepted_on_its_own(sample: Path) -> None:
    status, out, err = run_cli("validate", sample)
    assert (status, err) == (0, "")
    assert out.startswith(f"{sample}: ok (")


def test_samples_list_is_not_empty() -> None:
    assert SAMPLES
