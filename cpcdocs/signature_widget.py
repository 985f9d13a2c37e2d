"""The visible signature: where the widget goes on the plan, and what it shows.

The widget covers the empty element a plan template leaves for it (:data:`SIGNATURE_ANCHOR`,
found through the named destination WeasyPrint writes for every element id), else the bottom
right corner of the last page's text area (:func:`signature_box`). It draws the letters of the
pack's own typeface (Liberation Sans) as vector outlines, so the widget uses no font at all and
a PDF/A file stays valid without HarfBuzz (:func:`stamp_style`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import caches
from ._compat.pyhanko import outline_stamp_style

__all__ = [
    "FALLBACK_BOTTOM_MM",
    "FALLBACK_RIGHT_MM",
    "FIELD_HEIGHT_MM",
    "FIELD_WIDTH_MM",
    "MONTHS",
    "SIGNATURE_ANCHOR",
    "signature_box",
    "stamp_style",
]

#: The id of the empty element in the plan's signature block that the widget covers. WeasyPrint
#: writes every element id as a named destination holding the page and top-left corner of the
#: element, which is how the widget finds the block without knowing the layout.
SIGNATURE_ANCHOR = "cpcdocs-signature"


#: Size of the widget, in millimetres: what a plan template reserves for that element.
FIELD_WIDTH_MM = 80.0
FIELD_HEIGHT_MM = 24.0


#: Without an anchor, the widget goes in the bottom right corner of the text area of the last
#: page (``letter.css``: 20 mm right margin, 26 mm bottom margin, page furniture below it).
#: The signature block is the last thing in the plan and its lines are short, so that corner
#: is either empty or beside the block.
FALLBACK_RIGHT_MM = 20.0
FALLBACK_BOTTOM_MM = 26.0
_MM = 72 / 25.4
_LONDON = "Europe/London"
MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


# -- where the widget goes ------------------------------------------------------------------


def _page_refs(reader: Any) -> list[Any]:
    """Page references in document order (the page tree, walked)."""
    refs: list[Any] = []

    def walk(node: Any) -> None:
        kids = node["/Kids"]
        for i in range(len(kids)):
            ref = kids.raw_get(i)
            kid = ref.get_object()
            if kid.get("/Type") == "/Pages" or "/Kids" in kid:
                walk(kid)
            else:
                refs.append(ref)

    walk(reader.root["/Pages"])
    return refs


def _lookup_name_tree(node: Any, key: str, depth: int = 0) -> Any:
    """The value for ``key`` in a PDF name tree, or None."""
    if depth > 32:
        return None
    if "/Names" in node:
        names = node["/Names"]
        for i in range(0, len(names) - 1, 2):
            if str(names[i]) == key:
                return names[i + 1]
    if "/Kids" in node:
        for kid in node["/Kids"]:
            found = _lookup_name_tree(kid.get_object(), key, depth + 1)
            if found is not None:
                return found
    return None


def _named_destination(reader: Any, name: str) -> Any:
    root = reader.root
    dest = None
    try:
        dest = _lookup_name_tree(root["/Names"]["/Dests"], name)
    except (KeyError, TypeError):
        dest = None
    if dest is None:
        try:
            dest = root["/Dests"][f"/{name}"]
        except (KeyError, TypeError):
            return None
    dest = dest.get_object() if hasattr(dest, "get_object") else dest
    if hasattr(dest, "keys") and "/D" in dest:
        dest = dest["/D"]
    return dest


def _media_box(page: Any) -> tuple[float, float, float, float]:
    node = page
    for _ in range(32):
        if "/MediaBox" in node:
            x1, y1, x2, y2 = (float(v) for v in node["/MediaBox"])
            return x1, y1, x2, y2
        if "/Parent" not in node:
            break
        node = node["/Parent"]
    return 0.0, 0.0, 595.28, 841.89  # A4


def signature_box(reader: Any) -> tuple[int, tuple[int, int, int, int]]:
    """Page index and rectangle (points, lower-left/upper-right) for the signature widget."""
    pages = _page_refs(reader)
    width, height = FIELD_WIDTH_MM * _MM, FIELD_HEIGHT_MM * _MM
    dest = _named_destination(reader, SIGNATURE_ANCHOR)
    if dest is not None and len(dest) >= 4 and str(dest[1]) == "/XYZ":
        target = dest.raw_get(0)
        index = next(
            (i for i, ref in enumerate(pages) if getattr(target, "idnum", None) == ref.idnum),
            None,
        )
        if index is not None and dest[2] is not None and dest[3] is not None:
            left, top = float(dest[2]), float(dest[3])
            x1, y1, x2, y2 = _media_box(pages[index].get_object())
            if x1 <= left and left + width <= x2 + 1 and y1 <= top - height and top <= y2 + 1:
                return index, (round(left), round(top - height), round(left + width), round(top))
    last = len(pages) - 1
    x1, y1, x2, _y2 = _media_box(pages[last].get_object())
    right = x2 - FALLBACK_RIGHT_MM * _MM
    bottom = y1 + FALLBACK_BOTTOM_MM * _MM
    return last, (round(right - width), round(bottom), round(right), round(bottom + height))


# -- what the widget shows ------------------------------------------------------------------


def _fonts_dir() -> Path:
    from .authority import templates_root

    return templates_root() / "fonts"


@caches.memo("signature_widget: glyph outlines", maxsize=4)
def _font(bold: bool) -> Any:
    from fontTools.ttLib import TTFont

    name = "LiberationSans-Bold.ttf" if bold else "LiberationSans-Regular.ttf"
    return TTFont(str(_fonts_dir() / name), lazy=True)


def _num(value: float, places: int = 2) -> bytes:
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode("ascii")


def _text_outline(text: str, bold: bool) -> tuple[list[bytes], float]:
    """PDF path operators drawing ``text`` in font units, and its advance width in em."""
    from fontTools.pens.basePen import BasePen

    font = _font(bold)
    cmap = font.getBestCmap()
    glyphs = font.getGlyphSet()
    metrics = font["hmtx"]
    upem = font["head"].unitsPerEm
    ops: list[bytes] = []

    def num(value: float) -> bytes:  # font units: 1/2048 em, finer than any printer
        return b"%d" % round(value)

    class Pen(BasePen):  # type: ignore[misc]
        offset = 0.0

        def _moveTo(self, pt: tuple[float, float]) -> None:
            ops.append(b"%s %s m" % (num(pt[0] + self.offset), num(pt[1])))

        def _lineTo(self, pt: tuple[float, float]) -> None:
            ops.append(b"%s %s l" % (num(pt[0] + self.offset), num(pt[1])))

        def _curveToOne(self, p1: Any, p2: Any, p3: Any) -> None:
            coords = (p1[0] + self.offset, p1[1], p2[0] + self.offset, p2[1])
            ops.append(b" ".join(num(v) for v in (*coords, p3[0] + self.offset, p3[1])) + b" c")

        def _closePath(self) -> None:
            ops.append(b"h")

    pen = Pen(glyphs)
    x = 0.0
    for char in text:
        glyph = cmap.get(ord(char)) or cmap.get(ord("?"), ".notdef")
        pen.offset = x
        glyphs[glyph].draw(pen)
        x += metrics[glyph][0]
    return ops, x / upem


def _outline_line(text: str, bold: bool, size: float, x: float, y: float) -> bytes:
    ops, _ = _text_outline(text, bold)
    if not ops:
        return b""
    scale = size / _font(bold)["head"].unitsPerEm
    return b"q %s 0 0 %s %s %s cm %s f Q" % (
        _num(scale, 7),
        _num(scale, 7),
        _num(x),
        _num(y),
        b" ".join(ops),
    )


def _signed_when(ts: str) -> str:
    """``22 November 2026, 14:03 GMT``: the signing time on a UK clock, for people."""
    try:
        when = dt.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return ts
    try:
        from zoneinfo import ZoneInfo

        when = when.astimezone(ZoneInfo(_LONDON))
    except Exception:  # no tz database: say UTC rather than guess
        when = when.astimezone(dt.UTC)
    zone = when.tzname() or "UTC"
    return f"{when.day} {MONTHS[when.month - 1]} {when.year}, {when:%H:%M} {zone}"


def stamp_style(role: str, location: str) -> Any:
    """The widget's pyHanko stamp style: three lines drawn as outlines, a thin border.

    pyHanko hands the stamp the signing time it puts in the signature (as ``ts``), so the
    widget and the signature cannot disagree. The stamp class overrides pyHanko internals
    (:func:`cpcdocs._compat.pyhanko.outline_stamp_style`).
    """

    def draw(width: float, height: float, params: Mapping[str, Any]) -> list[bytes]:
        lines = _widget_lines(
            params.get("signer_cn") or params.get("signer") or "",
            role,
            location,
            _signed_when(str(params.get("ts", ""))),
        )
        pad = 6.0
        fitted = []  # shrink a long name or authority to the width, never wrap it
        for (text, bold), size in zip(lines, (9.5, 8.0, 8.0), strict=True):
            advance = _text_outline(text, bold)[1]
            fitted.append(min(size, (width - 2 * pad) / advance) if advance else size)
        block = sum(size * 1.5 for size in fitted) - fitted[-1] * 0.35
        y = max((height + block) / 2, block)  # centred vertically
        commands = [b"0 g"]
        for (text, bold), size in zip(lines, fitted, strict=True):
            y -= size * 1.15
            commands.append(_outline_line(text, bold, size, pad, y))
            y -= size * 0.35
        return commands

    return outline_stamp_style(
        draw,
        "Digitally signed by %(signer_cn)s\n"
        + f"{role}, {location}".replace("%", "%%")
        + "\nSigned %(ts)s",
        timestamp_format="%Y-%m-%dT%H:%M:%S%z",
        border_width=1,
        border_color=(0.35, 0.35, 0.35),
        background=None,
    )


def _widget_lines(name: str, role: str, location: str, when: str) -> list[tuple[str, bool]]:
    """The three lines of the visible signature: who, in what capacity, when."""
    return [
        (f"Digitally signed by {name}", True),
        (f"{role}, {location}", False),
        (f"Signed {when}", False),
    ]
