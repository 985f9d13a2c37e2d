"""Text extraction for the audit: everything a reader, or a tool, could recover from a file.

The audit is only as good as what it reads. A leak does not have to be on the page: a safe
address in a DOCX header, a child's name in the document properties, an allegation in a PDF
annotation or its XMP metadata are all one "File > Properties" or one ``strings`` away from the
reader. So this module does not ask "what does the page show" but "what text does the file
hold", and reads every part of it:

- **DOCX** (any Office Open XML zip): the text of *every* XML part (body, headers, footers,
  footnotes, endnotes, comments, glossary, ``docProps/*``, ``customXml/*``, relationships),
  with runs joined so a word split across ``<w:r>`` elements is whole again, plus every
  attribute value (content-control values, alt text ``descr``, hyperlink targets) and XML
  comments; embedded Office files and PDFs are read recursively.
- **PDF**: each page's text (PDFium, via pypdfium2), and every string object in the file
  (annotations' ``/Contents``, ``/T``, ``/TU``, form field names and values, the info
  dictionary, outline titles, structure-tree ``/Alt`` and ``/ActualText``, …), the XMP
  metadata stream and any embedded file.

Each file gives a list of :class:`Chunk` objects (where the text was found, and the text), so a
finding can say "found in word/header1.xml" without quoting what was found.
"""

from __future__ import annotations

import html
import io
import re
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import caches
from .recurring import RecurringCache

__all__ = ["VALUES", "Chunk", "ExtractionError", "extract_bytes", "extract_file"]

#: Where a PDF's own strings are reported: every string object in the file, the document's
#: bookkeeping (object numbers, destinations) among them.
PDF_STRINGS = "strings (annotations, forms, metadata, outline)"

#: Separates values that are separate in the file (PDF string objects, XML attribute values,
#: zip member names) within one chunk's text. The search reads no phrase across it: two
#: bookmarks, "What the conference is for" and "Before the conference", are not one sentence.
VALUES = "\x1e"

#: Nested files (an embedded DOCX inside a DOCX inside a PDF …) are followed this deep.
_MAX_DEPTH = 3
#: Zip members larger than this are not decompressed: a zip bomb must not stall the gate.
_MAX_PART_BYTES = 64 * 1024 * 1024


class ExtractionError(Exception):
    """A file that cannot be read: the audit cannot vouch for it, so it is a finding."""


@dataclass(frozen=True)
class Chunk:
    """Text recovered from one place in a file; ``where`` names the place, never the content."""

    where: str
    text: str
    #: Line breaks are the layout's (PDF page text), not the author's: a word may be broken
    #: across them with no hyphen at all (a long e-mail address in a narrow column).
    wrapped: bool = False


def load_readers() -> None:
    """Import the PDF readers now: before forking audit workers, so each does not import them."""
    import pikepdf  # noqa: F401
    import pypdfium2  # noqa: F401


def extract_file(path: str | Path) -> list[Chunk]:
    """Every piece of text recoverable from a pack file, by its extension.

    Raises:
        ExtractionError: the file is not what its extension says, or is damaged.
    """
    path = Path(path)
    return extract_bytes(path.read_bytes(), path.suffix.lower().lstrip("."))


def extract_bytes(data: bytes, kind: str, *, depth: int = 0) -> list[Chunk]:
    """Every piece of text in ``data``; ``kind`` is the file extension (``pdf``, ``docx``, …).

    Anything that is neither a PDF nor an Office zip is read as text, so an unexpected file
    (a stray ``.txt`` or ``.html`` in the pack) is still searched.
    """
    if depth > _MAX_DEPTH:
        return []
    if data[:5] == b"%PDF-" or kind == "pdf":
        return _pdf_chunks(data, depth)
    if data[:4] == b"PK\x03\x04" or kind in {"docx", "docm", "dotx", "xlsx", "pptx"}:
        return _zip_chunks(data, depth)
    return [Chunk("text", data.decode("utf-8", errors="replace"))]


# -- Office Open XML ----------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_M = "http://schemas.openxmlformats.org/officeDocument/2006/math"

#: Namespaces of layout markup, where whitespace between elements means nothing and an element
#: ending is not a word break (a run ends mid-word all the time). Everywhere else (document
#: properties, custom XML) every element is a separate value.
_MARKUP_PREFIXES = (
    "http://schemas.openxmlformats.org/wordprocessingml/",
    "http://schemas.openxmlformats.org/drawingml/",
    "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "http://schemas.openxmlformats.org/markup-compatibility/",
    "http://schemas.microsoft.com/office/word/",
    "http://schemas.microsoft.com/office/drawing/",
    "http://schemas.microsoft.com/office/office",
    "urn:schemas-microsoft-com:",
)

