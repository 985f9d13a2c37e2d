"""No module in cpcdocs/ is over 600 lines: a module that long is doing several jobs.

Issue 18 asks for the large modules to be split along their seams (one job per module, a name
that says the job). The modules listed in ``PENDING`` are being changed by other engineers and
will be split after; each is an expected failure here until then, and its entry is removed
when it is split. Every other module is held to the limit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cpcdocs"
LIMIT = 600

#: Modules still to split, as paths relative to the repository.
PENDING: frozenset[str] = frozenset()

MODULES = sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def _params() -> list[object]:
    pending = pytest.mark.xfail(
        reason="split pending: being changed by another engineer", strict=False
    )
    return [
        pytest.param(path, id=_name(path), marks=pending if _name(path) in PENDING else ())
        for path in MODULES
    ]


def test_the_package_has_modules_to_measure() -> None:
    assert len(MODULES) > 20
    assert PACKAGE / "__init__.py" in MODULES


@pytest.mark.parametrize("path", _params())
def test_module_is_at_most_600_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= LIMIT, f"{_name(path)} has {lines} lines; split it along its seams"
