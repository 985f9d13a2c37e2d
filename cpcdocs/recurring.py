"""A cache for work done again and again on the same large inputs, bounded by their size.

(batch) Every file of every pack is built from the same few templates, so some inputs recur
byte for byte thousands of times in a night: a Word template's styles part (350 KB in the
report templates), its theme and font table. Compressing them for the zip, or reading them
for the audit, gave the same result every time. Most inputs are new every time, though (a
letter's own text), and a cache that kept those would only grow. So a value is kept only for
an input met a second time, and the values kept are limited by the total size of their inputs,
least recently used first out: a batch worker fills the cache in its first case and then stays
the same size.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["RecurringCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class RecurringCache(Generic[K, V]):
    """``make(key)``, remembered for keys that recur, within ``limit`` bytes of keys."""

    def __init__(self, limit: int, *, seen_limit: int = 4096) -> None:
        self.limit = limit
        self.seen_limit = seen_limit
        self._kept: OrderedDict[K, tuple[V, int]] = OrderedDict()
        #: Hashes of keys met once. Cleared when full: a recurring key is then kept a little
        #: later, and nothing is wrong meanwhile.
        self._seen: set[int] = set()
        self.size = 0
        #: A Dask client audits from more than one thread; ``make`` runs outside the lock.
        self._lock = threading.Lock()

    def get(self, key: K, make: Callable[[K], V], size: int) -> V:
        """The value for ``key``; ``size`` is what keeping it costs (its length, usually)."""
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found[0]
        value = make(key)
        marker = hash(key)
        with self._lock:
            if marker not in self._seen:
                if len(self._seen) >= self.seen_limit:
                    self._seen.clear()
                self._seen.add(marker)
                return value
            if size > self.limit or key in self._kept:
                return value
            self._kept[key] = (value, size)
            self.size += size
            while self.size > self.limit:
                _, (_, old) = self._kept.popitem(last=False)
                self.size -= old
        return value

    def __len__(self) -> int:
        return len(self._kept)

    def kept(self) -> list[K]:
        """The keys kept, least recently used first."""
        return list(self._kept)

    def clear(self) -> None:
        """Forget everything (tests, and a process that wants a clean start)."""
        with self._lock:
            self._kept.clear()
            self._seen.clear()
            self.size = 0
