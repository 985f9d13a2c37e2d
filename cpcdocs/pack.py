"""Render a whole pack: plan → views → render → manifest → audit → publish.

This is the one path every pack takes, whether from ``cpcdocs render`` or a batch worker. The
pack is written to a staging folder beside its destination, audited there, and moved into place
only when complete and clean; a failure at any step leaves any earlier pack untouched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .authority import Authority
from .enclosures import enclosures
from .errors import CpcdocsError, ExitStatus, LeakFound, RenderError
from .kinds import Stage
from .manifest import (
    MANIFEST,
    complete_pack,
    envelope_is_safe,
    fingerprint,
    published_manifest,
    read_post_list,
    sha256_hex,
    write_manifest,
)
from .model import Case
from .plan import PlannedDocument, enclosed_kinds, plan_pack
from .quote_check import ReaderItems, refuse_quotes
from .render_pool import _metadata as _metadata
from .render_pool import _render_one as _render_one
from .render_pool import get_renderer, render_all
from .rules import Profile, withheld_counts, withheld_items
from .selection import (
    RenderOptions,
    issued_date,
    recheck_on,
    run_stage_dates,
    select_documents,
)
from .stages import StageDate, today
from .views import View, build_view
from .viewtypes import DeadlineView

if TYPE_CHECKING:
    from .render import Renderer
    from .sign import SignConfig

#: Names moved out of this module, still importable from here (``_metadata`` and
#: ``_render_one`` too, for the tests and the benchmark that reach them here).
__all__ = [
    "MANIFEST",
    "PackResult",
    "RenderOptions",
    "audit_and_publish",
    "build_pack",
    "complete_pack",
    "document_views",
    "fingerprint",
    "get_renderer",
    "issued_date",
    "published_manifest",
    "render_pack",
    "select_documents",
]


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


def _safe_address(case: Case, doc: PlannedDocument, view: View) -> bool:
    """Flag for mailing staff: this envelope goes to, or this copy shows, a safe address."""
    if envelope_is_safe(case, doc.recipient.kind, doc.recipient.id):
        return True
    return doc.profile is Profile.PROFESSIONAL and any(
        p.address is not None and p.address.confidential for p in view.people
    )


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

    ``jobs`` above 1 renders the files in that many forked processes
    (:func:`~cpcdocs.render_pool.render_all`). Signing happens here, in this process, after the
    workers have returned the bytes. The key is loaded (and checked to be the chair's) before
    anything is rendered.
    """
    plan_signer = None
    if sign is not None and any(d.spec.signed and "pdf" in d.formats for d in docs):
        from .sign import plan_signer_for

        plan_signer = plan_signer_for(sign, case, authority)
    published = published or {}
    pairs = list(document_views(case, authority, stage_dates, docs))
    tasks = [(doc, view, fmt) for doc, view in pairs for fmt in doc.formats]
    rendered = render_all(renderer, tasks, jobs)
    entries: list[dict[str, Any]] = []
    counts: dict[int, dict[str, int]] = {}
    for (doc, view, fmt), outcome in zip(tasks, rendered, strict=False):
        where = f"{case.case.reference}: {doc.kind.value} for {doc.recipient.id} ({fmt})"
        data = outcome.data
        if data is None:
            msg = f"{where}: {outcome.error}"
            raise RenderError(msg) from outcome.exception
        rel = f"{doc.folder}/{doc.filename(fmt)}"
        content = sha256_hex(data)
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
                "sha256": sha256_hex(data),
                "content_sha256": content,
                "withheld": counts[id(doc)],
                "safe_address": _safe_address(case, doc, view),
                "enclosures": list(enclosures(view)),
            }
        )
    return entries


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
    check_quotes: bool = True,
    readers: ReaderItems | None = None,
) -> dict[str, Any]:
    """Render the documents of the stages due in this run into ``staging``, and its manifest.

    Stages and their dates are resolved here (:func:`~cpcdocs.stages.resolve_stage_dates`);
    every published document that this run does not render is carried over from
    ``published_dir`` byte for byte, so the staged pack is always the whole pack. Nothing is
    audited or published here: :func:`render_pack` calls :func:`audit_and_publish` next. A
    Dask batch worker has no published files: it is given the published manifest
    (``published``, for the stages' dates) and ``merge=False``, and the client merges
    (:func:`~cpcdocs.manifest.complete_pack`) before its audit. ``readers``: the withheld
    items of each reader, worked out by the quote check and kept for the audit. Returns the
    manifest.
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
    if check_quotes:  # the first gate; the mutation tests switch it off to prove the audit
        refuse_quotes(case, authority, docs, issued, options.templates, readers, jobs)
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


def audit_and_publish(
    staging: Path,
    out: Path,
    case: Case,
    authority: Authority,
    *,
    jobs: int = 1,
    templates: str | Path | None = None,
    readers: ReaderItems | None = None,
) -> None:
    """The audit gate, then the atomic move of a staged pack to ``out/<reference>``.

    ``jobs`` processes read and search the files (see :func:`~cpcdocs.audit.audit_pack`);
    ``readers``, the quote check's withheld items, are reused by the audit.

    Raises :class:`LeakFound` or :class:`RenderError` and publishes nothing when the audit finds
    anything; the caller discards the staging folder.
    """
    from .audit import audit_pack
    from .publish import publish

    reference = case.case.reference
    report = audit_pack(
        staging, case, authority, jobs=jobs, templates_dir=templates, readers=readers
    )
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
    readers = ReaderItems(case, authority)
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
            readers=readers,
        )
        audit_and_publish(
            staging, out, case, authority, jobs=jobs, templates=options.templates, readers=readers
        )
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
