"""PDF: the letter's HTML through WeasyPrint, with bundled fonts and reproducible bytes.

WeasyPrint is imported on first use (it costs about a second). One :class:`PdfEngine` per
process keeps what can be reused between documents: the parsed stylesheets, the font
configuration holding the bundled fonts, and decoded images.

Archival and accessible: every PDF is written as PDF/A-3a (:data:`PDF_VARIANT`). Councils
keep these records for decades (PDF/A: fonts embedded, an sRGB output intent, XMP metadata,
nothing fetched at display time), and parents and children with sight loss read them with
screen readers (level "a": a tagged structure tree in reading order, headings, lists and
tables marked up, ``/Lang``, alternative text for images, the title shown in the window).
Level "a" is the highest PDF/A conformance WeasyPrint 70 writes, and it includes "u"
(Unicode text). PDF/A-3 rather than 2 (both PDF 1.7) because part 3 allows a later attachment
of any type (the case data, say) without leaving PDF/A; part 4 would mean PDF 2.0.

Reproducibility: the same HTML and metadata give the same bytes. The PDF's dates (the
document information and the XMP packet alike) come from the document's issue date (or
``SOURCE_DATE_EPOCH`` when set), never the clock; its /ID is a hash of the content; fonts are
subset by HarfBuzz (see :func:`check_font_subsetting`). WeasyPrint puts no random document or
instance id in a PDF/A-3 XMP packet.
"""

from __future__ import annotations

import base64
import ctypes.util
import datetime as dt
import hashlib
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from .. import __version__

__all__ = [
    "PDF_VARIANT",
    "FontSubsettingWarning",
    "PdfEngine",
    "PdfMetadata",
    "check_font_subsetting",
    "font_name_leaks",
    "free_font_names",
]

#: The PDF/A part and conformance level every PDF declares (WeasyPrint's variant name). "a"
#: implies tagging: WeasyPrint writes the structure tree, ``/MarkInfo``, ``/Lang`` and
#: ``/ViewerPreferences /DisplayDocTitle`` for it.
PDF_VARIANT = "pdf/a-3a"
#: The output intent: sRGB, the colour space the letters are designed in (IEC 61966-2-1).
OUTPUT_INTENT = "srgb"

_FONT_FILES = {
    ("normal", "normal"): "LiberationSans-Regular.ttf",
    ("bold", "normal"): "LiberationSans-Bold.ttf",
    ("normal", "italic"): "LiberationSans-Italic.ttf",
    ("bold", "italic"): "LiberationSans-BoldItalic.ttf",
}
_IMAGE_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")(file:[^"]+)(")')
_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
#: What the renderer may read while laying out a page: images and fonts, from disk only.
_FETCHABLE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".ttf", ".otf"})
#: Rules every document gets whatever its stylesheet says. PDF/A forbids ``/Interpolate true``
#: on images, which WeasyPrint writes for ``image-rendering: auto``; ``crisp-edges`` writes
#: false. (The logo and signature are drawn smaller than their pixel size, where a viewer's
#: own scaling decides how they look, so nothing is lost.)
#:
#: ``::marker`` text gets no OpenType features. WeasyPrint gives every text layout whose style
#: asks for features (the default stylesheet asks for ``tabular-nums`` on list markers) a Pango
#: attribute list it never frees, about 0.5 KB a bullet; a batch worker rendering thousands of
#: letters grew by that much without bound. Liberation Sans has no ``tnum`` feature (its digits
#: are tabular already), so the pages are the same. Keep feature-requesting properties
#: (``font-variant-*``, ``font-feature-settings``) out of a stylesheet that a batch renders.
_ENGINE_CSS = "img { image-rendering: crisp-edges; }\n::marker { font-variant-numeric: normal; }"


class FontSubsettingWarning(UserWarning):
    """HarfBuzz-subset is missing: WeasyPrint falls back to fontTools (slow, not reproducible)."""


@dataclass(frozen=True)
class PdfMetadata:
    """What a PDF's document properties say. Audited like the text: no withheld values here."""

    title: str
    author: str = ""
    subject: str = ""
    keywords: tuple[str, ...] = ()

    @classmethod
    def coerce(cls, value: PdfMetadata | Mapping[str, Any] | None, view: Any) -> PdfMetadata:
        """From a mapping (``title``, ``author``, ``subject``, ``keywords``) or the view."""
        if isinstance(value, PdfMetadata):
            return value
        data = dict(value or {})
        keywords = data.get("keywords", ())
        if isinstance(keywords, str):
            keywords = tuple(k.strip() for k in keywords.split(",") if k.strip())
        return cls(
            title=str(data.get("title") or view.title),
            author=str(data.get("author") or view.authority.name),
            subject=str(data.get("subject") or ""),
            keywords=tuple(str(k) for k in keywords),
        )


