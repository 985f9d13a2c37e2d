"""``cpcdocs batch --scheduler``: a real Dask cluster on loopback renders what local mode renders.

A ``LocalCluster`` with two worker processes (one thread each, as the README tells operators to
run them) stands in for a cluster. The workers render into private scratch space and return the
files; this process audits and publishes them. The packs must be byte for byte the packs a
local batch makes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import run_cli
from test_batch import ISSUED, case_issued, json_lines, published, small_corpus, verify_pack

pytest.importorskip("distributed")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> object:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    ) as local:
        yield local


def test_dask_packs_are_identical_to_local_packs(tmp_path: Path, cluster: object) -> None:
    cases = small_corpus(tmp_path / "cases", 2, seed=31)  # two workers, a case each
    bad = tmp_path / "cases" / "bad.yaml"
    bad.write_text(cases[0].read_text().replace("chair: ", "chair: x", 1))
    local, remote = tmp_path / "local", tmp_path / "remote"

    code, _, stderr = run_cli(
        "batch",
        str(tmp_path / "cases"),
        "-o",
        str(local),
        "--jobs",
        "2",
        "--date",
        ISSUED,
        "--log-format",
        "json",
    )
    assert code == 1, stderr  # the bad case
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    code, _, stderr = run_cli(
        "batch",
        str(tmp_path / "cases"),
        "-o",
        str(remote),
        "--scheduler",
        address,
        "--date",
        ISSUED,
        "--log-format",
        "json",
    )
    assert code == 1, stderr
    events = json_lines(stderr)
    statuses = {Path(e["file"]).name: e["status"] for e in events if e["event"] == "case"}
    assert statuses == {**{p.name: "rendered" for p in cases}, "bad.yaml": "failed"}
    assert events[-1]["rendered"] == 2 and events[-1]["failed"] == 1

    assert_same_packs(local, remote)
    for pack in published(remote):
        assert {e["issued_on"] for e in verify_pack(pack)["documents"]} == {ISSUED}

    # The client's incremental check works the same against a Dask-published OUT: the same
    # --date again leaves every pack alone.
    assert remote_batch(address, cases, remote, "--date", ISSUED) == {"unchanged"}

    # Without --date the cases' issued: dates take over (contract version 2): on the Dask
    # path the workers render with the published manifest and the client merges, audits and
    # publishes; the packs are still byte for byte those a local batch makes.
    code, _, stderr = run_cli(
        "batch", *map(str, cases), "-o", str(local), "--jobs", "2", "--log-format", "json"
    )
    assert code == 0, stderr
    assert remote_batch(address, cases, remote) == {"rendered"}
    assert_same_packs(local, remote)
    for case in cases:
        reference = yaml.safe_load(case.read_text())["case"]["reference"]
        manifest = verify_pack(remote / reference)
        assert {e["issued_on"] for e in manifest["documents"]} == set(case_issued(case).values())
    assert remote_batch(address, cases, remote) == {"unchanged"}


def remote_batch(address: str, cases: list[Path], out: Path, *args: str) -> set[str]:
    """The statuses of a batch of ``cases`` on the cluster at ``address``."""
    code, _, stderr = run_cli(
        "batch",
        *map(str, cases),
        "-o",
        str(out),
        "--scheduler",
        address,
        *args,
        "--log-format",
        "json",
    )
    assert code == 0, stderr
    return {e["status"] for e in json_lines(stderr) if e["event"] == "case"}


def assert_same_packs(local: Path, remote: Path) -> None:
    """The same packs in both OUTs, every file (manifest and post list too) byte for byte."""
    assert [p.name for p in published(remote)] == [p.name for p in published(local)]
    for pack in published(remote):
        verify_pack(pack)
        here = sorted(p.relative_to(pack) for p in pack.rglob("*") if p.is_file())
        there = sorted(
            p.relative_to(local / pack.name) for p in (local / pack.name).rglob("*") if p.is_file()
        )
        assert here == there
        assert Path("manifest.json") in here and Path("post-list.csv") in here
        for rel in here:
            assert (pack / rel).read_bytes() == (local / pack.name / rel).read_bytes(), rel


def test_unreachable_scheduler_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cpcdocs.batch_dask.DASK_CONNECT_TIMEOUT", "2s")
    cases = small_corpus(tmp_path / "cases", 1, seed=31)
    code, _, stderr = run_cli(
        "batch",
        str(cases[0]),
        "-o",
        str(tmp_path / "out"),
        "--scheduler",
        "tcp://127.0.0.1:9",
        "--log-format",
        "json",
    )
    assert code == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in stderr
    assert not published(tmp_path / "out")
    summary = json_lines(stderr.split("cpcdocs:")[0])[-1]
    assert summary["event"] == "summary"
    assert json.dumps(summary)
