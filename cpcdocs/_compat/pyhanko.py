"""pyHanko's internals: keeping the PDF's metadata as written, and drawing our own stamp.

Tested with pyHanko 0.38 (:data:`GATE`). Two private methods are overridden:

- ``IncrementalPdfFileWriter._update_meta``, so that signing leaves ``/Info`` and the XMP
  packet as the renderer wrote them (pyHanko regenerates XMP from what it understands and
  appends itself to ``/Producer``; either puts a PDF/A declaration at risk). Fallback: the
  plain writer, whose signatures are as valid.
- ``BaseStamp._render_inner_content``, so that the widget's lines are drawn as glyph outlines
  (no font to embed, which PDF/A would want), and ``TextStampStyle.create_stamp``, so that
  pyHanko hands the stamp the signing time it puts in the signature. Fallback: pyHanko's own
  text stamp with the same lines.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any

from . import Gate

__all__ = ["GATE", "metadata_keeping_writer", "outline_stamp_style"]

GATE = Gate("pyHanko", "pyhanko", ">=0.38,<0.39")

#: Draws a stamp's inner content: (width, height, pyHanko's text parameters) to PDF operators.
Draw = Callable[[float, float, Mapping[str, Any]], list[bytes]]


def metadata_keeping_writer(pdf: bytes) -> Any:
    """An incremental writer over ``pdf`` that leaves ``/Info`` and the XMP packet alone."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    fallback = "signing may rewrite the PDF's XMP metadata and /Producer"
    if not GATE.supported(fallback):
        return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    if not callable(getattr(IncrementalPdfFileWriter, "_update_meta", None)):
        GATE.missing("IncrementalPdfFileWriter._update_meta", fallback)
        return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)

    class KeepMetadata(IncrementalPdfFileWriter):
        def _update_meta(self) -> None:
            return None

    return KeepMetadata(io.BytesIO(pdf), strict=False)


def outline_stamp_style(draw: Draw, fallback_text: str, **style: Any) -> Any:
    """A ``TextStampStyle`` whose stamps ``draw`` their own content; ``style`` is its options.

    ``draw`` gets the box's width and height and pyHanko's text parameters (``signer_cn``,
    and ``ts``, the signing time pyHanko records). The result is compressed: glyph outlines
    are verbose. Outside the tested range, pyHanko's own text stamp with ``fallback_text``
    (a ``TextStampStyle`` template, e.g. ``"Signed by %(signer_cn)s\\n%(ts)s"``).
    """
    from pyhanko.stamp import TextStampStyle
    from pyhanko.stamp.base import BaseStamp

    fallback = "the signature widget is pyHanko's plain text stamp"
    if not GATE.supported(fallback):
        return TextStampStyle(stamp_text=fallback_text, **style)
    for owner, name in ((BaseStamp, "_render_inner_content"), (TextStampStyle, "create_stamp")):
        if not callable(getattr(owner, name, None)):
            GATE.missing(f"{owner.__name__}.{name}", fallback)
            return TextStampStyle(stamp_text=fallback_text, **style)

    class OutlineStamp(BaseStamp):
        def __init__(self, writer: Any, style: Any, box: Any, params: dict[str, Any]) -> None:
            super().__init__(writer=writer, style=style, box=box)
            self.params = params

        def as_form_xobject(self) -> Any:
            # Outlines are verbose; compressed, the widget adds a few kilobytes, not seventy.
            xobject = super().as_form_xobject()
            xobject.compress()
            return xobject

        def _render_inner_content(self) -> list[bytes]:
            return draw(self.box.width, self.box.height, self.params)

    class OutlineStampStyle(TextStampStyle):
        def create_stamp(self, writer: Any, box: Any, text_params: dict[str, Any]) -> Any:
            return OutlineStamp(writer, self, box, text_params)

    return OutlineStampStyle(**style)
