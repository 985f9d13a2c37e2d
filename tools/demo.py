"""What `make demo` runs after setup: validate, check and render every sample into out/.

The contract example (NM-2026-0412) is rendered again afterwards by the Makefile with a
throwaway demo signing key, so its outline plans are signed; the other samples are unsigned.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CPCDOCS = [sys.executable, "-m", "cpcdocs"]
EXAMPLE = "samples/example-initial.yaml"


def run(*args: str) -> None:
    print(f"\n$ cpcdocs {' '.join(args)}", flush=True)
    subprocess.run([*CPCDOCS, *args], check=True, cwd=ROOT)


def main() -> int:
    samples = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "samples").glob("*.yaml"))
    run("validate", *samples)
    run("timeline", EXAMPLE)
    # check exits 1 when a sample has error-level findings; the demo shows them, not fails.
    print(f"\n$ cpcdocs check {EXAMPLE}", flush=True)
    subprocess.run([*CPCDOCS, "check", EXAMPLE], check=False, cwd=ROOT)
    later = "samples/example-record.yaml"  # the same case later: rendered after the signed one
    run("render", *[s for s in samples if s not in (EXAMPLE, later)], "-o", "out/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
