"""Languages: the letters' wording through gettext message catalogs, read with Babel.

Every sentence of a letter is a message in ``{% trans %}`` (or ``_()``) in its template, in
English, the source language: English is complete by construction. A council's translation
service translates the messages, not the templates: ``make messages`` (``tools/
extract_messages.py``) writes ``templates/locale/cpcdocs.pot`` with every message of
``templates/letters`` and ``templates/layout``; a translator fills in ``<lang>.po`` from it;
the catalog goes in ``templates/locale/<lang>.po`` or, for one council, in
``<--templates folder>/locale/<lang>.po``, which replaces the built-in catalog of that
language. Catalogs are read as ``.po`` files at run time (no compile step).

A reader's ``language`` decides the letter:

- ``en`` (or none): the English letter, exactly as written in the templates;
- a language with a catalog (``cy``): a bilingual letter, that language first, then English,
  as the Welsh Language Standards require for Welsh. Every message the letter uses must be
  translated: an untranslated message is a :class:`~cpcdocs.errors.RenderError` naming the
  messages and the catalog, never a silently English sentence in a Welsh letter, unless the
  authority profile sets ``language_fallback: english_with_notice`` (then the letter is in
  English with one sentence, in both languages, offering the translation);
- a language with no catalog: the English letter with one sentence, in English, offering an
  interpreter and a translated leaflet.
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.catalog import Catalog as BabelCatalog
from babel.messages.pofile import read_po, write_po

from . import caches
from .errors import RenderError

__all__ = [
    "CATALOG_DOMAIN",
    "ENGLISH",
    "FALLBACK_ENGLISH_WITH_NOTICE",
    "GETTEXT_FUNCTIONS",
    "LOCALE_DIR",
    "REVIEW_FLAG",
    "Catalog",
    "Translator",
    "catalog_languages",
    "catalog_problems",
    "extract_files",
    "extract_messages",
    "find_catalog",
    "html_lang",
    "is_english",
    "label_messages",
    "language_name",
    "load_catalog",
    "localized_date",
    "message_ids",
    "write_template",
]

#: Where catalogs live, relative to the templates tree (built-in or ``--templates``).
LOCALE_DIR = "locale"
CATALOG_DOMAIN = "cpcdocs"
#: The catalog flag (``#, awaiting-translation-review`` on the header) a catalog carries until
#: the council's translation service has reviewed it; ``templates check`` mentions it.
REVIEW_FLAG = "awaiting-translation-review"
FALLBACK_ENGLISH_WITH_NOTICE = "english_with_notice"
#: The functions templates mark messages with: ``_``/``gettext`` and ``ngettext`` as in
#: Jinja's i18n extension, and ``both`` for page furniture that a bilingual letter prints in
#: both languages ("Ein cyf / Our ref"), and ``each`` for a sentence a letter prints once in
#: each language, as (``lang``, text) pairs.
GETTEXT_FUNCTIONS = ("_", "gettext", "ngettext", "both", "each")
#: Folders whose templates hold the letters' wording.
MESSAGE_FOLDERS = ("letters", "layout")


def is_english(language: str | None) -> bool:
    """Whether a reader's language is the source language (``en``, ``en-GB``, ``en_GB``, none)."""
    return not language or language.replace("_", "-").split("-")[0].lower() == "en"


def html_lang(language: str | None) -> str:
    """The ``lang`` attribute for a language: ``en-GB`` for English, else the code as BCP 47."""
    return "en-GB" if is_english(language) else str(language).replace("_", "-")


@caches.memo("i18n: plural rules", maxsize=16)
def _plural_function(expr: str) -> Any:
    return gettext.c2py(expr)


@caches.memo("i18n: Babel locales", maxsize=64)
def _locale(language: str) -> Locale | None:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


def language_name(language: str, *, in_language: str = "en") -> str:
    """A language's name in English ("Polish") or in itself (``in_language=language``)."""
    locale = _locale(language)
    if locale is None:
        return language
    target = _locale(in_language) or Locale("en")
    name = locale.get_display_name(target) or language
    return name[:1].upper() + name[1:]


def localized_date(day: dt.date, language: str | None, *, weekday: bool) -> str | None:
    """A date with the language's month (and day) names, e.g. "Dydd Mercher 6 Ionawr 2027".

    None for English, whose dates the letters spell out themselves (unchanged by locale).
    """
    if is_english(language):
        return None
    locale = _locale(str(language))
    if locale is None:
        return None
    return format_date(day, "EEEE d MMMM y" if weekday else "d MMMM y", locale=locale)


