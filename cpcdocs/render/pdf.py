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
document information and the XMP packet alike) come from the document's stage's issue date,
never the clock nor ``SOURCE_DATE_EPOCH``; its /ID is a hash of the content; fonts are
subset by HarfBuzz (see :func:`check_font_subsetting`). WeasyPrint puts no random document or
instance id in a PDF/A-3 XMP packet.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from .. import __version__
from .._compat.weasyprint import (
    FetchRefused,
    font_name_leaks,
    harfbuzz_subset_loaded,
    install_font_name_fix,
    url_fetcher,
)
from ..errors import RenderError

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


def free_font_names() -> bool:
    """Make WeasyPrint free the font name it asks Pango for; True when that is in place.

    The fix reaches into WeasyPrint's private font module, so it lives in
    :func:`cpcdocs._compat.weasyprint.install_font_name_fix`, which installs it only on a
    tested WeasyPrint that still has the leak. Batch workers are recycled in any case
    (:mod:`cpcdocs.batch`), the bound that does not depend on this fix.
    """
    return install_font_name_fix()


def _harfbuzz_subset_loaded() -> bool:
    """Whether WeasyPrint will subset with HarfBuzz (it needs libharfbuzz-subset, 4.1 or later)."""
    return harfbuzz_subset_loaded()


def _w3c_date(issued_on: dt.date) -> str:
    """The PDF's creation and modification time: midnight UTC of its stage's issue date.

    Never the clock nor ``SOURCE_DATE_EPOCH``: a document is the same bytes for the same
    inputs whichever night it is rendered, so a published stage that has not changed is seen
    not to have changed. A full UTC time rather than a bare date: the document information
    (``D:…Z``) and the XMP packet (``xmp:CreateDate``) then say exactly the same instant,
    which PDF/A validators compare, and no reader has to guess a time zone.
    """
    return f"{issued_on.isoformat()}T00:00:00Z"


class PdfEngine:
    """WeasyPrint with the layout stylesheet and the bundled fonts, ready for many documents.

    Args:
        stylesheet: the layout's CSS file.
        fonts_dir: the bundled fonts' folder.
        base_url: the folder relative URLs in the HTML are resolved against.
        folders: the folders every document may embed images and fonts from (the built-in
            templates and any ``--templates`` override; see :class:`AssetGuard`); by default
            ``fonts_dir`` and ``base_url``. :meth:`write` adds a document's own (its
            authority profile's folder).
    """

    def __init__(
        self,
        stylesheet: Path,
        fonts_dir: Path,
        base_url: Path,
        folders: Iterable[Path] | None = None,
    ) -> None:
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        check_font_subsetting()
        free_font_names()
        self._weasyprint = weasyprint
        self.base_url = base_url.as_uri() + "/"
        self.guard = AssetGuard(folders if folders is not None else (fonts_dir, base_url))
        self.url_fetcher, self._refused = url_fetcher(self.guard.serve)
        self.font_config = FontConfiguration()
        with self._refusals():
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
        #: WeasyPrint's decoded images by URL, one cache for each set of allowed folders: an
        #: image is fetched (and checked) once for the folders it was checked against.
        self.image_caches: dict[tuple[Path, ...], dict[str, Any]] = {}
        self._data_uris: dict[tuple[Path, int, int], str] = {}

    @contextmanager
    def _refusals(self) -> Iterator[None]:
        """Turn the URL fetcher's refusal, which has to stop WeasyPrint, into a RenderError."""
        try:
            yield
        except self._refused as err:
            raise RenderError(str(err.args[0] if err.args else err)) from None

    # (batch) Local images as data: URIs. WeasyPrint names an image in the PDF after a hash of
    # its URL, so with file: URLs the same letter has different bytes in two installations, or
    # on a Dask worker holding its own copy of the authority profile. A data: URI names the
    # image after its content. Each file is read, checked and encoded once per engine; where
    # it lies is checked for every document (the allowed folders are the document's).
    def _content_addressed(self, html: str) -> str:
        def swap(match: re.Match[str]) -> str:
            url = unescape(match.group(2))
            mime = _IMAGE_TYPES.get(_file_path(url).suffix.lower())
            if mime is None:
                return match.group(0)  # an SVG, say: the URL fetcher checks it
            try:
                resolved = self.guard.locate(url)
                stat = resolved.stat()
            except FetchRefused as err:
                raise RenderError(str(err)) from None
            except OSError:
                return match.group(0)  # WeasyPrint reports the missing image as before
            key = (resolved, stat.st_mtime_ns, stat.st_size)
            uri = self._data_uris.get(key)
            if uri is None:
                try:
                    data, _ = self.guard.content(url, resolved, images_only=True)
                except FetchRefused as err:
                    raise RenderError(str(err)) from None
                encoded = base64.b64encode(data).decode("ascii")
                uri = self._data_uris[key] = f"data:{mime};base64,{encoded}"
            return match.group(1) + uri + match.group(3)

        return _IMAGE_SRC.sub(swap, html)

    def write(
        self,
        html: str,
        metadata: PdfMetadata,
        *,
        issued_on: dt.date,
        lang: str,
        folders: Iterable[Path] = (),
    ) -> bytes:
        """The PDF of one document's full HTML: tagged, PDF/A-3a, reproducible.

        ``folders`` are this document's own folders it may embed images from, beside the
        engine's (its authority profile's folder). A file outside them all, or one that is
        not the image or font it is named as, is a :class:`RenderError` naming its URL.
        """
        token = _DOCUMENT_FOLDERS.set(tuple(Path(f).resolve() for f in folders))
        try:
            with self._refusals():
                return self._write(html, metadata, issued_on=issued_on, lang=lang)
        finally:
            _DOCUMENT_FOLDERS.reset(token)

    def _write(self, html: str, metadata: PdfMetadata, *, issued_on: dt.date, lang: str) -> bytes:
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
            cache=self.image_caches.setdefault(_DOCUMENT_FOLDERS.get(), {}),
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


