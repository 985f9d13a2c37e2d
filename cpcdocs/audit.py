"""Audit stage: prove, file by file, that a rendered pack holds nothing its readers may not see.

The views (:mod:`cpcdocs.views`) are the first line of defence: a template is never handed what
its reader may not see, so no template can print it. The audit is the second line, aimed at the
one way a leak could still happen: a bug in the code that builds views or renders them. It
trusts only two things, the rules (:func:`~cpcdocs.views.withheld_items`, the same single
source of visibility the views use) and the plan (:func:`~cpcdocs.plan.plan_pack`), and
re-reads every file as a reader's tools would (:mod:`cpcdocs.extract`).

For every file it:

1. works out who really receives it: the recipient whose folder (envelope) it sits in;
2. rebuilds what that reader may not see for that kind of document (and that child);
3. extracts every recoverable piece of text, normalises it (:func:`normalise`) and searches it
   in one pass for every withheld value in every written form (:mod:`cpcdocs.search`): address
   lines, street and postcode, names and dates of birth, phone numbers and e-mail addresses,
   and each withheld text's whole text, distinctive phrases and distinctive words. A needle is
   excused only by what the reader may legitimately see: the letters' own wording and the
   structured values of their view, never free text (a single distinctive word also by the
   reader's visible free text);
4. checks the file against the manifest (listed, present, same SHA-256) and the manifest
   against the plan (this recipient should get this kind of document, with this profile).

Findings name the document, recipient, rule and item id, never the value found: audit output
ends up in logs, tickets and e-mails.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from . import search as _search
from . import views
from .authority import Authority
from .errors import CpcdocsError, ExitStatus
from .kinds import Stage, parse_filename
from .model import Case
from .plan import PER_CHILD, PlannedDocument, plan_pack
from .quote_check import ReaderItems
from .rules import Recipient, WithheldItem, profile_for, withheld_items
from .search import (  # noqa: F401 - re-exported: the names callers and tests know
    _HAYSTACKS,
    _RECURRING_TEXT,
    Excuse,
    Hidden,
    SearchPlan,
    _make_haystack,
    date_forms,
    haystack,
    normalise,
    parallel_texts,
    value_words,
    view_strings,
)
from .search_plan import NeedleIndex
from .workers import fork_map

__all__ = [
    "RULES_IN_WORDS",
    "AuditReport",
    "DocumentRedactions",
    "Finding",
    "audit_pack",
    "explain_pack",
    "format_explanation",
    "normalise",
    "rule_in_words",
    "view_strings",
]

MANIFEST = "manifest.json"
#: Files at the top of a pack folder that are about the pack, not in any envelope: the
#: manifest, the post list for mailing staff and the chair's review sheet.
BESIDE_PACK = frozenset({MANIFEST, "post-list.csv", "review.html"})

# -- the rules in plain words: cpcdocs.rulewords, re-exported ----------------------------------

from .rulewords import RULES_IN_WORDS, rule_in_words  # noqa: E402

# -- normalisation and the search (cpcdocs.search), re-exported for existing callers ---------

_haystack = haystack
_words = _search.words
_value_words = value_words
_Hidden = Hidden

# -- findings and the report ---------------------------------------------------------------------

#: Finding kinds. Only ``leak`` means withheld information was found (exit 3); every other
#: kind is an integrity problem (exit 1).
LEAK = "leak"
INTEGRITY_KINDS = (
    "bad-manifest",
    "wrong-case",
    "unsafe-path",
    "missing",
    "unlisted",
    "hash-mismatch",
    "wrong-recipient",
    "not-planned",
    "unknown-recipient",
    "unreadable",
)

_MESSAGES = {
    "bad-manifest": "manifest.json is missing or unreadable; files were audited by folder",
    "wrong-case": "the manifest is for another case than --case names",
    "unsafe-path": "the manifest names a path outside the pack",
    "missing": "listed in the manifest but not in the pack",
    "unlisted": "in the pack but not in the manifest",
    "hash-mismatch": "SHA-256 does not match the manifest",
    "wrong-recipient": "the file is in another recipient's folder than the manifest says",
    "not-planned": "the plan gives this recipient no such document (kind, child or profile)",
    "unknown-recipient": "the folder names no one in the case",
    "unreadable": "the file cannot be read, so it cannot be shown to be clean",
}


@dataclass(frozen=True)
class Finding:
    """One problem in a pack: where and which rule, never the value."""

    document: str
    kind: str
    recipient: str | None = None
    rule: str | None = None
    item: str | None = None
    where: str | None = None

    def as_json(self) -> dict[str, str | None]:
        """The JSON shape of ``audit --format json``."""
        return {
            "document": self.document,
            "recipient": self.recipient,
            "rule": self.rule,
            "item": self.item,
            "kind": self.kind,
            "where": self.where,
        }

    def sort_key(self) -> tuple[str, ...]:
        """Document order, then kind, rule and item (``None`` sorts first)."""
        return tuple(v or "" for v in dataclasses.astuple(self))

    def __str__(self) -> str:
        head = f"{self.kind.upper()}  {self.document or '-'}"
        if self.recipient:
            head += f"  recipient={self.recipient}"
        if self.kind == LEAK:
            return f"{head}  rule={self.rule}  item={self.item}  (in {self.where})"
        return f"{head}: {_MESSAGES.get(self.kind, self.kind)}"


@dataclass(frozen=True)
class AuditReport:
    """The audit of one pack folder."""

    pack: Path
    reference: str
    files: int
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def leaked(self) -> bool:
        """Withheld information was found in at least one file."""
        return any(f.kind == LEAK for f in self.findings)

    @property
    def clean(self) -> bool:
        """No leaks and no integrity problems: the only state in which a pack is published."""
        return not self.findings

    @property
    def exit_status(self) -> ExitStatus:
        """3 for any leak (even alongside integrity problems), 1 for integrity only, else 0."""
        if self.leaked:
            return ExitStatus.LEAK
        return ExitStatus.FINDINGS if self.findings else ExitStatus.OK

    def format_text(self) -> str:
        """One line per finding and a summary line; safe to log (ids and rules only)."""
        leaks = sum(f.kind == LEAK for f in self.findings)
        other = len(self.findings) - leaks
        lines = [str(f) for f in self.findings]
        verdict = "clean" if self.clean else f"{leaks} leak(s), {other} integrity problem(s)"
        lines.append(f"{self.reference}: {self.files} files audited: {verdict}")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        """``{"pack", "clean", "findings": [...]}`` for scripts and schedulers."""
        return {
            "pack": str(self.pack),
            "case": self.reference,
            "clean": self.clean,
            "files": self.files,
            "findings": [f.as_json() for f in self.findings],
        }


# -- the audit -----------------------------------------------------------------------------------


def _parse_name(name: str, case: Case) -> tuple[str | None, str | None, str | None]:
    """``<kind>[-<child>[-<author>]].<ext>`` back into (kind, child, author)."""
    found = parse_filename(name, {c.id for c in case.children}, {p.id for p in case.professionals})
    return found if found is not None else (None, None, None)


def _entry_child(entry: Mapping[str, Any], case: Case) -> str | None:
    """A manifest entry's child: its ``child`` key (a cpcdocs addition), else its file name."""
    child = entry.get("child")
    if child is None and entry.get("kind") in {k.value for k in PER_CHILD}:
        _, child, _ = _parse_name(PurePosixPath(str(entry.get("path", ""))).name, case)
    return child if isinstance(child, str) else None


