"""The DOCX zip writer: every file's bytes made stable, and its members compressed once.

Every file leaves through :func:`normalise_docx` (or :func:`normalised_zip` for parts already
in hand): fixed zip entry order and dates, and document properties with no user or machine
name, so the same input gives the same bytes. The archive is written here rather than with
``zipfile`` so that the members every file shares are deflated once per process.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

from .. import caches
from ..recurring import RecurringCache

__all__ = ["normalise_docx", "normalised_zip"]


def _zip_time() -> tuple[int, int, int, int, int, int]:
    """Every member's time: the zip format's first day, never the clock.

    Nor ``SOURCE_DATE_EPOCH``: the same document is the same file whichever night it is
    rendered, so an unchanged published document is seen to be unchanged.
    """
    return (1980, 1, 1, 0, 0, 0)


_CUSTOM_PROPS = "docProps/custom.xml"


_APP_SCRUB = re.compile(rb"<(Company|Manager|HyperlinkBase)>[^<]*</\1>")


_APP_TEMPLATE = re.compile(rb"<Template>[^<]*</Template>")


def normalise_docx(data: bytes) -> bytes:
    """The same package with fixed entry order and dates, and no custom or identifying props.

    ``[Content_Types].xml`` first (as Word writes it), then every other part by name; every
    entry dated 1980-01-01; ``docProps/custom.xml`` dropped; the
    company, manager and template path blanked in ``docProps/app.xml``.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    return normalised_zip(parts)


def normalised_zip(parts: dict[str, bytes]) -> bytes:
    """Scrub the identifying properties, then zip in a fixed order with fixed dates."""
    parts = dict(parts)
    if _CUSTOM_PROPS in parts:
        del parts[_CUSTOM_PROPS]
        parts["[Content_Types].xml"] = re.sub(
            rb'<Override[^>]*PartName="/docProps/custom\.xml"[^>]*/>',
            b"",
            parts["[Content_Types].xml"],
        )
        parts["_rels/.rels"] = re.sub(
            rb'<Relationship[^>]*Target="/?docProps/custom\.xml"[^>]*/>', b"", parts["_rels/.rels"]
        )
    if "docProps/app.xml" in parts:
        app = _APP_SCRUB.sub(lambda m: b"<" + m.group(1) + b"/>", parts["docProps/app.xml"])
        parts["docProps/app.xml"] = _APP_TEMPLATE.sub(b"<Template>Normal.dotm</Template>", app)
    names = sorted(parts, key=lambda n: (n != "[Content_Types].xml", n))
    return _zip([(name, parts[name]) for name in names], _zip_time())


#: Deflated members. The members every file shares (a template's styles, theme, fonts,
#: numbering, settings, logo) stay; a letter's own text (``word/document.xml``, the header with
#: its address) is new every time and never kept; members shared only within one case (two
#: letters to the same reader) age out, so a batch worker does not grow from case to case.
#: Why 2 MB: bench/results.md, "Measurements behind the design".
_DEFLATED: RecurringCache[bytes, tuple[int, bytes]] = caches.owned(
    "render.docx_zip: deflated members", RecurringCache(2 * 1024 * 1024)
)


def _compress(data: bytes) -> tuple[int, bytes]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return zlib.crc32(data), compressor.compress(data) + compressor.flush()


def _deflate(data: bytes) -> tuple[int, bytes]:
    """(CRC-32, raw deflate) of a member, remembered for members that recur."""
    return _DEFLATED.get(data, _compress, len(data))


def _zip(members: list[tuple[str, bytes]], stamp: tuple[int, int, int, int, int, int]) -> bytes:
    """A ZIP archive of ``members`` in this order, every entry deflated and dated ``stamp``."""
    year, month, day, hour, minute, second = stamp
    dos_time = hour << 11 | minute << 5 | second // 2
    dos_date = (year - 1980) << 9 | month << 5 | day
    out = io.BytesIO()
    central = []
    for name, data in members:
        raw_name = name.encode("utf-8")
        flags = 0x800 if not raw_name.isascii() else 0  # bit 11: the name is UTF-8
        crc, packed = _deflate(data)
        offset = out.tell()
        # The fields the local header and the central directory entry share, in the same order:
        # flags, method (8: deflate), time, date, CRC-32, sizes, name length.
        shared = struct.pack(
            "<4H3LH", flags, 8, dos_time, dos_date, crc, len(packed), len(data), len(raw_name)
        )
        # Local header: version needed (2.0, deflate), the shared fields, no extra field.
        out.write(b"PK\x03\x04" + struct.pack("<H", 20) + shared + struct.pack("<H", 0))
        out.write(raw_name)
        out.write(packed)
        # Central entry: made by MS-DOS 2.0 and needs 2.0 (as zipfile writes create_system 0),
        # the shared fields, no extra field or comment, disk 0, no internal attributes,
        # rw------- as external attributes (what zipfile.writestr sets), the header's offset.
        central.append(
            b"PK\x01\x02"
            + struct.pack("<2H", 20, 20)
            + shared
            + struct.pack("<4H2L", 0, 0, 0, 0, 0o600 << 16, offset)
            + raw_name
        )
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(
        struct.pack(
            "<4s4H2LH",
            b"PK\x05\x06",
            0,
            0,
            len(members),
            len(members),
            len(directory),
            start,
            0,
        )
    )
    return out.getvalue()