_checked = False


def check_font_subsetting() -> bool:
    """Warn once per process when HarfBuzz-subset is missing; True when it is present.

    Without ``libharfbuzz-subset.so.0`` WeasyPrint subsets fonts with fontTools: several times
    slower, and its output is not guaranteed byte-identical between runs or machines.
    """
    global _checked
    present = _harfbuzz_subset_loaded()
    if not present and not _checked:
        warnings.warn(
            "libharfbuzz-subset is not installed: PDF fonts are subset with fontTools, which is "
            "slower and not reproducible. Install it (Debian/Ubuntu: apt-get install "
            "libharfbuzz-subset0).",
            FontSubsettingWarning,
            stacklevel=3,
        )
    _checked = True
    return present


_freeing_font_names = False
#: glib (for ``g_free``) and WeasyPrint's cffi instance, once the fix is installed.
_glib: Any = None
_ffi: Any = None


def free_font_names() -> bool:
    """Make WeasyPrint free the font name it asks Pango for; True when that is in place.

    For each font of each PDF, WeasyPrint's ``pdf.fonts.Font`` copies the string
    ``pango_font_description_to_string`` returns and never frees it (Pango hands the caller
    that string to ``g_free``). Measured on one letter rendered 450 times: 2.9 KB a PDF, which
    a batch worker rendering tens of thousands of PDFs kept for good. The wrapper below gives
    the returned pointer to ``g_free`` when WeasyPrint drops it, straight after copying it.

    Installed only where WeasyPrint's own code still has the leak (see
    :func:`font_name_leaks`): a WeasyPrint that frees the string itself must not have it freed
    twice. Nothing else about the font changes, so the PDFs are byte-identical.
    """
    global _freeing_font_names, _glib, _ffi
    if _freeing_font_names:
        return True
    import inspect

    from weasyprint.pdf import fonts
    from weasyprint.text.ffi import ffi

    try:
        source = inspect.getsource(fonts.Font)
    except (OSError, TypeError):  # pragma: no cover - installed without sources
        return False
    if not font_name_leaks(source):
        return False
    _glib = ctypes.CDLL(ctypes.util.find_library("glib-2.0") or "libglib-2.0.so.0")
    _glib.g_free.argtypes = [ctypes.c_void_p]
    _glib.g_free.restype = None
    _ffi = ffi
    pango = fonts.pango

    class FreeingPango:
        """Pango as ``pdf.fonts`` sees it: every call as before, names freed after use."""

        def __getattr__(self, name: str) -> Any:
            return getattr(pango, name)

        @staticmethod
        def pango_font_description_to_string(description: Any) -> Any:
            return ffi.gc(pango.pango_font_description_to_string(description), _g_free)

    fonts.pango = FreeingPango()
    _freeing_font_names = True
    return True


def font_name_leaks(source: str) -> bool:
    """Whether this source of WeasyPrint's ``Font`` copies Pango's font name without freeing it."""
    copies = "ffi.string(\n            pango.pango_font_description_to_string(" in source
    return copies and "g_free" not in source


def _g_free(pointer: Any) -> None:
    _glib.g_free(int(_ffi.cast("uintptr_t", pointer)))


def _harfbuzz_subset_loaded() -> bool:
    """Whether WeasyPrint will subset with HarfBuzz (it needs libharfbuzz-subset, 4.1 or later)."""
    try:
        from weasyprint.text import ffi
    except ImportError:  # pragma: no cover - without weasyprint nothing renders anyway
        return ctypes.util.find_library("harfbuzz-subset") is not None
    if getattr(ffi, "harfbuzz_subset", None) is None:
        return False
    return bool(ffi.harfbuzz.hb_version_atleast(4, 1, 0))


