"""python-docx's internals: the XML behind its objects, its styles part, its package writer.

Tested with python-docx 1.2 (:data:`GATE`). python-docx's objects (paragraphs, runs, tables,
rows, cells, core properties) keep their XML element in a private ``_element``; the letter
writer edits that XML directly where python-docx has no API (a paragraph's style by id, a
row that must not split, a cell's shading) or where the API is slow (a style looked up by
name walks every style). ``docx.oxml`` (parsing, namespaces, element factory) is documented
only in passing. These have no public alternative, so they are used on any version, after the
warning; where a private name has gone the error names it. Two have fallbacks:

- :func:`styles_part`: without ``DocumentPart._styles_part``, copies do not share their
  template's styles part (slower, the same bytes).
- :func:`package_members`: without ``docx.opc.pkgwriter._ContentTypesItem``, the package is
  saved with python-docx's public ``save`` and read back (slower, the same members).
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from . import Gate

__all__ = [
    "GATE",
    "element",
    "new_element",
    "nsdecls",
    "package_members",
    "parse_xml",
    "qn",
    "styles_part",
]

GATE = Gate("python-docx", "python-docx", ">=1.2,<1.3")
#: The private class of ``docx.opc.pkgwriter`` that writes ``[Content_Types].xml``.
CONTENT_TYPES_WRITER = "_ContentTypesItem"

_NO_FALLBACK = "used anyway (no public alternative)"


def element(proxy: Any) -> Any:
    """The lxml element behind a python-docx object (paragraph, run, table, row, cell, ...)."""
    GATE.supported(f"the XML of its objects is {_NO_FALLBACK}")
    found = getattr(proxy, "_element", None)
    if found is None:
        GATE.missing(f"{type(proxy).__name__}._element", "the document cannot be written")
        msg = f"python-docx {GATE.installed()}: {type(proxy).__name__} has no _element"
        raise AttributeError(msg)
    return found


def parse_xml(xml: str) -> Any:
    """``docx.oxml.parse_xml``: an element of python-docx's own classes from XML text."""
    from docx.oxml import parse_xml as parse

    return parse(xml)


def nsdecls(*prefixes: str) -> str:
    """``docx.oxml.ns.nsdecls``: namespace declarations for these prefixes (``w``, ``r``)."""
    from docx.oxml.ns import nsdecls as declarations

    return str(declarations(*prefixes))


def qn(tag: str) -> str:
    """``docx.oxml.ns.qn``: ``w:p`` as a Clark name, ``{namespace}p``."""
    from docx.oxml.ns import qn as clark

    return str(clark(tag))


def new_element(tag: str) -> Any:
    """``docx.oxml.OxmlElement``: a new, empty element such as ``w:shd``."""
    from docx.oxml import OxmlElement

    return OxmlElement(tag)


def styles_part(document: Any) -> Any | None:
    """The document's styles part, or None where python-docx no longer exposes it privately."""
    fallback = "documents do not share their template's styles part (slower, same bytes)"
    if not GATE.supported(fallback):
        return None
    try:
        return document.part._styles_part
    except AttributeError:
        GATE.missing("DocumentPart._styles_part", fallback)
        return None


def package_members(package: Any, blob: Any = None) -> dict[str, bytes]:
    """Every zip member of a python-docx package by name: what ``Document.save`` would write.

    The same members as python-docx's ``PackageWriter`` (content types, package relationships,
    each part and its relationships), gathered instead of zipped, so that the caller zips once.
    ``blob(part)`` may give a part's bytes (a serialisation it already has); by default the
    part's own. Without the private content-types writer the package is saved and unzipped.
    """
    fallback = "the package is zipped and unzipped once more (slower, same members)"
    parts = list(package.iter_parts())
    content_types = None
    if GATE.supported(fallback):
        from docx.opc import pkgwriter

        writer = getattr(pkgwriter, CONTENT_TYPES_WRITER, None)
        try:
            content_types = writer.from_parts(parts).blob  # type: ignore[union-attr]
        except AttributeError:
            GATE.missing(f"docx.opc.pkgwriter.{CONTENT_TYPES_WRITER}", fallback)
    if content_types is None:
        stream = io.BytesIO()
        package.save(stream)
        with zipfile.ZipFile(stream) as saved:
            return {name: saved.read(name) for name in saved.namelist()}
    members = {"[Content_Types].xml": content_types, "_rels/.rels": package.rels.xml}
    for part in parts:
        members[part.partname.membername] = blob(part) if blob is not None else part.blob
        if len(part.rels):
            members[part.partname.rels_uri.membername] = part.rels.xml
    return members