#: Elements whose text is content, whitespace included (``<w:t xml:space="preserve"> </w:t>``).
_TEXT_ELEMENTS = frozenset({(_W, "t"), (_W, "delText"), (_W, "instrText"), (_A, "t"), (_M, "t")})

#: Markup elements that separate words or lines: paragraphs, breaks, tabs, cells, rows.
_BREAKS: dict[tuple[str, str], str] = {
    (_W, "p"): "\n",
    (_W, "br"): "\n",
    (_W, "cr"): "\n",
    (_W, "tab"): " ",
    (_W, "ptab"): " ",
    (_W, "tc"): "\n",
    (_W, "tr"): "\n",
    (_A, "p"): "\n",
    (_A, "br"): "\n",
}

#: Markup elements that stand for a character.
_CHARACTERS: dict[tuple[str, str], str] = {(_W, "noBreakHyphen"): "-"}


def _zip_chunks(data: bytes, depth: int) -> list[Chunk]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as err:
        msg = "not a readable Office file (bad zip)"
        raise ExtractionError(msg) from err
    chunks: list[Chunk] = []
    with archive:
        names = [info.filename for info in archive.infolist()]
        # The member names and the archive comment are recoverable too.
        chunks.append(
            Chunk(
                "zip directory",
                VALUES.join([*names, archive.comment.decode("utf-8", "replace")]),
            )
        )
        for info in archive.infolist():
            if info.is_dir():
                continue
            if info.file_size > _MAX_PART_BYTES:
                msg = f"part {info.filename} is too large to audit"
                raise ExtractionError(msg)
            try:
                part = archive.read(info)
            except (zipfile.BadZipFile, RuntimeError, ValueError, OSError) as err:
                msg = f"damaged part {info.filename}"
                raise ExtractionError(msg) from err
            chunks.extend(_part_chunks(info.filename, part, depth))
    return chunks


def _part_chunks(name: str, part: bytes, depth: int) -> list[Chunk]:
    """One zip member: XML is parsed; nested documents are followed; other text is read."""
    lower = name.lower()
    head = part.lstrip()[:5]
    if lower.endswith((".xml", ".rels", ".vml")) or head.startswith(b"<?xml"):
        return _xml_chunks(name, part)
    if part[:5] == b"%PDF-" or part[:4] == b"PK\x03\x04":
        nested = extract_bytes(part, lower.rsplit(".", 1)[-1], depth=depth + 1)
        return [Chunk(f"{name} > {c.where}", c.text, c.wrapped) for c in nested]
    if lower.endswith((".txt", ".htm", ".html", ".csv", ".json", ".md")):
        return [Chunk(name, part.decode("utf-8", errors="replace"))]
    # Images and other binaries: their readable runs, as `strings` would show them (EXIF and
    # XMP are plain text, one right-click away in any image viewer), and PNG text chunks.
    runs = [r.decode("ascii") for r in _PRINTABLE.findall(part)]
    if part[:8] == b"\x89PNG\r\n\x1a\n":
        runs.extend(_png_text(part))
    return [Chunk(name, VALUES.join(runs))]


def _inflate(data: bytes) -> bytes:
    """Decompress zlib data, no further than an audit can afford."""
    import zlib

    return zlib.decompressobj().decompress(data, _MAX_PART_BYTES)


def _png_text(data: bytes) -> list[str]:
    """The text chunks of a PNG (tEXt, zTXt, iTXt), which `strings` runs into the checksum."""
    import struct
    import zlib

    out: list[str] = []
    at = 8
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        at += 12 + length
        try:
            if kind == b"tEXt":
                out.append(body.replace(b"\0", b"\n").decode("latin-1"))
            elif kind == b"zTXt":
                key, _, rest = body.partition(b"\0")
                out.append(f"{key.decode('latin-1')}\n{_inflate(rest[1:]).decode('latin-1')}")
            elif kind == b"iTXt":
                key, _, rest = body.partition(b"\0")
                compressed, text = rest[:1] == b"\1", rest[2:].split(b"\0", 2)[-1]
                text = _inflate(text) if compressed else text
                out.append(f"{key.decode('latin-1')}\n{text.decode('utf-8', 'replace')}")
        except (zlib.error, ValueError):
            out.append(body.decode("latin-1"))
    return out


_PRINTABLE = re.compile(rb"[\x20-\x7e]{6,}")

#: Any non-blank text between tags; parts without it (styles, themes, font tables) need no walk.
_HAS_TEXT = re.compile(rb">[^<]*[^<\s][^<]*<|<!\[CDATA\[")
_ATTRIBUTE = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)')""")
_COMMENT = re.compile(r"<!--(.*?)-->|<\?(.*?)\?>", re.DOTALL)
#: Comments and processing instructions (not the XML declaration), removed before the tree is
#: built so that the text around them reads on as one.
_NOT_TEXT = re.compile(rb"<!--.*?-->|<\?(?!xml[\s?]).*?\?>", re.DOTALL)


