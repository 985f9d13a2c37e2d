"""``cpcdocs batch``: inputs, isolation of failures, incremental runs, the lock, logs, kill -9.

The end-to-end tests render real packs from small generated corpora (the one-child pre-conference
sample, about twenty files a pack) so the file stays within a couple of minutes on two cores.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import importlib.util
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CASES, ROOT, SUBPROCESS_ENV, run_cli

from cpcdocs.batch import (
    CaseOutcome,
    JsonReporter,
    _Pool,
    find_cases,
    make_reporter,
    safe_message,
)
from cpcdocs.errors import InvalidInput
from cpcdocs.lock import LOCK_NAME, BatchLock, LockHeld

#: A ``--date`` every generated small case can carry: on or before each one's conference (the
#: invitations and reports stages may not be dated after it).
ISSUED = "2026-12-24"
#: The day the incremental batches take as today (``SOURCE_DATE_EPOCH``): on or before every
#: small case's conference, and none of the dates their ``issued:`` blocks give. (A file's own
#: dates are its stage's issue date, whatever the day: a re-run on another night leaves an
#: unchanged document byte for byte.)
NIGHT = "2026-12-23"
SMALL_SAMPLE = ROOT / "samples" / "single-child-pre-conference.yaml"


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "generate_corpus", ROOT / "tools" / "generate_corpus.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def small_corpus(
    folder: Path, count: int, *, sample: Path = SMALL_SAMPLE, seed: int = 11
) -> list[Path]:
    """``count`` generated variants of one sample (no extra siblings, to keep packs small)."""
    gen = _generator()
    base = yaml.safe_load(sample.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    number = 0
    while len(paths) < count:
        case = gen.generate_case(base, seed, number)
        number += 1
        if len(case["children"]) != len(base["children"]):
            continue
        path = folder / f"case-{len(paths):02d}.yaml"
        path.write_text(yaml.safe_dump(case, sort_keys=False, allow_unicode=True), encoding="utf-8")
        paths.append(path)
    return paths


def names_in(path: Path) -> set[str]:
    """Every person's, child's and professional's full name and surname in a case file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for key in ("children", "people", "professionals"):
        for entry in data.get(key) or []:
            if entry.get("name"):
                found.add(entry["name"])
                found.add(entry["name"].split()[-1])
            for line in entry.get("address") or []:
                found.add(line)
    for item in data.get("information") or []:
        found.add(" ".join(item["text"].split()[:6]))
    return found


def case_issued(path: Path) -> dict[str, str]:
    """The ``issued:`` dates of a case file, stage name to ISO date."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {stage: day.isoformat() for stage, day in (data.get("issued") or {}).items()}


def epoch(day: str) -> str:
    """``SOURCE_DATE_EPOCH`` for noon UTC on ``day``: the day a batch takes as today."""
    return str(int(dt.datetime.fromisoformat(f"{day}T12:00:00+00:00").timestamp()))


def stage_dates(manifest: dict[str, Any]) -> dict[str, str]:
    """Each published stage's issue date, from a manifest."""
    return {name: info["issued_on"] for name, info in manifest["stages"].items()}


def dated_as_in(manifest: dict[str, Any], case: Path) -> bool:
    """Every stage, and every document of it, carries the date the case file's ``issued:`` gives."""
    wanted = case_issued(case)
    return stage_dates(manifest) == wanted and all(
        e["issued_on"] == wanted[e["stage"]] for e in manifest["documents"]
    )


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def verify_pack(pack: Path) -> dict[str, Any]:
    """The manifest, after checking every listed file is there with its hash, and no other.

    Contract version 2: the pack holds ``manifest.json`` and ``post-list.csv`` beside the stage
    folders; every document sits in its stage's folder, and every stage listed has a date.
    """
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    assert (pack / "post-list.csv").is_file(), pack
    assert "issued_on" not in manifest  # v2: one date per stage, none for the pack
    listed = {entry["path"]: entry["sha256"] for entry in manifest["documents"]}
    on_disk = {p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file()} - {
        "manifest.json",
        "post-list.csv",
    }
    assert on_disk == set(listed), pack
    for rel, digest in listed.items():
        assert hashlib.sha256((pack / rel).read_bytes()).hexdigest() == digest, rel
    for entry in manifest["documents"]:
        assert entry["path"].split("/")[0] == entry["stage"], entry["path"]
        assert entry["stage"] in manifest["stages"], entry["path"]
        dt.date.fromisoformat(entry["issued_on"])
    return manifest


