"""Rendering a pack's files, in this process or in forked workers.

:func:`get_renderer` keeps one warm renderer per template folder per process; a document's file
is rendered by :func:`_render_one` (PDF, generated DOCX, Word template or returnable form), and
:func:`render_all` renders a list of them, forking workers when there are enough to repay it.
A failure comes back as a :class:`Rendered` carrying a message safe to show the user, so the
caller (:func:`cpcdocs.pack.build_documents`) names the document in the error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import caches
from .errors import CpcdocsError
from .plan import PlannedDocument
from .views import View
from .workers import can_fork, fork_map

if TYPE_CHECKING:
    from .render import Renderer

__all__ = ["Rendered", "Task", "get_renderer"]


def _metadata(view: View, doc: PlannedDocument) -> dict[str, Any]:
    """PDF/DOCX document properties: the title and the authority, never a child's name."""
    return {
        "title": f"{view.title} ({view.reference})",
        "author": view.authority.name,
        "subject": f"{doc.kind.value} for {doc.recipient.id}",
        "keywords": [view.reference, doc.kind.value, view.authority.marking],
        "created": view.issued_on,
        "lang": view.language,
    }


def _render_one(renderer: Renderer, view: View, doc: PlannedDocument, fmt: str) -> bytes:
    word = doc.spec.word_template
    if fmt == "docx" and word is not None and doc.spec.returnable:
        from .forms import render_form

        return render_form(renderer, view)
    if fmt == "docx" and word is not None:
        return renderer.render_docx_template(word, {"view": view})
    if fmt == "pdf":
        return renderer.render_pdf(view, metadata=_metadata(view, doc))
    return renderer.render_docx(view)


#: A document to render: (planned document, its view, format).
Task = tuple[PlannedDocument, View, str]


#: Below this many files a pool costs more than it saves (forking, and each worker compiling
#: the templates it meets for the first time).
_PARALLEL_FROM = 8


@dataclass(frozen=True)
class Rendered:
    """One file's bytes, or why it could not be rendered (a message safe to show the user)."""

    data: bytes | None
    error: str = ""
    exception: BaseException | None = None


def _render_safely(renderer: Renderer, task: Task) -> Rendered:
    doc, view, fmt = task
    try:
        return Rendered(_render_one(renderer, view, doc, fmt))
    except CpcdocsError as err:
        return Rendered(None, err.message, err)
    except Exception as err:  # a library failure is still a render error for the user
        return Rendered(None, f"{type(err).__name__}: {err}", err)


def render_all(renderer: Renderer, tasks: list[Task], jobs: int) -> list[Rendered]:
    """Every task's bytes, in order, from ``jobs`` processes (:func:`~cpcdocs.workers.fork_map`).

    The renderer is warmed first, so that forked workers start with WeasyPrint loaded and the
    templates compiled. A file's bytes do not depend on which process rendered it. In one
    process, the first failure stops the pack (nothing of it will be published anyway).
    """
    if jobs > 1 and len(tasks) >= _PARALLEL_FROM and can_fork():
        try:
            renderer.warm(
                (view.kind for _, view, _ in tasks), pdf=any(f == "pdf" for _, _, f in tasks)
            )
        except Exception:  # reported against the document that meets it, below
            jobs = 1
        else:
            return fork_map(lambda task: _picklable(_render_safely(renderer, task)), tasks, jobs)
    out: list[Rendered] = []
    for task in tasks:
        out.append(_render_safely(renderer, task))
        if out[-1].data is None:
            break
    return out


def _picklable(outcome: Rendered) -> Rendered:
    """Without the exception, which may not pickle on its way back from a worker."""
    return Rendered(outcome.data, outcome.error) if outcome.exception else outcome


_RENDERERS: dict[str, Renderer] = caches.owned("render_pool: renderers", {})


def get_renderer(templates: str | Path | None = None) -> Renderer:
    """One warm renderer per template folder per process.

    Compiled templates, CSS and fonts are reused across documents and, in a batch worker,
    across cases.
    """
    key = str(Path(templates).resolve()) if templates else ""
    if key not in _RENDERERS:
        from .render import Renderer

        _RENDERERS[key] = Renderer(Path(templates) if templates else None)
    return _RENDERERS[key]
