"""Render a whole pack: plan → views → render → manifest → audit → publish.

This is the one path every pack takes, whether from ``cpcdocs render`` or a batch worker. The
pack is written to a staging folder beside its destination, audited there, and moved into place
only when complete and clean; a failure at any step leaves any earlier pack untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .authority import Authority, templates_root
from .enclosures import enclosures
from .errors import CpcdocsError, ExitStatus, LeakFound, RenderError
from .kinds import Stage
from .model import Case
from .plan import DocumentKind, PlannedDocument, enclosed_kinds, plan_pack, restrict
from .rules import Profile, withheld_counts, withheld_items
from .stages import StageDate, resolve_stage_dates, today
from .views import DeadlineView, View, build_view
from .workers import can_fork, fork_map

if TYPE_CHECKING:
    from .render import Renderer
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
POST_LIST = "post-list.csv"


@dataclass(frozen=True)
class RenderOptions:
    """Everything besides the case that decides what a pack contains."""

    authority: str | Path | None = None
    templates: str | Path | None = None
    formats: tuple[str, ...] | None = None
    only: tuple[str, ...] | None = None
    recipients: tuple[str, ...] | None = None
    #: ``--date``: the issue date of every stage rendered (checked against each stage's rule).
    issued_on: dt.date | None = None
    #: ``--stage``: only these stages (names); every stage the case is ready for when None.
    stages: tuple[str, ...] | None = None
    #: The day the run takes as today (a batch fixes it once for all its cases); not a date
    #: the letters must carry, so a stage whose time has not come simply waits.
    as_of: dt.date | None = None
    #: Sign every outline plan PDF with the chair's key (``render --sign-key``).
    sign: SignConfig | None = None


@dataclass(frozen=True)
class PackResult:
    """What a render produced."""

    reference: str
    path: Path
    documents: int
    files: int
    #: Each stage's outcome in this run, one line each (issued with its date, or why not).
    stages: tuple[str, ...] = ()
    #: Envelopes new or changed since the pack last published: (stage, recipient id, files,
    #: leaflets enclosed).
    post: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = ()
    #: Published documents no longer in the plan, dropped from the pack.
    dropped: tuple[str, ...] = ()
    #: Documents of an issued stage that changed: re-dated, or kept as published (and why).
    notes: tuple[str, ...] = ()


def issued_date(explicit: dt.date | None = None) -> dt.date:
    """``--date``, else ``SOURCE_DATE_EPOCH``, else today: the day a run takes as "today"."""
    return explicit if explicit is not None else today()


def parse_stages(names: Iterable[str] | None) -> tuple[Stage, ...] | None:
    """``--stage`` values as stages (exit 2 naming the stages for an unknown one)."""
    if not names:
        return None
    out = []
    for name in names:
        try:
            out.append(Stage(name))
        except ValueError:
            msg = f"unknown stage {name!r}; stages are " + ", ".join(s.value for s in Stage)
            raise CpcdocsError(msg, ExitStatus.INVALID_INPUT) from None
    return tuple(out)


def published_manifest(pack_dir: Path) -> dict[str, Any] | None:
    """The manifest of the pack published at ``pack_dir``, or None when there is none."""
    try:
        data = json.loads((pack_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        return None
    return data


def published_dates(manifest: dict[str, Any] | None) -> dict[Stage, dt.date]:
    """The date each stage was first issued, from a published manifest."""
    out: dict[Stage, dt.date] = {}
    stages = (manifest or {}).get("stages")
    if isinstance(stages, dict):
        for name, info in stages.items():
            try:
                out[Stage(name)] = dt.date.fromisoformat(str(info.get("issued_on")))
            except (ValueError, AttributeError):
                continue
    return out


def run_stage_dates(
    case: Case, options: RenderOptions, before: dict[str, Any] | None, case_file: str
) -> dict[Stage, StageDate]:
    """Each stage's outcome for a run with these options: the one resolution every path uses.

    ``--date`` dates the stages being rendered: with ``--only`` or ``--recipient``, only the
    stages of the documents selected (a reprint of a decision letter says nothing about the
    invitations' date).
    """
    explicit_for = None
    if options.issued_on is not None and (options.only or options.recipients):
        explicit_for = frozenset(
            d.stage
            for d in select_documents(case, only=options.only, recipients=options.recipients)
        )
    return resolve_stage_dates(
        case,
        parse_stages(options.stages),
        explicit=options.issued_on,
        published=published_dates(before),
        on=options.as_of,
        case_file=case_file,
        explicit_for=explicit_for,
    )


def select_documents(
    case: Case,
    *,
    only: Iterable[str] | None = None,
    recipients: Iterable[str] | None = None,
    formats: Iterable[str] | None = None,
    stages: Iterable[Stage] | None = None,
) -> list[PlannedDocument]:
    """The planned documents, narrowed by ``--stage``, ``--only``, ``--recipient``, ``--format``."""
    docs = plan_pack(case)
    if stages is not None:
        wanted_stages = set(stages)
        docs = [d for d in docs if d.stage in wanted_stages]
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
            restrict(d, fmts) for d in docs if (fmts := tuple(f for f in d.formats if f in allowed))
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
    case_bytes: bytes,
    authority: Authority,
    options: RenderOptions,
    issued_on: dt.date | None,
) -> dict[str, str]:
    """The inputs a pack depends on, recorded in its manifest so a batch can skip unchanged ones.

    Covers the case file, the authority profile (and the images beside it), the built-in and
    overriding templates, the cpcdocs version and the options that change output. A stage
    falling due changes the pack even when none of these has changed: the manifest's
    ``recheck_on`` says from when (:func:`recheck_on`).
    """
    authority_hash = hashlib.sha256(authority.model_dump_json(exclude={"base_dir"}).encode())
    for image in (
        authority.logo_path,
        *(authority.resolve(p) for p in authority.signatures.values()),
    ):
        if image is not None and image.is_file():
            authority_hash.update(image.read_bytes())
    templates = _tree_sha256(templates_root())
    if options.templates:
        templates = _sha256((templates + _tree_sha256(Path(options.templates))).encode())
    chosen: dict[str, Any] = {
        "formats": options.formats,
        "only": options.only,
        "recipients": options.recipients,
        "stages": options.stages,
        "issued_on": issued_on.isoformat() if issued_on else None,
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


def _deadline_views(
    case: Case, authority: Authority, stage: Stage, issued_on: dt.date
) -> dict[str, DeadlineView]:
    """The deadlines a document of ``stage`` issued on ``issued_on`` may quote.

    ``amendments_latest`` is counted from when the family receives this stage's documents, so
    it comes from this stage's real issue date, not from the date the case file expects.
    """
    from .timeline import amendments_latest, deadlines

    clock = Stage.RECORD if stage is Stage.RECORD else Stage.DECISION
    out = {
        key: DeadlineView(key=key, label=d.label, due=d.due)
        for key, d in deadlines(case, authority, clock.value).items()
    }
    if "amendments_latest" in out and stage in (Stage.DECISION, Stage.RECORD):
        label = out["amendments_latest"].label
        due = amendments_latest(case, authority, issued_on)
        out["amendments_latest"] = DeadlineView(key="amendments_latest", label=label, due=due)
    return out


def document_views(
    case: Case,
    authority: Authority,
    issued_on: dt.date | dict[Stage, dt.date],
    docs: Sequence[PlannedDocument] | None = None,
) -> Iterator[tuple[PlannedDocument, View]]:
    """Each planned document with the one view its template may see.

    The single place a document's view is assembled (its stage's date, deadlines, enclosures
    from the full plan), shared by rendering, ``templates check``, the audit and the tests.
    ``issued_on`` is one date for every stage, or each stage's date.
    """
    full_plan = plan_pack(case)
    clocks: dict[tuple[Stage, dt.date], dict[str, DeadlineView]] = {}
    for doc in full_plan if docs is None else docs:
        day = issued_on.get(doc.stage, today()) if isinstance(issued_on, dict) else issued_on
        if (doc.stage, day) not in clocks:
            clocks[(doc.stage, day)] = _deadline_views(case, authority, doc.stage, day)
        deadlines = clocks[(doc.stage, day)]
        yield (
            doc,
            build_view(
                case,
                authority,
                doc.recipient,
                kind=doc.kind.value,
                issued_on=day,
                profile=doc.profile,
                child=doc.child,
                deadlines=deadlines,
                enclosed_kinds=enclosed_kinds(doc, full_plan),
                author=doc.author,
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


def _safe_address(case: Case, doc: PlannedDocument, view: View) -> bool:
    """Flag for mailing staff: this envelope goes to, or this copy shows, a safe address."""
    if _envelope_is_safe(case, doc.recipient.kind, doc.recipient.id):
        return True
    return doc.profile is Profile.PROFESSIONAL and any(
        p.address is not None and p.address.confidential for p in view.people
    )


def _envelope_is_safe(case: Case, kind: str, some_id: str) -> bool:
    """Whether the envelope's address is a safe address (withheld from someone in the case)."""
    if kind == "person":
        return bool(case.person(some_id).withhold_address_from)
    if kind == "child":
        child = case.child(some_id)
        return any(case.person(p).withhold_address_from for p in child.lives_with if p)
    return False