def published(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))


# -- inputs ---------------------------------------------------------------------------------------


def test_inputs_are_files_folders_and_globs(tmp_path: Path) -> None:
    (tmp_path / "cases" / "east" / "authorities").mkdir(parents=True)
    (tmp_path / "cases" / ".staging").mkdir()
    for rel in (
        "a.yaml",
        "east/b.yaml",
        "east/authorities/northmoor.yaml",
        ".staging/x.yaml",
        "east/notes.txt",
        "c.yml",
    ):
        (tmp_path / "cases" / rel).write_text("case: {}\n")
    single = tmp_path / "single.yaml"
    single.write_text("case: {}\n")

    found = find_cases([tmp_path / "cases"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "cases/a.yaml",
        "cases/east/b.yaml",
    ]

    found = find_cases(
        [str(tmp_path / "cases" / "**" / "*.yaml"), single, tmp_path / "cases" / "a.yaml"]
    )
    names = [p.relative_to(tmp_path).as_posix() for p in found]
    assert names[-1] == "single.yaml"
    assert names.count("cases/a.yaml") == 1  # named twice, rendered once
    assert "cases/east/b.yaml" in names


def test_missing_input_and_empty_glob_are_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        find_cases([tmp_path / "nowhere", str(tmp_path / "*.yaml")])
    text = "\n".join(err.value.lines())
    assert "no such file or folder" in text
    assert "no file matches this pattern" in text
    code, _, stderr = run_cli("batch", str(tmp_path / "nowhere"), "-o", str(tmp_path / "out"))
    assert code == 2
    assert "no such file or folder" in stderr
    (tmp_path / "empty").mkdir()
    assert find_cases([tmp_path / "empty"]) == []


# -- the lock -------------------------------------------------------------------------------------

_HOLD = """
import sys, time
from cpcdocs.lock import BatchLock
lock = BatchLock(sys.argv[1])
lock.acquire()
print("locked", flush=True)
time.sleep(60)
"""


def test_a_live_lock_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(out)],
        env=SUBPROCESS_ENV,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockHeld) as err:
            BatchLock(out).acquire()
        assert f"pid {holder.pid}" in err.value.message
        code, _, stderr = run_cli("batch", str(SMALL_SAMPLE), "-o", str(out))
        assert code == 1
        assert "another cpcdocs batch is writing here" in stderr
        assert f"pid {holder.pid}" in stderr
        assert not published(out)
    finally:
        holder.kill()
        holder.wait()
    # The holder was killed without cleaning up: its lock is now stale and is taken over.
    with BatchLock(out) as lock:
        assert lock.stale is not None and lock.stale.pid == holder.pid
    assert not (out / LOCK_NAME).exists()


