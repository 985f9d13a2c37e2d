"""Load stage: bytes on disk to plain Python data that remembers where each value came from.

Administrators fix case files by hand, so every problem must point at a line and column. PyYAML's
safe loader gives us nodes with marks; we convert nodes to plain data ourselves so that we can
(a) record the position of every key and value, (b) refuse duplicate keys, which PyYAML silently
overwrites, and (c) bound the work an alias bomb can cause before anything expands it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from .authority import Authority
    from .model import Case

__all__ = [
    "MAX_ALIASES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "Located",
    "load_yaml",
    "location_of",
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

        The pure-Python scanner costs about 8 µs a token (2.4 s for a 400 KB file); libyaml
        reads the same events in a twentieth of that. Composing stays in Python, so aliases
        and nesting are bounded exactly as in :class:`_BoundedLoader`.
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


# -- typed loading ---------------------------------------------------------------------------------

_MESSAGES = {
    "missing": "required key is missing",
    "date_from_datetime_parsing": "expected a date written YYYY-MM-DD",
    "date_from_datetime_inexact": "expected a date written YYYY-MM-DD",
    "date_parsing": "expected a date written YYYY-MM-DD",
    "date_type": "expected a date written YYYY-MM-DD",
    "string_type": "expected text",
    "list_type": "expected a list",
    "dict_type": "expected a mapping of keys to values",
    "model_type": "expected a mapping of keys to values",
    "model_attributes_type": "expected a mapping of keys to values",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
}


def _pydantic_problems(located: Located, error: Any, model: type) -> list[Problem]:
    """Translate pydantic's errors into located, plain-English problems."""
    import difflib

    problems: list[Problem] = []
    seen: set[tuple[PathKey, str]] = set()
    for item in error.errors(include_url=False):
        loc: PathKey = tuple(item["loc"])
        kind = item["type"]
        path = _trim_loc(located.data, loc)
        if kind == "extra_forbidden":
            key = str(loc[-1])
            owner = _model_at(model, loc[:-1])
            options = sorted(owner.model_fields) if owner is not None else []
            close = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            message = f"unknown key '{key}'{hint}"
            problem = located.problem(loc, message, at_key=True)
        else:
            message = _MESSAGES.get(kind) or _plain(item["msg"])
            if kind == "missing":
                message = f"required key '{loc[-1]}' is missing"
                path = loc[:-1] if loc[:-1] == _trim_loc(located.data, loc[:-1]) else path
            elif kind in ("enum", "literal_error"):
                # With a likely meaning, say that rather than list every value (23 roles)
                meant = _enum_suggestion(item)
                value = item.get("input")
                message = (
                    f"unknown value '{value}' (did you mean '{meant}'?)"
                    if meant
                    else _plain(item["msg"])
                )
            elif kind in _SHAPE_KINDS:
                message += _shape_hint(kind, path, item.get("input"))
            if message == _DATE_EXPECTED:
                message += _date_hint(path, item.get("input"))
            problem = located.problem(path, message)
        marker = (tuple(path), message)
        if marker in seen:
            continue  # a union reports each branch; one line is enough
        seen.add(marker)
        problems.append(problem)
    return problems


def _enum_suggestion(item: dict[str, Any]) -> str | None:
    """``social_worker`` for ``social worker``, ``initial`` for ``Initial``: what was meant."""
    import difflib

    value = item.get("input")
    if not isinstance(value, str):
        return None
    options = re.findall(r"'([^']*)'", str((item.get("ctx") or {}).get("expected", "")))
    wanted = re.sub(r"[\s-]+", "_", value.strip().lower())
    if wanted in options:
        return wanted
    # Stricter than for keys: values share suffixes, and "domestic_abuse" is not physical_abuse.
    close = difflib.get_close_matches(wanted, options, n=1, cutoff=0.75)
    if not close and wanted:  # "emotional" for emotional_abuse, "partial" for part
        close = [o for o in options if o.startswith(wanted) or wanted.startswith(o)]
    return close[0] if len(close) == 1 else None


#: Pydantic error types where the value has the wrong shape, and a rewrite can be suggested.
_SHAPE_KINDS = frozenset({"list_type", "string_type"})
_PLAIN_TEXT = re.compile(r"[\w][\w .'/-]*")
_HINT_LENGTH = 40


def _shape_hint(kind: str, path: PathKey, value: Any) -> str:
    """How to write what was meant: ``; write lives_with: [mother]`` for ``lives_with: mother``.

    Only for short values: a long text given where a list belongs needs a person's judgement.
    """
    if kind == "list_type" and isinstance(value, str | int | float) and not isinstance(value, bool):
        inner = _as_yaml(str(value))
        wrapped = f"[{inner}]"
    elif kind == "string_type" and isinstance(value, list) and len(value) == 1:
        if not isinstance(value[0], str):
            return ""
        wrapped = _as_yaml(value[0])
    else:
        return ""
    if len(wrapped) > _HINT_LENGTH:
        return ""
    key = path[-1] if path and isinstance(path[-1], str) else None
    return f"; write {key}: {wrapped}" if key else f"; write {wrapped}"


