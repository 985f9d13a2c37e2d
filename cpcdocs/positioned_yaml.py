"""The positioned YAML loader: a file's bytes to plain data that remembers where each value was.

Administrators fix case files by hand, so every problem must point at a line and column. PyYAML's
safe loader gives us nodes with marks; we convert nodes to plain data ourselves so that we can
(a) record the position of every key and value, (b) refuse duplicate keys, which PyYAML silently
overwrites, and (c) bound the work an alias bomb can cause before anything expands it.
:func:`load_yaml` returns a :class:`Located`: the data, the position of every path in it, and
the problems met while reading. :mod:`cpcdocs.load` turns that into a validated case.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

try:
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None  # type: ignore[misc, assignment]

from .errors import InvalidInput, Problem

__all__ = [
    "MAX_ALIASES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "Located",
    "PathKey",
    "format_path",
    "load_yaml",
    "location_of",
    "walk",
]

#: Largest case file accepted. The contract example is 7 KB; a whole authority's worth of
#: information items stays far below this.
MAX_BYTES = 2 * 1024 * 1024
#: Aliases are legitimate (a shared contingency text) but a handful is plenty.
MAX_ALIASES = 100
#: Values produced after alias expansion; an alias bomb hits this long before memory does.
MAX_NODES = 200_000
#: Lists and mappings inside one another. The deepest a case goes is about seven
#: (``plan.maya.actions[0].what.about[0]``); every later stage walks the data recursively.
MAX_DEPTH = 50

PathKey = tuple[str | int, ...]


@dataclass
class Located:
    """Parsed data plus the source position of every value and mapping key in it."""

    file: str
    data: Any
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    #: Problems found while reading (duplicate keys, impossible dates) that do not stop the
    #: model from being checked too, so one run reports everything.
    problems: list[Problem] = field(default_factory=list)
    #: Values that came from an included file: (path here, that file, path there).
    origins: list[tuple[PathKey, Located, PathKey]] = field(default_factory=list)

    def problem(self, path: PathKey, message: str, *, at_key: bool = False) -> Problem:
        """A problem located at ``path`` (or the nearest enclosing value that exists).

        A value merged in from an included file is located in that file.
        """
        for prefix, other, there in self.origins:
            if tuple(path[: len(prefix)]) == prefix:
                return other.problem((*there, *path[len(prefix) :]), message, at_key=at_key)
        line, col = location_of(self, path, at_key=at_key)
        return Problem(self.file, line, col, format_path(path), message)


def format_path(path: PathKey) -> str:
    """``("children", 0, "name")`` becomes ``children[0].name``: how a person reads it."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def location_of(located: Located, path: PathKey, *, at_key: bool = False) -> tuple[int, int]:
    """The 1-based line and column of ``path``, falling back to its nearest existing parent."""
    probe = tuple(path)
    while True:
        if at_key and probe in located.keys:
            return located.keys[probe]
        if probe in located.values:
            return located.values[probe]
        if not probe:
            return (1, 1)
        probe = probe[:-1]


class _TooLarge(Exception):
    """More than :data:`MAX_NODES` values: written out (``expanded=False``) or via aliases."""

    def __init__(self, mark: Any, *, expanded: bool = True) -> None:
        self.mark = mark
        self.expanded = expanded


class _TooDeep(Exception):
    """Lists and mappings nested deeper than :data:`MAX_DEPTH`, at the mark where it happened."""

    def __init__(self, mark: Any, *, cycle: bool = False) -> None:
        self.mark = mark
        self.cycle = cycle


class _Refused(yaml.MarkedYAMLError):
    """Well-formed YAML that cpcdocs refuses; libyaml and PyYAML would word it alike."""


class _Bounds:
    """Composer hooks, shared by both loaders: count aliases and bound nesting, before expansion.

    PyYAML composes nested lists and mappings recursively (three Python frames a level), so a
    few hundred ``[`` would end in a RecursionError; a case file needs fewer than ten levels.
    """

    alias_count = 0
    depth = 0
    nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self.nodes += 1
        if self.nodes > MAX_NODES:  # before composing them all: 2 MB is 600,000 values
            raise _TooLarge(self.peek_event().start_mark, expanded=False)  # type: ignore[attr-defined]
        if self.check_event(yaml.AliasEvent):  # type: ignore[attr-defined]
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                event = self.peek_event()  # type: ignore[attr-defined]
                raise _Refused(
                    problem=f"more than {MAX_ALIASES} YAML aliases; refusing to expand them",
                    problem_mark=event.start_mark,
                )
        elif self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):  # type: ignore[attr-defined]
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    raise _TooDeep(self.peek_event().start_mark)  # type: ignore[attr-defined]
                node: Node | None = super().compose_node(parent, index)  # type: ignore[misc]
                return node
            finally:
                self.depth -= 1
        plain: Node | None = super().compose_node(parent, index)  # type: ignore[misc]
        return plain


