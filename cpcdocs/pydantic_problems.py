"""Pydantic's validation errors as located, plain-English problems.

Pydantic reports a path through the model ("children.0.date_of_birth") and a message written
for programmers ("Input should be a valid date"). A case file's reader needs the line and
column in their own file, a message in their words ("expected a date written YYYY-MM-DD") and,
for a misspelt key or value, what they probably meant. :func:`pydantic_problems` does that for
any model, the case and the authority profile alike.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import Problem
from .positioned_yaml import Located, PathKey

__all__ = ["pydantic_problems"]


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


def pydantic_problems(located: Located, error: Any, model: type) -> list[Problem]:
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
