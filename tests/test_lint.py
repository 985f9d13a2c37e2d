"""The code stays as `make lint` wants it: ruff clean and `mypy --strict` clean.

Run by the suite too, so CI (which runs `make test`) fails on a lint or type error, not only
a developer who remembered `make lint`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_finds_nothing() -> None:
    proc = _run(str(BIN / "ruff"), "check", "--no-cache", "cpcdocs", "tests", "tools", "bench")
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_mypy_strict_finds_nothing() -> None:
    proc = _run(sys.executable, "-m", "mypy", "--strict", "cpcdocs")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "Success" in proc.stdout
