"""docxtpl's internals: a template class that does its per-render work once per process.

Tested with docxtpl 0.20 (:data:`GATE`). :func:`template_class` overrides three methods
docxtpl does not document as extension points:

- ``init_docx``, to take a copy of a document parsed once instead of parsing the template
  again (it relies on the ``docx``, ``is_rendered`` and ``template_file`` attributes);
- ``patch_xml``, to remember its output for each distinct part XML (some twenty regular
  expressions over the whole part, the same every time);
- ``resolve_listing``, to skip paragraphs with nothing for it to change.

Outside the tested range, or where those methods are gone, it is plain ``DocxTemplate``:
each document parsed and patched afresh, slower, the same bytes. :func:`open_document`,
:func:`before_saving` and :func:`picture_inline` wrap the undocumented calls the renderer
makes on a template.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from . import Gate

__all__ = ["GATE", "before_saving", "open_document", "picture_inline", "template_class"]

GATE = Gate("docxtpl", "docxtpl", ">=0.20,<0.21")

#: docxtpl's paragraphs, and the characters its ``resolve_listing`` turns into markup.
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)
_LISTING_CHARACTERS = re.compile("[\t\a\n\f]")
_OVERRIDDEN = ("init_docx", "patch_xml", "resolve_listing")


def template_class(fresh_document: Callable[[bytes, bool], Any]) -> type:
    """``DocxTemplate`` whose documents are copies and whose part patching is remembered.

    ``fresh_document(template bytes, share_styles)`` returns the python-docx ``Document`` a
    template starts from. The class has a ``share_styles`` attribute (True by default) the
    caller sets per template before :func:`open_document`.
    """
    from docxtpl import DocxTemplate

    fallback = "each Word document is parsed and patched afresh (slower, same bytes)"
    usable = GATE.supported(fallback)
    if usable:
        for name in _OVERRIDDEN:
            if not callable(getattr(DocxTemplate, name, None)):
                GATE.missing(f"DocxTemplate.{name}", fallback)
                usable = False
                break
    if not usable:

        class PlainTemplate(DocxTemplate):  # type: ignore[misc]
            share_styles = True

        return PlainTemplate

    patched: dict[str, str] = {}

    class CachedTemplate(DocxTemplate):  # type: ignore[misc]
        #: Whether the copy may share the template's styles part (see fresh_document).
        share_styles = True

        def init_docx(self, reload: bool = True) -> None:
            # docxtpl's own, with the parse replaced by a copy
            state: Mapping[str, Any] = vars(self)
            if not state["docx"] or (state["is_rendered"] and reload):
                self.docx = fresh_document(self.template_file.getvalue(), self.share_styles)
                self.is_rendered = False

        def resolve_listing(self, xml: str) -> str:
            # docxtpl's own, run only where it can change something: it turns tabs, line
            # feeds, form feeds and BELs in the text into Word markup, and over a part with
            # none of them its three nested regular expressions rebuild the same string.
            # Applied to one paragraph at a time it gives what it gives over the whole part.
            if not _LISTING_CHARACTERS.search(xml):
                return xml
            resolve = super().resolve_listing
            return _PARAGRAPH.sub(
                lambda m: (
                    resolve(m.group(0)) if _LISTING_CHARACTERS.search(m.group(0)) else m.group(0)
                ),
                xml,
            )

        def patch_xml(self, src_xml: str) -> str:
            out = patched.get(src_xml)
            if out is None:
                if len(patched) > 256:
                    patched.clear()
                out = patched[src_xml] = super().patch_xml(src_xml)
            return out

    return CachedTemplate


def open_document(template: Any) -> Any:
    """The template's python-docx document, loaded now (before rendering, to edit its styles)."""
    template.init_docx()
    return template.docx


def before_saving(template: Any) -> None:
    """Run docxtpl's picture replacement (``replace_pic``), as ``save`` would; for overrides."""
    step = getattr(template, "pre_processing", None)
    if step is None:
        GATE.missing("DocxTemplate.pre_processing", "replace_pic in a template does nothing")
        return
    step()


def picture_inline(template: Any, path: str, width: Any, height: Any) -> Any:
    """A picture's ``<wp:inline>`` in the part being rendered, as docxtpl's InlineImage makes."""
    return template.current_rendering_part.new_pic_inline(path, width, height)
