"""DOCX: letters written into the Word layout, real Word templates rendered, bytes made stable.

A letter's wording (the blocks parsed from its HTML fragment) becomes a :class:`WordBody`: Word
paragraphs, lists and tables in the layout's own styles ("Heading 1", "List Bullet", "List
Number", "Table Grid", ...), placed where ``templates/layout/letter.docx`` says ``{{p body }}``.
The layout's header and footer carry the letterhead, the window address, the marking and
"Page X of Y" as Word fields.

docxtpl renders with the shared sandboxed environment (DOCX flavour) and ``autoescape=True``:
docxtpl does not escape unless told, and an unescaped ``&`` in a name makes a file Word
refuses to open.

Every file leaves through :func:`normalise_docx`: fixed zip entry order and dates, and
document properties with no user or machine name, so the same input gives the same bytes.

The document builder (blocks to Word, large print, the window address) is
:mod:`cpcdocs.render.docx_body`; the zip writer is :mod:`cpcdocs.render.docx_zip`. This module
is the engine: templates loaded, copied and rendered, pictures bound, properties set.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import caches
from .._compat.docx import element, package_members, styles_part
from .._compat.docxtpl import before_saving, open_document, picture_inline, template_class
from .blocks import Block, parse_fragment
from .docx_body import (
    CLASS_STYLES,
    EASY_READ,
    LARGE_PRINT,
    STYLE_IDS,
    WordBody,
    easy_read,
    fit_window_address,
    large_print,
    write_blocks,
)
from .docx_zip import normalise_docx, normalised_zip

# Private names the benchmark and the tests reach through this module (its caches, the zip
# writer, the run writer), still found here after the split.
from .docx_body import _NOT_XML as _NOT_XML  # isort: skip
from .docx_body import _run_xml as _run_xml  # isort: skip
from .docx_zip import _DEFLATED as _DEFLATED  # isort: skip
from .docx_zip import _zip as _zip  # isort: skip
from .docx_zip import _zip_time as _zip_time  # isort: skip

__all__ = [
    "CLASS_STYLES",
    "EASY_READ",
    "LARGE_PRINT",
    "DocxEngine",
    "DocxMetadata",
    "Fragment",
    "Picture",
    "WordBody",
    "normalise_docx",
    "write_blocks",
]

_CORE = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"

_WORD_IMAGES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp"})


# -- things a template context may hold ----------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    """An image for a Word template's context (``{{ signature }}``), bound at render time.

    Give ``height_mm`` or ``width_mm`` (or neither for the image's own size); ``alt`` becomes
    the picture's description for screen readers.
    """

    path: Path
    alt: str = ""
    width_mm: float | None = None
    height_mm: float | None = None


@dataclass(frozen=True)
class Fragment:
    """HTML in the letter subset for a Word template's context, written as Word paragraphs.

    Use it with a paragraph tag: ``{{p section }}``.
    """

    html: str
    template: str = "fragment"


@dataclass(frozen=True)
class DocxMetadata:
    """Document properties: title, author (the authority), subject, keywords, language."""

    title: str = ""
    author: str = ""
    subject: str = ""
    keywords: tuple[str, ...] = ()
    language: str = "en-GB"


# -- the engine ------------------------------------------------------------------------------------


class DocxEngine:
    """Renders letters and Word templates; keeps template bytes in memory between documents."""

    def __init__(self, environment: Any, find: Callable[[str], Path]) -> None:
        self.env = environment
        self._find = find
        self._bytes: dict[Path, bytes] = {}

    @staticmethod
    def load_libraries() -> None:
        """Import docxtpl and python-docx now (before forking render workers)."""
        _template_class()

    def _load(self, name: str) -> tuple[Path, bytes]:
        path = self._find(name)
        data = self._bytes.get(path)
        if data is None:
            data = self._bytes[path] = path.read_bytes()
        return path, data

    def letter(self, view: Any, blocks: list[Block], metadata: DocxMetadata, layout: str) -> bytes:
        """A letter or form: the wording's blocks in the Word layout, for one recipient."""
        _, data = self._load(layout)
        tpl = _template_class()(io.BytesIO(data))
        restyled = bool(getattr(view, "large_print", False) or getattr(view, "easy_read", False))
        tpl.share_styles = not restyled  # large print and easy read change the styles
        doc = open_document(tpl)
        if getattr(view, "large_print", False):
            large_print(doc)
        elif getattr(view, "easy_read", False):
            easy_read(doc)
        body = write_blocks(doc, blocks)
        logo_path = getattr(view.authority, "logo_path", None)
        if logo_path and Path(logo_path).suffix.lower() not in _WORD_IMAGES:
            logo_path = None  # an SVG logo prints in the PDF; Word files go without
        context = {
            "view": view,
            "body": body,
            "logo": _BoundPicture(
                tpl, Picture(Path(logo_path), f"{view.authority.name} logo", height_mm=22)
            )
            if logo_path
            else "",
        }
        tpl.render(context, jinja_env=self.env, autoescape=True)
        fit_window_address(doc, large_print=bool(getattr(view, "large_print", False)))
        return self._save(tpl, metadata, view.issued_on)

    def template(
        self,
        name: str,
        context: Mapping[str, Any],
        metadata: DocxMetadata,
        issued_on: dt.date | None,
    ) -> bytes:
        """A real Word template (``docx/<name>.docx``) rendered with ``context``."""
        _, data = self._load(name)
        tpl = _template_class()(io.BytesIO(data))
        open_document(tpl)
        bound = {key: _bind(tpl, value) for key, value in context.items()}
        tpl.render(bound, jinja_env=self.env, autoescape=True)
        return self._save(tpl, metadata, issued_on)

    def undeclared(self, name: str) -> set[str]:
        """Variables a Word template uses (raises the template's syntax errors)."""
        _, data = self._load(name)
        tpl = _template_class()(io.BytesIO(data))
        return set(tpl.get_undeclared_template_variables(jinja_env=self.env))

    @staticmethod
    def _save(tpl: Any, metadata: DocxMetadata, issued_on: dt.date | None) -> bytes:
        """The package's bytes, written once, straight from its parts (see :func:`_parts`)."""
        _core_properties(tpl.docx, metadata, issued_on)
        before_saving(tpl)  # docxtpl's picture replacement (unused here: kept for overrides)
        return normalised_zip(_parts(tpl.docx.part.package))


@caches.memo("render.docx: the patched DocxTemplate class", maxsize=None)
def _template_class() -> Any:
    """``DocxTemplate`` that patches each distinct part XML once per process.

    (batch) Before compiling a part, docxtpl runs some twenty regular expressions over its
    whole XML (``patch_xml``) on every render; for a given template the input and the output
    are always the same, so a warm worker pays for it once: about a quarter of a warm DOCX.
    The compiled Jinja template is cached likewise, by the environment (``env.py``), and the
    parsed package is copied rather than parsed again (:func:`_fresh_document`). The class
    overrides docxtpl internals: :func:`cpcdocs._compat.docxtpl.template_class`.
    """
    return template_class(lambda data, share: _fresh_document(data, share_styles=share))


_PRISTINE: dict[bytes, tuple[Any, dict[str, str]]] = caches.owned(
    "render.docx: parsed templates", {}
)
#: id(styles part) -> (that part, its XML): the styles parts copies share with their template.
_SHARED_STYLES: dict[int, tuple[Any, bytes]] = caches.owned("render.docx: shared styles parts", {})


def _fresh_document(data: bytes, *, share_styles: bool = False) -> Any:
    """A python-docx ``Document`` of these bytes, as a copy of one parsed once.

    (batch) Every document starts from the same few templates, and a deep copy of the parsed
    package takes half the time of unzipping and parsing it again.

    With ``share_styles`` the copy uses the template's own styles part instead of a copy, and
    :func:`_parts` writes the XML serialised once. Nothing but large print and easy read
    changes a style, and those ask for a copy. The report templates' styles part holds every
    built-in style Word knows, and copying and serialising it was most of a proforma's time
    (bench/results.md, "Measurements behind the design").
    """
    import copy

    from docx import Document

    entry = _PRISTINE.get(data)
    if entry is None:
        if len(_PRISTINE) >= 16:
            _PRISTINE.clear()
            _SHARED_STYLES.clear()
        pristine = Document(io.BytesIO(data))
        entry = _PRISTINE[data] = (pristine, {s.name: s.style_id for s in pristine.styles})
        styles = styles_part(pristine)
        if styles is not None:
            _SHARED_STYLES[id(styles)] = (styles, styles.blob)
    pristine, ids = entry
    memo: dict[int, Any] = {}
    styles = styles_part(pristine) if share_styles else None
    if styles is not None:
        memo[id(styles)] = styles  # deepcopy returns what the memo holds: the part itself
    fresh = copy.deepcopy(pristine, memo)
    # Style names are never changed (large print changes sizes), so the copy's are the same.
    STYLE_IDS.clear()  # only the newest copy is being written
    STYLE_IDS[id(fresh.styles.element)] = (fresh.styles.element, ids)
    return fresh


def _bind(tpl: Any, value: Any) -> Any:
    if isinstance(value, Picture):
        return _BoundPicture(tpl, value)
    if isinstance(value, Fragment):
        return write_blocks(tpl.docx, parse_fragment(value.html, template=value.template))
    return value


class _BoundPicture:
    """docxtpl's InlineImage, plus the picture's description (alt text)."""

    def __init__(self, tpl: Any, picture: Picture) -> None:
        self.tpl = tpl
        self.picture = picture

    def __html__(self) -> str:
        from docx.shared import Mm

        picture = self.picture
        inline = picture_inline(
            self.tpl,
            str(picture.path),
            Mm(picture.width_mm) if picture.width_mm else None,
            Mm(picture.height_mm) if picture.height_mm else None,
        )
        inline.docPr.set("descr", picture.alt)
        return (
            "</w:t></w:r><w:r><w:drawing>%s</w:drawing></w:r><w:r>"  # noqa: UP031
            '<w:t xml:space="preserve">' % inline.xml
        )

    __str__ = __html__


# -- properties and bytes --------------------------------------------------------------------------


def _core_properties(doc: Any, metadata: DocxMetadata, issued_on: dt.date | None) -> None:
    props = doc.core_properties
    props.title = metadata.title
    props.subject = metadata.subject
    props.keywords = ", ".join(metadata.keywords)
    props.author = metadata.author
    props.last_modified_by = "cpcdocs"
    props.comments = ""
    props.category = ""
    props.content_status = ""
    props.identifier = ""
    props.version = ""
    props.language = metadata.language
    props.revision = 1
    when = _document_time(issued_on)
    props.created = when
    props.modified = when
    core = element(props)
    printed = core.find(f"{{{_CORE}}}lastPrinted")
    if printed is not None:
        core.remove(printed)


def _document_time(issued_on: dt.date | None) -> dt.datetime:
    """The document's created and modified time: its stage's issue date, never the clock."""
    day = issued_on or dt.date(1980, 1, 1)
    return dt.datetime(day.year, day.month, day.day)


def _parts(package: Any) -> dict[str, bytes]:
    """Every zip member of a python-docx package, by name: what ``Document.save`` would write.

    The same members as python-docx's ``PackageWriter`` (content types, package relationships,
    each part and its relationships), gathered instead of zipped, so that the package is
    compressed once, by :func:`normalised_zip`, and not zipped, unzipped and zipped again.
    """

    def blob(part: Any) -> bytes:
        shared = _SHARED_STYLES.get(id(part))
        return shared[1] if shared and shared[0] is part else bytes(part.blob)

    return package_members(package, blob)


# -- the zip container ---------------------------------------------------------------------------
#
# (batch) Written here rather than with ``zipfile`` for one reason: most members of every
# package are byte-identical from one document to the next (styles, theme, fonts, numbering,
# settings, the logo), and ``zipfile`` can only compress them again each time, which was a
# third of a warm DOCX. Here each distinct member is deflated once per process and its
# compressed bytes reused. The format written is the plainest ZIP there is (APPNOTE 6.3: no
# ZIP64, no data descriptors, no extra fields, deflate level 6, DOS dates), which Word,
# LibreOffice, python-docx and ``zipfile`` read; the tests read every file back.
