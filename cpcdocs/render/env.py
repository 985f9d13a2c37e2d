"""The one Jinja environment every template is rendered with, and the filters letters use.

Sandboxed (a template can read its view and nothing else), ``StrictUndefined`` (a misspelt
field is an error with a file and line, never a silently blank sentence) and autoescaped (a
case value holding ``<``, ``&``, ``{{`` or ``{%`` is printed literally). The DOCX flavour has the
same filters and escaping, and is handed to docxtpl so that Word templates follow the same
rules as HTML ones.

Templates are looked up in the ``--templates`` override folder first, then among the built-in
ones, by the same relative name (``letters/invitation.html.j2``): a council replaces one letter
by dropping one file in a folder.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, Template, pass_environment
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from ..authority import templates_root

__all__ = [
    "FILTERS",
    "address_lines",
    "date_long",
    "date_short",
    "join_names",
    "make_environment",
    "possessive",
    "xml_safe",
]

# Month and day names are spelt out here rather than taken from strftime, which follows the
# process locale: a letter must not turn French because of a server setting.
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Characters XML 1.0 forbids (C0 controls other than tab, newline and carriage return, the
# surrogates and two non-characters). A case value holding one would make an unreadable DOCX.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML cannot hold."""
    return _XML_INVALID.sub("", text)


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    msg = f"expected a date, got {type(value).__name__}"
    raise TypeError(msg)


def date_short(value: Any) -> str:
    """``6 January 2027``."""
    day = _as_date(value)
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def date_long(value: Any) -> str:
    """``Wednesday 6 January 2027``."""
    day = _as_date(value)
    return f"{_DAYS[day.weekday()]} {date_short(day)}"


def _name_of(item: Any) -> str:
    return item if isinstance(item, str) else str(getattr(item, "name", item))


def join_names(items: Iterable[Any], conjunction: str = "and") -> str:
    """``A``, ``A and B``, ``A, B and C`` (no Oxford comma); items are names or have ``.name``."""
    names = [_name_of(i) for i in items]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def possessive(name: Any) -> str:
    """``Maya's``, ``James's`` (a straight apostrophe; ``'s`` after every name, as in speech)."""
    text = _name_of(name)
    return f"{text}'" if text.endswith("s'") else f"{text}'s"


def _html_address_lines(lines: Iterable[str] | None, sep: str | None = None) -> str | Markup:
    """HTML: the lines escaped and joined by ``<br>``; with ``sep``, plain text joined by it."""
    items = [str(line) for line in (lines or ()) if str(line).strip()]
    if sep is not None:
        return sep.join(items)
    return Markup("<br>").join(escape(line) for line in items)


def _docx_address_lines(lines: Iterable[str] | None, sep: str | None = None) -> str:
    """DOCX: joined by newlines, which docxtpl turns into line breaks, or by ``sep``."""
    items = [str(line) for line in (lines or ()) if str(line).strip()]
    return ("\n" if sep is None else sep).join(items)


@pass_environment
def address_lines(env: Any, lines: Iterable[str] | None, sep: str | None = None) -> str | Markup:
    """An address, one line each: ``<br>`` in HTML, line breaks in Word; ``sep`` joins instead."""
    if getattr(env, "cpcdocs_flavour", "html") == "docx":
        return _docx_address_lines(lines, sep)
    return _html_address_lines(lines, sep)


FILTERS: dict[str, Callable[..., Any]] = {
    "date_long": date_long,
    "date_short": date_short,
    "address_lines": address_lines,
    "join_names": join_names,
    "possessive": possessive,
}


#: What a template may read of a path in its view: ``{{ path }}`` prints it, and these describe
#: it (``as_uri`` for an ``<img src>``); ``read_text``, ``open``, ``parent`` and the rest are
#: refused, so a template reads no file.
_PATH_ATTRIBUTES = frozenset({"name", "stem", "suffix", "as_uri", "as_posix"})


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox with one addition: ``from_string`` remembers what it compiled.

    docxtpl compiles a Word template's whole XML with ``from_string`` on every render; the XML of
    a given template is the same every time, so a batch pays for compiling it once.
    """

    cpcdocs_flavour = "html"

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """The sandbox's rules, and paths (logo, signature) that print but cannot open files.

        (batch) Every rule here and in Jinja's immutable sandbox is decided by the object's
        type and the attribute's name alone (a leading underscore, a function's or a frame's
        internals, a list's or a dict's mutating methods, a path's file methods), so each
        decision is remembered by (type, name): a letter asks some two hundred times.
        """
        key = (type(obj), attr)
        safe = self._safe.get(key)
        if safe is None:
            if isinstance(obj, PurePath) and attr not in _PATH_ATTRIBUTES:
                safe = False
            else:
                safe = bool(super().is_safe_attribute(obj, attr, value))
            self._safe[key] = safe
        return safe

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._compiled: dict[str, Template] = {}
        self._safe: dict[tuple[type, str], bool] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        compiled = self._compiled.get(source)
        if compiled is None:
            if len(self._compiled) > 64:
                self._compiled.clear()
            compiled = self._compiled[source] = super().from_string(source)
        return compiled


def make_environment(
    override_dir: Path | None = None, *, flavour: str = "html"
) -> ImmutableSandboxedEnvironment:
    """The shared environment: override folder first, then the built-in templates.

    ``flavour`` is ``html`` (letters, layout) or ``docx`` (handed to docxtpl): the same filters
    and escaping, with ``address_lines`` breaking lines the way each format does. In both,
    characters XML cannot hold are dropped from every printed value.
    """
    loaders = []
    if override_dir is not None:
        loaders.append(FileSystemLoader(str(override_dir)))
    loaders.append(FileSystemLoader(str(templates_root())))
    env = _Environment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=True,
        # Wording authors get tidy whitespace; docxtpl expects Jinja's defaults.
        trim_blocks=flavour == "html",
        lstrip_blocks=flavour == "html",
        auto_reload=False,
        finalize=_finalize,
    )
    env.cpcdocs_flavour = flavour
    env.filters.update(FILTERS)
    return env


def _finalize(value: Any) -> Any:
    """Every printed ``{{ value }}``: without the control characters a file cannot hold.

    A stray vertical tab pasted into a case file would make a DOCX unreadable and print a
    missing-glyph box in a PDF. Markup (already checked output) passes untouched.
    """
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return xml_safe(value)
    return value
