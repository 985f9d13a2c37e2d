"""A letter's wording as blocks: the small HTML subset both formats are made from.

A wording template produces an HTML *fragment* using only the tags in :data:`ALLOWED_TAGS`.
The PDF pipeline gives that fragment to WeasyPrint as it is; the DOCX pipeline parses it here
into a flat list of blocks (headings, paragraphs with bold/italic/link runs, list items,
tables, images) and writes them with Word's own styles. Parsing happens for both formats, so
a tag Word could not show is an error in the PDF too, and both files always say the same.

Whitespace follows HTML: runs of spaces and newlines collapse to one space and vanish at the
edges of a block, so template indentation never reaches a letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import NoReturn
from urllib.parse import unquote, urlparse

from ..errors import RenderError
from .env import xml_safe

__all__ = [
    "ALLOWED_IDS",
    "ALLOWED_TAGS",
    "Block",
    "Cell",
    "Image",
    "Paragraph",
    "Run",
    "Table",
    "dangling_punctuation",
    "parse_fragment",
]

#: Tags a wording template may use, with the attributes each may carry.
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "h1": frozenset({"class"}),
    "h2": frozenset({"class"}),
    "h3": frozenset({"class"}),
    "p": frozenset({"class", "lang"}),
    "ul": frozenset({"class"}),
    "ol": frozenset({"class"}),
    "li": frozenset({"class"}),
    "strong": frozenset(),
    "em": frozenset(),
    "br": frozenset(),
    "a": frozenset({"href"}),
    # ``id`` only to mark where the signature widget goes (see ALLOWED_IDS).
    # ``lang`` marks each language of a bilingual letter (cpcdocs.i18n).
    "div": frozenset({"class", "id", "lang"}),
    "table": frozenset({"class"}),
    "thead": frozenset(),
    "tbody": frozenset(),
    "tr": frozenset(),
    "th": frozenset({"class", "colspan", "scope"}),
    "td": frozenset({"class", "colspan"}),
    # The chair's signature on an outline plan: a local image file, nothing fetched.
    "img": frozenset({"src", "alt", "class"}),
}

#: The ids a wording template may set, and why. WeasyPrint turns every id into a named
#: destination (its page and top left corner), which is how signing finds the box the outline
#: plan reserves for the visible signature (``cpcdocs.sign.SIGNATURE_ANCHOR``). Any other id
#: would be a stray destination in the PDF and mean nothing in Word, so it is refused. Word
#: files have no widget: the DOCX writer ignores the id (the element is empty).
ALLOWED_IDS = frozenset({"cpcdocs-signature"})

_VOID = frozenset({"br", "img"})
_INLINE = frozenset({"strong", "em", "a"})
_BLOCKS = frozenset({"h1", "h2", "h3", "p"})
_LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})
_CLASS = re.compile(r"^[A-Za-z0-9_-]+$")
_SPACE = re.compile(r"[ \t\n\r\f]+")


@dataclass(frozen=True)
class Run:
    """A stretch of text with one formatting; ``line_break`` marks a ``<br>`` (no text)."""

    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None
    line_break: bool = False


@dataclass
class Paragraph:
    """A heading, paragraph or list item.

    ``style`` is the tag (``h1``-``h3``, ``p``, ``li``); ``list_type`` is ``bullet`` or
    ``number`` for list items (``level`` 0 for the outermost list); ``list_id`` tells numbered
    lists apart so each ``<ol>`` starts again at 1. ``continuation`` marks a second paragraph
    inside one list item. ``classes`` are those of the enclosing ``div``\\ s and of the element.
    """

    style: str
    runs: list[Run] = field(default_factory=list)
    list_type: str | None = None
    level: int = 0
    list_id: int | None = None
    continuation: bool = False
    classes: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The plain text, line breaks as newlines."""
        return "".join("\n" if r.line_break else r.text for r in self.runs)


@dataclass
class Image:
    """A local picture (the chair's signature)."""

    path: Path
    alt: str
    classes: tuple[str, ...] = ()


