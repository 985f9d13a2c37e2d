"""The search plan: one reader's unexcused needles in one Aho-Corasick automaton, one pass a text.

All needles of one reader are compiled into one automaton (``pyahocorasick``) and each text
is scanned once, whatever the number of needles. Split out of :mod:`cpcdocs.search`, which
re-exports these names.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import ahocorasick

from . import caches
from .excuses import Excuse, boilerplate
from .haystacks import value_words
from .needles import item_needles
from .rules import WithheldItem

#: Per set of needles (:attr:`NeedleIndex.key`) and templates folder, the needles found in
#: the letters' own wording. The wording is the same for every reader, so a reader's needles
#: are looked up in it once per process, whatever the number of documents they receive.
_IN_PLATE: dict[tuple[str, str | None], frozenset[str]] = caches.owned(
    "search_plan: needles in the letters' wording", {}
)
_IN_PLATE_LIMIT = 64


def _plate_hits(index: NeedleIndex, templates_dir: str | None) -> frozenset[str]:
    """The needles of ``index`` found in :func:`boilerplate`, looked up once per process."""
    key = (index.key, templates_dir)
    hits = _IN_PLATE.get(key)
    if hits is None:
        if len(_IN_PLATE) >= _IN_PLATE_LIMIT:
            _IN_PLATE.clear()
        hits = frozenset(_found(index.automaton(), boilerplate(templates_dir)))
        _IN_PLATE[key] = hits
    return hits


# -- the needles of the withheld items ----------------------------------------------------------


class NeedleIndex:
    """Every needle of a tuple of withheld items, and the items each one reveals.

    Built once for a whole pack (:func:`pack_index`: every item withheld from any of its
    readers), with one automaton, and shared by every reader's search plans: a large family
    has tens of thousands of needles per reader, mostly the same items withheld from many
    readers, and only a few hundred needles are ever found in any one file. Which of them
    count for one reader's document is decided lazily, per needle found
    (:class:`SearchPlan`).
    """

    def __init__(self, items: tuple[WithheldItem, ...]) -> None:
        self.items = items
        #: Each item's position; equal items (one value withheld by one rule) share one.
        self.position: dict[WithheldItem, int] = {}
        owners: dict[str, list[tuple[int, bool, bool]]] = {}
        for item in items:
            if item in self.position:
                continue
            index = self.position[item] = len(self.position)
            for found_by in item_needles(item):
                owners.setdefault(found_by.words, []).append(
                    (index, found_by.weak, found_by.single)
                )
        #: Needle to ``(position, weak, single)`` of every item it reveals.
        self.owners: dict[str, tuple[tuple[int, bool, bool], ...]] = {
            needle: tuple(owned) for needle, owned in owners.items()
        }
        #: A digest of the needles: the key of the shared automaton, compared in O(1).
        self.key = hashlib.sha256("\x00".join(sorted(self.owners)).encode()).hexdigest()

    def covers(self, items: Iterable[WithheldItem]) -> bool:
        """Whether every one of ``items`` is indexed here."""
        return all(item in self.position for item in items)

    def automaton(self) -> Any:
        """The automaton of every needle, shared by every index with the same needles.

        An index does not keep its automaton: a process may audit several packs, and each
        automaton is megabytes. The few most recently used are kept (:func:`_shared_automaton`).
        """
        return _shared_automaton(self.key, self)


@caches.memo("search_plan: needle indexes", maxsize=8)
def needle_index(items: tuple[WithheldItem, ...]) -> NeedleIndex:
    """:class:`NeedleIndex` of ``items``, remembered: the quote check and the audit share it."""
    return NeedleIndex(items)


def pack_index(item_lists: Iterable[Iterable[WithheldItem]]) -> NeedleIndex:
    """One index of every item withheld from any reader of a pack (in first-seen order)."""
    return needle_index(tuple(dict.fromkeys(i for items in item_lists for i in items)))


# -- one pass: the automaton --------------------------------------------------------------------


class SearchPlan:
    """What to look for in one reader's copy: every unexcused needle of every withheld item.

    Built once per reader and kind of document; :meth:`find` scans a text once for every
    needle (one automaton, shared by the pack's readers: ``index``, from :func:`pack_index`),
    keeps the needles of this reader's items and drops the needles this document's view
    excuses. A needle is excused by :attr:`Excuse.phrases` or the letters' own wording; a
    weak one (a single distinctive word, a phrase of everyday words) also by
    :attr:`Excuse.free`; and the needles of an item in ``parallel`` also by its parallel texts
    (see :func:`parallel_texts`: two children's plans may say the same thing of each child).
    Each needle's verdict is decided the first time it is found, and remembered.
    """

    def __init__(
        self,
        items: Sequence[WithheldItem],
        excuse: Excuse,
        parallel: Mapping[str, str] | None = None,
        *,
        index: NeedleIndex | None = None,
    ) -> None:
        self.items = tuple(items)
        if index is None or not index.covers(self.items):
            index = needle_index(self.items)
        self._index = index
        #: Index position to this plan's indices into :attr:`items`.
        self._local: dict[int, list[int]] = {}
        for local, item in enumerate(self.items):
            self._local.setdefault(index.position[item], []).append(local)
        self._parallel = {
            local: parallel[item.item]
            for local, item in enumerate(self.items)
            if parallel and item.item in parallel
        }
        everything = index.automaton()
        plate = _found(everything, excuse.phrases)
        if excuse.plate:
            plate |= _plate_hits(index, excuse.templates_dir)
        self._plate = plate
        self._free = _found(everything, excuse.free)
        self._in_parallel = {hay: _found(everything, hay) for hay in set(self._parallel.values())}
        self._kept: dict[str, tuple[tuple[int, ...], bool]] = {}

    def _verdict(self, needle: str) -> tuple[tuple[int, ...], bool]:
        """What one found needle means here: the items it reveals, and if it is a single word.

        ``single``: a single distinctive word of free text for every item it reveals.
        None are revealed when this document's view excuses it or none of its items is
        withheld from this reader.
        """
        verdict = self._kept.get(needle)
        if verdict is None:
            owned = [
                (local, weak, single)
                for position, weak, single in self._index.owners[needle]
                for local in self._local.get(position, ())
            ]
            if not owned or needle in self._plate:
                verdict = ((), False)
            else:
                kept = tuple(
                    dict.fromkeys(
                        local
                        for local, weak, _ in owned
                        if not (weak and needle in self._free)
                        and not (
                            local in self._parallel
                            and needle in self._in_parallel[self._parallel[local]]
                        )
                    )
                )
                verdict = (kept, all(single for _, _, single in owned))
            self._kept[needle] = verdict
        return verdict

    @property
    def needles(self) -> dict[str, tuple[int, ...]]:
        """Every unexcused needle and the items it reveals (for tests and diagnosis)."""
        out = {needle: self._verdict(needle)[0] for needle in self._index.owners}
        return {needle: owned for needle, owned in out.items() if owned}

    @property
    def singles(self) -> frozenset[str]:
        """The needles that are a single distinctive word of free text for every owner."""
        return frozenset(n for n in self._index.owners if self._verdict(n)[1])

    def find(self, hay: str, *, numbers: bool = True) -> set[int]:
        """Indices (into :attr:`items`) of the items revealed in ``hay`` (from :func:`haystack`).

        ``numbers=False`` ignores a number found alone: in a PDF's own strings (object
        numbers, destinations, structure entries) "104" is the file's bookkeeping, not a
        value; a number with its words around it is still a phrase, and still found.
        """
        found: set[int] = set()
        for needle in _found(self._index.automaton(), hay):
            if not numbers and needle.strip().isdigit():
                continue
            found.update(self._verdict(needle)[0])
        return found

    def needles_of(self, index: int) -> list[str]:
        """The needles searched for one item (for tests and diagnosis; never to be printed)."""
        return [n for n, owners in self.needles.items() if index in owners]

    def quotes(self, path: str, text: str) -> Iterator[tuple[str, WithheldItem]]:
        """Items whose needles (single words aside) a view string holds, with its path."""
        for needle in _found(self._index.automaton(), value_words(text)):
            kept, single = self._verdict(needle)
            if not single:
                for local in kept:
                    yield path, self.items[local]


def _automaton(needles: Iterable[str]) -> Any:
    """An Aho-Corasick automaton of word strings (each value is its own key), or None if empty."""
    automaton = ahocorasick.Automaton()
    for needle in needles:
        automaton.add_word(needle, needle)
    if len(automaton) == 0:
        return None
    automaton.make_automaton()
    return automaton


_AUTOMATA: OrderedDict[str, Any] = caches.owned("search_plan: automata", OrderedDict())
_AUTOMATA_KEPT = 4
_AUTOMATA_LOCK = threading.Lock()


def _shared_automaton(key: str, index: NeedleIndex) -> Any:
    """:func:`_automaton` of ``index``'s needles, shared by every index with the same ``key``.

    One automaton serves a whole pack (:func:`pack_index`); building it is most of the cost of
    searching. Four are kept, the least recently used dropped first: a process renders and
    audits one pack at a time, and each automaton is about 1 MB per thousand needles. Keyed
    by digest, so a lookup never compares sets of needles.
    """
    with _AUTOMATA_LOCK:
        automaton = _AUTOMATA.get(key)
        if automaton is not None or key in _AUTOMATA:
            _AUTOMATA.move_to_end(key)
            return automaton
    automaton = _automaton(sorted(index.owners))
    with _AUTOMATA_LOCK:
        _AUTOMATA[key] = automaton
        while len(_AUTOMATA) > _AUTOMATA_KEPT:
            _AUTOMATA.popitem(last=False)
    return automaton


def _found(automaton: Any, hay: str) -> set[str]:
    """The needles of ``automaton`` present in ``hay``, in one pass."""
    if automaton is None or not hay:
        return set()
    return {needle for _, needle in automaton.iter(hay)}


def search_plan(
    view: Any,
    items: Sequence[WithheldItem],
    *,
    extra: Iterable[str] = (),
    parallel: Mapping[str, str] | None = None,
    templates_dir: str | None = None,
    index: NeedleIndex | None = None,
) -> SearchPlan:
    """The search plan of one reader's document: ``items`` less what ``view`` may excuse."""
    excuse = Excuse.of(view, items, extra=extra, templates_dir=templates_dir)
    return SearchPlan(items, excuse, parallel, index=index)