class _BoundedLoader(_Bounds, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader, bounded: the reference for every syntax message."""


if _CParser is not None:

    class _FastLoader(_Bounds, Composer, _CParser, SafeConstructor, Resolver):
        """libyaml's scanner and parser under PyYAML's composer, constructor and resolver.

        The pure-Python scanner was most of the time of loading a large case (bench/results.md,
        "Measurements behind the design"); libyaml reads the same events far faster. Composing
        stays in Python, so aliases and nesting are bounded exactly as in :class:`_BoundedLoader`.
        """

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            Composer.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = None  # type: ignore[assignment, misc]


_PLAIN_TAGS = frozenset({"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"})
_MERGE_TAG = "tag:yaml.org,2002:merge"
#: Tags a plain key resolves to; its text is kept whichever it is.
_KEY_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "bool", "int", "float", "null", "timestamp")
)


class _Converter:
    """Turn a composed node graph into plain data, recording positions and refusing duplicates."""

    def __init__(self, loader: Any, located: Located) -> None:
        self.loader = loader
        self.located = located
        self.count = 0
        self.problems: list[Problem] = []
        #: The lists and mappings being converted, innermost last. An alias can make one
        #: contain itself (``&a [*a]``) and aliases can stack one deep value inside another,
        #: so the composer's bound alone does not bound this recursion.
        self.open: list[int] = []

    def convert(self, node: Node, path: PathKey) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge(node.start_mark)
        if isinstance(node, ScalarNode):
            return self._convert(node, path)
        if id(node) in self.open:
            raise _TooDeep(node.start_mark, cycle=True)
        if len(self.open) >= MAX_DEPTH:
            raise _TooDeep(node.start_mark)
        self.open.append(id(node))
        try:
            return self._convert(node, path)
        finally:
            self.open.pop()

    def _convert(self, node: Node, path: PathKey) -> Any:
        self.located.values.setdefault(path, _mark(node))
        if not isinstance(node, ScalarNode) and node.tag not in _PLAIN_TAGS:
            # We build lists and mappings ourselves, so a tag on one (`!!python/object/apply`,
            # `!!set`) would be dropped silently; refuse it as the safe loader does on scalars.
            # Reported, not raised: the rest of the file is still checked in the same run.
            self._refuse(
                node, path, f"the tag '{node.tag}' is not allowed; write a plain list or mapping"
            )
            return None
        if isinstance(node, ScalarNode):
            try:
                return self.loader.construct_object(node, deep=True)
            except ValueError as err:
                # PyYAML recognises 2013-19-14 as a timestamp, then fails to build it.
                self._refuse(node, path, f"'{node.value}' is not a real date ({err})")
                return node.value
            except yaml.constructor.ConstructorError:
                self._refuse(node, path, f"the tag '{node.tag}' is not allowed; write plain text")
                return None
        if isinstance(node, SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            result: dict[str, Any] = {}
            merges: list[Node] = []
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    merges.extend(
                        value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                    )
                    continue
                if not isinstance(key_node, ScalarNode):
                    # keys are names; building (and printing) a list key could expand a bomb
                    self._refuse(
                        key_node, path, "a key must be a plain name, not a list or mapping"
                    )
                    continue
                if key_node.tag not in _KEY_TAGS:
                    self._refuse(
                        key_node, path, f"the tag '{key_node.tag}' is not allowed on a key"
                    )
                    continue
                # Keys are names: `yes:` stays "yes" (not True), `2027-01-06:` stays text, and
                # nothing is constructed, so `2013-19-14:` cannot fail to become a date.
                key = key_node.value
                child = (*path, key)
                if key in result:
                    first = self.located.keys[child]
                    self._refuse(
                        key_node, child, f"duplicate key '{key}' (first given on line {first[0]})"
                    )
                    continue
                self.located.keys.setdefault(child, _mark(key_node))
                result[key] = self.convert(value_node, child)
            # `<<: *defaults` fills in the keys this mapping does not set, earlier sources
            # first. PyYAML's flatten_mapping would copy merged pairs before anything counts
            # them (a merge bomb exhausts memory) and make every overridden key a "duplicate".
            for source in merges:
                merged = self.convert(source, path)
                if not isinstance(merged, dict):
                    self._refuse(source, path, "'<<' can only merge mappings")
                    continue
                for key, value in merged.items():
                    result.setdefault(key, value)
            return result
        msg = f"unexpected YAML node {node!r}"
        raise TypeError(msg)  # pragma: no cover

    def _refuse(self, node: Node, path: PathKey, message: str) -> None:
        """Record a problem at ``node`` and carry on, so one run reports the whole file."""
        self.problems.append(Problem(self.located.file, *_mark(node), format_path(path), message))


def _mark(node: Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def load_yaml(path: str | Path, *, what: str = "case file") -> Located:
    """Read one YAML mapping safely, or raise :class:`InvalidInput` naming file, line and column.

    Only the safe loader is used: a case file can never construct Python objects.
    """
    name = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InvalidInput([Problem(name, 1, 1, "", f"{what} not found")]) from None
    except IsADirectoryError:
        raise InvalidInput([Problem(name, 1, 1, "", f"{what} is a folder, not a file")]) from None
    except OSError as err:
        raise InvalidInput(
            [Problem(name, 1, 1, "", f"cannot read {what}: {err.strerror}")]
        ) from err
    if len(raw) > MAX_BYTES:
        raise InvalidInput(
            [Problem(name, 1, 1, "", f"{what} is larger than {MAX_BYTES // 1024 // 1024} MB")]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise InvalidInput(
            [Problem(name, line, column, "", "not UTF-8 text; save the file as UTF-8")]
        ) from None
    located = Located(file=name, data=None)
    loader: Any = None
    try:
        loader, node = _compose(text)
        if node is None:
            raise InvalidInput([Problem(name, 1, 1, "", f"{what} is empty")])
        if not isinstance(node, MappingNode):
            raise InvalidInput(
                [Problem(name, *_mark(node), "", f"{what} must be a mapping of keys to values")]
            )
        converter = _Converter(loader, located)
        located.data = converter.convert(node, ())
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(x for x in (err.context, err.problem) if x)
        raise InvalidInput([Problem(name, line, col, "", f"YAML syntax: {message}")]) from None
    except yaml.YAMLError as err:  # pragma: no cover - PyYAML marks nearly everything
        raise InvalidInput([Problem(name, 1, 1, "", f"YAML syntax: {err}")]) from None
    except _TooLarge as err:
        message = (
            f"{what} expands to more than {MAX_NODES} values (an alias bomb?)"
            if err.expanded
            else f"{what} has more than {MAX_NODES} values"
        )
        line, col = err.mark.line + 1, err.mark.column + 1
        raise InvalidInput([Problem(name, line, col, "", message)]) from None
    except _TooDeep as err:
        message = (
            "this list or mapping contains an alias of itself"
            if err.cycle
            else f"lists and mappings are nested more than {MAX_DEPTH} levels deep"
        )
        line, col = err.mark.line + 1, err.mark.column + 1
        raise InvalidInput([Problem(name, line, col, "", message)]) from None
    finally:
        if loader is not None:
            loader.dispose()
    located.problems = converter.problems
    return located


def _compose(text: str) -> tuple[Any, Node | None]:
    """The document's node graph and the loader that composed it (to construct its scalars).

    libyaml parses when it can; when it finds the text malformed, PyYAML's own parser reads
    it again, so every syntax message (and its position) is the one PyYAML gives. Text with a
    tab goes to PyYAML directly: libyaml accepts ``a: x<tab>y``, which PyYAML (and so
    cpcdocs, always) refuses; the two agree on everything else we know of.
    """
    if _FastLoader is not None and "\t" not in text:
        fast = _FastLoader(text)
        try:
            return fast, fast.get_single_node()
        except _Refused:
            fast.dispose()
            raise
        except yaml.YAMLError:
            fast.dispose()
    loader = _BoundedLoader(text)
    try:
        return loader, loader.get_single_node()
    except BaseException:
        loader.dispose()
        raise


def walk(data: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, Any]]:
    """Every (path, value) pair in nested data, parents before children."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from walk(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from walk(value, (*path, index))
