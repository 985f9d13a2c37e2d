"""Render a whole pack: plan → views → render → manifest → audit → publish.

This is the one path every pack takes, whether from ``cpcdocs render`` or a batch worker. The
pack is written to a staging folder beside its destination, audited there, and moved into place
only when complete and clean; a failure at any step leaves any earlier pack untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .authority import Authority, templates_root
from .errors import CpcdocsError, ExitStatus, LeakFound, RenderError
from .model import Case
from .plan import DocumentKind, PlannedDocument, enclosed_kinds, plan_pack
from .views import DeadlineView, Profile, View, build_view, withheld_counts, withheld_items
from .workers import can_fork, fork_map

if TYPE_CHECKING:
    from .sign import SignConfig

__all__ = [
    "PackResult",
    "RenderOptions",
    "audit_and_publish",
    "build_pack",
    "fingerprint",
    "issued_date",
    "render_pack",
    "select_documents",
]

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class RenderOptions:
    """Everything besides the case that decides what a pack contains."""

    authority: str | Path | None = None
    templates: str | Path | None = None
    formats: tuple[str, ...] | None = None
    only: tuple[str, ...] | None = None
    recipients: tuple[str, ...] | None = None
    issued_on: dt.date | None = None
    #: Sign every outline plan PDF with the chair's key (``render --sign-key``).
    sign: SignConfig | None = None


@dataclass(frozen=True)
class PackResult:
    """What a render produced."""

    reference: str
    path: Path
    documents: int
    files: int


def issued_date(explicit: dt.date | None = None) -> dt.date:
    """The date letters carry: ``--date``, else ``SOURCE_DATE_EPOCH``, else today.

    It is an input like any other, recorded in the manifest, so re-rendering with the same
    inputs gives byte-identical files.
    """
    if explicit is not None:
        return explicit
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def select_documents(
    case: Case,
    *,
    only: Iterable[str] | None = None,
    recipients: Iterable[str] | None = None,
    formats: Iterable[str] | None = None,
) -> list[PlannedDocument]:
    """The planned documents, narrowed by ``--only``, ``--recipient`` and ``--format``."""
    docs = plan_pack(case)
    if only:
        kinds = set(only)
        unknown = kinds - {k.value for k in DocumentKind}
        if unknown:
            msg = f"unknown document kind {sorted(unknown)[0]!r}; kinds are " + ", ".join(
                k.value for k in DocumentKind
            )
            raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
        docs = [d for d in docs if d.kind.value in kinds]
    if recipients:
        wanted = set(recipients)
        unknown = wanted - case.all_ids()
        if unknown:
            msg = f"no recipient has id {sorted(unknown)[0]!r}"
            raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
        docs = [d for d in docs if d.recipient.id in wanted]
    if formats:
        allowed = set(formats)
        bad = allowed - {"pdf", "docx"}
        if bad:
            msg = f"unknown format {sorted(bad)[0]!r}; formats are pdf, docx"
            raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
        docs = [
            PlannedDocument(d.kind, d.recipient, d.profile, fmts, d.children, d.child)
            for d in docs
            if (fmts := tuple(f for f in d.formats if f in allowed))
        ]
    return docs


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree_sha256(root: Path) -> str:
    """A hash of every file under ``root`` (names and contents), for change detection."""
    digest = hashlib.sha256()
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(root)).encode())
            digest.update(b"\0")
            digest.update(_sha256(path.read_bytes()).encode())
    return digest.hexdigest()


def fingerprint(
    case_bytes: bytes, authority: Authority, options: RenderOptions, issued_on: dt.date
) -> dict[str, str]:
    """The inputs a pack depends on, recorded in its manifest so a batch can skip unchanged ones.

    Covers the case file, the authority profile (and the images beside it), the built-in and
    overriding templates, the cpcdocs version and the options that change output.
    """
    authority_hash = hashlib.sha256(authority.model_dump_json(exclude={"base_dir"}).encode())
    for image in (
        authority.logo_path,
        *(authority.resolve(p) for p in authority.signatures.values()),
    ):
        if image is not None:
            authority_hash.update(image.read_bytes())
    templates = _tree_sha256(templates_root())
    if options.templates:
        templates = _sha256((templates + _tree_sha256(Path(options.templates))).encode())
    chosen: dict[str, Any] = {
        "formats": options.formats,
        "only": options.only,
        "recipients": options.recipients,
        "issued_on": issued_on.isoformat(),
    }
    if options.sign is not None:  # an unsigned pack is not the same pack as a signed one
        chosen["signing_key_sha256"] = options.sign.key_fingerprint()
    selection = json.dumps(chosen, sort_keys=True)
    return {
        "input_sha256": _sha256(case_bytes),
        "authority_sha256": authority_hash.hexdigest(),
        "templates_sha256": templates,
        "generator": f"cpcdocs {__version__}",
        "options_sha256": _sha256(selection.encode()),
    }


def _deadline_views(case: Case, authority: Authority) -> dict[str, DeadlineView]:
    from .timeline import deadlines

    return {
        key: DeadlineView(key=key, label=d.label, due=d.due)
        for key, d in deadlines(case, authority).items()
    }


def document_views(
    case: Case,
    authority: Authority,
    issued_on: dt.date,
    docs: Sequence[PlannedDocument] | None = None,
) -> Iterator[tuple[PlannedDocument, View]]:
    """Each planned document with the one view its template may see.

    The single place a document's view is assembled (deadlines, enclosures from the full plan),
    shared by rendering, ``templates check`` and the tests.
    """
    deadlines = _deadline_views(case, authority)
    full_plan = plan_pack(case)
    for doc in full_plan if docs is None else docs:
        yield (
            doc,
            build_view(
                case,
                authority,
                doc.recipient,
                kind=doc.kind.value,
                issued_on=issued_on,
                profile=doc.profile,
                child=doc.child,
                deadlines=deadlines,
                enclosed_kinds=enclosed_kinds(doc, full_plan),
            ),
        )


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


def _render_one(renderer: Any, view: View, doc: PlannedDocument, fmt: str) -> bytes:
    if fmt == "docx" and doc.kind is DocumentKind.REPORT_PROFORMA:
        return renderer.render_docx_template("report_proforma.docx", {"view": view})
    if fmt == "docx" and doc.kind is DocumentKind.CHILD_REPORT:
        return renderer.render_docx_template("child_report.docx", {"view": view})
    if fmt == "pdf":
        return renderer.render_pdf(view, metadata=_metadata(view, doc))
    return renderer.render_docx(view)


def _safe_address(case: Case, doc: PlannedDocument, view: View) -> bool:
    """Flag for mailing staff: this envelope goes to, or this copy shows, a safe address."""
    if doc.recipient.kind == "person" and case.person(doc.recipient.id).withhold_address_from:
        return True
    return doc.profile is Profile.PROFESSIONAL and any(
        p.address is not None and p.address.confidential for p in view.people
    )


def build_documents(
    case: Case,
    authority: Authority,
    docs: Sequence[PlannedDocument],
    staging: Path,
    renderer: Any,
    issued_on: dt.date,
    *,
    sign: SignConfig | None = None,
    jobs: int = 1,
) -> list[dict[str, Any]]:
    """Render every planned document into ``staging``; the manifest's document entries.

    ``jobs`` above 1 renders the files in that many forked processes (:func:`_render_all`).
    Signing happens here, in this process, after the workers have returned the bytes.

    With ``sign``, each outline plan PDF is signed right after rendering, so the manifest
    hash and the audit are of the signed file. The key is loaded (and checked to be the
    chair's) before anything is rendered.
    """
    plan_signer = None
    if sign is not None and any(
        d.kind is DocumentKind.OUTLINE_PLAN and "pdf" in d.formats for d in docs
    ):
        from .sign import plan_signer_for

        plan_signer = plan_signer_for(sign, case, authority)
    pairs = list(document_views(case, authority, issued_on, docs))
    tasks = [(doc, view, fmt) for doc, view in pairs for fmt in doc.formats]
    rendered = _render_all(renderer, tasks, jobs)
    entries: list[dict[str, Any]] = []
    counts: dict[int, dict[str, int]] = {}
    for (doc, view, fmt), outcome in zip(tasks, rendered, strict=False):
        where = f"{case.case.reference}: {doc.kind.value} for {doc.recipient.id} ({fmt})"
        data = outcome.data
        if data is None:
            msg = f"{where}: {outcome.error}"
            raise RenderError(msg) from outcome.exception
        if plan_signer and doc.kind is DocumentKind.OUTLINE_PLAN and fmt == "pdf":
            try:
                data = plan_signer.sign(data)
            except CpcdocsError as err:
                msg = f"{where}: {err.message}"
                raise RenderError(msg) from err
            except Exception as err:  # a library failure is still a render error for the user
                msg = f"{where}: {type(err).__name__}: {err}"
                raise RenderError(msg) from err
        if id(doc) not in counts:
            counts[id(doc)] = withheld_counts(
                withheld_items(case, authority, doc.recipient, doc.profile, doc.child)
            )
        folder = staging / doc.folder
        folder.mkdir(parents=True, exist_ok=True)
        rel = f"{doc.folder}/{doc.filename(fmt)}"
        (staging / rel).write_bytes(data)
        entries.append(
            {
                "path": rel,
                "kind": doc.kind.value,
                "recipient": doc.recipient.id,
                "recipient_type": doc.recipient.kind,
                "profile": doc.profile.value,
                "children": list(doc.children),
                "child": doc.child,
                "format": fmt,
                "sha256": _sha256(data),
                "withheld": counts[id(doc)],
                "safe_address": _safe_address(case, doc, view),
            }
        )
    return entries


# -- rendering a pack's files, in this process or in forked workers --------------------------------

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


def _render_safely(renderer: Any, task: Task) -> Rendered:
    doc, view, fmt = task
    try:
        return Rendered(_render_one(renderer, view, doc, fmt))
    except CpcdocsError as err:
        return Rendered(None, err.message, err)
    except Exception as err:  # a library failure is still a render error for the user
        return Rendered(None, f"{type(err).__name__}: {err}", err)


def _render_all(renderer: Any, tasks: list[Task], jobs: int) -> list[Rendered]:
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


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """The manifest, with stable key order so identical packs are identical bytes."""
    path.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")


_RENDERERS: dict[str, Any] = {}


def get_renderer(templates: str | Path | None = None) -> Any:
    """One warm renderer per template folder per process.

    Compiled templates, CSS and fonts are reused across documents and, in a batch worker,
    across cases.
    """
    key = str(Path(templates).resolve()) if templates else ""
    if key not in _RENDERERS:
        from .render import Renderer

        _RENDERERS[key] = Renderer(Path(templates) if templates else None)
    return _RENDERERS[key]


def build_pack(
    case_path: str | Path,
    staging: Path,
    options: RenderOptions | None = None,
    *,
    renderer: Any = None,
    case: Case | None = None,
    authority: Authority | None = None,
    jobs: int = 1,
) -> dict[str, Any]:
    """Render every planned document of one case into ``staging`` and write its manifest.

    Nothing is audited or published here. :func:`render_pack` builds into its staging folder
    beside OUT and then calls :func:`audit_and_publish`; a Dask batch worker builds into a
    private folder and returns the files to the batch client, which audits and publishes them
    (:func:`cpcdocs.batch.publish_files`), so the audit gate is always on the publishing side.
    ``jobs`` processes render the files (see :func:`build_documents`). Returns the manifest.
    """
    from .load import load_case, resolve_authority

    options = options or RenderOptions()
    case_path = Path(case_path)
    case = case or load_case(case_path)
    authority = authority or resolve_authority(case, options.authority, case_file=str(case_path))
    docs = select_documents(
        case, only=options.only, recipients=options.recipients, formats=options.formats
    )
    issued_on = issued_date(options.issued_on)
    renderer = renderer or get_renderer(options.templates)
    entries = build_documents(
        case, authority, docs, staging, renderer, issued_on, sign=options.sign, jobs=jobs
    )
    manifest = {
        "case": case.case.reference,
        **fingerprint(case_path.read_bytes(), authority, options, issued_on),
        "authority": authority.id,
        "issued_on": issued_on.isoformat(),
        "documents": entries,
    }
    write_manifest(staging / MANIFEST, manifest)
    return manifest


def audit_and_publish(
    staging: Path, out: Path, case: Case, authority: Authority, *, jobs: int = 1
) -> None:
    """The audit gate, then the atomic move of a staged pack to ``out/<reference>``.

    ``jobs`` processes read and search the files (see :func:`~cpcdocs.audit.audit_pack`).

    Raises :class:`LeakFound` or :class:`RenderError` and publishes nothing when the audit finds
    anything; the caller discards the staging folder.
    """
    from .audit import audit_pack
    from .publish import publish

    reference = case.case.reference
    report = audit_pack(staging, case, authority, jobs=jobs)
    if report.leaked:
        raise LeakFound(
            f"{reference}: the audit found withheld information in the rendered pack; "
            "nothing was published.\n" + report.format_text()
        )
    if not report.clean:
        raise RenderError(
            f"{reference}: the staged pack failed its integrity audit; nothing was "
            "published.\n" + report.format_text()
        )
    publish(staging, out, reference)


def render_pack(
    case_path: str | Path,
    out_dir: str | Path,
    options: RenderOptions | None = None,
    *,
    renderer: Any = None,
    recover: bool = True,
    jobs: int = 1,
) -> PackResult:
    """Render, audit and atomically publish the pack for one case file.

    Raises :class:`~cpcdocs.errors.InvalidInput` (2), :class:`LeakFound` (3) or
    :class:`RenderError` (4); in every failure nothing is published and an earlier pack for the
    case stays as it was. ``recover=False`` is for a batch, which holds the OUT lock and has
    already cleaned up after any crashed run: its workers must not clean up each other's
    staging folders while they are being written. ``jobs`` processes render the files (a
    pack's bytes are the same for any number).
    """
    from .load import load_case, resolve_authority
    from .publish import discard, stage
    from .publish import recover as recover_out

    options = options or RenderOptions()
    case_path = Path(case_path)
    case = load_case(case_path)
    authority = resolve_authority(case, options.authority, case_file=str(case_path))
    docs = select_documents(
        case, only=options.only, recipients=options.recipients, formats=options.formats
    )
    renderer = renderer or get_renderer(options.templates)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if recover:
        recover_out(out)
    reference = case.case.reference
    staging = stage(out, reference)
    try:
        manifest = build_pack(
            case_path,
            staging,
            options,
            renderer=renderer,
            case=case,
            authority=authority,
            jobs=jobs,
        )
        audit_and_publish(staging, out, case, authority, jobs=jobs)
    except BaseException:
        discard(staging)
        raise
    return PackResult(reference, out / reference, len(docs), len(manifest["documents"]))


def sample_case_paths() -> list[Path]:
    """The shipped sample cases (inside the installed package, or the repository's samples/)."""
    packaged = Path(__file__).parent / "_samples"
    folder = packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "samples"
    return sorted(folder.glob("*.yaml"))


def check_templates(
    templates: str | Path | None = None, cases: Sequence[str | Path] = ()
) -> list[str]:
    """Every template problem, as ``FILE:LINE: message``, checked against real views.

    Views are built for every planned document of every sample case (and of ``cases``), so a
    template is exercised with each profile, conference type and document kind it will meet.
    """
    from .load import load_case, resolve_authority

    renderer = get_renderer(templates)
    views: list[View] = []
    for path in [*sample_case_paths(), *map(Path, cases)]:
        case = load_case(path)
        authority = resolve_authority(case, case_file=str(path))
        views.extend(view for _, view in document_views(case, authority, issued_date(None)))
    return renderer.check_templates(views)