class _Auditor:
    """Shared state for one pack: the plan, the rules' output and each reader's search plan.

    A document comes in two formats and several kinds share a reader, so the search plan (what
    this document's view excuses) is built once per (reader, profile, child, kind), the
    withheld items once per (reader, profile, child) (``readers``, shared with the quote
    check that ran before rendering) and the needle index, with its automaton, once per pack.
    """

    def __init__(
        self,
        case: Case,
        authority: Authority,
        issued_on: dt.date,
        templates_dir: str | Path | None = None,
        readers: ReaderItems | None = None,
    ) -> None:
        self.case = case
        self.readers = readers or ReaderItems(case, authority)
        self._index: NeedleIndex | None = None
        self.authority = authority
        self.issued_on = issued_on
        #: A ``--templates`` folder the pack was rendered with: its wording is the letters' own.
        self.templates_dir = str(Path(templates_dir).resolve()) if templates_dir else None
        self.plan: dict[tuple[str, str, str | None, str | None], PlannedDocument] = {
            d.key: d for d in plan_pack(case)
        }
        self.ids = case.all_ids()
        self._plans: dict[tuple[Any, ...], SearchPlan] = {}
        from .timeline import deadlines

        self._deadline_strings = [
            s for d in deadlines(case, authority).values() for s in (d.label, *date_forms(d.due))
        ]

    def planned(
        self, kind: str | None, recipient: str, child: str | None
    ) -> PlannedDocument | None:
        """The planned document of this kind for this reader and child (any author)."""
        return next(
            (d for k, d in self.plan.items() if k[:3] == (kind or "", recipient, child)), None
        )

    def search_plan(self, recipient: Recipient, kind: str | None, child: str | None) -> SearchPlan:
        """What to look for in one reader's copy of one kind of document.

        A child the case does not know (a file from another case's pack) narrows nothing: the
        file is searched as the reader's letter is, and is an integrity finding anyway.
        """
        if child is not None and all(c.id != child for c in self.case.children):
            child = None
        planned = self.planned(kind, recipient.id, child)
        profile = planned.profile if planned else profile_for(recipient)
        key = (recipient, profile, child, kind)
        if key not in self._plans:
            items, parallel = self.readers.of(recipient, profile, child)
            view = views.build_view(
                self.case,
                self.authority,
                recipient,
                kind=kind or "invitation",
                issued_on=self.issued_on,
                profile=profile,
                child=child,
            )
            excuse = Excuse.of(
                view, items, extra=self._deadline_strings, templates_dir=self.templates_dir
            )
            if self._index is None:
                self._index = self.readers.index(self.plan.values())
            self._plans[key] = SearchPlan(items, excuse, parallel, index=self._index)
        return self._plans[key]

    def leaks(
        self, rel: str, data: bytes, recipient: Recipient, kind: str | None, child: str | None
    ) -> list[Finding]:
        """Leak findings for one file, one per withheld item found (with every place it was)."""
        from .extract import PDF_STRINGS, ExtractionError, extract_bytes

        try:
            chunks = extract_bytes(data, PurePosixPath(rel).suffix.lower().lstrip("."))
        except ExtractionError:
            return [Finding(rel, "unreadable", recipient.id)]
        plan = self.search_plan(recipient, kind, child)
        places: dict[int, list[str]] = {}
        for chunk in chunks:
            bookkeeping = chunk.where.startswith(PDF_STRINGS)
            hay = haystack(chunk.text, wrapped=chunk.wrapped)
            for index in plan.find(hay, numbers=not bookkeeping):
                places.setdefault(index, []).append(chunk.where)
        found: list[Finding] = []
        for index, where in sorted(places.items()):
            item = plan.items[index]
            found.append(
                Finding(
                    rel, LEAK, recipient.id, item.rule, item.item, ", ".join(dict.fromkeys(where))
                )
            )
        return found

    def check_entry(self, entry: Mapping[str, Any], folder: str, stage: str) -> list[Finding]:
        """The manifest entry against the plan and the stage and envelope it sits in."""
        rel = str(entry.get("path", ""))
        findings = []
        recipient = str(entry.get("recipient", ""))
        if recipient != folder or entry.get("stage") != stage:
            findings.append(Finding(rel, "wrong-recipient", folder))
        kind = entry.get("kind")
        child = _entry_child(entry, self.case)
        author = entry.get("author") if isinstance(entry.get("author"), str) else None
        planned = self.plan.get((str(kind), recipient, child, author))
        fmt = PurePosixPath(rel).suffix.lstrip(".")
        if (
            planned is None
            or planned.profile.value != entry.get("profile")
            or rel not in planned.paths()
            or fmt not in planned.formats
        ):
            findings.append(Finding(rel, "not-planned", recipient or folder))
        return findings