def build_documents(
    case: Case,
    authority: Authority,
    docs: Sequence[PlannedDocument],
    staging: Path,
    renderer: Renderer,
    stage_dates: dict[Stage, dt.date],
    *,
    sign: SignConfig | None = None,
    jobs: int = 1,
    published: dict[str, dict[str, Any]] | None = None,
    published_dir: Path | None = None,
) -> list[dict[str, Any]]:
    """Render every planned document into ``staging``; the manifest's document entries.

    Each document carries its own stage's date. ``content_sha256`` is the hash of the file as
    rendered, before signing: when it equals the published document's, the published file is
    kept byte for byte (a signature is never redone for a document that has not changed).

    ``jobs`` above 1 renders the files in that many forked processes (:func:`_render_all`).
    Signing happens here, in this process, after the workers have returned the bytes. The key
    is loaded (and checked to be the chair's) before anything is rendered.
    """
    plan_signer = None
    if sign is not None and any(d.spec.signed and "pdf" in d.formats for d in docs):
        from .sign import plan_signer_for

        plan_signer = plan_signer_for(sign, case, authority)
    published = published or {}
    pairs = list(document_views(case, authority, stage_dates, docs))
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
        rel = f"{doc.folder}/{doc.filename(fmt)}"
        content = _sha256(data)
        before = published.get(rel)
        kept = (
            before is not None
            and before.get("content_sha256") == content
            and published_dir is not None
            and (published_dir / rel).is_file()
        )
        if kept:
            assert published_dir is not None
            data = (published_dir / rel).read_bytes()
        elif plan_signer and doc.spec.signed and fmt == "pdf":
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
        (staging / doc.folder).mkdir(parents=True, exist_ok=True)
        (staging / rel).write_bytes(data)
        entries.append(
            {
                "path": rel,
                "stage": doc.stage.value,
                "kind": doc.kind.value,
                "recipient": doc.recipient.id,
                "recipient_type": doc.recipient.kind,
                "profile": doc.profile.value,
                "children": list(doc.children),
                "child": doc.child,
                "author": doc.author,
                "format": fmt,
                "issued_on": view.issued_on.isoformat(),
                "sha256": _sha256(data),
                "content_sha256": content,
                "withheld": counts[id(doc)],
                "safe_address": _safe_address(case, doc, view),
                "enclosures": list(enclosures(view)),
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


def _render_safely(renderer: Renderer, task: Task) -> Rendered:
    doc, view, fmt = task
    try:
        return Rendered(_render_one(renderer, view, doc, fmt))
    except CpcdocsError as err:
        return Rendered(None, err.message, err)
    except Exception as err:  # a library failure is still a render error for the user
        return Rendered(None, f"{type(err).__name__}: {err}", err)


def _render_all(renderer: Renderer, tasks: list[Task], jobs: int) -> list[Rendered]:
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


_RENDERERS: dict[str, Renderer] = {}


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


def build_pack(
    case_path: str | Path,
    staging: Path,
    options: RenderOptions | None = None,
    *,
    renderer: Renderer | None = None,
    case: Case | None = None,
    authority: Authority | None = None,
    jobs: int = 1,
    published_dir: Path | None = None,
    published: dict[str, Any] | None = None,
    merge: bool = True,
) -> dict[str, Any]:
    """Render the documents of the stages due in this run into ``staging``, and its manifest.

    Stages and their dates are resolved here (:func:`~cpcdocs.stages.resolve_stage_dates`);
    every published document that this run does not render is carried over from
    ``published_dir`` byte for byte, so the staged pack is always the whole pack. Nothing is
    audited or published here: :func:`render_pack` calls :func:`audit_and_publish` next. A
    Dask batch worker has no published files: it is given the published manifest
    (``published``, for the stages' dates) and ``merge=False``, and the client merges
    (:func:`complete_pack`) before its audit. Returns the manifest.
    """
    from .load import load_case, resolve_authority

    options = options or RenderOptions()
    case_path = Path(case_path)
    case = case or load_case(case_path)
    authority = authority or resolve_authority(case, options.authority, case_file=str(case_path))
    before = (
        published
        if published is not None
        else (published_manifest(published_dir) if published_dir else None)
    )
    stage_dates = run_stage_dates(case, options, before, str(case_path))
    issued = {s: d.issued_on for s, d in stage_dates.items() if d.issued and d.issued_on}
    docs = [
        d
        for d in select_documents(
            case, only=options.only, recipients=options.recipients, formats=options.formats
        )
        if d.stage in issued
    ]
    partial = bool(options.only or options.recipients or options.formats or options.stages)
    if partial and not docs:
        msg = (
            f"{case.case.reference}: the selection (--stage/--only/--recipient/--format) "
            "matches no document the case is ready to issue; nothing was rendered"
        )
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
    renderer = renderer or get_renderer(options.templates)
    published_entries = {
        str(e.get("path")): e for e in (before or {}).get("documents", []) if isinstance(e, dict)
    }
    entries = build_documents(
        case,
        authority,
        docs,
        staging,
        renderer,
        issued,
        sign=options.sign,
        jobs=jobs,
        published=published_entries,
        published_dir=published_dir,
    )
    notes = _reissue_changed(
        case,
        authority,
        docs,
        entries,
        stage_dates,
        published_entries,
        published_dir,
        lambda redo, dates: build_documents(
            case, authority, redo, staging, renderer, dates, sign=options.sign, jobs=jobs
        ),
        staging,
    )
    manifest: dict[str, Any] = {
        "case": case.case.reference,
        **fingerprint(case_path.read_bytes(), authority, options, options.issued_on),
        "recheck_on": recheck_on(case, stage_dates),
        "authority": authority.id,
        "stages": {},
        "stage_outcomes": [d.line() for d in stage_dates.values()],
        "notes": notes,
        "documents": entries,
    }
    if not merge:
        write_manifest(staging / MANIFEST, manifest)
        return manifest
    return complete_pack(staging, case, manifest, published_dir, before)


def _reissue_changed(
    case: Case,
    authority: Authority,
    docs: Sequence[PlannedDocument],
    entries: list[dict[str, Any]],
    stage_dates: dict[Stage, StageDate],
    published: dict[str, dict[str, Any]],
    published_dir: Path | None,
    render: Any,
    staging: Path,
) -> list[str]:
    """Date today what changed in a stage already issued; keep what may no longer be re-issued.

    A published stage keeps its first issue date while its documents do not change. A document
    of such a stage that is new, or whose content changed (the case was edited), is a new
    letter: it is dated today when today is still within the stage's date rule. When it is not
    (an invitation changed after the conference), the published copy stays as it was and a
    new one is left out, each with a note: nobody is sent an invitation to a meeting that has
    happened. Entries are updated in place; returns the notes.
    """
    from .stages import DateSource, StageWindow, stage_window

    day = today()
    notes: list[str] = []
    redo: list[PlannedDocument] = []
    by_path = {e["path"]: e for e in entries}
    for doc in docs:
        outcome = stage_dates[doc.stage]
        if outcome.source is not DateSource.PUBLISHED:
            continue
        paths = doc.paths()
        olds = [published.get(p) for p in paths]
        if all(
            o is not None and o.get("content_sha256") == by_path[p]["content_sha256"]
            for p, o in zip(paths, olds, strict=True)
        ):
            continue
        window: StageWindow = stage_window(case, doc.stage)
        too_late = window.latest is not None and day > window.latest
        if not too_late:
            redo.append(doc)
            continue
        for rel, old in zip(paths, olds, strict=True):
            entry = by_path[rel]
            entries.remove(entry)
            target = staging / rel
            if old is not None and published_dir is not None and (published_dir / rel).is_file():
                target.write_bytes((published_dir / rel).read_bytes())
                entries.append(dict(old))
                notes.append(f"{rel}: changed, but not re-issued: {window.latest_event} has passed")
            else:
                target.unlink(missing_ok=True)
                notes.append(f"{rel}: new, but not issued: {window.latest_event} has passed")
    if redo:
        dates = {d.stage: day for d in redo}
        fresh = render(redo, dates)
        fresh_paths = {e["path"] for e in fresh}
        entries[:] = [e for e in entries if e["path"] not in fresh_paths] + fresh
        notes.extend(f"{e['path']}: changed since first issued: dated {day}" for e in fresh)
    return notes


def recheck_on(case: Case, stage_dates: dict[Stage, StageDate]) -> str | None:
    """The first day a stage left waiting in this run falls due (ISO), or None.

    An unchanged case must be rendered again from that day: the nightly batch compares it
    with its own date instead of rendering every case every night.
    """
    from .stages import StageStatus, stage_window

    days = [
        earliest
        for stage, outcome in stage_dates.items()
        if outcome.status is StageStatus.WAITING
        and (earliest := stage_window(case, stage).earliest) is not None
    ]
    return min(days).isoformat() if days else None


def complete_pack(
    staging: Path,
    case: Case,
    manifest: dict[str, Any],
    published_dir: Path | None,
    before: dict[str, Any] | None,
) -> dict[str, Any]:
    """Carry over the published documents this run did not render; write manifest and post list.

    A published document is carried over byte for byte when it is still in the plan; one that
    is not (a person removed from the case) is dropped, and the run says so. The post list
    names every envelope whose files are new or changed since the pack last published.
    """
    planned = {path for d in plan_pack(case) for path in d.paths()}
    rendered = {e["path"] for e in manifest["documents"]}
    dropped: list[str] = []
    for entry in (before or {}).get("documents", []):
        rel = str(entry.get("path", "")) if isinstance(entry, dict) else ""
        if not rel or rel in rendered or published_dir is None:
            continue
        source = published_dir / rel
        if rel not in planned or not source.is_file() or "stage" not in entry:
            dropped.append(rel)
            continue
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        manifest["documents"].append(dict(entry))
    order = {p: i for i, d in enumerate(plan_pack(case)) for p in d.paths()}
    manifest["documents"].sort(key=lambda e: (order.get(e["path"], len(order)), e["path"]))
    stages: dict[str, dict[str, str]] = {}
    first = (before or {}).get("stages") or {}
    for entry in manifest["documents"]:
        name = entry["stage"]
        if name not in stages:
            kept = first.get(name, {}).get("issued_on") if isinstance(first, dict) else None
            stages[name] = {"issued_on": kept or entry["issued_on"]}
    manifest["stages"] = {s.value: stages[s.value] for s in Stage if s.value in stages}
    manifest["dropped"] = dropped
    write_manifest(staging / MANIFEST, manifest)
    old = {
        str(e.get("path")): e.get("sha256")
        for e in (before or {}).get("documents", [])
        if isinstance(e, dict)
    }
    write_post_list(staging / POST_LIST, case, post_list(manifest["documents"], old))
    return manifest


#: One envelope of the post list: stage, recipient id, file names, leaflets enclosed.
Envelope = tuple[str, str, tuple[str, ...], tuple[str, ...]]


def post_list(entries: Sequence[dict[str, Any]], published: dict[str, Any]) -> list[Envelope]:
    """Envelopes with any file new or changed since ``published``, with what goes in them.

    The leaflets are the union, in order, of what each document in the envelope encloses
    (:func:`~cpcdocs.enclosures.enclosures`, the same function the letters' wording uses).
    """
    envelopes: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    changed: set[tuple[str, str]] = set()
    for entry in entries:
        key = (entry["stage"], entry["recipient"])
        files, leaflets = envelopes.setdefault(key, ([], []))
        files.append(entry["path"].rsplit("/", 1)[-1])
        leaflets.extend(t for t in entry.get("enclosures", ()) if t not in leaflets)
        if published.get(entry["path"]) != entry["sha256"]:
            changed.add(key)
    return [
        (s, r, tuple(files), tuple(leaflets))
        for (s, r), (files, leaflets) in envelopes.items()
        if (s, r) in changed
    ]


def envelope_address(case: Case, kind: str, some_id: str) -> tuple[str, ...]:
    """The address lines printed on an envelope: the same as the letter's window address."""
    if kind == "professional":
        pro = case.professional(some_id)
        return (pro.agency, *(pro.address or ()))
    if kind == "person":
        return tuple(case.person(some_id).address or ())
    child = case.child(some_id)
    for carer in child.lives_with:
        person = case.person(carer)
        if person.address:
            return tuple(person.address)
    return ()


def write_post_list(path: Path, case: Case, envelopes: Sequence[Envelope]) -> None:
    """``post-list.csv``: stage, recipient, name, address lines, safe-address flag, files.

    Plus ``enclosures``: the leaflets to put in the envelope, separated by ``;``.
    """
    import csv
    import io

    from .rules import recipient_of

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["stage", "recipient", "name", "address", "safe_address", "files", "enclosures"]
    )
    for stage, recipient, files, leaflets in envelopes:
        kind = recipient_of(case, recipient).kind
        safe = _envelope_is_safe(case, kind, recipient)
        writer.writerow(
            [
                stage,
                recipient,
                case.name_of(recipient),
                "\n".join(envelope_address(case, kind, recipient)),
                "yes" if safe else "no",
                " ".join(files),
                "; ".join(leaflets),
            ]
        )
    path.write_text(buffer.getvalue(), encoding="utf-8")


def read_post_list(pack_dir: Path) -> list[Envelope]:
    """The post list of a published pack, as (stage, recipient, files, leaflets)."""
    import csv

    try:
        with (pack_dir / POST_LIST).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError:
        return []
    return [
        (
            r["stage"],
            r["recipient"],
            tuple(r["files"].split()),
            tuple(t for t in r.get("enclosures", "").split("; ") if t),
        )
        for r in rows
    ]


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
    renderer: Renderer | None = None,
    recover: bool = True,
    jobs: int = 1,
) -> PackResult:
    """Render the stages due, audit the whole pack and publish it atomically.

    Documents this run does not render (other stages, or outside ``--only``/``--recipient``)
    are carried over from the published pack byte for byte; the whole pack is audited before
    it replaces the old one. Raises :class:`~cpcdocs.errors.InvalidInput` (2), an input error
    (2), :class:`LeakFound` (3) or :class:`RenderError` (4); in every failure nothing is
    published and an earlier pack for the case stays as it was. ``recover=False`` is for a
    batch, which holds the OUT lock and has already cleaned up after any crashed run.
    """
    from .load import load_case, resolve_authority
    from .publish import discard, stage
    from .publish import recover as recover_out

    options = options or RenderOptions()
    case_path = Path(case_path)
    case = load_case(case_path)
    authority = resolve_authority(case, options.authority, case_file=str(case_path))
    renderer = renderer or get_renderer(options.templates)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if recover:
        recover_out(out)
    reference = case.case.reference
    target = out / reference
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
            published_dir=target if target.is_dir() else None,
        )
        audit_and_publish(staging, out, case, authority, jobs=jobs)
    except BaseException:
        discard(staging)
        raise
    documents = {
        (e["kind"], e["recipient"], e.get("child"), e.get("author")) for e in manifest["documents"]
    }
    return PackResult(
        reference,
        target,
        len(documents),
        len(manifest["documents"]),
        tuple(manifest.get("stage_outcomes", ())),
        tuple(read_post_list(target)),
        tuple(manifest.get("dropped", ())),
        tuple(manifest.get("notes", ())),
    )


def dry_run_lines(case_path: str | Path, out_dir: str | Path, options: RenderOptions) -> list[str]:
    """What ``render --dry-run`` prints: each stage's outcome, then every file a run would write.

    Resolved exactly as a real run resolves them (the published pack's dates included), so the
    dry run cannot disagree with the run.
    """
    from .load import load_case

    case = load_case(case_path)
    reference = case.case.reference
    before = published_manifest(Path(out_dir) / reference)
    stage_dates = run_stage_dates(case, options, before, str(case_path))
    lines = [f"{reference}: {d.line()}" for d in stage_dates.values()]
    issued = {s for s, d in stage_dates.items() if d.issued}
    for doc in select_documents(
        case, only=options.only, recipients=options.recipients, formats=options.formats
    ):
        if doc.stage not in issued:
            continue
        for rel in doc.paths():
            lines.append(
                f"{reference}/{rel}  {doc.kind.value}  {doc.recipient.id}  {doc.profile.value}"
            )
    return lines


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
