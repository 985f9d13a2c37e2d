"""The pre-render quote check: a view string that quotes a value withheld from its reader.

Run by ``render`` and ``check`` before anything is rendered (:func:`plan_quotes`), with the
parallel texts that excuse a text withheld only for the child it concerns
(:func:`parallel_texts`). Split out of :mod:`cpcdocs.search`, which re-exports these names.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .excuses import Hidden, view_fields
from .haystacks import value_words
from .rules import WithheldItem
from .search_plan import NeedleIndex, pack_index, search_plan

#: Rules that withhold a text only because of which child it concerns.
_CHILD_SCOPE_RULES = frozenset({"per-child-document", "other-child"})


def _parallel_key(ref_id: str, children: frozenset[str]) -> str:
    """A text item's place with the child and any index taken out: ``plan.*.outcomes``."""
    parts = [p for p in ref_id.split(".") if not p.isdigit()]
    return ".".join("*" if p in children else p for p in parts)


def parallel_texts(
    case: Any,
    authority: Any,
    recipient: Any,
    profile: Any,
    child: str | None,
    items: Iterable[WithheldItem],
) -> dict[str, str]:
    """For each text withheld only for the child it concerns, the reader's texts in its place.

    Two children's plans often say the same of each child ("If Mr Quinn breaches his bail
    conditions, a strategy meeting will be held"). In a reader's copy of Theo's plan, Maya's
    contingency is withheld (another child), yet its words are the words of Theo's own
    contingency, which the reader may read. So a text withheld only for its child (rule
    ``per-child-document`` or ``other-child``, and visible to this reader were it about the
    child of its counterpart: its tags, ``withhold_from`` and readership allow them) is
    excused by the texts the rules let this reader see *in the same place* for
    another child (``plan.*.contingency``), and by nothing else: the same words copied into a
    different field (an information item pasted into a plan action) are still found.

    Returns item id to ``|``-joined words, decided from the case by the rules, never from a
    view, so a view builder's mistake cannot excuse itself.
    """
    from .rules import Visibility

    scoped = [i.item for i in items if i.rule in _CHILD_SCOPE_RULES]
    if not scoped:
        return {}
    children = frozenset(c.id for c in case.children)
    vis = Visibility(case, authority, recipient, profile, child)
    refs = {ref.id: ref for ref in case.text_refs()}
    visible: dict[str, list[Any]] = {}
    for ref in refs.values():
        if vis.text_rule(ref) is None:
            visible.setdefault(_parallel_key(ref.id, children), []).append(ref)
    out: dict[str, str] = {}
    for item_id in scoped:
        ref = refs.get(item_id)
        if ref is None or ref.only_for is not None:
            continue
        mates = visible.get(_parallel_key(item_id, children))
        if not mates:
            continue
        # Withheld only for its child: were it about the child of its visible counterpart,
        # this reader could read it (a safety action is still withheld from whoever it
        # does not protect, a chair's withhold_from still holds).
        rule = vis.item_rule(
            tags=ref.item.tags,
            about=[a for a in ref.item.about if a not in children],
            withhold_from=ref.item.withhold_from,
            concerns=mates[0].concerns,
        )
        if rule is None:
            out[item_id] = "|".join(value_words(m.item.text) for m in mates)
    return out


# -- one case's withheld items, worked out once per reader ----------------------------------------


class ReaderItems:
    """The withheld items and parallel texts of each (reader, profile, child) of one case.

    A reader receives several kinds of document about the same child, and the items withheld
    from them are the same for each: worked out once here, for the quote check and the audit
    alike. :meth:`index` is one needle index over every reader of the pack, so one automaton
    serves them all (:func:`~cpcdocs.search_plan.pack_index`).
    """

    def __init__(self, case: Any, authority: Any) -> None:
        self.case = case
        self.authority = authority
        self._known: dict[tuple[Any, Any, str | None], tuple[list[WithheldItem], dict[str, str]]]
        self._known = {}

    def of(
        self, recipient: Any, profile: Any, child: str | None
    ) -> tuple[list[WithheldItem], dict[str, str]]:
        """The items withheld from one reader's copy, and their parallel texts."""
        key = (recipient, profile, child)
        known = self._known.get(key)
        if known is None:
            from .rules import withheld_items

            items = withheld_items(self.case, self.authority, recipient, profile, child)
            parallel = parallel_texts(self.case, self.authority, recipient, profile, child, items)
            known = self._known[key] = (items, parallel)
        return known

    def index(self, documents: Iterable[Any]) -> NeedleIndex:
        """One needle index over the items withheld from the readers of ``documents``."""
        return pack_index(self.of(d.recipient, d.profile, d.child)[0] for d in documents)


# -- the pre-render quote check -----------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quote:
    """A view string quoting a withheld value: where, which rule, which item; never the value."""

    field_path: str
    rule: str
    item: str

    def __str__(self) -> str:
        return f"{self.field_path} quotes {self.item} (withheld: {self.rule})"