@dataclass
class Cell:
    """A table cell: its paragraphs, whether it is a header cell, how many columns it spans."""

    blocks: list[Paragraph | Image] = field(default_factory=list)
    header: bool = False
    colspan: int = 1


@dataclass
class Table:
    """A table; ``header_rows`` rows from ``<thead>`` repeat on each page."""

    rows: list[list[Cell]] = field(default_factory=list)
    header_rows: int = 0
    classes: tuple[str, ...] = ()

    @property
    def columns(self) -> int:
        """The widest row, counting spans."""
        return max((sum(c.colspan for c in row) for row in self.rows), default=0)


Block = Paragraph | Table | Image


@dataclass
class _List:
    kind: str  # bullet | number
    ident: int
    started: bool = False  # the current item already has its first paragraph


class _Parser(HTMLParser):
    def __init__(self, template: str) -> None:
        super().__init__(convert_charrefs=True)
        self.template = template
        self.blocks: list[Block] = []
        self.open_tags: list[tuple[str, tuple[str, ...]]] = []  # (tag, classes it passes on)
        self.lists: list[_List] = []
        self.list_count = 0
        self.paragraph: Paragraph | None = None
        self.bold = 0
        self.italic = 0
        self.href: str | None = None
        self.table: Table | None = None
        self.thead = False
        self.cell: Cell | None = None
        self.ids: set[str] = set()

    # -- errors --------------------------------------------------------------------------------

    def fail(self, message: str) -> NoReturn:
        line, _ = self.getpos()
        msg = f"{self.template}: {message} (line {line} of the rendered text)"
        raise RenderError(msg)

    # -- helpers -------------------------------------------------------------------------------

    def classes(self) -> tuple[str, ...]:
        return tuple(c for _, passed in self.open_tags for c in passed)

    def structural(self) -> str | None:
        """The innermost open tag that is not inline formatting."""
        return next((t for t, _ in reversed(self.open_tags) if t not in _INLINE), None)

    def emit(self, block: Block) -> None:
        if self.cell is not None:
            if isinstance(block, Table):
                self.fail("a table inside a table is not supported")
            self.cell.blocks.append(block)
        else:
            self.blocks.append(block)

    def close_paragraph(self) -> None:
        paragraph, self.paragraph = self.paragraph, None
        if paragraph is None:
            return
        paragraph.runs = _collapse(paragraph.runs)
        if paragraph.runs:
            self.emit(paragraph)
            if paragraph.list_type is not None:
                self.lists[-1].started = True

    def open_paragraph(self, style: str, own: tuple[str, ...] = ()) -> Paragraph:
        current = self.paragraph
        if (
            style == "p"
            and current is not None
            and current.list_type is not None
            and not current.runs
            and not current.continuation
        ):
            # <li><p>…</p></li>: the paragraph is the item's own.
            current.classes += own
            return current
        self.close_paragraph()
        classes = self.classes() + own
        if self.lists:
            if style in ("h1", "h2", "h3"):
                self.fail(f"<{style}> inside a list")
            innermost = self.lists[-1]
            paragraph = Paragraph(
                "li",
                list_type=innermost.kind,
                level=len(self.lists) - 1,
                list_id=innermost.ident,
                continuation=style != "li" and innermost.started,
                classes=classes,
            )
        else:
            paragraph = Paragraph("p" if style == "implicit" else style, classes=classes)
        self.paragraph = paragraph
        return paragraph

    def ensure_paragraph(self) -> Paragraph:
        return self.paragraph or self.open_paragraph("implicit")

    # -- HTMLParser callbacks ------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        allowed = ALLOWED_TAGS.get(tag)
        if allowed is None:
            names = ", ".join(sorted(ALLOWED_TAGS))
            self.fail(f"<{tag}> is not allowed in a letter template (allowed: {names})")
        values: dict[str, str] = {}
        for name, value in attrs:
            if name not in allowed:
                takes = ", ".join(sorted(allowed)) or "no attributes"
                self.fail(f'<{tag} {name}="…"> is not allowed: <{tag}> takes {takes}')
            values[name] = value or ""
        if "id" in values:
            ident = values["id"]
            if ident not in ALLOWED_IDS:
                allowed_ids = ", ".join(f'"{i}"' for i in sorted(ALLOWED_IDS))
                self.fail(f'id "{ident}" is not allowed: the only ids are {allowed_ids}')
            if ident in self.ids:
                self.fail(f'id "{ident}" is used twice')
            self.ids.add(ident)
        classes = tuple(values.get("class", "").split())
        for cls in classes:
            if not _CLASS.match(cls):
                self.fail(f'class "{cls}" is not a plain name')
        if tag in _VOID:
            self.void(tag, values, classes)
            return
        if tag not in _INLINE and self.structural() in _BLOCKS:
            self.fail(f"<{tag}> inside <{self.structural()}>")
        self.open_tags.append((tag, classes if tag == "div" else ()))
        own = classes if tag != "div" else ()
        if tag in _BLOCKS:
            self.open_paragraph(tag, own)
        elif tag == "div":
            self.close_paragraph()
        elif tag in ("ul", "ol"):
            self.close_paragraph()
            self.list_count += 1
            self.lists.append(_List("bullet" if tag == "ul" else "number", self.list_count))
        elif tag == "li":
            if self.structural_parent() not in ("ul", "ol"):
                self.fail("<li> outside <ul> or <ol>")
            self.close_paragraph()
            self.lists[-1].started = False
            self.open_paragraph("li", own)
        elif tag == "strong":
            self.bold += 1
        elif tag == "em":
            self.italic += 1
        elif tag == "a":
            href = values.get("href", "").strip()
            if urlparse(href).scheme.lower() not in _LINK_SCHEMES:
                self.fail(f'link "{href}": only http, https, mailto and tel links')
            if self.href is not None:
                self.fail("a link inside a link")
            self.href = href
        elif tag == "table":
            if self.table is not None:
                self.fail("a table inside a table is not supported")
            if self.lists:
                self.fail("a table inside a list is not supported")
            self.close_paragraph()
            self.table = Table(classes=self.classes() + own)
        elif tag in ("thead", "tbody"):
            if self.structural_parent() != "table":
                self.fail(f"<{tag}> outside <table>")
            self.thead = tag == "thead"
        elif tag == "tr":
            if self.table is None or self.structural_parent() not in ("table", "thead", "tbody"):
                self.fail("<tr> outside <table>")
            self.table.rows.append([])
            if self.thead:
                self.table.header_rows += 1
        elif tag in ("td", "th"):
            if self.table is None or self.structural_parent() != "tr":
                self.fail(f"<{tag}> outside <tr>")
            span = values.get("colspan", "1")
            if not span.isdigit() or not 1 <= int(span) <= 20:
                self.fail(f'colspan="{span}" must be a number from 1 to 20')
            self.cell = Cell(header=tag == "th", colspan=int(span))
            self.table.rows[-1].append(self.cell)

    def structural_parent(self) -> str | None:
        """The innermost open structural tag, not counting the one just opened."""
        tags = [t for t, _ in self.open_tags[:-1] if t not in _INLINE]
        return tags[-1] if tags else None

    def void(self, tag: str, values: dict[str, str], classes: tuple[str, ...]) -> None:
        if tag == "br":
            self.ensure_paragraph().runs.append(Run("", line_break=True))
            return
        src = values.get("src", "")
        path = Path(unquote(urlparse(src).path)) if src.startswith("file:") else Path(src)
        if not path.is_absolute() or path.suffix.lower() not in _IMAGE_SUFFIXES:
            self.fail(f'<img src="{src}">: give the absolute path of a PNG or JPEG file')
        if not path.is_file():
            self.fail(f'<img src="{src}">: no such file')
        self.close_paragraph()
        self.emit(Image(path, values.get("alt", ""), self.classes() + classes))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if tag not in ALLOWED_TAGS:
            self.fail(f"</{tag}> is not allowed in a letter template")
        if not self.open_tags or self.open_tags[-1][0] != tag:
            expected = f"</{self.open_tags[-1][0]}>" if self.open_tags else "nothing"
            self.fail(f"</{tag}> does not close an open <{tag}> (expected {expected})")
        if tag in _BLOCKS or tag in ("li", "div", "ul", "ol", "td", "th"):
            self.close_paragraph()
        self.open_tags.pop()
        if tag in ("ul", "ol"):
            self.lists.pop()
        elif tag == "strong":
            self.bold -= 1
        elif tag == "em":
            self.italic -= 1
        elif tag == "a":
            self.href = None
        elif tag in ("td", "th"):
            self.cell = None
        elif tag == "thead":
            self.thead = False
        elif tag == "table":
            table, self.table = self.table, None
            if table is not None and table.rows:
                self.emit(table)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        text = xml_safe(data)
        if not text:
            return
        if self.paragraph is None:
            if not text.strip():
                return
            where = self.structural()
            if where in ("table", "thead", "tbody", "tr"):
                self.fail("text in a table outside a cell")
            if where in ("ul", "ol"):
                self.fail("text in a list outside <li>")
        self.ensure_paragraph().runs.append(
            Run(text, bold=self.bold > 0, italic=self.italic > 0, href=self.href)
        )

    def handle_decl(self, decl: str) -> None:
        self.fail(f"<!{decl}> does not belong in a fragment")

    def handle_pi(self, data: str) -> None:
        self.fail("processing instructions do not belong in a fragment")

    def close(self) -> None:
        super().close()
        if self.open_tags:
            self.fail(f"<{self.open_tags[-1][0]}> is never closed")
        self.close_paragraph()