_DATE_EXPECTED = "expected a date written YYYY-MM-DD"
#: Ways people write dates that mean one day only; UK practice: the day before the month.
_DATE_FORMATS = (
    ("%d/%m/%Y", True),
    ("%d.%m.%Y", True),
    ("%d-%m-%Y", True),
    ("%d %B %Y", False),
    ("%d %b %Y", False),
    ("%B %d %Y", False),
    ("%Y-%m-%d", False),
    ("%Y/%m/%d", False),
    ("%Y%m%d", False),
)


def _date_hint(path: PathKey, value: Any) -> str:
    """``; write date: 2027-01-06 (day/month/year)`` for ``06/01/2027``, ``6 January 2027``."""
    import datetime as dt

    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    text = re.sub(r"(?<=\d)(st|nd|rd|th)\b|,", "", str(value).strip())
    for pattern, numeric in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if not 1900 <= day.year <= 2100:
            return ""
        key = path[-1] if path and isinstance(path[-1], str) else None
        written = f"{key}: {day.isoformat()}" if key else day.isoformat()
        return f"; write {written}" + (" (day/month/year)" if numeric else "")
    return ""


def _as_yaml(text: str) -> str:
    """``mother`` as is; anything YAML could read otherwise in double quotes."""
    import json

    plain = _PLAIN_TEXT.fullmatch(text) and text.lower() not in ("yes", "no", "true", "false")
    return text if plain else json.dumps(text, ensure_ascii=False)


def _plain(message: str) -> str:
    message = message.replace("Input should be", "expected").replace("Value error, ", "")
    message = message.replace("String should match pattern", "expected text matching")
    return message[0].lower() + message[1:] if message else message


def _trim_loc(data: Any, loc: PathKey) -> PathKey:
    """Drop the parts of a pydantic ``loc`` that name union branches rather than data keys."""
    out: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
            out.append(part)
        elif isinstance(node, dict) and not isinstance(part, int) and str(part) not in node:
            # a missing key: keep it so the message names it; stop descending
            out.append(part)
            break
        else:
            continue
    return tuple(out)


def _model_at(model: type, loc: PathKey) -> Any:
    """The pydantic model class that owns the mapping at ``loc``, for "did you mean"."""
    import typing

    from pydantic import BaseModel

    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            # a dict key such as a child id inside decision.children
            continue
        current = _unwrap(field.annotation, typing)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def _unwrap(annotation: Any, typing: Any) -> Any:
    from pydantic import BaseModel

    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        for inner in typing.get_args(arg):
            found = _unwrap(inner, typing)
            if found is not None:
                return found
    return None


def load_case(path: str | Path, *, includes: bool = True) -> Case:
    """Load and validate a case file, or raise :class:`InvalidInput` with every problem in it.

    ``includes=False`` leaves out the files named by ``include:`` (``collect`` rewrites them).
    """
    from pydantic import ValidationError

    from .model import Case
    from .references import reference_problems, v2_reference_problems

    located = load_yaml(path)
    problems: list[Problem] = list(located.problems)
    problems.extend(_merge_includes(located, Path(path), merge=includes))
    problems.extend(_placeholder_problems(located))
    case = None
    try:
        case = Case.model_validate(located.data)
    except ValidationError as err:
        problems.extend(_pydantic_problems(located, err, Case))
    problems.extend(located.problem(p, m) for p, m in reference_problems(located.data))
    problems.extend(located.problem(p, m) for p, m in v2_reference_problems(located.data))
    if problems or case is None:
        raise InvalidInput(_dedupe(problems))
    return case


def _placeholder_problems(located: Located) -> list[Problem]:
    """Values ``cpcdocs init`` left for the council to fill in (see cpcdocs.placeholders)."""
    from .placeholders import placeholder_problems

    return placeholder_problems(located)


#: What an included file may hold: what ``cpcdocs collect`` writes.
INCLUDABLE = ("reports", "record")


