"""Render sample documents with the layout and turn them into PNGs to look at.

    .venv/bin/python tools/preview.py [OUT_DIR] [--dpi 60]
    .venv/bin/python tools/preview.py [OUT_DIR] --case samples/example-initial.yaml

Writes OUT_DIR (default out/preview/) with, for each sample, the PDF, the DOCX, and
``<name>-<page>.png`` pages from ``pdftoppm``, and the time each render took. The samples are
made-up views (see tests/render_fixtures/fake_view.py) with the engine's stand-in wording: a
parent's letter, a professional's, a large-print one, a long address, an email-only recipient,
a form and hostile characters. With ``--case``, the real pack of a case file is rendered
(``cpcdocs render``) and every one of its PDFs is turned into PNGs under OUT_DIR/<reference>/.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FIXTURES = ROOT / "tests" / "render_fixtures"

from cpcdocs.render import Renderer  # noqa: E402


def _fakes():
    spec = importlib.util.spec_from_file_location("fake_view", FIXTURES / "fake_view.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["fake_view"] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(ROOT / "out" / "preview"))
    parser.add_argument("--dpi", type=int, default=60)
    parser.add_argument("--case", help="render this case's real pack instead of the samples")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.case:
        return preview_case(Path(args.case), out, args.dpi)
    fv = _fakes()
    renderer = Renderer(FIXTURES)

    long_address = fv.Recipient(
        "grandmother",
        "Mrs Margaret Eleanor Harrow-Whitfield",
        "Dear Mrs Harrow-Whitfield",
        (
            "Flat 14, Rowan House",
            "The Old Mill Buildings",
            "127 Upper Riverside Road",
            "Little Eastfold",
            "Northmoor",
            "West Northshire",
            "NM12 9ZZ",
        ),
    )
    samples = {
        "parent": fv.fake_view(),
        "professional": fv.professional_view(),
        "large-print": fv.fake_view(large_print=True),
        "long-address": fv.fake_view(recipient=long_address),
        "email-only": fv.professional_view(
            recipient=fv.Recipient(
                "pc-mensah", "PC Kofi Mensah", "Dear PC Mensah", (), "kofi.mensah@police.example"
            )
        ),
        "form": fv.fake_view(
            kind="invitation", is_letter=False, title="Outline child protection plan"
        ),
        "escaping": fv.fake_view(
            recipient=replace(fv.Recipient(), name="Tom & Jerry <b>{{ x }}{% if %}")
        ),
    }
    for name, view in samples.items():
        start = time.perf_counter()
        pdf = renderer.render_pdf(view)
        pdf_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        docx = renderer.render_docx(view)
        docx_ms = (time.perf_counter() - start) * 1000
        (out / f"{name}.pdf").write_bytes(pdf)
        (out / f"{name}.docx").write_bytes(docx)
        for old in out.glob(f"{name}-*.png"):
            old.unlink()
        if shutil.which("pdftoppm"):
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    str(args.dpi),
                    str(out / f"{name}.pdf"),
                    str(out / name),
                ],
                check=True,
            )
        print(f"{name:14} pdf {pdf_ms:6.0f} ms  docx {docx_ms:6.0f} ms")
    print(f"wrote {out}")
    return 0


def preview_case(case: Path, out: Path, dpi: int) -> int:
    subprocess.run(
        [sys.executable, "-m", "cpcdocs", "render", str(case), "-o", str(out)], check=True
    )
    for pdf in sorted(out.glob("*/*/*.pdf")):
        stem = pdf.with_suffix("")
        for old in pdf.parent.glob(f"{stem.name}-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(stem)], check=True)
    print(f"wrote PNGs beside the PDFs in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
