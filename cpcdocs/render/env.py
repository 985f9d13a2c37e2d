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
import os
import re
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from pathlib import Path, PurePath
from typing import Any

from jinja2 import (
    BytecodeCache,
    ChoiceLoader,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    Template,
    pass_context,
    pass_environment,
)
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from ..authority import templates_root
from ..enclosures import enclosures
from ..i18n import ENGLISH, Translator

__all__ = [
    "CURRENT_TRANSLATORS",
    "FILTERS",
    "TRANSLATOR",
    "TRANSLATORS",
    "address_lines",
    "date_long",
    "date_short",
    "join_names",
    "letterhead_sizes",
    "make_environment",
    "possessive",
    "venue_line",
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


def venue_line(name: str | None, address: Iterable[str] | None = ()) -> str:
    """A venue on one line, each place named once.

    A venue's name often starts with its building ("Civic Centre, Meeting Room 4") and its
    address with the same building ("Civic Centre, Market Street, ..."): an address line that
    the name already holds (as one of its comma-separated parts, ignoring case and spacing)
    is left out, so a letter never says "Civic Centre, Meeting Room 4, Civic Centre".
    """

    def key(text: str) -> str:
        return " ".join(text.split()).casefold()

    parts = [p.strip() for p in (name or "").split(",") if p.strip()]
    seen = {key(p) for p in parts}
    for line in address or ():
        text = str(line).strip()
        if text and key(text) not in seen:
            seen.add(key(text))
            parts.append(text)
    return ", ".join(parts)


#: The letterhead's organisation block: the width its text may use (110 mm less the logo and
#: the rule), the height it may fill before it reaches the reference block (26 mm), and the
#: average advance of a Liberation Sans character (bold runs wider) in ems.
_LETTERHEAD_WIDTH_MM = 78.0
_LETTERHEAD_HEIGHT_MM = 25.0
_EM_REGULAR = 0.52
_EM_BOLD = 0.58
_PT_MM = 25.4 / 72


def _lines_at(text: str, size_pt: float, em: float) -> int:
    """How many lines ``text`` takes at ``size_pt`` in the letterhead's width (word wrap)."""
    per_line = max(1, int(_LETTERHEAD_WIDTH_MM / (size_pt * _PT_MM * em)))
    lines, used = 1, 0
    for word in text.split():
        length = len(word)
        while length > per_line:  # a word longer than a line breaks anywhere
            lines += 1 if used else 0
            length -= per_line
            used = 0
        if used and used + 1 + length > per_line:
            lines += 1
            used = length
        else:
            used += (1 if used else 0) + length
    return lines


def letterhead_sizes(
    name: str, service: str = "", partnership: str | None = None
) -> dict[str, float]:
    """Type sizes (points) that fit the letterhead's name, service and partnership lines.

    The letterhead sits above the reference block ("Our ref", "Date") in a box of fixed
    height, so a long council name ("Royal Borough of Windsor and Maidenhead Council") and a
    long service line must shrink rather than push into it. Full size (14, 10.5 and 8 pt)
    when everything fits; otherwise all three shrink together, in half points, until the
    wrapped lines fit the height, never below 7 pt for the name. Estimates use average
    character widths, with a margin, so a real line is never wider than the estimate.
    """
    scale = 1.0
    sizes: dict[str, float] = {}
    while True:
        sizes = {
            "name": round(14.0 * scale * 2) / 2,
            "service": round(10.5 * scale * 2) / 2,
            "partnership": max(6.0, round(8.0 * scale * 2) / 2),
        }
        height = _lines_at(name, sizes["name"], _EM_BOLD) * sizes["name"] * 1.25
        if service:
            height += _lines_at(service, sizes["service"], _EM_REGULAR) * sizes["service"] * 1.25
        if partnership:
            lines = _lines_at(partnership, sizes["partnership"], _EM_REGULAR)
            height += lines * sizes["partnership"] * 1.25 + 0.8 / _PT_MM
        if height * _PT_MM <= _LETTERHEAD_HEIGHT_MM or sizes["name"] <= 7.0:
            return sizes
        scale -= 0.05


#: The render context's names for the reader's language: the :class:`~cpcdocs.i18n.Translator`
#: the wording is rendered in, and (layout only) every language of a bilingual letter in order.
TRANSLATOR = "cpcdocs_translator"
TRANSLATORS = "cpcdocs_translators"


#: The languages of the document being written, for templates rendered without them in their
#: context: the Word layout's header and footer (docxtpl renders those with the view alone).
#: The renderer sets it around writing a DOCX; unset, everything is English.
CURRENT_TRANSLATORS: ContextVar[tuple[Translator, ...] | None] = ContextVar(
    "cpcdocs_translators", default=None
)


def _translators(context: Context) -> list[Translator]:
    found = context.get(TRANSLATORS)
    if found:
        return list(found)
    current = CURRENT_TRANSLATORS.get()
    if current:
        return list(current)
    return [_translator(context)]


def _translator(context: Context) -> Translator:
    found = context.get(TRANSLATOR)
    if isinstance(found, Translator):
        return found
    current = CURRENT_TRANSLATORS.get()
    return current[0] if current else ENGLISH


def _format(context: Context, text: str, variables: dict[str, Any]) -> str:
    """A translated message with its variables: escaped when autoescaping, XML-safe always."""
    values = {
        k: xml_safe(v) if isinstance(v, str) and not hasattr(v, "__html__") else v
        for k, v in variables.items()
    }
    if context.eval_ctx.autoescape:
        return Markup(text) % values
    return text % values


@pass_context
def _gettext(context: Context, message: str, **variables: Any) -> str:
    """``_("...")`` and ``{% trans %}``: the message in the reader's language (newstyle)."""
    if not isinstance(message, str):  # ``_(child.category_label)`` of a child without one
        return message
    return _format(context, _translator(context).gettext(message), variables)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
    """``{% trans count=n %}...{% pluralize %}...{% endtrans %}`` in the reader's language."""
    variables.setdefault("num", num)
    text = _translator(context).ngettext(singular, plural, num)
    return _format(context, text, variables)


@pass_context
def _both(context: Context, message: str, **variables: Any) -> str:
    """Page furniture in every language of the letter: "Ein cyf / Our ref" when bilingual."""
    translators = _translators(context)
    texts = [_format(context, t.gettext(message), variables) for t in translators]
    texts = list(dict.fromkeys(texts))
    if context.eval_ctx.autoescape:
        return Markup(" / ").join(texts)
    return " / ".join(texts)


@pass_context
def _each(context: Context, message: str, **variables: Any) -> list[tuple[str, str]]:
    """A sentence in every language of the letter, in order, as (``lang``, text) pairs."""
    translators = _translators(context)
    return [(t.lang, _format(context, t.gettext(message), variables)) for t in translators]


@pass_context
def _date_short_in(context: Context, value: Any) -> str:
    """``date_short`` in the reader's language ("6 Ionawr 2027" in Welsh)."""
    day = _as_date(value)
    return _translator(context).date(day, weekday=False) or date_short(day)


@pass_context
def _date_long_in(context: Context, value: Any) -> str:
    """``date_long`` in the reader's language ("Dydd Mercher 6 Ionawr 2027" in Welsh)."""
    day = _as_date(value)
    return _translator(context).date(day, weekday=True) or date_long(day)


@pass_context
def _join_names_in(context: Context, items: Iterable[Any], conjunction: str = "and") -> str:
    """``join_names`` with the reader's word for "and"."""
    return join_names(items, _translator(context).gettext(conjunction))


FILTERS: dict[str, Callable[..., Any]] = {
    "date_long": date_long,
    "date_short": date_short,
    "address_lines": address_lines,
    "enclosures": enclosures,
    "join_names": join_names,
    "letterhead_sizes": letterhead_sizes,
    "possessive": possessive,
    "venue_line": venue_line,
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
        extensions=["jinja2.ext.i18n"],
        bytecode_cache=_bytecode_cache(flavour),
    )
    env.cpcdocs_flavour = flavour
    env.filters.update(FILTERS)
    # Dates and "and" follow the reader's language; English output is what the plain
    # filters give, unchanged.
    env.filters.update(
        date_short=_date_short_in, date_long=_date_long_in, join_names=_join_names_in
    )
    # Newstyle gettext: variables are formatted by the call, escaped under autoescape, and a
    # message whose variable is misspelt fails like any other undefined name.
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext, both=_both, each=_each)
    return env


def _bytecode_cache(flavour: str) -> BytecodeCache | None:
    """Jinja's compiled templates kept on disk between runs, or None where that is not safe.

    Compiling the letters' templates was a fifth of a cold ``render`` of a whole pack, spent
    again by every run. Jinja's own :class:`FileSystemBytecodeCache` keeps them in a folder
    only this user can write (it refuses one that another user owns or can write), writes each
    file atomically, and recompiles when a template's source changes (its checksum is in the
    file). The file name carries the flavour and this cpcdocs version, since the flavours
    compile the same source with different whitespace rules.
    """
    if os.environ.get("CPCDOCS_NO_BYTECODE_CACHE"):
        return None
    from .. import __version__

    try:
        return FileSystemBytecodeCache(pattern=f"cpcdocs-{__version__}-{flavour}-%s.cache")
    except (OSError, RuntimeError):  # no safe temporary folder: compile every run
        return None


def _finalize(value: Any) -> Any:
    """Every printed ``{{ value }}``: without the control characters a file cannot hold.

    A stray vertical tab pasted into a case file would make a DOCX unreadable and print a
    missing-glyph box in a PDF. Markup (already checked output) passes untouched.
    """
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return xml_safe(value)
    return value
