"""The case-format contract ships in ``docs/case-format/`` and stays in step with its source.

A user's checkout has no ``../shared/`` beside it, so the tests, the README and ``make demo``
read the copy in ``docs/``. Where the shared original exists (the team's machines), this test
fails as soon as the two differ, so the copy is never stale; elsewhere it is skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COPY = ROOT / "docs" / "case-format"
SHARED = ROOT.parent / "shared" / "case-format"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_the_contract_ships_in_docs() -> None:
    names = set(_files(COPY))
    assert {"README.md", "example-case.yaml", "example-authority.yaml"} <= names


@pytest.mark.skipif(not SHARED.is_dir(), reason="no ../shared/case-format beside the checkout")
def test_the_copy_equals_the_shared_contract() -> None:
    shared, copy = _files(SHARED), _files(COPY)
    assert sorted(copy) == sorted(shared), "docs/case-format/ has other files than the contract"
    stale = [name for name in shared if copy[name] != shared[name]]
    assert stale == [], f"copy {SHARED}/* to docs/case-format/ again: {stale} differ"
