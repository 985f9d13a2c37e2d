"""The chair's review sheet: one HTML page to sign a pack off before anything is posted.

``cpcdocs explain`` says, reader by reader, what was withheld and by which rule, naming items by
id so its output is safe to log. The chair, who may see everything, needs more to sign off: who
gets which document in which stage, and *which* sentence each id is. This module writes that
page, ``review.html`` beside ``manifest.json``:

- the distribution, per stage, as a grid: a row per recipient, a column per document (with its
  child and author), each cell the formats sent and the date they were issued;
- for each reader, every withheld item grouped by rule (the rule's id and its words from
  :func:`~cpcdocs.audit.rule_in_words`), each item by its stable id and its first few words,
  with the reader's documents it was kept out of. Addresses and contact details are named by
  their owner only: the page proves they were withheld without repeating them.

The redactions are the ones :func:`~cpcdocs.audit.explain_pack` recomputes from the case with
the same rules the views used, so the sheet and ``explain`` cannot disagree; a case edited since
rendering shows as a warning on the page. The page is self-contained (inline CSS, no script, no
external font or image), so it opens offline and prints cleanly; it sits beside the pack, never
in an envelope, and the audit ignores it (:data:`cpcdocs.audit.BESIDE_PACK`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .audit import MANIFEST, DocumentRedactions, explain_pack
from .authority import Authority
from .errors import CpcdocsError, ExitStatus
from .kinds import KINDS, Stage
from .model import Case

__all__ = [
    "PREVIEW_WORDS",
    "REVIEW_FILE",
    "ReviewSheet",
    "build_review",
    "first_words",
    "render_review",
    "write_review",
]

#: The sheet's file name, at the top of the pack folder (the audit ignores exactly this name).
REVIEW_FILE = "review.html"
TEMPLATE = "review/review.html.j2"
#: How many words of a withheld item the sheet shows: enough to recognise it, not to read it.
PREVIEW_WORDS = 8

#: The order rules are listed in for a reader: the chair's own decisions first, then safety,
#: the family-wide tags, and last the structural rules (another child, a per-child document)
#: that follow from who the reader is rather than from anything the chair decided.
_RULE_ORDER = (
    "chair-withheld",
    "safety",
    "address-withheld",
    "contact-withheld",
    "tag:",
    "personal-tag:",
    "authority-tag:",
    "exclusion-summary",
    "professionals-only",
    "absent-person",
    "absent-child",
    "other-child",
    "per-child-document",
)
#: Rules whose item id is a person and whose value is an address or a contact detail.
_CONTACT_RULES = {
    "address-withheld": "the address of {name}",
    "contact-withheld": "the phone number and e-mail address of {name}",
}


def first_words(text: str, count: int = PREVIEW_WORDS) -> str:
    """The first ``count`` words of ``text``, with an ellipsis when there were more.

    Enough for the chair to recognise the item; the rest of it stays out of a page that may be
    printed and left on a desk.
    """
    words = text.split()
    head = " ".join(words[:count])
    return f"{head} …" if len(words) > count else head


def _rule_rank(rule: str) -> tuple[int, str]:
    for rank, prefix in enumerate(_RULE_ORDER):
        if rule == prefix or (prefix.endswith(":") and rule.startswith(prefix)):
            return rank, rule
    return len(_RULE_ORDER), rule


def _previews(case: Case) -> tuple[dict[str, str], dict[str, str]]:
    """Each item's first words by id: (text items and information items, people and children).

    Two tables because the rule decides what kind of thing an id names: a person's id under an
    address rule, an information item's under a tag rule.
    """
    texts = {ref.id: first_words(ref.item.text) for ref in case.text_refs()}
    texts.update({item.id: first_words(item.text) for item in case.information})
    names = {p.id: p.name for p in case.people}
    names.update({c.id: c.name or "the unborn baby" for c in case.children})
    return texts, names


def _preview(rule: str, item: str, texts: Mapping[str, str], names: Mapping[str, str]) -> str:
    if rule in _CONTACT_RULES:
        return _CONTACT_RULES[rule].format(name=names.get(item, item))
    if rule in ("absent-person", "absent-child"):
        return names.get(item, item)
    return texts.get(item, "")


# -- the sheet's content: plain data the template lays out ---------------------------------------


@dataclass(frozen=True)
class Column:
    """One document of a stage's grid: a kind, for a child, by an author."""

    key: tuple[str, str | None, str | None]
    kind: str
    #: The kind in words (``Child report``).
    label: str
    #: The child's name and ``by <author>``, where the document has them.
    about: tuple[str, ...]

    @property
    def child(self) -> str:
        """The child's id, or "" for a document about every child."""
        return self.key[1] or ""

    @property
    def author(self) -> str:
        """The author's id (an agency report), or ""."""
        return self.key[2] or ""