# -- catalogs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalog:
    """One language's translations, as read from its ``.po`` file.

    Attributes:
        language: the catalog's language code (its file name: ``cy`` for ``cy.po``).
        path: the file, for messages that name it.
        messages: each translated message id (a string, or the singular of a plural) to its
            translation (a string, or a tuple of plural forms). Fuzzy and empty entries are not
            here: they are untranslated.
        untranslated: message ids the catalog lists without a usable translation.
        awaiting_review: the header carries the ``awaiting-translation-review`` flag.
        plural: the catalog's plural rule, ``n -> index``.
    """

    language: str
    path: Path
    messages: dict[str, str | tuple[str, ...]]
    untranslated: frozenset[str]
    awaiting_review: bool
    plural_expr: str = "(n != 1)"

    def plural_index(self, n: int) -> int:
        """Which plural form ``n`` takes in this language (gettext's own parser of the rule)."""
        try:
            return int(_plural_function(self.plural_expr)(n))
        except ValueError:
            return 0 if n == 1 else 1


def load_catalog(path: Path, language: str | None = None) -> Catalog:
    """Read a ``.po`` catalog with Babel.

    Raises:
        RenderError: the file cannot be read or is not a catalog (naming the file and line).
    """
    language = language or path.stem
    try:
        with path.open("rb") as handle:
            catalog: BabelCatalog = read_po(handle, locale=None, abort_invalid=True)
    except OSError as err:
        msg = f"{path}: cannot read the catalog: {err.strerror or err}"
        raise RenderError(msg) from err
    except Exception as err:
        line = getattr(err, "lineno", None) or 1
        msg = f"{path}:{line}: not a valid message catalog: {err}"
        raise RenderError(msg) from err
    messages: dict[str, str | tuple[str, ...]] = {}
    untranslated: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
        strings = message.string
        usable = not message.fuzzy and (
            all(strings) if isinstance(strings, (list, tuple)) else bool(strings)
        )
        if usable and isinstance(strings, (list, tuple)):
            messages[key] = tuple(strings)
        elif usable and isinstance(strings, str):
            messages[key] = strings
        else:
            untranslated.add(key)
    review = REVIEW_FLAG in _header_flags(path)
    plural = _plural_expr(catalog)
    return Catalog(
        language=language,
        path=path,
        messages=messages,
        untranslated=frozenset(untranslated),
        awaiting_review=review,
        plural_expr=plural,
    )


def _header_flags(path: Path) -> set[str]:
    """The flags (``#, ...``) written above the header entry (``msgid ""``)."""
    flags: set[str] = set()
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("msgid "):
                    break
                if line.startswith("#,"):
                    flags.update(f.strip() for f in line[2:].split(","))
    except OSError:
        return flags
    return flags


def _plural_expr(catalog: BabelCatalog) -> str:
    """The catalog's ``Plural-Forms`` expression (C syntax, as gettext writes it)."""
    return str(getattr(catalog, "plural_expr", "(n != 1)") or "(n != 1)")


def find_catalog(language: str, roots: Iterable[Path | None]) -> Path | None:
    """The catalog file for ``language``: the first root's ``locale/<language>.po`` that exists.

    ``roots`` are the ``--templates`` folder (a council's own catalogs win) and the built-in
    templates. ``cy_GB`` falls back to ``cy``.
    """
    names = [language.replace("-", "_")]
    if "_" in names[0]:
        names.append(names[0].split("_")[0])
    for root in roots:
        if root is None:
            continue
        for name in names:
            path = root / LOCALE_DIR / f"{name}.po"
            if path.is_file():
                return path
    return None


def catalog_languages(roots: Iterable[Path | None]) -> dict[str, Path]:
    """Every language with a catalog, to its file (a ``--templates`` catalog wins)."""
    found: dict[str, Path] = {}
    for root in roots:
        if root is None or not (root / LOCALE_DIR).is_dir():
            continue
        for path in sorted((root / LOCALE_DIR).glob("*.po")):
            found.setdefault(path.stem, path)
    return found


# -- looking messages up -------------------------------------------------------------------------