def source_date() -> dt.datetime | None:
    """``SOURCE_DATE_EPOCH`` as a UTC time, when set to a whole number of seconds."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw.isdigit():
        return None
    return dt.datetime.fromtimestamp(int(raw), tz=dt.UTC)


def _w3c_date(issued_on: dt.date) -> str:
    """The PDF's creation and modification time: ``SOURCE_DATE_EPOCH``, else the issue date.

    A full UTC time rather than a bare date: the document information (``D:…Z``) and the XMP
    packet (``xmp:CreateDate``) then say exactly the same instant, which PDF/A validators
    compare, and no reader has to guess a time zone.
    """
    epoch = source_date()
    if epoch is not None:
        return epoch.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{issued_on.isoformat()}T00:00:00Z"


class PdfEngine:
    """WeasyPrint with the layout stylesheet and the bundled fonts, ready for many documents."""

    def __init__(self, stylesheet: Path, fonts_dir: Path, base_url: Path) -> None:
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        check_font_subsetting()
        free_font_names()
        self._weasyprint = weasyprint
        self.base_url = base_url.as_uri() + "/"
        self.url_fetcher = _local_fetcher(weasyprint)
        self.font_config = FontConfiguration()
        self.stylesheets = [
            weasyprint.CSS(
                string=_font_faces(fonts_dir) + "\n" + _ENGINE_CSS,
                font_config=self.font_config,
                url_fetcher=self.url_fetcher,
            ),
            weasyprint.CSS(
                filename=str(stylesheet),
                font_config=self.font_config,
                url_fetcher=self.url_fetcher,
            ),
        ]
        self.image_cache: dict[str, Any] = {}
        self._data_uris: dict[tuple[str, int, int], str] = {}

    # (batch) Local images as data: URIs. WeasyPrint names an image in the PDF after a hash of
    # its URL, so with file: URLs the same letter has different bytes in two installations, or
    # on a Dask worker holding its own copy of the authority profile. A data: URI names the
    # image after its content. Each file is read and encoded once per engine.
    def _content_addressed(self, html: str) -> str:
        def swap(match: re.Match[str]) -> str:
            url = unescape(match.group(2))
            path = Path(unquote(urlparse(url).path))
            try:
                stat = path.stat()
            except OSError:
                return match.group(0)  # WeasyPrint reports the missing image as before
            mime = _IMAGE_TYPES.get(path.suffix.lower())
            if mime is None:
                return match.group(0)
            key = (url, stat.st_mtime_ns, stat.st_size)
            uri = self._data_uris.get(key)
            if uri is None:
                encoded = base64.b64encode(path.read_bytes()).decode("ascii")
                uri = self._data_uris[key] = f"data:{mime};base64,{encoded}"
            return match.group(1) + uri + match.group(3)

        return _IMAGE_SRC.sub(swap, html)

    def write(self, html: str, metadata: PdfMetadata, *, issued_on: dt.date, lang: str) -> bytes:
        """The PDF of one document's full HTML: tagged, PDF/A-3a, reproducible."""
        weasyprint = self._weasyprint
        html = self._content_addressed(html)
        # The variant goes to both steps: layout takes the output intent from it (colours are
        # drawn in the sRGB profile's space), writing takes the tags, XMP and intent.
        archival: dict[str, Any] = {
            "pdf_variant": PDF_VARIANT,
            "pdf_tags": True,
            "output_intent": OUTPUT_INTENT,
        }
        document = weasyprint.HTML(
            string=html, base_url=self.base_url, url_fetcher=self.url_fetcher
        ).render(
            font_config=self.font_config,
            stylesheets=self.stylesheets,
            cache=self.image_cache,
            **archival,
        )
        date = _w3c_date(issued_on)
        meta = document.metadata
        meta.title = metadata.title
        meta.authors = [metadata.author] if metadata.author else []
        meta.description = metadata.subject or None
        meta.keywords = list(metadata.keywords)
        meta.generator = f"cpcdocs {__version__}"
        meta.created = date
        meta.modified = date
        meta.lang = lang
        identity = hashlib.sha256()
        for part in (
            html,
            metadata.title,
            metadata.author,
            metadata.subject,
            date,
            lang,
            PDF_VARIANT,
        ):
            identity.update(part.encode("utf-8") + b"\0")
        for keyword in metadata.keywords:
            identity.update(keyword.encode("utf-8") + b"\0")
        pdf: bytes = document.write_pdf(
            pdf_identifier=identity.hexdigest()[:32].encode(), **archival
        )
        return pdf


def _font_faces(fonts_dir: Path) -> str:
    rules = []
    for (weight, style), name in _FONT_FILES.items():
        uri = (fonts_dir / name).resolve().as_uri()
        rules.append(
            '@font-face { font-family: "Liberation Sans"; '
            f'src: url("{uri}") format("truetype"); '
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(rules)


def _local_fetcher(weasyprint: Any) -> Any:
    """A URL fetcher that reads local image and font files and nothing else.

    A letter never fetches from the network: a template with ``<img src="https://…">`` gets
    no picture (and no request leaves the machine).
    """

    class LocalFetcher(weasyprint.URLFetcher):  # type: ignore[name-defined,misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("file:"):
                from urllib.parse import unquote, urlparse

                path = Path(unquote(urlparse(url).path))
                if path.suffix.lower() not in _FETCHABLE_SUFFIXES:
                    msg = f"cpcdocs only loads image and font files: {url}"
                    raise ValueError(msg)
            return super().fetch(url, headers)

    return LocalFetcher(allowed_protocols={"file", "data"})
