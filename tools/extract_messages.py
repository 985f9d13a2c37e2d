"""Write templates/locale/cpcdocs.pot: every message of the letters' and layout's templates.

Run by ``make messages``. A council's translation service starts a new language from the
.pot (``cp templates/locale/cpcdocs.pot my-templates/locale/pl.po``, or ``pybabel init``),
and refreshes an existing catalog after the wording changes with ``--update LANG.po``, which
adds new messages untranslated (``templates check`` then names them) and keeps the rest.

    python tools/extract_messages.py                 # writes templates/locale/cpcdocs.pot
    python tools/extract_messages.py --check         # exit 1 if the .pot is out of date
    python tools/extract_messages.py --update templates/locale/cy.po
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpcdocs.i18n import extract_messages, write_template  # noqa: E402
from cpcdocs.render.env import make_environment  # noqa: E402

TEMPLATES = ROOT / "templates"
POT = TEMPLATES / "locale" / "cpcdocs.pot"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the .pot is stale")
    parser.add_argument("--update", metavar="PO", help="merge new messages into a catalog")
    args = parser.parse_args()
    catalog = extract_messages(TEMPLATES, make_environment())
    if args.update:
        path = Path(args.update)
        with path.open("rb") as handle:
            existing = read_po(handle)
        header = _header_comment(path)
        existing.update(catalog, no_fuzzy_matching=True)
        out = io.BytesIO()
        write_po(out, existing, width=100, ignore_obsolete=True)
        path.write_bytes(header + _drop_babel_header_comment(out.getvalue()))
        print(f"{path}: {len(existing)} messages")
        return 0
    if args.check:
        fresh = ROOT / ".pot-check.tmp"
        try:
            write_template(catalog, fresh)
            stale = not POT.is_file() or fresh.read_bytes() != POT.read_bytes()
        finally:
            fresh.unlink(missing_ok=True)
        if stale:
            print(f"{POT}: out of date; run make messages", file=sys.stderr)
            return 1
        return 0
    write_template(catalog, POT)
    print(f"{POT.relative_to(ROOT)}: {len(catalog)} messages")
    return 0


def _header_comment(path: Path) -> bytes:
    """The catalog's own comment lines and flags above its header entry, kept as written."""
    lines = []
    for line in path.read_bytes().splitlines(keepends=True):
        if line.startswith(b"msgid "):
            break
        lines.append(line)
    return b"".join(lines)


def _drop_babel_header_comment(data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith(b"msgid "):
            return b"".join(lines[index:])
    return data


if __name__ == "__main__":
    raise SystemExit(main())