def _merge_includes(located: Located, case_path: Path, *, merge: bool = True) -> list[Problem]:
    """Merge the files named by the case's ``include:`` into its data; the problems found.

    ``include: [returned.yaml]`` names files, relative to the case file, that hold only
    ``reports`` and ``record`` (what ``cpcdocs collect`` writes), so the returned forms can be
    collected again without touching the case file. Their reports follow the case's own; a
    record's keys may come from the case (the chair's ``approved_on``, ``not_sent_to``) or an
    included file (the minute-taker's sections), but not both. The ``include`` key is taken
    out before the model sees the data, and every problem in an included value is located in
    its own file.
    """
    data = located.data
    if not isinstance(data, dict) or "include" not in data:
        return []
    names = data.pop("include")
    if not merge:
        return []
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        return [located.problem(("include",), "expected a list of file names")]
    problems: list[Problem] = []
    for index, name in enumerate(names):
        where = ("include", index)
        if Path(name).is_absolute():
            problems.append(located.problem(where, "name the file relative to the case file"))
            continue
        try:
            other = load_yaml(case_path.parent / name, what="included file")
        except InvalidInput as err:
            if err.problems and err.problems[0].message.endswith("not found"):
                problems.append(located.problem(where, f"included file '{name}' not found"))
            else:
                problems.extend(err.problems)
            continue
        problems.extend(other.problems)
        problems.extend(_merge_one(located, other))
    return problems


def _merge_one(located: Located, other: Located) -> list[Problem]:
    problems = [
        other.problem(
            (key,), f"an included file may hold only {' and '.join(INCLUDABLE)}", at_key=True
        )
        for key in other.data
        if key not in INCLUDABLE
    ]
    data = located.data
    reports = other.data.get("reports")
    if reports is not None:
        if not isinstance(reports, list):
            problems.append(other.problem(("reports",), "expected a list"))
        else:
            mine = data.setdefault("reports", [])
            if not isinstance(mine, list):
                return problems  # the case's own error is reported by the model
            for index, entry in enumerate(reports):
                located.origins.append((("reports", len(mine)), other, ("reports", index)))
                mine.append(entry)
    record = other.data.get("record")
    if record is not None:
        if not isinstance(record, dict):
            problems.append(other.problem(("record",), "expected a mapping of keys to values"))
            return problems
        mine = data.setdefault("record", {})
        if not isinstance(mine, dict):
            return problems
        for key, value in record.items():
            if key in mine:
                line = location_of(located, ("record", key), at_key=True)[0]
                problems.append(
                    other.problem(
                        ("record", key),
                        f"record.{key} is also given in {located.file} (line {line})",
                        at_key=True,
                    )
                )
                continue
            located.origins.append((("record", key), other, ("record", key)))
            mine[key] = value
    return problems


def _dedupe(problems: list[Problem]) -> list[Problem]:
    """One problem per field: the reader's own diagnosis beats pydantic's echo of it.

    A missing key is its own problem, not one of the mapping's: a profile without
    ``chairs_manager`` or ``complaints_manager`` under ``complaints`` hears about both, and a
    child without a name still hears it needs a date of birth. Fields are told apart by file
    too: an included file's ``reports[0]`` is not the case's.
    """
    seen: set[tuple[str, str, str]] = set()
    out = []
    for problem in problems:
        missing = problem.message.startswith("required key '")
        key = (problem.file, problem.path, problem.message if missing else "")
        if problem.path and key in seen:
            continue
        seen.add(key)
        out.append(problem)
    return out


def load_authority(path: str | Path) -> Authority:
    """Load and validate an authority profile file."""
    from pydantic import ValidationError

    from .authority import Authority

    located = load_yaml(path, what="authority profile")
    problems = [*located.problems, *_placeholder_problems(located)]
    base_dir = Path(path).resolve().parent
    try:
        authority = Authority.model_validate(located.data)
        problems.extend(located.problem(k, m) for k, m in authority.missing_images(base_dir))
    except ValidationError as err:
        problems.extend(_pydantic_problems(located, err, Authority))
    if problems:
        raise InvalidInput(_dedupe(problems))
    return authority.model_copy(update={"base_dir": base_dir})


def resolve_authority(
    case: Case, explicit: str | Path | None = None, *, case_file: str = ""
) -> Authority:
    """The authority profile for a case, by the contract's lookup order."""
    from .authority import builtin_authorities, find_authority_file
    from .references import tag_problems

    found = find_authority_file(case.case.authority, explicit, case_file or None)
    if found is None:
        known = ", ".join(sorted(builtin_authorities())) or "none"
        message = (
            f"no authority profile '{case.case.authority}' in ./authorities/ or built in "
            f"(built-in: {known}); pass --authority FILE"
        )
        if case_file:
            # point at the line that names the profile, like every other problem
            located = load_yaml(case_file)
            raise InvalidInput([located.problem(("case", "authority"), message)])
        raise InvalidInput([Problem("<case>", 1, 1, "case.authority", message)])
    authority = load_authority(found)
    # Tags are known only once the profile is: an unknown one is refused here, so validate,
    # check and render all refuse it (a misspelt tag would otherwise withhold nothing).
    located = Located(file=case_file or "<case>", data=None)
    if tag_problems(located, case, authority):
        located = load_yaml(case_file) if case_file else located
        raise InvalidInput(tag_problems(located, case, authority))
    return authority