#: XML parts of at least this size are remembered when they recur (see :func:`_xml_chunks`).
_RECURRING_PART = 4096
_XML_CHUNKS: RecurringCache[tuple[str, bytes], list[Chunk]] = caches.owned(
    "extract: recurring XML parts", RecurringCache(2 * 1024 * 1024)
)


def _xml_chunks(name: str, part: bytes) -> list[Chunk]:
    """:func:`_read_xml`, remembered for a large part met again byte for byte.

    (batch) Every Word file of a pack carries its template's styles part, theme and font table
    unchanged; in the report templates the styles part alone took longer to read than the
    rest of the file. The same bytes under the same name give the same
    chunks, so nothing the audit sees changes.
    """
    if len(part) < _RECURRING_PART:
        return _read_xml(name, part)
    return list(_XML_CHUNKS.get((name, part), _read_xml_part, len(part)))


def _read_xml_part(key: tuple[str, bytes]) -> list[Chunk]:
    return _read_xml(*key)


def _read_xml(name: str, part: bytes) -> list[Chunk]:
    """The text of one XML part, and apart from it every attribute value and comment.

    Attribute values (content-control values, alt text, hyperlink targets, document property
    names) and comments are read off the raw XML with regular expressions, which is fast and
    does not depend on the part being well formed; the text needs the element tree, to join
    runs and separate paragraphs.
    """
    decoded = part.decode("utf-8", errors="replace")
    extra = [html.unescape(a or b) for a, b in _ATTRIBUTE.findall(decoded)]
    extra.extend(a or b for a, b in _COMMENT.findall(decoded))
    chunks = [Chunk(f"{name} (attributes)", VALUES.join(extra))]
    if not _HAS_TEXT.search(part):
        return chunks
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, recover=True)
    try:
        root = etree.fromstring(_NOT_TEXT.sub(b"", part), parser)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        # Not XML after all: strip anything tag-like and keep the rest.
        stripped = re.sub(r"<[^>]*>", " ", decoded)
        return [Chunk(name, html.unescape(stripped)), *chunks]
    return [Chunk(name, _text_of(root)), *chunks]


#: Per tag: (is layout markup, text emitted at its end, character it stands for, is a text
#: element). Tags repeat thousands of times in a part, so each is classified once.
_TagInfo = tuple[bool, str, str, bool]
_TAGS: dict[str, _TagInfo] = caches.owned("extract: XML tag kinds", {})


def _classify(tag: str) -> _TagInfo:
    info = _TAGS.get(tag)
    if info is None:
        ns, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
        key = (ns, local)
        markup = ns.startswith(_MARKUP_PREFIXES)
        info = (
            markup,
            _BREAKS.get(key, "") if markup else "\n",
            _CHARACTERS.get(key, ""),
            key in _TEXT_ELEMENTS,
        )
        if len(_TAGS) < 10_000:
            _TAGS[tag] = info
    return info


def _text_of(root: object) -> str:
    """Document-order text with runs joined and paragraphs, cells and breaks separated.

    In layout markup only text elements (``w:t`` and kin) carry text, whitespace included;
    whitespace between elements is formatting and an element's end is not a word break (runs
    end mid-word). In other XML (document properties, custom XML) every element is a value of
    its own, so each ends with a line break.
    """
    from lxml import etree

    out: list[str] = []
    for event, node in etree.iterwalk(root, events=("start", "end")):
        tag = node.tag
        if not isinstance(tag, str):  # comments and processing instructions: read elsewhere
            continue
        markup, closing, char, text_element = _classify(tag)
        if event == "start":
            if char:
                out.append(char)
            own = node.text
            if own and (text_element or not markup or not own.isspace()):
                out.append(own)
        else:
            out.append(closing)
            tail = node.tail
            if tail and (not markup or not tail.isspace()):
                out.append(tail)
    return "".join(out)


# -- PDF ------------------------------------------------------------------------------------------


def _pdf_chunks(data: bytes, depth: int) -> list[Chunk]:
    chunks = list(_pdf_page_text(data))
    chunks.extend(_pdf_objects(data, depth))
    return chunks


