"""Shared fixtures and helpers: where things are, and two ways to run the ``cpcdocs`` command.

``run_cli`` runs the command in-process through click's ``CliRunner`` but via
:func:`cpcdocs.cli.main`, the one place a ``CpcdocsError`` becomes an exit status, so tests see
exactly what a user sees. ``run_subprocess`` starts ``python -m cpcdocs`` for the few tests
that must prove the real entry point (exit codes, tracebacks, working folder).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import stat
import subprocess
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

#: The repository root (the folder holding ``pyproject.toml``).
ROOT = Path(__file__).resolve().parent.parent

# The tests exercise the source tree, whether or not cpcdocs is installed in the environment.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cpcdocs.cli import main  # noqa: E402

#: The contract's example case (shipped in docs/case-format/).
EXAMPLE = ROOT / "docs" / "case-format" / "example-case.yaml"
#: Every sample case, in name order.
SAMPLES = sorted((ROOT / "samples").glob("*.yaml"))
#: Scenario folders (``tests/cases/<name>/case.yaml``).
CASES = ROOT / "tests" / "cases"

#: Environment for subprocesses: the source tree importable, output unbuffered and untranslated.
SUBPROCESS_ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    "PYTHONUNBUFFERED": "1",
    "PYTHONIOENCODING": "utf-8",
}


class _MainCommand(click.Command):
    """Lets ``CliRunner.invoke`` call :func:`cpcdocs.cli.main` rather than the bare click group."""

    def main(self, args: Sequence[str] | None = None, **_: object) -> None:  # type: ignore[override]
        main(list(args or ()))


def run_cli(*args: str | os.PathLike[str], input: str | None = None) -> tuple[int, str, str]:
    """Run ``cpcdocs ARGS`` in-process; return (exit status, stdout, stderr).

    An exception that escapes ``main`` (only ``--debug`` lets one through) is formatted onto
    stderr with exit status 1, as the Python interpreter would do.
    """
    runner = CliRunner()
    result = runner.invoke(_MainCommand("cpcdocs"), [str(a) for a in args], input=input)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return result.exit_code, result.stdout, stderr


def run_subprocess(
    *args: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None, timeout: float = 60
) -> tuple[int, str, str]:
    """Run ``python -m cpcdocs ARGS`` in a new process; return (exit status, stdout, stderr)."""
    completed = subprocess.run(
        [sys.executable, "-m", "cpcdocs", *(str(a) for a in args)],
        cwd=cwd,
        env=SUBPROCESS_ENV,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )
    return completed.returncode, completed.stdout, completed.stderr


@pytest.fixture(name="run_cli")
def _run_cli_fixture() -> object:
    """The in-process runner, for tests that prefer a fixture to an import."""
    return run_cli


@pytest.fixture(name="run_subprocess")
def _run_subprocess_fixture() -> object:
    """The subprocess runner, for tests that prefer a fixture to an import."""
    return run_subprocess


# -- built once per test run, shared by every xdist worker --------------------------------------


def shared_folder(
    factory: pytest.TempPathFactory, key: str, make: Callable[[Path], object]
) -> Path:
    """A folder ``make`` fills once per test run, whichever xdist worker asks first.

    Rendering a sample's whole pack takes seconds; a module fixture renders it again on every
    worker that runs one of the module's tests, and several modules read the same packs. The
    first worker to ask builds it under a lock in the run's shared temporary folder (the
    parent of each worker's own); the others wait, then read it. Its files are made read-only:
    a test that needs to change a pack copies it (:func:`writable_copy`).
    """
    base = factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared"
    root.mkdir(parents=True, exist_ok=True)
    target = root / key
    with (root / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / f"{key}.done").exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            make(target)
            for path in target.rglob("*"):
                if path.is_file():
                    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            (root / f"{key}.done").touch()
    return target


def writable_copy(pack: Path, folder: Path) -> Path:
    """A copy of a shared pack that a test may change, at ``folder/<pack name>``."""
    target = folder / pack.name
    shutil.copytree(pack, target)
    for path in target.rglob("*"):
        if path.is_file():
            path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    return target


@pytest.fixture(scope="session")
def sample_pack(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """The published pack of a sample (or any case file) rendered with default options.

    Rendered once per test run (:func:`shared_folder`); the pack folder ``<out>/<reference>``
    is returned, read-only.
    """

    def get(case_file: Path) -> Path:
        from cpcdocs.pack import RenderOptions, render_pack

        key = f"pack-{case_file.parent.name}-{case_file.stem}"
        out = shared_folder(
            tmp_path_factory, key, lambda folder: render_pack(case_file, folder, RenderOptions())
        )
        (pack,) = (p for p in out.iterdir() if p.is_dir())
        return pack

    return get


@pytest.fixture(params=SAMPLES, ids=lambda p: p.stem)
def sample(request: pytest.FixtureRequest) -> Path:
    """Each sample case in turn."""
    return request.param


@pytest.fixture(params=[*SAMPLES, EXAMPLE], ids=lambda p: f"{p.parent.name}/{p.stem}")
def any_case(request: pytest.FixtureRequest) -> Path:
    """Each sample case and the contract example in turn."""
    return request.param


def stage_dates_for(data: dict[str, object]) -> dict[str, str]:
    """An issue date inside each stage's rule, worked out from the case's own events.

    Hostile and generated cases have no ``issued:`` block; with these every stage they are ready
    for renders, whatever day the suite runs (the contract's date rules are in
    ``cpcdocs.stages``; an explicit date that breaks them is refused).
    """
    import datetime as dt

    conference = data["conference"]
    assert isinstance(conference, dict)
    day = dt.date.fromisoformat(str(conference["date"]))
    one = dt.timedelta(days=1)
    out = {
        "invitations": (day - one).isoformat(),
        "reports": (day - one).isoformat(),
        "decision": (day + one).isoformat(),
    }
    decided = [
        dt.date.fromisoformat(str(p["exclusion"]["decided_on"]))
        for p in data.get("people") or []  # type: ignore[union-attr]
        if isinstance(p, dict)
        and isinstance(p.get("exclusion"), dict)
        and p["exclusion"].get("decided_on")
    ]
    if decided and max(decided) <= day:
        out["exclusions"] = max(decided).isoformat()
    record = data.get("record")
    if isinstance(record, dict) and record.get("approved_on"):
        out["record"] = str(record["approved_on"])
    return out


def dated(source: Path | dict[str, object], folder: Path, name: str = "case.yaml") -> Path:
    """A copy of a case file (or data) in ``folder`` with every stage dated (see above)."""
    import yaml

    data = (
        yaml.safe_load(source.read_text(encoding="utf-8"))
        if isinstance(source, Path)
        else dict(source)
    )
    if not data.get("issued"):
        data["issued"] = stage_dates_for(data)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
