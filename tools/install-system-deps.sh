#!/usr/bin/env bash
# Install the Debian/Ubuntu packages cpcdocs needs, only when they are missing.
#   libpango / libpangoft2: WeasyPrint's text layout
#   libharfbuzz-subset0:    fast, reproducible font subsetting (without it WeasyPrint falls back
#                           to fontTools: ~4x slower and not byte-reproducible)
#   poppler-utils:          pdftoppm/pdftotext, for looking at rendered pages
#   fonts-dejavu-core:      fallback glyphs for scripts Liberation Sans lacks
# With --test, also what only the tests need (`make test` passes it; `make demo` does not):
#   libreoffice-writer-nogui, python3-uno: open a returned Word form headless, fill it through
#                           UNO and save it as LibreOffice does (tests/test_collect.py)
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils fonts-dejavu-core)
if [ "${1:-}" = "--test" ]; then
  # LibreOffice: tests fill the returned forms in it; Chromium: tests open the chair's review
  # sheet in a real browser. Neither is needed to render a pack.
  packages+=(libreoffice-writer-nogui python3-uno chromium)
fi
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
else
  echo "cpcdocs: not a Debian-family system; make sure Pango >= 1.44 and HarfBuzz (with" \
       "libharfbuzz-subset) are installed." >&2
  exit 0
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "cpcdocs: installing system packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