def _collapse(runs: list[Run]) -> list[Run]:
    """HTML whitespace rules: collapse, and trim at the edges and around line breaks."""
    out: list[Run] = []
    after_space = True  # the start of a block counts as a space
    for run in runs:
        if run.line_break:
            _trim_end(out)
            out.append(run)
            after_space = True
            continue
        text = _SPACE.sub(" ", run.text)
        if after_space:
            text = text.lstrip(" ")
        if not text:
            continue
        after_space = text.endswith(" ")
        out.append(Run(text, run.bold, run.italic, run.href))
    _trim_end(out)
    while out and out[-1].line_break:
        out.pop()
    return out


def _trim_end(runs: list[Run]) -> None:
    while runs and not runs[-1].line_break:
        last = runs[-1]
        text = last.text.rstrip(" ")
        if text:
            runs[-1] = Run(text, last.bold, last.italic, last.href)
            return
        runs.pop()


def parse_fragment(fragment: str, *, template: str) -> list[Block]:
    """The blocks of a rendered wording fragment; a :class:`RenderError` naming ``template``.

    Raises:
        RenderError: the fragment uses a tag, attribute or link the letter format does not
            have, or its tags are not properly nested.
    """
    parser = _Parser(template)
    parser.feed(fragment)
    parser.close()
    return parser.blocks


