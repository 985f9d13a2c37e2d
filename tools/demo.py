"""What `make demo` runs after setup: validate every sample and show what cpcdocs makes of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CPCDOCS = [sys.executable, "-m", "cpcdocs"]


def main() -> int:
    samples = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "samples").glob("*.yaml"))
    subprocess.run([*CPCDOCS, "validate", *samples], check=True, cwd=ROOT)
    for sample in samples:
        print(f"\n$ cpcdocs timeline {sample}", flush=True)
        subprocess.run([*CPCDOCS, "timeline", sample], check=True, cwd=ROOT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
