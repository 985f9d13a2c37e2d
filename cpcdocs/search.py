"""The leak search: what would reveal a withheld value, in every written form, found in one pass.

The audit (:mod:`cpcdocs.audit`) and the pre-render quote check (:func:`quoted_withheld`) ask
the same question: does this text reveal something withheld from its reader? This module
answers it, in three parts.

**Needles.** Each kind of withheld value is searched the way it could be written:

- free text (information and text items, exclusion summaries): the whole text, every
  distinctive five-word phrase, and its distinctive words (rare in English by ``wordfreq``,
  capitalised names and places, numbers of three or more digits);
- an address: each street-level line (joined to the next when it is as short as "Flat 2"),
  the street name without its number when it is not an everyday one, the postcode spaced and
  unspaced, and the whole address; never a bare town;
- a name: full, first and last, surname first, initials and surname; never a bare first name
  or surname;
- a date: every common UK and US written form;
- a phone number or e-mail address: whole only.

**The excuse set.** A needle found in a file is not evidence when the reader may legitimately
see those words. What a reader may see is *only* the letters' own wording (the literal text of
the templates and the label tables) and the structured values of their view (names, dates,
their own and permitted addresses, the authority's details, deadline labels): never free text,
because free text is exactly where a withheld value gets copied to. A single distinctive word
is a weaker signal, so it is also excused by the reader's visible free text (a word the mother
may read in her own plan is no evidence when it turns up in her letter).

**One pass.** All needles of one reader are compiled into one Aho-Corasick automaton
(``pyahocorasick``) and each text is scanned once, whatever the number of needles: audit time
grows with the text audited, not with text times needles. Texts are compared as normalised
words with a space at each end, so every match is a whole-word match ("Theo" never matches
"Theodore").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import ahocorasick

from .recurring import RecurringCache
from .rules import WithheldItem

__all__ = [
    "NAME_ZIPF",
    "RARE_ZIPF",
    "SHINGLE",
    "Excuse",
    "Hidden",
    "Needle",
    "Quote",
    "SearchPlan",
    "address_needles",
    "boilerplate",
    "date_forms",
    "distinctive_words",
    "document_quotes",
    "haystack",
    "item_needles",
    "name_needles",
    "normalise",
    "parallel_texts",
    "quoted_withheld",
    "search_plan",
    "text_needles",
    "view_fields",
    "view_strings",
    "words",
]

# -- normalisation ------------------------------------------------------------------------------

_TYPOGRAPHY = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\u0060\u00b4", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
        # Invisible characters a tool keeps and a reader never sees: soft hyphen, zero-width
        # space and joiners, word joiner, byte-order mark, bidi marks and embeddings, and the
        # Arabic tatweel (a stretching stroke inside a word).
        **dict.fromkeys(
            "\u00ad\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
            "\u2066\u2067\u2068\u2069\u0640",
            None,
        ),
    }
)
_LINE_BREAK = r"(?:\r\n|[\n\r\u2028\u2029\x0b\x0c\x85])"
#: A word broken at a line end by a soft hyphen (visible or not): "inves-\ntigating".
_SOFT_BREAK = re.compile(r"(\w)\u00ad[ \t]*(?:" + _LINE_BREAK + r"[ \t]*)?(\w)")
_HYPHEN_BREAK = re.compile(r"(\w)-[ \t]*" + _LINE_BREAK + r"\s*(\w)")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


#: Combining marks that stand alone after NFKC (Hebrew points, Arabic vowel marks, a Latin
#: accent with no precomposed letter), removed with the typography: a name is the same
#: without them. Both sides of every comparison pass through here, so they agree.
_MARKS = {cp: None for cp in range(0x300, 0x10000) if unicodedata.category(chr(cp)) == "Mn"}
_CLEAN = {**_TYPOGRAPHY, **_MARKS}


def _strip_marks(text: str) -> str:
    """Combining marks dropped (see :data:`_MARKS`)."""
    return text if text.isascii() else text.translate(_MARKS)


def normalise(text: str, *, join_hyphenation: bool = True) -> str:
    """Text as the audit compares it; applied alike to what is searched for and where.

    NFKC (ligatures such as "ﬁ" become "fi", non-breaking and other spaces become spaces,
    Arabic presentation forms become letters), typographic quotes and dashes to ASCII, soft
    hyphens, zero-width and bidi control characters removed, words hyphenated across a line
    break joined ("inves-\\ntigating" becomes "investigating"), casefolded, and every run of
    whitespace one space.

    ``join_hyphenation=False`` keeps the hyphen instead ("Hollis-\\nWalsh" stays a hyphenated
    name): the audit searches both readings, because it cannot tell a line-end hyphenation from
    a hyphenated name that happened to wrap.
    """
    text = _SOFT_BREAK.sub(r"\1\2", text)
    text = unicodedata.normalize("NFKC", text).translate(_CLEAN)
    if join_hyphenation:
        text = _HYPHEN_BREAK.sub(r"\1\2", text)
    return _SPACE.sub(" ", text.casefold()).strip()


def words(text: str, *, join_hyphenation: bool = True) -> str:
    """Normalised words only, space-separated with a space at each end.

    Punctuation is dropped on both sides, so "Tanner's Row," matches "Tanner’s Row" and
    "14/09/2013" matches "14.09.2013"; the spaces at the ends make every substring test and
    every automaton match a whole-word one ("Theo" never matches "Theodore").
    """
    normal = normalise(text, join_hyphenation=join_hyphenation)
    if _BOUNDARY in normal:
        return " " + " ".join(_WORD_OR_BOUNDARY.findall(normal)).replace(_BOUNDARY, "|") + " "
    return " " + " ".join(_WORD.findall(normal)) + " "


#: Stands for the end of one value and the start of the next inside a text (a private-use
#: character: neither a word character nor a space, so normalisation keeps it); it becomes
#: ``|`` in the words, which no needle holds.
_BOUNDARY = "\ue000"
_WORD_OR_BOUNDARY = re.compile(r"\w+|\ue000")


@functools.lru_cache(maxsize=8192)
def value_words(text: str) -> str:
    """:func:`words` of a short value (a name, an address line, a view string), remembered.

    A pack's views repeat the same strings (the authority's details, names, dates) in every
    reader's excuse set, and a batch worker meets them again in every case.
    """
    return words(text)


_WRAP = re.compile(r"[ \t]*" + _LINE_BREAK + r"[ \t]*")
#: :data:`cpcdocs.extract.VALUES`, the separator of separate values in one chunk.
_VALUES = "\x1e"
#: Letters of the right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko, and their
#: presentation forms).
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_LINES = re.compile(_LINE_BREAK)

#: Texts of at least this length have their haystack remembered when they recur.
_RECURRING_TEXT = 4096
_HAYSTACKS: RecurringCache[tuple[str, bool], str] = RecurringCache(2 * 1024 * 1024)


def haystack(text: str, *, wrapped: bool = False) -> str:
    """:func:`_make_haystack`, remembered for a long text met again (a template's styles).

    The same text gives the same words, so a file is searched exactly as before.
    """
    if len(text) < _RECURRING_TEXT:
        return _make_haystack((text, wrapped))
    return _HAYSTACKS.get((text, wrapped), _make_haystack, len(text))


def _make_haystack(key: tuple[str, bool]) -> str:
    """A file's searchable words, in every reading of its line ends that could hide a value.

    A hyphen at a line end may be hyphenation or a hyphenated name ("Hollis-Walsh"), so both
    readings are searched. In laid-out text (``wrapped``) a word may also be broken at a line
    end with no hyphen at all, so a third reading joins the lines outright. Text holding a
    right-to-left script gets the readings of :func:`_rtl_readings`. Readings are separated by
    ``|``, which no needle holds, so no match spans two readings; so are the separate values
    of a chunk (:data:`cpcdocs.extract.VALUES`: two PDF strings, two attribute values).
    """
    text, wrapped = key
    text = text.replace(_VALUES, _BOUNDARY)
    hay = words(text)
    if _HYPHEN_BREAK.search(text):
        hay += "|" + words(text, join_hyphenation=False)
    if wrapped and "\n" in text:
        hay += "|" + words(_WRAP.sub("", text))
    if _RTL.search(text):
        hay += "".join("|" + words(reading) for reading in _rtl_readings(text))
    return hay


def _rtl_readings(text: str) -> list[str]:
    """The text with each line's right-to-left words put back in reading order, every way.

    PDFium gives the words of a line holding Hebrew or Arabic in an order that depends on the
    line: sometimes the right-to-left run reversed ("حداد نور ليلى" for "ليلى نور حداد"),
    sometimes the left-to-right words around it reversed instead. Rather than guess, each line
    with a right-to-left letter is also read with its right-to-left runs reversed, with the
    whole line reversed, and with both; lines without one are left alone. A name is then
    found in whichever reading is the logical one.
    """

    def runs_reversed(tokens: list[str]) -> list[str]:
        out: list[str] = []
        run: list[str] = []
        for token in tokens:
            if _RTL.search(token):
                run.append(token)
                continue
            out.extend(reversed(run))
            run = []
            out.append(token)
        out.extend(reversed(run))
        return out

    variants: list[list[str]] = [[], [], []]
    for line in _LINES.split(text):
        # Whitespace-separated, so a word joined by a maqaf or hyphen ("בת־שבע") keeps its
        # inner order, as PDFium does; punctuation goes when the reading is made into words.
        tokens = normalise(line).split()
        if not _RTL.search(line):
            for variant in variants:
                variant.append(" ".join(tokens))
            continue
        backwards = tokens[::-1]
        variants[0].append(" ".join(runs_reversed(tokens)))
        variants[1].append(" ".join(backwards))
        variants[2].append(" ".join(runs_reversed(backwards)))
    return ["\n".join(lines) for lines in variants]


# -- distinctive words ---------------------------------------------------------------------------

#: A word is rare in English below this Zipf frequency (``wordfreq``, English): 10**3.5 per
#: billion words, about three in a million. Everyday vocabulary (refuge 3.9, bail 4.0, alarm
#: 4.3, medication 4.2) lies above it and so is never a needle alone; drug names (methadone
#: 3.0, diazepam 2.6, sertraline 2.1), unusual surnames and place names (Northmoor 1.6) and
#: specialist terms lie below. The reader's own allowed words are taken out first, so the
#: threshold decides only how much of a withheld item's vocabulary is evidence on its own.
RARE_ZIPF = 3.5
#: A capitalised word is a name or a place below this frequency (Quinn 3.9, Walsh 3.9, Maya
#: 3.9); capitalised everyday words (Police 4.9, Road 5.2, School 5.7) lie above it.
NAME_ZIPF = 4.5
#: A phrase whose every word is at least this common ("and she said that he") is no evidence.
COMMON_ZIPF = 6.0
#: Phrase length for free text. Five words is long enough that ordinary wording rarely
#: repeats a case's phrase, short enough that a paraphrase keeping one clause is still caught.
SHINGLE = 5
#: A run of everyday words this long shared with a withheld item is a copy, not chance.
LONG_SHINGLE = 8

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
#: Capitalised words that are never names: titles, months, days.
_NOT_NAMES = frozenset(
    w.casefold()
    for w in (
        "Mr Mrs Ms Miss Mx Dr Prof Sir Dame Rev PC DC DS Sgt Insp Cllr "
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday "
        "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec " + " ".join(_MONTHS)
    ).split()
)


@functools.lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """How common a (casefolded) word is in English, on the Zipf scale (0 for unknown words).

    ``wordfreq``'s small English list holds every word down to Zipf 3, below every threshold
    here, so it decides exactly as the large one would, and loads faster.
    """
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en", wordlist="small")


def _is_distinctive(token: str) -> bool:
    """One word of free text that would, alone, point to the item it came from."""
    low = _strip_marks(token.casefold())
    if low.isdigit():
        return len(low) >= 3
    if len(low) < 3 or low in _NOT_NAMES or any(ch.isdigit() for ch in low):
        return False
    frequency = zipf(low)
    return frequency < RARE_ZIPF or (token[:1].isupper() and frequency < NAME_ZIPF)


def distinctive_words(text: str) -> list[str]:
    """The words of ``text`` that are evidence alone: rare words, names, places, numbers.

    A capitalised word is a name or a place when it is not an everyday word (below
    :data:`NAME_ZIPF`), except at the start of a sentence, where only rarity counts. Returned
    normalised (casefolded), once each, in order.
    """
    prepared = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY)
    found: dict[str, None] = {}
    sentence_start = True
    for match in _TOKEN_OR_STOP.finditer(prepared):
        token = match.group(0)
        if not token[0].isalnum() and token[0] != "_":
            sentence_start = True
            continue
        # A capitalised word opening a sentence may be any word: judged by rarity alone.
        if _is_distinctive(token.casefold() if sentence_start else token):
            found.setdefault(_strip_marks(token.casefold()), None)
        sentence_start = False
    return list(found)


#: A word, or a sentence end (after which a capital letter says nothing).
_TOKEN_OR_STOP = re.compile(r"\w+|[.!?:;\n]")


def _distinctive_phrase(tokens: Sequence[str]) -> bool:
    """A phrase with at least one word that is not among the commonest words of English."""
    return any(tok.isdigit() or zipf(tok) < COMMON_ZIPF for tok in tokens)


# -- needles ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Needle:
    """One word string whose presence reveals a withheld value.

    ``words`` is normalised, space-separated, with a space at each end (:func:`words`).
    ``single`` marks a distinctive word of free text: weaker evidence, also excused by the
    reader's visible free text.
    """

    words: str
    single: bool = False
    #: A phrase of everyday words only (no name, rare word or number): two people's notes
    #: share such phrases by chance ("told the social worker that"), so, like a single word,
    #: it is also excused by the reader's visible free text. A copy is still caught by the
    #: item's whole text and by its longer runs (:data:`LONG_SHINGLE`), which are not.
    everyday: bool = False

    @property
    def weak(self) -> bool:
        """Excused by the reader's visible free text too, not only by the letters' wording."""
        return self.single or self.everyday


def _worth_searching(needle: str) -> bool:
    """A lone short number ("15", "2") would match every date and time: not evidence."""
    tokens = needle.split()
    return bool(tokens) and not (len(tokens) == 1 and tokens[0].isdigit() and len(tokens[0]) < 3)


def text_needles(text: str) -> list[Needle]:
    """Free text: the whole text, its distinctive five-word phrases and distinctive words."""
    whole = value_words(text)
    tokens = whole.split()
    out: list[Needle] = []
    if len(tokens) > 1 or (tokens and _is_distinctive(tokens[0])):
        out.append(Needle(whole, single=len(tokens) == 1))
    distinct = distinctive_words(text)
    marked = frozenset(distinct)

    def everyday(phrase: Sequence[str]) -> bool:
        # no name, rare word or long number of this text: words anyone's notes might share
        return not any(tok in marked for tok in phrase)

    for i in range(len(tokens) - SHINGLE + 1):
        phrase = tokens[i : i + SHINGLE]
        if _distinctive_phrase(phrase):
            out.append(Needle(" " + " ".join(phrase) + " ", everyday=everyday(phrase)))
    for i in range(len(tokens) - LONG_SHINGLE + 1):
        phrase = tokens[i : i + LONG_SHINGLE]
        if everyday(phrase) and _distinctive_phrase(phrase):
            out.append(Needle(" " + " ".join(phrase) + " "))
    out.extend(Needle(f" {word} ", single=True) for word in distinct)
    return out


#: A UK postcode anywhere in an address line.
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.IGNORECASE)
#: Words naming a kind of street or building, which say nothing alone.
_STREET_WORDS = frozenset(
    [
        "road",
        "street",
        "lane",
        "avenue",
        "close",
        "drive",
        "way",
        "court",
        "place",
        "crescent",
        "grove",
        "gardens",
        "terrace",
        "row",
        "square",
        "walk",
        "hill",
        "park",
        "view",
        "flat",
        "flats",
        "house",
        "apartment",
        "apartments",
        "unit",
        "floor",
        "the",
        "of",
        "and",
        "st",
        "rd",
        "ave",
    ]
)


def address_needles(lines: Sequence[str]) -> list[Needle]:
    """An address: street-level lines, the street name, the postcode, the whole address.

    A street-level line is the first line or one with a digit in it; one of two words or
    fewer ("Flat 2", "The Willows") is searched joined to the next line, because alone it
    names half the country. A bare town line is never a needle: the reader may live there
    too. The street without its house number ("Wren Road" for "41 Wren Road") is a needle
    when one of its words is not an everyday one, so a street named in free text is found.
    """
    clean = [line.strip() for line in lines if line and line.strip()]
    found: dict[str, None] = {}

    def add(value: str) -> None:
        needle = value_words(value)
        if _worth_searching(needle):
            found.setdefault(needle, None)

    if clean:
        add(" ".join(clean))
    for i, line in enumerate(clean):
        rest = line
        for match in _POSTCODE.finditer(line):
            add(f"{match.group(1)} {match.group(2)}")
            add(match.group(1) + match.group(2))
            rest = rest.replace(match.group(0), " ")
        tokens = value_words(rest).split()
        if not tokens or not (i == 0 or any(ch.isdigit() for ch in rest)):
            continue
        if len(tokens) <= 2 and i + 1 < len(clean):
            add(f"{rest} {clean[i + 1]}")
        else:
            add(rest)
        street = [t for t in tokens if not any(ch.isdigit() for ch in t)]
        if (
            len(street) >= 2
            and len(street) < len(tokens)
            and any(t not in _STREET_WORDS and zipf(t) < NAME_ZIPF for t in street)
        ):
            add(" ".join(street))
    return [Needle(n) for n in found]


def name_needles(name: str) -> list[Needle]:
    """A person's name as it could be written; never a bare first name or surname.

    "Maya Lin Harrow": "Maya Lin Harrow", "Maya Harrow", "Harrow, Maya Lin", "Harrow, Maya",
    "M. Harrow", "M. L. Harrow", "ML Harrow". Initials are left out when the first initial is
    an English word on its own ("A Lane" would match "down a lane"), and run-together
    initials when they spell a title or a word ("MS Greenhalgh" would match "Ms Greenhalgh").
    """
    parts = [p for p in name.split() if _WORD.search(p)]
    found: dict[str, None] = {}

    def add(value: str) -> None:
        needle = value_words(value)
        if _worth_searching(needle):
            found.setdefault(needle, None)

    add(name)
    if len(parts) >= 2:
        first, middles, last = parts[0], parts[1:-1], parts[-1]
        add(f"{first} {last}")
        add(f"{last} {first} {' '.join(middles)}")
        add(f"{last} {first}")
        initial = value_words(first).split()[0][:1]
        if initial and initial not in {"a", "i", "o"}:
            middle_initials = [value_words(m).split()[0][:1] for m in middles if value_words(m)]
            add(f"{initial} {last}")
            if middle_initials:
                add(f"{initial} {' '.join(middle_initials)} {last}")
                joined = initial + "".join(middle_initials)
                # "MS Greenhalgh" for Morwenna Sorrel would match every "Ms Greenhalgh"
                if joined not in _NOT_NAMES and zipf(joined) < NAME_ZIPF:
                    add(f"{joined} {last}")
    return [Needle(n) for n in found]


def _ordinal(day: int) -> str:
    if 10 <= day % 100 <= 20:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def date_forms(day: dt.date) -> tuple[str, ...]:
    """Every common UK and US way of writing a date, as printed (before normalisation).

    Numeric forms differ only in their separators once normalised ("14/09/2013",
    "14.09.2013" and "14-09-2013" are the same words), so one of each order is enough:
    ISO, day-month-year and month-day-year, with and without leading zeros, with four-digit
    and two-digit years; and the written forms with the month in full, in three letters and
    "Sept", the day plain or ordinal, day first or month first.
    """
    d, m, y = day.day, day.month, day.year
    yy = f"{y % 100:02d}"
    month = _MONTHS[m - 1]
    months = dict.fromkeys([month, month[:3], *(["Sept"] if m == 9 else [])])
    days = (str(d), _ordinal(d))
    forms: dict[str, None] = dict.fromkeys(
        [
            day.isoformat(),
            f"{d:02d}/{m:02d}/{y}",
            f"{d}/{m}/{y}",
            f"{d:02d}/{m:02d}/{yy}",
            f"{d}/{m}/{yy}",
            f"{m:02d}/{d:02d}/{y}",
            f"{m}/{d}/{y}",
            f"{m:02d}/{d:02d}/{yy}",
            f"{m}/{d}/{yy}",
        ]
    )
    for name in months:
        for written in days:
            forms[f"{written} {name} {y}"] = None
            forms[f"{name} {written}, {y}"] = None
        forms[f"{_ordinal(d)} of {name} {y}"] = None
    return tuple(forms)


def date_needles(day: dt.date) -> list[Needle]:
    """A date of birth in every written form (:func:`date_forms`), as needles."""
    return [Needle(n) for n in dict.fromkeys(value_words(f) for f in date_forms(day))]


def exact_needles(value: str) -> list[Needle]:
    """A phone number or e-mail address, whole: as written, and a number without its spaces."""
    found = dict.fromkeys([value_words(value)])
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) >= 6 and digits != value_words(value).strip():
        found[f" {digits} "] = None
    return [Needle(n) for n in found if _worth_searching(n)]


@functools.lru_cache(maxsize=4096)
def item_needles(item: WithheldItem) -> tuple[Needle, ...]:
    """Every needle of one withheld item, by the kind of each of its values; remembered.

    The same item is withheld from many readers of a pack, so its needles are built once.
    """
    out: dict[Needle, None] = {}
    for text in item.texts:
        out.update(dict.fromkeys(text_needles(text)))
    for address in item.addresses:
        out.update(dict.fromkeys(address_needles(address)))
    for name in item.names:
        out.update(dict.fromkeys(name_needles(name)))
    for day in item.dates:
        out.update(dict.fromkeys(date_needles(day)))
    for value in item.exact:
        out.update(dict.fromkeys(exact_needles(value)))
    return tuple(out)


# -- the excuse set: the letters' own wording and the view's structured values ----------------

_TAG = re.compile(r"<[^>]*>")


def _jinja_literals(source: str, env: Any) -> Iterator[str]:
    """The literal text of a Jinja template: its template data and string constants.

    Read with Jinja's own lexer (the environment's delimiters and whitespace rules), which is
    all that is needed to tell literal text from code, at a fraction of a full parse.
    """
    for token in env.lexer.tokenize(source):
        if token.type in ("data", "string") and token.value.strip():
            yield html.unescape(_TAG.sub(" ", token.value))


def _label_tables() -> Iterator[str]:
    """The label tables the views print from (roles, outcomes, categories, titles, grounds)."""
    from . import labels
    from .model import EXCLUSION_GROUND_TEXT

    for name in dir(labels):
        table = getattr(labels, name)
        if name.isupper() and isinstance(table, Mapping):
            yield from (v for v in table.values() if isinstance(v, str))
    yield from EXCLUSION_GROUND_TEXT.values()
    yield from ("the unborn baby of", "the unborn baby", "a family member")


def _template_files(root: Path) -> Iterator[Path]:
    for folder in ("letters", "layout", "docx"):
        base = root / folder
        if base.is_dir():
            yield from sorted(p for p in base.rglob("*") if p.is_file())


@functools.lru_cache(maxsize=8)
def boilerplate(templates_dir: str | None = None) -> str:
    """The letters' own wording, as searchable words (``|``-joined, see :func:`words`).

    The literal text of every Jinja template under ``letters`` and ``layout`` (parsed with
    Jinja: template data and string constants, tags stripped), every piece of text of the DOCX
    templates (extracted as the audit extracts a file: body, styles, properties), the layout
    CSS, and the views' label tables. ``templates_dir`` adds a ``--templates`` override folder.
    Nothing a case file says is in here.
    """
    from .authority import templates_root
    from .extract import ExtractionError, extract_bytes
    from .render.env import make_environment

    env = make_environment(None)
    pieces: list[str] = list(_label_tables())
    roots = [templates_root()] + ([Path(templates_dir)] if templates_dir else [])
    for root in roots:
        for path in _template_files(root):
            if path.suffix == ".j2":
                pieces.extend(_jinja_literals(path.read_text(encoding="utf-8"), env))
            elif path.suffix == ".css":
                pieces.append(path.read_text(encoding="utf-8"))
            elif path.suffix == ".docx":
                try:
                    chunks = extract_bytes(path.read_bytes(), "docx")
                except ExtractionError:
                    continue
                pieces.extend(chunk.text for chunk in chunks)
    return "|".join(haystack(p) for p in pieces)


# -- walking a view ----------------------------------------------------------------------------

#: Fields of the views that hold free text: what a case author typed as sentences or as names
#: of things (an agency, a venue, a school). Never excused: a withheld value copied into one
#: of them is a leak. Every other string of a view is a structured value (a name, a date, an
#: address, a label, the authority's details). Names looked up from an id the case author
#: typed (a plan action's owner, the core group) count as free text too: an id that names an
#: absent child there must not excuse that child's name.
FREE_TEXT_FIELDS: Mapping[str, frozenset[str]] = {
    "PersonView": frozenset({"organisation", "interpreter"}),
    "ProfessionalView": frozenset({"agency"}),
    "InformationView": frozenset({"text", "source"}),
    "ExclusionView": frozenset({"summary", "part_description"}),
    "ActionView": frozenset({"what", "who", "who_role", "by_text"}),
    "DecisionView": frozenset({"core_group"}),
    "PlanView": frozenset({"risks", "outcomes", "contact", "contingency", "services"}),
    "ChildView": frozenset(
        {
            "school",
            "not_attending_reason",
            "wishes_and_feelings",
            "analysis",
            "worried_about",
            "working_well",
            "needs_to_happen",
            "interpreter",
        }
    ),
    "DissentView": frozenset({"reason", "agency"}),
    "ConferenceView": frozenset(
        {"venue_name", "venue_address", "virtual_link", "originating_authority"}
    ),
    "RecipientView": frozenset({"agency", "interpreter"}),
}


@dataclass(frozen=True)
class Hidden:
    """Parts of a view never counted as allowed, whatever the view says.

    If the view builder had a bug and put a withheld thing into the view, counting the view's
    strings as allowed would excuse the very leak the audit exists to catch. So the parts the
    view attributes to a withheld thing (that person, their address or contact details, that
    item, that child, an envelope address that is a withheld one) are left out.
    """

    addresses: frozenset[str] = frozenset()  # people whose address is withheld
    contacts: frozenset[str] = frozenset()  # people whose phone and e-mail are withheld
    information: frozenset[str] = frozenset()  # withheld information items
    children: frozenset[str] = frozenset()  # absent children
    people: frozenset[str] = frozenset()  # absent people
    address_lines: frozenset[tuple[str, ...]] = frozenset()  # the withheld addresses

    @classmethod
    def of(cls, items: Iterable[WithheldItem]) -> Hidden:
        """What to leave out of the allowed strings, given what the rules withhold."""
        ids: dict[str, set[str]] = {}
        lines: set[tuple[str, ...]] = set()
        for item in items:
            group = _HIDDEN_GROUPS.get(item.rule, "information")
            ids.setdefault(group, set()).add(item.item)
            if group == "addresses":
                lines.update(item.addresses)
        return cls(
            **{group: frozenset(found) for group, found in ids.items()},
            address_lines=frozenset(lines),
        )


_HIDDEN_GROUPS = {
    "address-withheld": "addresses",
    "contact-withheld": "contacts",
    "absent-child": "children",
    "absent-person": "people",
}


def _hidden_fields(item: Any, hidden: Hidden) -> frozenset[str] | None:
    """Fields of a view dataclass to skip; None to skip the whole object."""
    kind = type(item).__name__
    item_id = getattr(item, "id", None)
    if kind == "InformationView" and item_id in hidden.information:
        return None
    if kind == "ChildView" and item_id in hidden.children:
        return None
    if kind == "PersonView" and item_id in hidden.people:
        return None
    skip: set[str] = set()
    if kind == "PersonView" and item_id in hidden.addresses:
        skip.add("address")
    if kind == "PersonView" and item_id in hidden.contacts:
        skip |= {"phone", "email"}
    if kind == "RecipientView" and getattr(item, "address_lines", None) in hidden.address_lines:
        skip.add("address_lines")
    return frozenset(skip)


def view_fields(value: Any, hidden: Hidden | None = None) -> Iterator[tuple[str, str, bool]]:
    """Every string a view holds, as ``(field path, string, is free text)``.

    Field paths read like the view: ``children[0].plan.actions[1].what``,
    ``conference.venue_address[1]``. Dates are given in every written form
    (:func:`date_forms`); a free-text field's strings are all free text, however deep.
    """
    hidden = hidden or Hidden()
    stack: list[tuple[str, Any, bool]] = [("", value, False)]
    while stack:
        path, item, free = stack.pop()
        if item is None or isinstance(item, bool | int | float | Path):
            continue
        if isinstance(item, Enum):
            yield path, str(item.value), free
        elif isinstance(item, str):
            yield path, item, free
        elif isinstance(item, dt.date):
            for form in date_forms(item):
                yield path, form, free
        elif isinstance(item, Mapping):
            stack.extend((f"{path}[{k!r}]", v, free) for k, v in reversed(list(item.items())))
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend((f"{path}[{i}]", v, free) for i, v in reversed(list(enumerate(item))))
        elif dataclasses.is_dataclass(item):
            skip = _hidden_fields(item, hidden)
            if skip is None:
                continue
            free_fields = FREE_TEXT_FIELDS.get(type(item).__name__, frozenset())
            prefix = f"{path}." if path else ""
            stack.extend(
                (prefix + f.name, getattr(item, f.name), free or f.name in free_fields)
                for f in reversed(dataclasses.fields(item))
                if f.name not in skip
            )
        elif hasattr(item, "model_dump"):  # pydantic models (authority complaints, leaflets)
            stack.append((path, item.model_dump(exclude={"base_dir"}), free))
        else:
            yield path, str(item), free


def view_strings(value: Any, hidden: Hidden | None = None) -> Iterator[str]:
    """Every string a view holds (dates in every written form), less what ``hidden`` names."""
    for _, text, _ in view_fields(value, hidden):
        yield text


@dataclass(frozen=True)
class Excuse:
    """What one reader may legitimately see, as ``|``-joined word strings (:func:`words`).

    ``phrases`` (the view's structured values) and, when ``plate`` is set, the letters' own
    wording (:func:`boilerplate` of ``templates_dir``) excuse any needle. ``free`` (the
    reader's visible free text) excuses only a single distinctive word.
    """

    phrases: str
    free: str
    plate: bool = False
    templates_dir: str | None = None

    @classmethod
    def of(
        cls,
        view: Any,
        items: Iterable[WithheldItem] = (),
        *,
        extra: Iterable[str] = (),
        templates_dir: str | None = None,
    ) -> Excuse:
        """The excuse set of a view, less the parts ``items`` say are withheld (:class:`Hidden`).

        ``extra`` adds structured strings the view does not hold (deadline labels and dates).
        """
        structured: list[str] = []
        free: list[str] = []
        for _, text, is_free in view_fields(view, Hidden.of(items)):
            (free if is_free else structured).append(value_words(text))
        structured.extend(value_words(s) for s in extra)
        return cls(
            phrases="|".join(structured),
            free="|".join(free),
            plate=True,
            templates_dir=templates_dir,
        )


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

    def find(self, hay: str) -> set[int]:
        """Indices (into :attr:`items`) of the items revealed in ``hay`` (from :func:`haystack`)."""
        found: set[int] = set()
        for needle in _found(self._automaton, hay):
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


#: Rules that withhold a text only because of which child it concerns.
_CHILD_SCOPE_RULES = frozenset({"per-child-document", "other-child"})


def _parallel_key(ref_id: str, children: frozenset[str]) -> str:
    """A text item's place with the child and any index taken out: ``plan.*.outcomes``."""
    parts = [p for p in ref_id.split(".") if not p.isdigit()]
    return ".".join("*" if p in children else p for p in parts)


def parallel_texts(
    case: Any,
    authority: Any,
    recipient: Any,
    profile: Any,
    child: str | None,
    items: Iterable[WithheldItem],
) -> dict[str, str]:
    """For each text withheld only for the child it concerns, the reader's texts in its place.

    Two children's plans often say the same of each child ("If Mr Quinn breaches his bail
    conditions, a strategy meeting will be held"). In a reader's copy of Theo's plan, Maya's
    contingency is withheld (another child), yet its words are the words of Theo's own
    contingency, which the reader may read. So a text withheld only for its child (rule
    ``per-child-document`` or ``other-child``, and visible to this reader were it about the
    child of its counterpart: its tags, ``withhold_from`` and readership allow them) is
    excused by the texts the rules let this reader see *in the same place* for
    another child (``plan.*.contingency``), and by nothing else: the same words copied into a
    different field (an information item pasted into a plan action) are still found.

    Returns item id to ``|``-joined words, decided from the case by the rules, never from a
    view, so a view builder's mistake cannot excuse itself.
    """
    from .rules import Visibility

    scoped = [i.item for i in items if i.rule in _CHILD_SCOPE_RULES]
    if not scoped:
        return {}
    children = frozenset(c.id for c in case.children)
    vis = Visibility(case, authority, recipient, profile, child)
    refs = {ref.id: ref for ref in case.text_refs()}
    visible: dict[str, list[Any]] = {}
    for ref in refs.values():
        if vis.text_rule(ref) is None:
            visible.setdefault(_parallel_key(ref.id, children), []).append(ref)
    out: dict[str, str] = {}
    for item_id in scoped:
        ref = refs.get(item_id)
        if ref is None or ref.only_for is not None:
            continue
        mates = visible.get(_parallel_key(item_id, children))
        if not mates:
            continue
        # Withheld only for its child: were it about the child of its visible counterpart,
        # this reader could read it (a safety action is still withheld from whoever it
        # does not protect, a chair's withhold_from still holds).
        rule = vis.item_rule(
            tags=ref.item.tags,
            about=[a for a in ref.item.about if a not in children],
            withhold_from=ref.item.withhold_from,
            concerns=mates[0].concerns,
        )
        if rule is None:
            out[item_id] = "|".join(value_words(m.item.text) for m in mates)
    return out


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


# -- the pre-render quote check -----------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quote:
    """A view string quoting a withheld value: where, which rule, which item; never the value."""

    field_path: str
    rule: str
    item: str

    def __str__(self) -> str:
        return f"{self.field_path} quotes {self.item} (withheld: {self.rule})"


def quoted_withheld(
    view: Any,
    items: Sequence[WithheldItem],
    *,
    parallel: Mapping[str, str] | None = None,
    templates_dir: str | None = None,
) -> list[Quote]:
    """Every string of ``view`` that holds a needle of an item withheld from its reader.

    Run before rendering: a withheld value copied into visible free text (a safe address in a
    plan action, a police item's words in a contingency) is an error to fix in the case file,
    named by field path and rule. Single distinctive words are not reported here (a word the
    reader may read in their own plan is no quote); phrases, names, dates, addresses and
    contact details are. ``parallel``: see :func:`parallel_texts`.
    """
    plan = search_plan(view, items, parallel=parallel, templates_dir=templates_dir)
    quotes = {
        Quote(path, item.rule, item.item)
        for field_path, text, _ in view_fields(view, Hidden.of(items))
        for path, item in plan.quotes(field_path, text)
    }
    return sorted(quotes)


def document_quotes(
    case: Any,
    authority: Any,
    recipient: Any,
    *,
    kind: str,
    issued_on: dt.date,
    profile: Any = None,
    child: str | None = None,
    templates_dir: str | None = None,
) -> list[Quote]:
    """:func:`quoted_withheld` for one planned document, its view and items built here.

    The call ``render`` and ``check`` make for each planned document before anything is
    rendered.
    """
    from .rules import profile_for, withheld_items
    from .views import build_view

    profile = profile or profile_for(recipient)
    items = withheld_items(case, authority, recipient, profile, child)
    view = build_view(
        case, authority, recipient, kind=kind, issued_on=issued_on, profile=profile, child=child
    )
    parallel = parallel_texts(case, authority, recipient, profile, child, items)
    return quoted_withheld(view, items, parallel=parallel, templates_dir=templates_dir)


def plan_quotes(
    case: Any,
    authority: Any,
    documents: Iterable[Any],
    issued_on: dt.date,
    *,
    templates_dir: str | None = None,
) -> list[tuple[Any, Quote]]:
    """:func:`document_quotes` for every planned document (:class:`~cpcdocs.plan.PlannedDocument`).

    Returns ``(document, quote)`` pairs, in plan order: what ``render`` refuses on (exit 3,
    each line naming the document, the field path and the rule) and ``check`` reports.
    """
    found: list[tuple[Any, Quote]] = []
    for doc in documents:
        quotes = document_quotes(
            case,
            authority,
            doc.recipient,
            kind=doc.kind.value,
            issued_on=issued_on,
            profile=doc.profile,
            child=doc.child,
            templates_dir=templates_dir,
        )
        found.extend((doc, quote) for quote in quotes)
    return found