#: Punctuation a missing value leaves behind: "your social worker, ." (a space before a full
#: stop or comma), ", ." and ",," (two marks with nothing between), "()" (empty brackets).
#: A space before a number's decimal point (" .5") is not one.
_DANGLING = re.compile(r"\s[,.;:](?![\d.])|[,;:]\s*[,.;:](?![\d/])|\(\s*\)")


def _paragraphs(blocks: list[Block]) -> list[Paragraph]:
    found: list[Paragraph] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            found.append(block)
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row:
                    found.extend(b for b in cell.blocks if isinstance(b, Paragraph))
    return found


def dangling_punctuation(blocks: list[Block]) -> list[str]:
    """Each stretch of text where a sentence lost a value and kept its punctuation.

    A template that prints "please contact {{ name }}, {{ ways }}." reads "please contact Huw
    Owen, ." when the case has no phone or email: valid HTML, so nothing else catches it.
    ``templates check`` reports every stretch found (about 30 characters around it), so a
    wording change that can leave a gap fails before any letter is sent.
    """
    found: list[str] = []
    for paragraph in _paragraphs(blocks):
        text = paragraph.text.replace("\n", " ")
        for match in _DANGLING.finditer(text):
            start, end = max(0, match.start() - 30), min(len(text), match.end() + 10)
            found.append(text[start:end].strip())
    return list(dict.fromkeys(found))
