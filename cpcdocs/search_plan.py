"""The search plan: one reader's unexcused needles in one Aho-Corasick automaton, one pass a text.

All needles of one reader are compiled into one automaton (``pyahocorasick``) and each text
is scanned once, whatever the number of needles. Split out of :mod:`cpcdocs.search`, which
re-exports these names.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import ahocorasick

from .excuses import Excuse, boilerplate
from .haystacks import value_words
from .needles import item_needles
from .rules import WithheldItem

#: Per templates folder, whether each needle met so far is in the letters' own wording. The
#: wording is the same for every reader, so each needle is looked up in it once per process.
_IN_PLATE: dict[str | None, dict[str, bool]] = {}
_IN_PLATE_LIMIT = 500_000


def _plate_hits(needles: Iterable[str], templates_dir: str | None) -> set[str]:
    """The needles found in :func:`boilerplate`, each looked up once per process."""
    known = _IN_PLATE.setdefault(templates_dir, {})
    needles = list(needles)
    unknown = [n for n in needles if n not in known]
    if unknown:
        if len(known) + len(unknown) > _IN_PLATE_LIMIT:
            known.clear()
        hits = _found(_automaton(unknown), boilerplate(templates_dir))
        known.update((n, n in hits) for n in unknown)
    return {n for n in needles if known[n]}


# -- one pass: the automaton --------------------------------------------------------------------


class SearchPlan:
    """What to look for in one reader's copy: every unexcused needle of every withheld item.

    Built once per reader; :meth:`find` scans a text once for all of them. Every needle is
    excused by :attr:`Excuse.phrases`; a single distinctive word also by :attr:`Excuse.free`;
    and the needles of an item in ``parallel`` also by its parallel texts (see
    :func:`parallel_texts`: two children's plans may say the same thing of each child).
    """

    def __init__(
        self,
        items: Sequence[WithheldItem],
        excuse: Excuse,
        parallel: Mapping[str, str] | None = None,
    ) -> None:
        self.items = tuple(items)
        parallel = parallel or {}
        owners: dict[str, list[tuple[int, bool]]] = {}
        singles: dict[str, bool] = {}
        for index, item in enumerate(self.items):
            for found_by in item_needles(item):
                owners.setdefault(found_by.words, []).append((index, found_by.weak))
                singles[found_by.words] = singles.get(found_by.words, True) and found_by.single
        everything = _shared_automaton(frozenset(owners))
        plate = _found(everything, excuse.phrases)
        if excuse.plate:
            plate |= _plate_hits(owners, excuse.templates_dir)
        free = _found(everything, excuse.free)
        in_parallel = {hay: _found(everything, hay) for hay in set(parallel.values())}

        def excused(needle: str, index: int, weak: bool) -> bool:
            if weak and needle in free:
                return True
            hay = parallel.get(self.items[index].item)
            return hay is not None and needle in in_parallel[hay]

        self.needles: dict[str, tuple[int, ...]] = {}
        for needle, owned in owners.items():
            if needle in plate:
                continue
            kept = tuple(dict.fromkeys(i for i, weak in owned if not excused(needle, i, weak)))
            if kept:
                self.needles[needle] = kept
        self.singles = frozenset(n for n, single in singles.items() if single)
        self._key = frozenset(self.needles)

    @property
    def _automaton(self) -> Any:
        """The automaton of :attr:`needles`, built when first needed and shared (see below).

        A plan does not keep its automaton: a large pack has a hundred plans and each
        automaton is megabytes. Files are audited reader by reader, so the few most recently
        used automata (:func:`_shared_automaton`) are the ones needed next.
        """
        return _shared_automaton(self._key)

    def find(self, hay: str, *, numbers: bool = True) -> set[int]:
        """Indices (into :attr:`items`) of the items revealed in ``hay`` (from :func:`haystack`).

        ``numbers=False`` ignores a number found alone: in a PDF's own strings (object
        numbers, destinations, structure entries) "104" is the file's bookkeeping, not a
        value; a number with its words around it is still a phrase, and still found.
        """
        found: set[int] = set()
        for needle in _found(self._automaton, hay):
            if not numbers and needle.strip().isdigit():
                continue
            found.update(self.needles[needle])
        return found

    def needles_of(self, index: int) -> list[str]:
        """The needles searched for one item (for tests and diagnosis; never to be printed)."""
        return [n for n, owners in self.needles.items() if index in owners]

    def quotes(self, path: str, text: str) -> Iterator[tuple[str, WithheldItem]]:
        """Items whose needles (single words aside) a view string holds, with its path."""
        for needle in _found(self._automaton, value_words(text)):
            if needle not in self.singles:
                for index in self.needles[needle]:
                    yield path, self.items[index]


def _automaton(needles: Iterable[str]) -> Any:
    """An Aho-Corasick automaton of word strings (each value is its own key), or None if empty."""
    automaton = ahocorasick.Automaton()
    for needle in needles:
        automaton.add_word(needle, needle)
    if len(automaton) == 0:
        return None
    automaton.make_automaton()
    return automaton


@functools.lru_cache(maxsize=16)
def _shared_automaton(needles: frozenset[str]) -> Any:
    """:func:`_automaton`, shared by the readers and documents that search for the same needles.

    A reader's letters and a child's several readers often have exactly the same withheld
    items; building the automaton was most of a search plan's cost. Sixteen are kept: enough
    for one reader's documents, bounded in memory (about 1 MB per thousand needles each).
    """
    return _automaton(sorted(needles))


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
) -> SearchPlan:
    """The search plan of one reader's document: ``items`` less what ``view`` may excuse."""
    excuse = Excuse.of(view, items, extra=extra, templates_dir=templates_dir)
    return SearchPlan(items, excuse, parallel)