def _pdf_page_text(data: bytes) -> Iterator[Chunk]:
    """What a reader sees (or selects and copies): each page's text, via PDFium.

    PDFium (pypdfium2) is the text layer of Chrome's PDF viewer: what it extracts is what a
    reader selects and copies, and it does so in C++, about twenty times faster than pypdf's
    pure-Python content-stream parser (which was two thirds of the audit's time). The whole
    page is read, not just what falls inside the page box: a string drawn off the page is
    still in the file. A page PDFium cannot read falls back to the raw string operands.
    """
    import pypdfium2 as pdfium

    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as err:
            msg = "not a readable PDF"
            raise ExtractionError(msg) from err
        try:
            texts: list[str] = []
            for index in range(len(document)):
                try:
                    page = document[index]
                    textpage = page.get_textpage()
                    text = textpage.get_text_bounded(*_EVERYWHERE)
                    textpage.close()
                    page.close()
                except pdfium.PdfiumError:
                    text = _raw_page_strings(data, index)
                texts.append(text.replace("\r\n", "\n").replace("\r", "\n"))
        finally:
            document.close()
    for number, text in enumerate(texts, start=1):
        yield Chunk(f"page {number}", text, wrapped=True)


#: PDFium is not thread-safe: one document at a time per process (a Dask client may audit
#: from more than one thread).
_PDFIUM = threading.Lock()
#: Bounds (left, bottom, right, top) far beyond any page, so that text is read wherever it is.
_EVERYWHERE = (-1e7, -1e7, 1e7, 1e7)


def _raw_page_strings(data: bytes, index: int) -> str:
    """Fallback when PDFium cannot read a page: the string operands of its text operators."""
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            out: list[str] = []
            for instruction in pikepdf.parse_content_stream(pdf.pages[index]):
                if str(instruction.operator) in ("Tj", "TJ", "'", '"'):
                    for operand in instruction.operands:
                        items = operand if isinstance(operand, pikepdf.Array) else [operand]
                        out.extend(
                            bytes(i).decode("latin-1")
                            for i in items
                            if isinstance(i, pikepdf.String)
                        )
            return " ".join(out)
    except pikepdf.PdfError as err:
        msg = f"page {index + 1} cannot be read"
        raise ExtractionError(msg) from err


def _pdf_string(value: object) -> str:
    """A PDF string as text: pikepdf decodes PDFDocEncoding and UTF-16 with a BOM."""
    try:
        return str(value)
    except (UnicodeDecodeError, ValueError):
        raw: bytes = bytes(value)  # type: ignore[call-overload]
        return raw.decode("latin-1")


def _pdf_objects(data: bytes, depth: int) -> list[Chunk]:
    """Every string object, the XMP metadata and embedded files, via pikepdf.

    Walking every object rather than a list of known places (annotations, form fields, info,
    outline, structure tree) means a string put somewhere unusual is found too.
    """
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as err:
        msg = "not a readable PDF"
        raise ExtractionError(msg) from err
    strings: list[str] = []
    chunks: list[Chunk] = []
    with pdf:
        _collect_strings(pdf.trailer, strings)  # a direct /Info dictionary lives here
        for obj in pdf.objects:
            _collect_strings(obj, strings)
            if isinstance(obj, pikepdf.Stream):
                chunks.extend(_stream_chunks(obj, depth))
    chunks.insert(0, Chunk(PDF_STRINGS, VALUES.join(strings)))
    return chunks


def _collect_strings(obj: object, out: list[str]) -> None:
    """Every string in a dictionary or array, following direct objects only.

    Indirect objects are visited on their own by the caller's loop over ``pdf.objects``, so
    following them here would only repeat work (and loop on parent links).
    """
    import pikepdf

    stack = [obj]
    first = True
    while stack:
        item = stack.pop()
        if not first and getattr(item, "is_indirect", False):
            continue
        first = False
        if isinstance(item, pikepdf.String):
            out.append(_pdf_string(item))
        elif isinstance(item, pikepdf.Array):
            stack.extend(item)
        elif isinstance(item, (pikepdf.Dictionary, pikepdf.Stream)):
            stack.extend(item[key] for key in item.keys())  # noqa: SIM118 - pikepdf objects


def _stream_chunks(stream: object, depth: int) -> list[Chunk]:
    """XMP metadata and embedded files; page content and fonts are read by PDFium instead."""
    import pikepdf

    assert isinstance(stream, pikepdf.Stream)
    kind = stream.get("/Type")
    subtype = stream.get("/Subtype")
    if kind == pikepdf.Name.Metadata or subtype == pikepdf.Name.XML:
        try:
            raw = stream.read_bytes()
        except pikepdf.PdfError:
            return []
        return _xml_chunks("XMP metadata", raw)
    if kind == pikepdf.Name.EmbeddedFile:
        try:
            raw = stream.read_bytes()
        except pikepdf.PdfError:
            return []
        nested = extract_bytes(raw, "", depth=depth + 1)
        return [Chunk(f"embedded file > {c.where}", c.text, c.wrapped) for c in nested]
    return []
