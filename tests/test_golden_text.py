"""Golden text: every document of every sample pack, as a reader would read it, pinned.

The determinism test proves a pack is the same twice; this proves it is the same as the one a
person last read and approved. Each document's text is extracted as the audit extracts it
(PDF page text through PDFium, every part of a Word file), with runs of spaces collapsed, and
kept in ``tests/golden/text/<sample>/<stage>/<recipient>/<file>.txt``. A change of wording, of
redaction or of distribution shows up here as a readable diff.

To accept a change: ``make golden`` (``CPCDOCS_UPDATE_GOLDEN=1`` over this module and the
pinned distributions of ``tests/test_plan.py``), then read ``git diff tests/golden`` before
committing it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES

from cpcdocs.extract import PDF_STRINGS, VALUES, extract_file

GOLDEN = ROOT / "tests" / "golden" / "text"
BESIDE = {"manifest.json", "post-list.csv"}

pytestmark = pytest.mark.slow


def document_text(path: Path) -> str:
    """A document's text, place by place, with spaces collapsed: what the golden files hold.

    Only the words a reader reads: a PDF's pages, a Word file's body, headers, footers and title.
    A PDF's own strings and XMP packet (bookmarks, metadata, structure, the generator's version)
    repeat the body and carry the file's bookkeeping; a Word file's XML attributes, styles,
    application properties and zip directory are its machinery. The audit searches all of
    those; this pins what a person reads.
    """
    lines: list[str] = []
    for chunk in extract_file(path):
        machinery = chunk.where.startswith(
            (PDF_STRINGS, "XMP", "zip directory", "word/media", "docProps/app.xml")
        ) or chunk.where.endswith("(attributes)")
        if machinery:
            continue
        lines.append(f"## {chunk.where}")
        for line in chunk.text.replace(VALUES, "\n").splitlines():
            words = " ".join(line.split())
            if words:
                lines.append(words)
    return "\n".join(lines) + "\n"


def _texts(pack: Path) -> dict[str, str]:
    return {
        path.relative_to(pack).as_posix() + ".txt": document_text(path)
        for path in sorted(pack.rglob("*"))
        if path.is_file() and path.name not in BESIDE
    }


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_every_documents_text_is_its_golden_text(
    sample: Path, sample_pack: Callable[[Path], Path]
) -> None:
    actual = _texts(sample_pack(sample))
    folder = GOLDEN / sample.stem
    if os.environ.get("CPCDOCS_UPDATE_GOLDEN"):
        shutil.rmtree(folder, ignore_errors=True)
        for rel, text in actual.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text, encoding="utf-8")
    expected = {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*.txt"))
    }
    assert expected, f"no golden text for {sample.stem}: run make golden, then read the diff"
    assert sorted(actual) == sorted(expected), "documents added or removed: run make golden"
    changed = [rel for rel in actual if actual[rel] != expected[rel]]
    assert not changed, (
        f"{len(changed)} documents read differently (first: {changed[0]}); if intended, run "
        "make golden and read git diff tests/golden before committing"
    )


def test_the_golden_text_is_what_a_reader_reads() -> None:
    """The extraction the golden files hold is the letter's words, not the file's machinery."""
    sample = GOLDEN / "example-initial" / "invitations" / "mother" / "invitation.pdf.txt"
    text = sample.read_text(encoding="utf-8")
    assert "OFFICIAL-SENSITIVE" in text
    assert "child protection conference" in text
    assert "obj" not in text.split() and "/Type" not in text