# -- what a document may embed --------------------------------------------------------------------

#: The file names a document may embed, and the kinds of content each name may hold.
_EMBEDDABLE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".svg", ".ttf", ".otf", ".woff", ".woff2"}
)
#: Image and font formats by their first bytes (the "magic numbers" of each format).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\x00\x01\x00\x00", "font/ttf"),
    (b"true", "font/ttf"),
    (b"OTTO", "font/otf"),
    (b"wOFF", "font/woff"),
    (b"wOF2", "font/woff2"),
)
#: An SVG: optional byte order mark, XML declaration, comments and doctype, then ``<svg``.
_SVG = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:(?:<!--.*?-->|<!DOCTYPE[^>]*>)\s*)*<svg[\s>/]",
    re.DOTALL,
)
#: The folders of the document being written, beside the engine's own (see ``PdfEngine``).
_DOCUMENT_FOLDERS: ContextVar[tuple[Path, ...]] = ContextVar("document_folders", default=())


def sniff(data: bytes) -> str | None:
    """The MIME type of an image (PNG, JPEG, GIF, SVG) or font (TTF, OTF, WOFF, WOFF2), else None.

    By content, never by name: a file called ``logo.png`` holding text is not an image.
    """
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if _SVG.match(data[:4096]):
        return "image/svg+xml"
    return None


def _file_path(url: str) -> Path:
    return Path(unquote(urlparse(url).path))


def _inside(path: Path, folders: Iterable[Path]) -> bool:
    return any(path.is_relative_to(folder) for folder in folders)


class AssetGuard:
    """Decides which local files a document may embed: images and fonts from our folders.

    A file is served only when, with every symlink resolved, it lies under one of the allowed
    folders (the built-in templates, a ``--templates`` override, the authority profile's
    folder), is named as an image or font, and its content is one (:func:`sniff`). Anything
    else is refused with a :class:`~cpcdocs.errors.RenderError` naming the URL: a layout
    override or a profile must not be able to embed any other file on the machine, say
    through a symlink called ``something.png``. The bytes checked are the bytes served.
    """

    def __init__(self, folders: Iterable[Path]) -> None:
        self.folders = tuple(Path(f).resolve() for f in folders)

    def locate(self, url: str) -> Path:
        """The file a ``file:`` URL names, resolved, if a document may embed it; else FetchRefused.

        A file that does not exist raises :class:`FileNotFoundError` (WeasyPrint reports a
        missing image as a warning, as it always did).
        """
        path = _file_path(url)
        resolved = path.resolve(strict=True)
        folders = (*self.folders, *_DOCUMENT_FOLDERS.get())
        if not _inside(resolved, folders):
            msg = (
                f"{url}: refused: documents embed only files inside the templates and "
                f"authority folders, and this is {resolved}"
            )
            raise FetchRefused(msg)
        if path.suffix.lower() not in _EMBEDDABLE_SUFFIXES or not resolved.is_file():
            msg = f"{url}: refused: documents embed only image and font files"
            raise FetchRefused(msg)
        return resolved

    @staticmethod
    def content(url: str, resolved: Path, *, images_only: bool = False) -> tuple[bytes, str]:
        """(content, MIME type) of a located file, when its content is an image or a font."""
        data = resolved.read_bytes()
        mime = sniff(data)
        if mime is None or (images_only and not mime.startswith("image/")):
            kind = "an image" if images_only else "an image or font"
            msg = f"{url}: refused: the file is not {kind} (by its content)"
            raise FetchRefused(msg)
        return data, mime

    def serve(self, url: str) -> tuple[str, bytes, str] | None:
        """For the URL fetcher: a ``file:`` URL's checked bytes; other schemes are WeasyPrint's.

        WeasyPrint itself allows only ``data:`` besides: a letter never fetches from the
        network, so a template with ``<img src="https://…">`` gets no picture (with a warning)
        and no request leaves the machine.
        """
        if not url.lower().startswith("file:"):
            return None
        url = url.split("?")[0]
        resolved = self.locate(url)
        data, mime = self.content(url, resolved)
        return resolved.as_uri(), data, mime