@dataclass(frozen=True)
class Cell:
    """What one recipient receives of one document: its formats and the day it was issued."""

    formats: tuple[str, ...]
    issued_on: dt.date | None


@dataclass(frozen=True)
class Row:
    """One recipient in a stage's grid."""

    recipient: str
    name: str
    profile: str
    cells: tuple[Cell | None, ...]


@dataclass(frozen=True)
class StageGrid:
    """The distribution of one stage."""

    stage: str
    issued_on: dt.date | None
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class WithheldEntry:
    """One item kept from a reader under one rule, and the reader's documents it is kept from."""

    item: str
    preview: str
    documents: tuple[str, ...]


@dataclass(frozen=True)
class RuleGroup:
    """The items one rule kept from a reader."""

    rule: str
    words: str
    entries: tuple[WithheldEntry, ...]


@dataclass(frozen=True)
class ReaderDocument:
    """One document in a reader's envelopes, for the reader's list."""

    stage: str
    label: str
    formats: tuple[str, ...]
    profile: str
    withheld: int
    stale: bool


@dataclass(frozen=True)
class Reader:
    """Everything the sheet says about one reader."""

    recipient: str
    name: str
    profiles: tuple[str, ...]
    documents: tuple[ReaderDocument, ...]
    groups: tuple[RuleGroup, ...]

    @property
    def stale(self) -> bool:
        """True when the manifest's counts differ from the case's rules for any document."""
        return any(d.stale for d in self.documents)

    @property
    def withheld(self) -> int:
        """Distinct (rule, item) pairs kept from this reader."""
        return sum(len(g.entries) for g in self.groups)


@dataclass(frozen=True)
class ReviewSheet:
    """The whole page: header facts, the grids and the readers."""

    reference: str
    authority: str
    service: str
    marking: str
    written_on: dt.date
    conference_on: dt.date
    chair: str
    children: tuple[str, ...]
    grids: tuple[StageGrid, ...]
    readers: tuple[Reader, ...]

    @property
    def stale(self) -> bool:
        """True when any reader's redactions differ from what the manifest recorded."""
        return any(r.stale for r in self.readers)


# -- building it ------------------------------------------------------------------------------