class Translator:
    """One language's lookups for one render, remembering every message it could not translate.

    English (``catalog`` None) returns each message as written. With a catalog, a message it
    lacks is recorded in :attr:`missing` and answered in English, so one render finds every
    untranslated message; the renderer then refuses the letter (or falls back, if the profile
    allows) rather than print the English.
    """

    def __init__(self, language: str, catalog: Catalog | None = None) -> None:
        self.language = language
        self.catalog = catalog
        self.missing: dict[str, None] = {}

    @property
    def lang(self) -> str:
        """The ``lang`` attribute of what this translator renders."""
        return html_lang(self.language)

    def gettext(self, message: str) -> str:
        """``message`` in this language."""
        if self.catalog is None:
            return message
        found = self.catalog.messages.get(message)
        if isinstance(found, str):
            return found
        if isinstance(found, tuple) and found:
            return found[0]
        self.missing[message] = None
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form of ``singular``/``plural`` for ``n`` in this language."""
        if self.catalog is None:
            return singular if n == 1 else plural
        found = self.catalog.messages.get(singular)
        if isinstance(found, tuple) and found:
            index = self.catalog.plural_index(n)
            return found[min(max(index, 0), len(found) - 1)]
        if isinstance(found, str):
            return found
        self.missing[singular] = None
        return singular if n == 1 else plural

    def date(self, day: dt.date, *, weekday: bool) -> str | None:
        """A date in this language, or None for English (the filters' own spelling)."""
        return localized_date(day, self.language, weekday=weekday)


ENGLISH = Translator("en")


# -- extraction and checking ---------------------------------------------------------------------


def extract_messages(templates_root: Path, env: Any) -> BabelCatalog:
    """Every message of the letters' and layout's templates under ``templates_root``.

    ``env`` is the Jinja environment the templates are rendered with (its i18n settings decide
    the message ids: ``newstyle`` gettext doubles a literal ``%``). Each message keeps every
    place it occurs, so a translator sees its context.
    """
    files = []
    for folder in MESSAGE_FOLDERS:
        base = templates_root / folder
        if base.is_dir():
            files += [
                (p.relative_to(templates_root).as_posix(), p) for p in sorted(base.glob("*.j2"))
            ]
    return extract_files(files, env)


def label_messages() -> dict[str, str]:
    """The labels views hand to letters, each with where it comes from.

    "initial child protection conference", "neglect": templates print them through ``_()``,
    so they are messages like any other, though no template spells them out.
    """
    from . import labels as views  # the label tables the views print
    from .model import Relationship
    from .nations import NATIONS

    found: dict[str, str] = {}
    tables = {
        "CONFERENCE_TYPE_LABELS": views.CONFERENCE_TYPE_LABELS,
        "OUTCOME_LABELS": views.OUTCOME_LABELS,
        "CATEGORY_LABELS": views.CATEGORY_LABELS,
        "PARTICIPATION_LABELS": views.PARTICIPATION_LABELS,
        "ROLE_LABELS": views.ROLE_LABELS,
    }
    for name, table in tables.items():
        for label in table.values():
            found.setdefault(label, f"cpcdocs/views.py:{name}")
    for relationship in Relationship:
        found.setdefault(relationship.value.replace("_", " "), "cpcdocs/views.py:relationship")
    found.setdefault("child protection conference", "cpcdocs/views.py:type_label")
    for nation in NATIONS.values():
        for term in nation.terms.values():
            found.setdefault(term, f"cpcdocs/nations.py:{nation.key}")
    return found


def extract_files(files: Iterable[tuple[str, Path]], env: Any) -> BabelCatalog:
    """The messages of these templates (relative name, file) as a Babel catalog.

    The labels of :func:`label_messages` come first.
    """
    catalog = BabelCatalog(
        project="cpcdocs",
        domain=CATALOG_DOMAIN,
        msgid_bugs_address="",
        copyright_holder="",
        fuzzy=False,
    )
    for label, where in label_messages().items():
        catalog.add(label, locations=[(where, 0)])
    for relative, path in files:
        source = path.read_text(encoding="utf-8")
        for lineno, function, message in env.extract_translations(
            source, gettext_functions=GETTEXT_FUNCTIONS
        ):
            if isinstance(message, tuple):
                strings = tuple(m for m in message if isinstance(m, str))
                if function == "ngettext" and len(strings) >= 2:
                    catalog.add(strings[:2], locations=[(relative, lineno)])
                elif strings:
                    catalog.add(strings[0], locations=[(relative, lineno)])
            elif isinstance(message, str):
                catalog.add(message, locations=[(relative, lineno)])
    return catalog


def message_ids(template_catalog: BabelCatalog) -> list[str]:
    """The message ids of an extracted catalog, in order (plurals by their singular)."""
    out: list[str] = []
    for message in template_catalog:
        if not message.id:
            continue
        out.append(message.id[0] if isinstance(message.id, (list, tuple)) else message.id)
    return out


def catalog_problems(catalog: Catalog, wanted: Iterable[str], shown_path: str) -> list[str]:
    """Each message of the templates ``catalog`` does not translate, as ``FILE:1: ...``."""
    problems = []
    for message in wanted:
        if message not in catalog.messages:
            short = " ".join(message.split())
            if len(short) > 70:
                short = short[:67] + "..."
            problems.append(
                f"{shown_path}:1: untranslated message in the {catalog.language} catalog: “{short}”"
            )
    return problems


def write_template(catalog: BabelCatalog, path: Path) -> None:
    """Write ``catalog`` as a ``.pot`` (no dates, so an unchanged wording leaves it unchanged)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.header_comment = (
        "# Messages of the cpcdocs letters (templates/letters, templates/layout), in English.\n"
        "# Generated by `make messages` (tools/extract_messages.py); do not edit: translate a\n"
        "# copy as templates/locale/<lang>.po, or <--templates folder>/locale/<lang>.po."
    )
    catalog.creation_date = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    catalog.revision_date = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=False)