def _load_manifest(pack: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((pack / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        return None
    return data


def _inside(pack: Path, rel: str) -> bool:
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        return False
    return (pack / rel).resolve().is_relative_to(pack.resolve())


def audit_pack(
    pack_dir: str | Path,
    case: Case,
    authority: Authority,
    *,
    issued_on: dt.date | None = None,
    jobs: int = 1,
    templates_dir: str | Path | None = None,
    readers: ReaderItems | None = None,
) -> AuditReport:
    """Audit every file of a pack folder for leaks and for agreement with manifest and plan.

    ``templates_dir``: the ``--templates`` folder the pack was rendered with, whose wording is
    the letters' own (never a free-text value's). ``readers``: the withheld items the quote
    check worked out for this case before rendering (:class:`ReaderItems`), reused.

    Every file in a recipient's folder is searched, listed in the manifest or not: an unlisted
    file still goes in that envelope. With no readable manifest, files are audited by folder
    and name alone and the missing manifest is itself a finding.

    ``jobs`` above 1 reads and searches the files in that many forked processes: reading a
    PDF or DOCX back and normalising its text is most of the audit's time. What is searched
    for in each reader's copy is worked out here first, so every worker inherits it.
    """
    pack = Path(pack_dir)
    if not pack.is_dir():
        msg = f"{pack}: not a pack folder"
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
    manifest = _load_manifest(pack)
    findings: list[Finding] = []
    if manifest is None:
        findings.append(Finding(MANIFEST, "bad-manifest"))
    elif manifest.get("case") != case.case.reference:
        findings.append(Finding(MANIFEST, "wrong-case"))
    day = issued_on
    stages = (manifest or {}).get("stages")
    if day is None and isinstance(stages, dict):
        dates = [str(v.get("issued_on")) for v in stages.values() if isinstance(v, Mapping)]
        try:
            day = max(dt.date.fromisoformat(d) for d in dates) if dates else None
        except ValueError:
            day = None
    auditor = _Auditor(case, authority, day or dt.date.today(), templates_dir, readers)

    on_disk = {
        p.relative_to(pack).as_posix()
        for p in pack.rglob("*")
        if (p.is_file() or p.is_symlink()) and p.relative_to(pack).as_posix() not in BESIDE_PACK
    }
    listed: dict[str, Mapping[str, Any]] = {}
    for entry in (manifest or {}).get("documents", []):
        rel = str(entry.get("path", "")) if isinstance(entry, Mapping) else ""
        if not isinstance(entry, Mapping) or not _inside(pack, rel):
            findings.append(Finding(rel or "?", "unsafe-path"))
            continue
        listed[rel] = entry
        if rel not in on_disk:
            findings.append(Finding(rel, "missing", str(entry.get("recipient") or "") or None))

    searches: list[tuple[str, bytes, Recipient, str | None, str | None]] = []
    stage_names = {s.value for s in Stage}
    for rel in sorted(on_disk):
        path = pack / rel
        parts = PurePosixPath(rel).parts
        # <stage>/<recipient>/<file>: the envelope is the recipient folder inside a stage.
        stage = parts[0] if len(parts) == 3 and parts[0] in stage_names else ""
        folder = parts[1] if stage else (parts[0] if len(parts) > 1 else "")
        entry = listed.get(rel)
        if entry is None and manifest is not None:
            findings.append(Finding(rel, "unlisted", folder or None))
        if path.is_symlink() or not path.is_file():
            findings.append(Finding(rel, "unreadable", folder or None))
            continue
        data = path.read_bytes()
        if entry is not None:
            if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
                findings.append(Finding(rel, "hash-mismatch", folder or None))
            findings.extend(auditor.check_entry(entry, folder, stage))
        # The envelope decides the reader: a file is read by whoever's folder it is in.
        reader_id = folder if folder in auditor.ids else None
        if reader_id is None:
            findings.append(Finding(rel, "unknown-recipient", folder or None))
            continue
        kind, child, _ = _parse_name(PurePosixPath(rel).name, case)
        if entry is not None and kind is None:
            kind, child = entry.get("kind"), entry.get("child")
        recipient = views.recipient_of(case, reader_id)
        auditor.search_plan(recipient, kind, child)
        searches.append((rel, data, recipient, kind, child))
    if jobs > 1:
        from .extract import load_readers

        load_readers()
    for found in fork_map(lambda job: auditor.leaks(*job), searches, jobs):
        findings.extend(found)
    return AuditReport(
        pack, case.case.reference, len(on_disk), tuple(sorted(set(findings), key=Finding.sort_key))
    )


# -- explain: the record of every redaction, for the chair and the ICO ---------------------------


@dataclass(frozen=True)
class DocumentRedactions:
    """What one document withheld from its reader, and why (ids and rules, no values)."""

    paths: tuple[str, ...]
    kind: str
    profile: str
    child: str | None
    withheld: tuple[tuple[str, str, str], ...]  # (rule, item id, rule in words)
    manifest_counts: Mapping[str, int] | None = None

    @property
    def counts(self) -> dict[str, int]:
        """Withheld items by rule, as the manifest records them."""
        return views.withheld_counts([WithheldItem(rule, item) for rule, item, _ in self.withheld])


def explain_pack(
    pack_dir: str | Path, case: Case, authority: Authority, recipient_id: str
) -> list[DocumentRedactions]:
    """Every document of ``recipient_id`` in the pack's manifest, with what it withheld and why.

    The reasons are recomputed from the case with the same rules the views used, and set beside
    the manifest's counts, so a case edited since rendering shows up as a difference.
    """
    pack = Path(pack_dir)
    manifest = _load_manifest(pack)
    if manifest is None:
        msg = f"{pack}: no readable {MANIFEST}; is this a pack folder?"
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
    try:
        recipient = views.recipient_of(case, recipient_id)
    except KeyError:
        msg = f"no recipient has id {recipient_id!r} in case {case.case.reference}"
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT) from None
    plan = {d.key: d for d in plan_pack(case)}
    grouped: dict[tuple[str, str | None, str | None], list[Mapping[str, Any]]] = {}
    for entry in manifest["documents"]:
        if isinstance(entry, Mapping) and entry.get("recipient") == recipient_id:
            author = entry.get("author") if isinstance(entry.get("author"), str) else None
            key = (str(entry.get("kind")), _entry_child(entry, case), author)
            grouped.setdefault(key, []).append(entry)
    out = []
    for (kind, child, author), entries in grouped.items():
        planned = plan.get((kind, recipient_id, child, author))
        profile = planned.profile if planned else profile_for(recipient)
        items = withheld_items(case, authority, recipient, profile, child)
        counts = entries[0].get("withheld")
        out.append(
            DocumentRedactions(
                paths=tuple(str(e.get("path")) for e in entries),
                kind=kind,
                profile=profile.value,
                child=child,
                withheld=tuple((i.rule, i.item, rule_in_words(i.rule, profile)) for i in items),
                manifest_counts=counts if isinstance(counts, Mapping) else None,
            )
        )
    return out


def format_explanation(
    reference: str, recipient_id: str, documents: list[DocumentRedactions]
) -> str:
    """The explanation as text: one block per document, one line per withheld item."""
    if not documents:
        return f"{reference}: the pack holds no documents for {recipient_id}"
    lines = [f"{reference}: what was withheld from {recipient_id}, and why"]
    for doc in documents:
        lines.append("")
        child = f", about {doc.child}" if doc.child else ""
        total = len(doc.withheld)
        lines.append(
            f"{', '.join(doc.paths)} ({doc.kind}{child}; {doc.profile} profile): "
            f"{total} item{'s' if total != 1 else ''} withheld"
        )
        by_rule: dict[tuple[str, str], list[str]] = {}
        for rule, item, words in doc.withheld:
            by_rule.setdefault((rule, words), []).append(item)
        for (rule, words), items in by_rule.items():
            lines.append(f"  {rule}: {', '.join(items)}")
            lines.append(f"      {words}")
        if doc.manifest_counts is not None and dict(doc.manifest_counts) != doc.counts:
            lines.append(
                "  note: the manifest's counts differ; the case has changed since this pack "
                "was rendered: re-render before sending"
            )
    return "\n".join(lines)