def quoted_withheld(
    view: Any,
    items: Sequence[WithheldItem],
    *,
    parallel: Mapping[str, str] | None = None,
    templates_dir: str | None = None,
    index: NeedleIndex | None = None,
) -> list[Quote]:
    """Every string of ``view`` that holds a needle of an item withheld from its reader.

    Run before rendering: a withheld value copied into visible free text (a safe address in a
    plan action, a police item's words in a contingency) is an error to fix in the case file,
    named by field path and rule. Single distinctive words are not reported here (a word the
    reader may read in their own plan is no quote); phrases, names, dates, addresses and
    contact details are. ``parallel``: see :func:`parallel_texts`; ``index``: a needle index
    shared with other documents (:class:`ReaderItems`).
    """
    plan = search_plan(view, items, parallel=parallel, templates_dir=templates_dir, index=index)
    quotes = {
        Quote(path, item.rule, item.item)
        for field_path, text, _ in view_fields(view, Hidden.of(items))
        for path, item in plan.quotes(field_path, text)
    }
    return sorted(quotes)


def document_quotes(
    case: Any,
    authority: Any,
    recipient: Any,
    *,
    kind: str,
    issued_on: dt.date,
    profile: Any = None,
    child: str | None = None,
    templates_dir: str | None = None,
    readers: ReaderItems | None = None,
    index: NeedleIndex | None = None,
    author: str | None = None,
) -> list[Quote]:
    """:func:`quoted_withheld` for one planned document, its view and items built here.

    The call ``render`` and ``check`` make for each planned document before anything is
    rendered. ``readers`` and ``index`` share the items and the automaton between the
    documents of one pack (:func:`plan_quotes`). ``author``: a returned report's author, whose
    report the view then holds (its sections are free text like any other).
    """
    from .rules import profile_for
    from .views import build_view

    profile = profile or profile_for(recipient)
    readers = readers or ReaderItems(case, authority)
    items, parallel = readers.of(recipient, profile, child)
    view = build_view(
        case,
        authority,
        recipient,
        kind=kind,
        issued_on=issued_on,
        profile=profile,
        child=child,
        author=author,
    )
    return quoted_withheld(view, items, parallel=parallel, templates_dir=templates_dir, index=index)


def plan_quotes(
    case: Any,
    authority: Any,
    documents: Iterable[Any],
    issued_on: dt.date,
    *,
    templates_dir: str | None = None,
    readers: ReaderItems | None = None,
    jobs: int = 1,
    stage_dates: Mapping[Any, dt.date] | None = None,
) -> list[tuple[Any, Quote]]:
    """:func:`document_quotes` for every planned document (:class:`~cpcdocs.plan.PlannedDocument`).

    Returns ``(document, quote)`` pairs, in plan order: what ``render`` refuses on (exit 3,
    each line naming the document, the field path and the rule) and ``check`` reports.
    ``readers``: pass one :class:`ReaderItems` to calls for the same case (one per stage) and
    to the audit that follows, so each reader's items are worked out once. The needle index
    covers the whole plan of the case, so every stage and the audit share one automaton.
    ``jobs`` above 1 checks the documents in that many forked processes (each reader's items
    and the index are worked out here first, so every worker inherits them).
    ``stage_dates``: each document's view is dated for its own stage (``issued_on`` for a
    stage not in it), as the render dates it.
    """
    from .plan import plan_pack
    from .workers import fork_map

    readers = readers or ReaderItems(case, authority)
    index = readers.index(plan_pack(case))
    documents = list(documents)

    def check(doc: Any) -> list[Quote]:
        return document_quotes(
            case,
            authority,
            doc.recipient,
            kind=doc.kind.value,
            issued_on=(stage_dates or {}).get(doc.stage, issued_on),
            profile=doc.profile,
            child=doc.child,
            templates_dir=templates_dir,
            readers=readers,
            index=index,
            author=doc.author,
        )

    if jobs > 1:
        index.automaton()  # built once, here, for every worker
    found: list[tuple[Any, Quote]] = []
    for doc, quotes in zip(documents, fork_map(check, documents, jobs), strict=True):
        found.extend((doc, quote) for quote in quotes)
    return found


#: How many quote lines a refused render prints; ``check`` lists every one.
_QUOTES_SHOWN = 40


def refuse_quotes(
    case: Any,
    authority: Any,
    docs: Sequence[Any],
    stage_dates: Mapping[Any, dt.date],
    templates: str | os.PathLike[str] | None = None,
    readers: ReaderItems | None = None,
    jobs: int = 1,
) -> None:
    """Refuse (exit 3) before rendering when a value a reader may see quotes a withheld one.

    A safe address written into a plan action, a police item's words copied into a
    contingency: the view would carry them to the reader in words the rules cannot see. Each
    line names the document, the field path and the rule, never the value. The audit would
    find them in the files too; this says where to fix the case file, before anything is
    rendered. ``jobs`` processes check the documents (see :func:`plan_quotes`).
    """
    if not docs:
        return
    found = [
        f"{doc.folder}/{doc.kind.value}{'-' + doc.child if doc.child else ''}: {quote}"
        for doc, quote in plan_quotes(
            case,
            authority,
            docs,
            max(stage_dates.values()),
            templates_dir=str(templates) if templates else None,
            readers=readers or ReaderItems(case, authority),
            jobs=jobs,
            stage_dates=stage_dates,
        )
    ]
    if found:
        unique = list(dict.fromkeys(found))
        shown = unique[:_QUOTES_SHOWN]
        if len(unique) > len(shown):
            shown.append(f"... and {len(unique) - len(shown)} more (cpcdocs check lists them all)")
        lines = "\n".join(shown)
        msg = (
            f"{case.case.reference}: a value a reader may see quotes something withheld from "
            f"them; fix the case file (nothing was rendered):\n{lines}"
        )
        from .errors import LeakFound

        raise LeakFound(msg)