def _load_manifest(pack: Path) -> dict[str, Any]:
    try:
        data = json.loads((pack / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        msg = f"{pack}: no readable {MANIFEST}; is this a pack folder?"
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
    return data


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _about(case: Case, child: str | None, author: str | None) -> tuple[str, ...]:
    """Who a document is about and who wrote it, in words: ``("Maya Lin Harrow", "by ...")``."""
    about = [case.name_of(child)] if child else []
    if author:
        about.append(f"by {case.name_of(author)}")
    return tuple(about)


def _kind_words(kind: str) -> str:
    return kind.replace("_", " ").capitalize()


def _label(case: Case, kind: str, child: str | None, author: str | None) -> str:
    """A document as the chair would name it: ``Child report: Maya Lin Harrow``."""
    about = _about(case, child, author)
    return f"{_kind_words(kind)}: {', '.join(about)}" if about else _kind_words(kind)


def _column_order(case: Case) -> Any:
    kinds = [k.value for k in KINDS]
    children = [c.id for c in case.children]

    def key(column: tuple[str, str | None, str | None]) -> tuple[int, int, str]:
        kind, child, author = column
        return (
            kinds.index(kind) if kind in kinds else len(kinds),
            children.index(child) if child in children else -1,
            author or "",
        )

    return key


def _grids(
    case: Case, entries: Sequence[Mapping[str, Any]], recipients: Sequence[str]
) -> tuple[StageGrid, ...]:
    order = [s.value for s in Stage]
    by_stage: dict[str, list[Mapping[str, Any]]] = {}
    for entry in entries:
        by_stage.setdefault(str(entry.get("stage") or ""), []).append(entry)
    grids = []
    for stage in sorted(by_stage, key=lambda s: (order.index(s) if s in order else len(order), s)):
        found = by_stage[stage]
        cells: dict[tuple[str, tuple[str, str | None, str | None]], list[Mapping[str, Any]]] = {}
        for entry in found:
            column = (str(entry.get("kind")), entry.get("child"), entry.get("author"))
            cells.setdefault((str(entry.get("recipient")), column), []).append(entry)
        keys = sorted({column for _, column in cells}, key=_column_order(case))
        columns = tuple(
            Column(
                k,
                k[0],
                _kind_words(k[0]),
                _about(case, k[1], k[2]),
            )
            for k in keys
        )
        rows = []
        for rid in recipients:
            mine = [cells.get((rid, k)) for k in keys]
            if not any(mine):
                continue
            profiles = sorted({str(e.get("profile")) for got in mine if got for e in got})
            rows.append(
                Row(
                    rid,
                    case.name_of(rid),
                    ", ".join(profiles),
                    tuple(
                        Cell(
                            tuple(sorted({str(e.get("format")).upper() for e in got})),
                            max((d for e in got if (d := _date(e.get("issued_on")))), default=None),
                        )
                        if got
                        else None
                        for got in mine
                    ),
                )
            )
        dates = [d for e in found if (d := _date(e.get("issued_on")))]
        grids.append(StageGrid(stage, max(dates, default=None), columns, tuple(rows)))
    return tuple(grids)


def _reader(
    case: Case,
    rid: str,
    documents: list[DocumentRedactions],
    entries: Sequence[Mapping[str, Any]],
    texts: Mapping[str, str],
    names: Mapping[str, str],
) -> Reader:
    stage_of = {str(e.get("path")): str(e.get("stage") or "") for e in entries}
    listed: list[ReaderDocument] = []
    grouped: dict[tuple[str, str], dict[str, list[str]]] = {}
    for doc in documents:
        author = next(
            (
                e.get("author")
                for e in entries
                if e.get("path") in doc.paths and isinstance(e.get("author"), str)
            ),
            None,
        )
        label = _label(case, doc.kind, doc.child, author)
        stale = doc.manifest_counts is not None and dict(doc.manifest_counts) != doc.counts
        listed.append(
            ReaderDocument(
                stage_of.get(doc.paths[0], "") if doc.paths else "",
                label,
                tuple(sorted({Path(p).suffix.lstrip(".").upper() for p in doc.paths})),
                doc.profile,
                len(doc.withheld),
                stale,
            )
        )
        for rule, item, words in doc.withheld:
            grouped.setdefault((rule, words), {}).setdefault(item, []).append(label)
    every = tuple(d.label for d in listed)
    groups = []
    for (rule, words), items in sorted(grouped.items(), key=lambda kv: _rule_rank(kv[0][0])):
        entries_out = tuple(
            WithheldEntry(
                item,
                _preview(rule, item, texts, names),
                ("every document",) if len(every) > 1 and tuple(labels) == every else tuple(labels),
            )
            for item, labels in items.items()
        )
        groups.append(RuleGroup(rule, words, entries_out))
    return Reader(
        rid,
        case.name_of(rid),
        tuple(sorted({d.profile for d in listed})),
        tuple(listed),
        tuple(groups),
    )


def build_review(
    pack_dir: str | Path,
    case: Case,
    authority: Authority,
    *,
    recipient: str | None = None,
    written_on: dt.date | None = None,
) -> ReviewSheet:
    """Everything the review sheet shows, for every recipient in the pack or just ``recipient``.

    Raises:
        CpcdocsError: (exit 2) the folder has no readable manifest, the manifest is another
            case's, or ``recipient`` receives nothing in this pack.
    """
    pack = Path(pack_dir)
    manifest = _load_manifest(pack)
    if manifest.get("case") != case.case.reference:
        msg = (
            f"{pack / MANIFEST}: the pack is for case {manifest.get('case')!r}, the case file "
            f"is {case.case.reference!r}"
        )
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
    entries = [e for e in manifest["documents"] if isinstance(e, Mapping)]
    recipients = list(dict.fromkeys(str(e.get("recipient")) for e in entries))
    if recipient is not None:
        if recipient not in recipients:
            msg = f"{pack}: the pack holds no documents for {recipient!r}"
            raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
        recipients = [recipient]
        entries = [e for e in entries if e.get("recipient") == recipient]
    texts, names = _previews(case)
    readers = tuple(
        _reader(
            case,
            rid,
            explain_pack(pack, case, authority, rid),
            [e for e in entries if e.get("recipient") == rid],
            texts,
            names,
        )
        for rid in recipients
    )
    return ReviewSheet(
        reference=case.case.reference,
        authority=authority.name,
        service=authority.service,
        marking=authority.protective_marking,
        written_on=written_on or dt.date.today(),
        conference_on=case.conference.date,
        chair=case.chair.name,
        children=tuple(c.name or "the unborn baby" for c in case.children),
        grids=_grids(case, entries, recipients),
        readers=readers,
    )


# -- the page -----------------------------------------------------------------------------------


def _css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string, safe inside a ``<style>`` element.

    The protective marking is repeated in each printed page's margin by CSS (``content:``),
    where HTML escaping means nothing; every character but letters, digits and a few harmless
    marks becomes a CSS escape, so no value can close the string or the element.
    """
    safe = " -:,.()"
    body = "".join(
        ch if (ch.isalnum() and ch.isascii()) or ch in safe else f"\\{ord(ch):x} " for ch in text
    )
    return Markup(f'"{body}"')


def render_review(sheet: ReviewSheet) -> str:
    """The sheet as one self-contained HTML page (every value escaped by the template engine)."""
    from .render.env import make_environment

    env = make_environment()
    template = env.get_template(TEMPLATE)
    return template.render(
        sheet=sheet, marking_css=_css_string(f"{sheet.marking}: for the chair only")
    )


def write_review(
    pack_dir: str | Path,
    case: Case,
    authority: Authority,
    *,
    recipient: str | None = None,
    out: str | Path | None = None,
    written_on: dt.date | None = None,
) -> Path:
    """Write the review sheet (default ``review.html`` in the pack folder); return its path.

    The file is written whole or not at all (a temporary file renamed over it), readable by its
    owner only (it shows the first words of every withheld item), and nothing else in the pack
    is touched, so the pack's manifest and hashes still hold.

    Raises:
        CpcdocsError: exit 2 as :func:`build_review`, or when ``out`` is inside the pack
            anywhere but ``review.html`` at its top (that would put the chair's page in an
            envelope); exit 4 when the file cannot be written.
    """
    beside = Path(pack_dir) / REVIEW_FILE
    target = Path(out) if out is not None else beside
    if target.resolve() == beside.resolve():
        target = beside
    elif target.resolve().is_relative_to(Path(pack_dir).resolve()):
        msg = (
            f"{target}: the review sheet is for the chair, never in the pack: write it to "
            f"{beside} or outside the pack folder"
        )
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
    sheet = build_review(pack_dir, case, authority, recipient=recipient, written_on=written_on)
    html = render_review(sheet)
    tmp: str | None = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.", delete=False
        ) as handle:
            tmp = handle.name
            handle.write(html)
        os.replace(tmp, target)
    except OSError as err:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        msg = f"{target}: cannot write the review sheet: {err.strerror or err}"
        raise CpcdocsError(msg, ExitStatus.RENDER_ERROR) from err
    return target