def test_a_stale_lock_is_taken_over_and_logged(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "out"
    out.mkdir()
    record = {"pid": dead.pid, "host": "this-host", "started": "2026-11-21T02:00:00+00:00"}
    (out / LOCK_NAME).write_text(json.dumps(record))
    (tmp_path / "empty").mkdir()
    code, _, stderr = run_cli(
        "batch", str(tmp_path / "empty"), "-o", str(out), "--log-format", "json"
    )
    assert code == 0, stderr
    events = json_lines(stderr)
    assert events[0] == {"event": "lock", "status": "stale", **record}
    assert events[-1]["event"] == "summary"
    assert not (out / LOCK_NAME).exists()


# -- logs -----------------------------------------------------------------------------------------


def test_safe_message_redacts_values_but_keeps_paths(tmp_path: Path) -> None:
    case = tmp_path / "Harrow family.yaml"
    case.write_text(
        "case: {reference: NM-1, authority: northmoor}\n"
        "people:\n  - id: mother\n    name: Claire Harrow\n    address: [Flat 2, 41 Wren Road]\n"
    )
    message = (
        f"{case}:4:11: people[0]: ValueError: 'Claire Harrow' at 41 Wren Road\n"
        "second line about Harrow and mother"
    )
    safe = safe_message(message, case)
    assert "Claire" not in safe.replace(str(case), "")
    assert "Harrow" not in safe.replace(str(case), "")
    assert "Wren Road" not in safe
    assert safe.startswith(f"{case}:4:11: people[0]:")
    assert "\n" not in safe and "mother" in safe


def test_json_reporter_shapes() -> None:
    import io

    stream = io.StringIO()
    reporter = JsonReporter(stream)
    reporter.case(CaseOutcome("a.yaml", "NM-1", "rendered", 20, 1.23456))
    reporter.case(CaseOutcome("b.yaml", None, "failed", error="b.yaml:1:1: bad"))
    lines = json_lines(stream.getvalue())
    assert lines[0] == {
        "event": "case",
        "case": "NM-1",
        "file": "a.yaml",
        "status": "rendered",
        "documents": 20,
        "seconds": 1.235,
        "error": None,
    }
    assert lines[1]["status"] == "failed" and lines[1]["case"] is None
    assert make_reporter(None, io.StringIO()).__class__.__name__ == "JsonReporter"  # not a TTY


# -- the pool -------------------------------------------------------------------------------------


def _maybe_die(item: str) -> str:
    if item == "poison":
        os._exit(9)
    time.sleep(0.05)
    return item.upper()


def test_a_worker_dying_fails_only_its_own_case() -> None:
    items = ["a", "b", "poison", "c", "d", "e"]
    results: dict[int, str] = {}
    pool = _Pool(2)
    try:
        pool.run(_maybe_die, items, results.__setitem__, lambda i: "CRASHED")
    finally:
        pool.close()
    assert results == {0: "A", 1: "B", 2: "CRASHED", 3: "C", 4: "D", 5: "E"}


# -- end to end -----------------------------------------------------------------------------------

slow = pytest.mark.slow


@pytest.fixture(scope="module")
def first_night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Three cases and the OUT a first, plain nightly batch made of them (two workers).

    The generated cases carry ``issued:`` dates for every stage they are ready for, so each
    stage is dated from its case file whatever day the batch runs (here ``NIGHT``).
    """
    root = tmp_path_factory.mktemp("night")
    paths = small_corpus(root / "cases", 3)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", epoch(NIGHT))
        code, _, stderr = run_cli(
            "batch",
            str(root / "cases"),
            "-o",
            str(root / "out"),
            "--jobs",
            "2",
            "--log-format",
            "json",
        )
    assert code == 0, stderr
    statuses = [e["status"] for e in json_lines(stderr) if e["event"] == "case"]
    assert statuses == ["rendered"] * 3
    for path in paths:
        reference = yaml.safe_load(path.read_text())["case"]["reference"]
        assert dated_as_in(verify_pack(root / "out" / reference), path)
    return root / "cases", root / "out"


def copy_night(first_night: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the first night's cases and OUT, for a test to change."""
    import shutil

    cases, out = tmp_path / "cases", tmp_path / "out"
    shutil.copytree(first_night[0], cases)
    shutil.copytree(first_night[1], out)
    return cases, out


@slow
def test_one_bad_case_among_good_ones_and_no_names_in_the_log(
    tmp_path: Path, first_night: tuple[Path, Path]
) -> None:
    good = sorted(first_night[0].glob("*.yaml"))[:2]
    invalid = CASES / "invalid-many-problems" / "case.yaml"
    # A valid case whose authority profile is missing fails at render time, not at check.
    unrenderable = tmp_path / "no-profile.yaml"
    unrenderable.write_text(
        good[0]
        .read_text()
        .replace("authority: northmoor", "authority: eastmoor")
        .replace("GEN-11-", "GEN-99-")
    )
    out = tmp_path / "out"
    code, _, stderr = run_cli(
        "batch",
        *map(str, good),
        str(invalid),
        str(unrenderable),
        "-o",
        str(out),
        "--jobs",
        "2",
        "--date",
        ISSUED,
        "--log-format",
        "json",
    )
    assert code == 1, stderr
    events = json_lines(stderr)
    cases = {e["file"]: e for e in events if e["event"] == "case"}
    assert set(cases) == {str(p) for p in [*good, invalid, unrenderable]}
    assert cases[str(invalid)]["status"] == "failed"
    assert cases[str(invalid)]["case"] == "NM-2027-0900"
    assert "conference.start" in cases[str(invalid)]["error"]
    assert cases[str(unrenderable)]["status"] == "failed"
    assert "eastmoor" in cases[str(unrenderable)]["error"]
    assert [cases[str(p)]["status"] for p in good] == ["rendered", "rendered"]
    assert all(
        e["documents"] > 10 and e["seconds"] > 0
        for e in cases.values()
        if e["status"] == "rendered"
    )
    summary = events[-1]
    assert summary["event"] == "summary"
    assert (summary["rendered"], summary["unchanged"], summary["failed"]) == (2, 0, 2)
    assert len(published(out)) == 2
    for pack in published(out):
        # --date dates every stage rendered, overriding the case files' issued: dates.
        manifest = verify_pack(pack)
        assert set(stage_dates(manifest).values()) == {ISSUED}
        assert {e["issued_on"] for e in manifest["documents"]} == {ISSUED}
    assert sorted(os.listdir(out)) == sorted(p.name for p in published(out))  # no lock, staging
    # Logs carry references, ids and paths only: no name, address or information text.
    for path in [*good, invalid, unrenderable]:
        for value in names_in(path):
            assert value not in stderr, value


@slow
def test_incremental_runs(
    tmp_path: Path, first_night: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cases, out = copy_night(first_night, tmp_path)
    files = sorted(cases.glob("*.yaml"))
    refs = [yaml.safe_load(f.read_text())["case"]["reference"] for f in files]

    def batch(*args: str) -> dict[str, str]:
        code, _, stderr = run_cli(*args, "-o", str(out), "--log-format", "json", "--jobs", "1")
        assert code == 0, stderr
        return {
            Path(e["file"]).name: e["status"] for e in json_lines(stderr) if e["event"] == "case"
        }

    def stamps() -> dict[str, int]:
        return {p.name: (p / "manifest.json").stat().st_mtime_ns for p in published(out)}

    def manifest(ref: str) -> dict[str, Any]:
        return verify_pack(out / ref)

    before = stamps()
    # The next night, nothing changed: nothing is rendered, and letters are not re-dated
    # (the batch's day is none of the dates the stages were issued on).
    edited = files[1]
    night = dt.date.fromisoformat(NIGHT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch(NIGHT))
    assert all(NIGHT not in case_issued(f).values() for f in files)
    assert all(night <= yaml.safe_load(f.read_text())["conference"]["date"] for f in files)
    assert batch("batch", str(cases)) == {f.name: "unchanged" for f in files}
    assert stamps() == before
    assert all(dated_as_in(manifest(r), f) for r, f in zip(refs, files, strict=True))

    # One case edited (the father moved, and the file no longer fixes the dates): only it is
    # rendered. Each stage keeps the date it was first issued on; the father's invitation
    # changed, so it is a new letter dated the batch's day; every other document is left as
    # it was, date and bytes.
    ref = refs[1]
    old = {e["path"]: e for e in manifest(ref)["documents"]}
    data = yaml.safe_load(edited.read_text())
    first_dates = case_issued(edited)
    del data["issued"]
    [father] = [p for p in data["people"] if p["id"] == "father"]
    father["address"][0] = "Flat 11"
    edited.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    assert batch("batch", str(cases)) == {
        files[0].name: "unchanged",
        files[1].name: "rendered",
        files[2].name: "unchanged",
    }
    after = manifest(ref)
    assert stage_dates(after) == first_dates
    changed = [
        e for e in after["documents"] if e["content_sha256"] != old[e["path"]]["content_sha256"]
    ]
    kept = [
        e for e in after["documents"] if e["content_sha256"] == old[e["path"]]["content_sha256"]
    ]
    assert changed and kept
    assert {e["path"].rsplit(".", 1)[0] for e in changed} == {"invitations/father/invitation"}
    assert {e["issued_on"] for e in changed} == {night.isoformat()}
    with (out / ref / "post-list.csv").open(encoding="utf-8", newline="") as handle:
        posted = [(row["stage"], row["recipient"]) for row in csv.DictReader(handle)]
    assert posted == [("invitations", "father")]
    assert all(e == old[e["path"]] for e in kept)
    assert {k: v for k, v in stamps().items() if k != ref} == {
        k: v for k, v in before.items() if k != ref
    }

    # An explicit --date is part of what a pack must be: every pack not rendered with it is
    # rendered again, every document dated so; the same --date the next night changes nothing.
    assert batch("batch", str(cases), "--date", ISSUED) == {f.name: "rendered" for f in files}
    for r in refs:
        assert {e["issued_on"] for e in manifest(r)["documents"]} == {ISSUED}
    dated = stamps()
    assert batch("batch", str(cases), "--date", ISSUED) == {f.name: "unchanged" for f in files}
    assert stamps() == dated
    # Without it, a pack dated by --date is not what the case file asks for: the issued:
    # dates of the case files take over again.
    assert batch("batch", str(files[0])) == {files[0].name: "rendered"}
    assert dated_as_in(manifest(refs[0]), files[0])
    # A new cpcdocs version or templates would change the fingerprint too; --force ignores it.
    assert batch("batch", str(files[2]), "--force", "--date", ISSUED) == {files[2].name: "rendered"}


@slow
def test_two_files_with_one_reference_both_fail(
    tmp_path: Path, first_night: tuple[Path, Path]
) -> None:
    cases, out = copy_night(first_night, tmp_path)
    original = sorted(cases.glob("*.yaml"))[0]
    twin = tmp_path / "twin.yaml"
    twin.write_text(original.read_text().replace("duration_minutes: 90", "duration_minutes: 60"))
    ref = yaml.safe_load(original.read_text())["case"]["reference"]
    before = verify_pack(out / ref)
    code, _, stderr = run_cli(
        "batch", str(original), str(twin), "-o", str(out), "--log-format", "json", "--jobs", "1"
    )
    assert code == 1
    events = [e for e in json_lines(stderr) if e["event"] == "case"]
    assert [e["status"] for e in events] == ["failed", "failed"]
    assert "is also used by" in events[0]["error"] and str(twin) in events[0]["error"]
    assert verify_pack(out / ref) == before


@slow
def test_text_log_for_people(tmp_path: Path, first_night: tuple[Path, Path]) -> None:
    cases, out = copy_night(first_night, tmp_path)
    broken = tmp_path / "broken.yaml"
    broken.write_text(sorted(cases.glob("*.yaml"))[0].read_text().replace("chair: ", "chair: x", 1))
    code, stdout, text = run_cli(
        "batch", str(cases), str(broken), "-o", str(out), "--log-format", "text"
    )
    assert code == 1
    assert stdout == ""
    lines = text.splitlines()
    assert lines[0] == "batch: 4 case file(s)"
    assert sum(line.startswith("unchanged") for line in lines) == 3
    assert any(line.startswith("failed") and "conference.chair" in line for line in lines)
    assert lines[-1].startswith("batch: 0 rendered, 3 unchanged, 1 failed in ")
    for value in names_in(broken):
        assert value not in text, value


@slow
def test_a_stage_falling_due_is_issued_on_the_first_night_it_is_due(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nightly runs around a conference: invitations before it, the decision the day after.

    The case (with a decision already recorded, and no ``issued:`` dates) is never edited; the
    batch re-renders it only when the manifest's ``recheck_on`` day has come.

    The batch's day is set as the clock would set it on each night (cpcdocs' ``today``, in
    this process: ``--jobs 1``), as a scheduled job meets it.
    """
    import cpcdocs.pack
    import cpcdocs.selection
    import cpcdocs.stages

    data = yaml.safe_load((ROOT / "samples" / "transfer-in.yaml").read_text(encoding="utf-8"))
    assert data.get("decision")
    del data["issued"]
    conference: dt.date = data["conference"]["date"]
    case = tmp_path / "cases" / "transfer.yaml"
    case.parent.mkdir()
    case.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    pack = out / data["case"]["reference"]

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)

    def night(day: dt.date) -> str:
        monkeypatch.setattr(cpcdocs.stages, "today", lambda: day)
        monkeypatch.setattr(cpcdocs.pack, "today", lambda: day)
        monkeypatch.setattr(cpcdocs.selection, "today", lambda: day)
        code, _, stderr = run_cli(
            "batch", str(case), "-o", str(out), "--log-format", "json", "--jobs", "1"
        )
        assert code == 0, stderr
        [event] = [e for e in json_lines(stderr) if e["event"] == "case"]
        return str(event["status"])

    def files() -> dict[str, bytes]:
        return {
            p.relative_to(pack).as_posix(): p.read_bytes()
            for p in sorted(pack.rglob("*"))
            if p.is_file() and p.name not in {"manifest.json", "post-list.csv"}
        }

    before = conference - dt.timedelta(days=7)
    assert night(before) == "rendered"
    first = verify_pack(pack)
    # Before the conference: the stages due before it (invitations, and the family copies of
    # the reports) are issued that day; the decision waits, and the manifest says until when.
    assert stage_dates(first) == {"invitations": before.isoformat(), "reports": before.isoformat()}
    assert {e["stage"] for e in first["documents"]} == {"invitations", "reports"}
    assert first["recheck_on"] == conference.isoformat()
    assert any(line.startswith("decision: waiting") for line in first["stage_outcomes"])
    invitations = {k: v for k, v in files().items() if k.startswith("invitations/")}
    assert invitations
    stamp = (pack / "manifest.json").stat().st_mtime_ns

    # A night with nothing due: the unchanged case is left alone.
    assert night(before + dt.timedelta(days=2)) == "unchanged"
    assert (pack / "manifest.json").stat().st_mtime_ns == stamp

    # The day after the conference: recheck_on has come, so the unchanged case is rendered
    # again; the decision stage is issued that day, every earlier envelope byte for byte.
    after = conference + dt.timedelta(days=1)
    assert night(after) == "rendered"
    second = verify_pack(pack)
    assert stage_dates(second) == {**stage_dates(first), "decision": after.isoformat()}
    decision = [e for e in second["documents"] if e["stage"] == "decision"]
    assert decision and {e["issued_on"] for e in decision} == {after.isoformat()}
    assert {e["kind"] for e in decision} >= {"decision_letter", "outline_plan"}
    now = files()
    assert {k: v for k, v in now.items() if k.startswith("invitations/")} == invitations
    earlier = {e["path"]: e for e in first["documents"]}
    assert [e for e in second["documents"] if e["stage"] != "decision"] == list(earlier.values())
    assert second["notes"] == []  # nothing issued before was seen as changed
    assert second["recheck_on"] is None
    # Only the decision envelopes are on the night's post list.
    with (pack / "post-list.csv").open(encoding="utf-8", newline="") as handle:
        posted = list(csv.DictReader(handle))
    assert posted and {row["stage"] for row in posted} == {"decision"}

    # The next night nothing is due any more.
    stamp = (pack / "manifest.json").stat().st_mtime_ns
    assert night(after + dt.timedelta(days=1)) == "unchanged"
    assert (pack / "manifest.json").stat().st_mtime_ns == stamp


# -- kill -9 --------------------------------------------------------------------------------------


def _reader(stream: Any, lines: queue.Queue[str]) -> None:
    for line in iter(stream.readline, ""):
        lines.put(line)


@slow
def test_kill_9_leaves_only_complete_packs_and_a_rerun_finishes(tmp_path: Path) -> None:
    cases = small_corpus(tmp_path / "cases", 6, seed=23)
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "cpcdocs",
        "batch",
        str(tmp_path / "cases"),
        "-o",
        str(out),
        "--jobs",
        "2",
        "--log-format",
        "json",
        "--date",
        ISSUED,
    ]
    proc = subprocess.Popen(command, env=SUBPROCESS_ENV, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stderr is not None
    threading.Thread(target=_reader, args=(proc.stderr, lines), daemon=True).start()
    rendered = 0
    deadline = time.monotonic() + 120
    while rendered < 2 and time.monotonic() < deadline:
        try:
            event = json.loads(lines.get(timeout=5))
        except queue.Empty:
            continue
        rendered += event.get("status") == "rendered"
    assert rendered == 2
    time.sleep(0.3)  # somewhere inside the next cases: rendering, auditing or publishing
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    done = published(out)
    assert 2 <= len(done) < len(cases)
    for pack in done:
        verify_pack(pack)  # complete: every listed file, right hashes, nothing else
    references = {yaml.safe_load(p.read_text())["case"]["reference"] for p in cases}
    assert {p.name for p in done} <= references

    time.sleep(0.5)  # workers die with the batch (PR_SET_PDEATHSIG); give the kernel a moment
    rerun = subprocess.run(command, env=SUBPROCESS_ENV, capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stderr
    events = json_lines(rerun.stderr)
    statuses = [e["status"] for e in events if e["event"] == "case"]
    assert statuses.count("unchanged") == len(done)
    assert statuses.count("rendered") == len(cases) - len(done)
    assert {p.name for p in published(out)} == references
    for pack in published(out):
        verify_pack(pack)
    # Nothing but packs is visible; staging a killed run left is hidden, and removed by a later
    # run once an hour old (it may belong to a render still going); the lock is released.
    leftovers = [name for name in os.listdir(out) if name not in references]
    assert all(name.startswith(".staging-") for name in leftovers), leftovers


# -- documentation and refusals -------------------------------------------------------------------


def test_every_batch_option_is_documented_in_the_readme() -> None:
    from cpcdocs.cli import batch

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Batch rendering", 1)[1].split("\n## ", 1)[0]
    for param in batch.params:
        for flag in getattr(param, "opts", []):
            if flag.startswith("--"):
                assert f"`{flag}" in section or f"{flag} " in section, flag


def test_signing_is_refused_on_dask(tmp_path: Path) -> None:
    from cpcdocs.batch import BatchOptions, render_batch
    from cpcdocs.errors import CpcdocsError

    options = BatchOptions(scheduler="tcp://127.0.0.1:9", sign=object())
    with pytest.raises(CpcdocsError) as err:
        render_batch([tmp_path], tmp_path / "out", options)
    assert err.value.exit_status == 2
    assert "does not leave this machine" in err.value.message
