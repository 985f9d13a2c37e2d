"""One owner for every cache cpcdocs keeps between documents, and one :func:`clear`.

A batch worker renders thousands of documents from the same few templates, so several stages
remember work across documents (parsed Word templates, compressed zip members, extracted
template text, needles, automata, loaded keys and catalogs). Each of those caches is declared
here by name, where it is made (:func:`owned` for an object with ``clear()``, :func:`memo`
for a function), so that:

- :func:`clear` empties every one of them: the benchmark's naive baseline and a test that
  needs a cold process call it, instead of knowing each module's private names;
- :func:`names` lists them, and a test fails when a module keeps a cache that is not here.

A cache is bounded where it is declared (its ``maxsize`` or its own limit); nothing here
decides sizes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

__all__ = ["clear", "declared", "memo", "names", "owned"]


class _Clearable(Protocol):
    def clear(self) -> None: ...


C = TypeVar("C", bound=_Clearable)
F = TypeVar("F", bound=Callable[..., Any])

#: Each cache's name (``module: what``) and how to empty it.
_OWNED: dict[str, Callable[[], None]] = {}
#: The cache objects themselves, so a test can tell a declared cache from an undeclared one.
_DECLARED: list[object] = []


def owned(name: str, cache: C) -> C:
    """Declare a module-level cache object (a dict, a :class:`RecurringCache`); returns it."""
    _OWNED[name] = cache.clear
    _DECLARED.append(cache)
    return cache


def memo(name: str, maxsize: int | None = 128) -> Callable[[F], F]:
    """:func:`functools.lru_cache` of ``maxsize``, declared under ``name``."""

    def declare(function: F) -> F:
        cached = functools.lru_cache(maxsize=maxsize)(function)
        _OWNED[name] = cached.cache_clear
        _DECLARED.append(cached)
        return cast(F, cached)

    return declare


def clear() -> None:
    """Empty every cache declared so far (a module not yet imported has nothing cached)."""
    for empty in _OWNED.values():
        empty()


def names() -> tuple[str, ...]:
    """The name of every cache declared so far, in declaration order."""
    return tuple(_OWNED)


def declared(candidate: object) -> bool:
    """Whether ``candidate`` is a cache declared here (for the test that finds undeclared ones)."""
    return any(candidate is cache for cache in _DECLARED)
