"""Load stage: bytes on disk to plain Python data that remembers where each value came from.

Administrators fix case files by hand, so every problem must point at a line and column. PyYAML's
safe loader gives us nodes with marks; we convert nodes to plain data ourselves so that we can
(a) record the position of every key and value, (b) refuse duplicate keys, which PyYAML silently
overwrites, and (c) bound the work an alias bomb can cause before anything expands it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import InvalidInput, Problem

__all__ = ["MAX_ALIASES", "MAX_BYTES", "MAX_NODES", "Located", "load_yaml", "location_of"]

#: Largest case file accepted. The contract example is 7 KB; a whole authority's worth of
#: information items stays far below this.
MAX_BYTES = 2 * 1024 * 1024
#: Aliases are legitimate (a shared contingency text) but a handful is plenty.
MAX_ALIASES = 100
#: Values produced after alias expansion; an alias bomb hits this long before memory does.
MAX_NODES = 200_000

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


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases while composing, before anything is expanded."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_count = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                event = self.peek_event()
                raise yaml.MarkedYAMLError(
                    problem=f"more than {MAX_ALIASES} YAML aliases; refusing to expand them",
                    problem_mark=event.start_mark,
                )
        return super().compose_node(parent, index)


_PLAIN_TAGS = frozenset({"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"})
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _TooLarge(Exception):
    def __init__(self, node: Node) -> None:
        self.node = node


class _Converter:
    """Turn a composed node graph into plain data, recording positions and refusing duplicates."""

    def __init__(self, loader: _BoundedLoader, located: Located) -> None:
        self.loader = loader
        self.located = located
        self.count = 0
        self.problems: list[Problem] = []

    def convert(self, node: Node, path: PathKey) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge(node)
        self.located.values.setdefault(path, _mark(node))
        if not isinstance(node, ScalarNode) and node.tag not in _PLAIN_TAGS:
            # We build lists and mappings ourselves, so a tag on one (`!!python/object/apply`,
            # `!!set`) would be dropped silently; refuse it as the safe loader does on scalars.
            raise yaml.MarkedYAMLError(
                problem=f"the tag '{node.tag}' is not allowed; write a plain list or mapping",
                problem_mark=node.start_mark,
            )
        if isinstance(node, ScalarNode):
            try:
                return self.loader.construct_object(node, deep=True)
            except ValueError as err:
                # PyYAML recognises 2013-19-14 as a timestamp, then fails to build it.
                self.problems.append(
                    Problem(
                        self.located.file,
                        *_mark(node),
                        format_path(path),
                        f"'{node.value}' is not a real date ({err})",
                    )
                )
                return node.value
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
                    raise yaml.MarkedYAMLError(
                        problem="a key must be a plain name, not a list or mapping",
                        problem_mark=key_node.start_mark,
                    )
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    # YAML turns `yes:` into True and `2027-01-06:` into a date; keys here are
                    # always names, so keep the text the author wrote.
                    key = key_node.value if isinstance(key_node, ScalarNode) else str(key)
                child = (*path, key)
                if key in result:
                    first = self.located.keys[child]
                    self.problems.append(
                        Problem(
                            self.located.file,
                            *_mark(key_node),
                            format_path(child),
                            f"duplicate key '{key}' (first given on line {first[0]})",
                        )
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
                    raise yaml.MarkedYAMLError(
                        problem="'<<' can only merge mappings", problem_mark=source.start_mark
                    )
                for key, value in merged.items():
                    result.setdefault(key, value)
            return result
        msg = f"unexpected YAML node {node!r}"
        raise TypeError(msg)  # pragma: no cover


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
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
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
        raise InvalidInput(
            [
                Problem(
                    name,
                    *_mark(err.node),
                    "",
                    f"{what} expands to more than {MAX_NODES} values (an alias bomb?)",
                )
            ]
        ) from None
    finally:
        loader.dispose()
    located.problems = converter.problems
    return located


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
                message = _plain(item["msg"])
            problem = located.problem(path, message)
        marker = (tuple(path), message)
        if marker in seen:
            continue  # a union reports each branch; one line is enough
        seen.add(marker)
        problems.append(problem)
    return problems


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


def load_case(path: str | Path, *, includes: bool = True) -> Any:
    """Load and validate a case file, or raise :class:`InvalidInput` with every problem in it.

    ``includes=False`` leaves out the files named by ``include:`` (``collect`` rewrites them).
    """
    from pydantic import ValidationError

    from .model import Case, reference_problems

    located = load_yaml(path)
    problems: list[Problem] = list(located.problems)
    problems.extend(_merge_includes(located, Path(path), merge=includes))
    case = None
    try:
        case = Case.model_validate(located.data)
    except ValidationError as err:
        problems.extend(_pydantic_problems(located, err, Case))
    problems.extend(located.problem(p, m) for p, m in reference_problems(located.data))
    if problems:
        raise InvalidInput(_dedupe(problems))
    return case


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
    """One problem per field: the reader's own diagnosis beats pydantic's echo of it."""
    seen: set[tuple[str, str]] = set()
    out = []
    for problem in problems:
        if problem.path and (problem.file, problem.path) in seen:
            continue
        seen.add((problem.file, problem.path))
        out.append(problem)
    return out


def load_authority(path: str | Path) -> Any:
    """Load and validate an authority profile file."""
    from pydantic import ValidationError

    from .authority import Authority

    located = load_yaml(path, what="authority profile")
    problems = list(located.problems)
    try:
        authority = Authority.model_validate(located.data)
    except ValidationError as err:
        problems.extend(_pydantic_problems(located, err, Authority))
    if problems:
        raise InvalidInput(_dedupe(problems))
    return authority.model_copy(update={"base_dir": Path(path).resolve().parent})


def resolve_authority(case: Any, explicit: str | Path | None = None, *, case_file: str = "") -> Any:
    """The authority profile for a case, by the contract's lookup order."""
    from .authority import builtin_authorities, find_authority_file

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
    return load_authority(found)
