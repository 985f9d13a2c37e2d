"""Needles: each kind of withheld value as it could be written, and the word-frequency rules.

Free text gives its whole text, distinctive phrases and distinctive words (rare in English by
``wordfreq``, names, places, long numbers); an address, a name, a date, a phone number or
e-mail address each have their own written forms. Split out of :mod:`cpcdocs.search`, which
re-exports these names.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from . import caches
from .haystacks import _TYPOGRAPHY, _WORD, _strip_marks, value_words
from .render.env import _MONTHS as MONTH_NAMES
from .rules import WithheldItem

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

#: The month names the letters print (one list, in the wording helpers).
_MONTHS = MONTH_NAMES
#: Capitalised words that are never names: titles, months, days.
_NOT_NAMES = frozenset(
    w.casefold()
    for w in (
        "Mr Mrs Ms Miss Mx Dr Prof Sir Dame Rev PC DC DS Sgt Insp Cllr "
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday "
        "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec " + " ".join(_MONTHS)
    ).split()
)


@caches.memo("needles: word frequencies", maxsize=65536)
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


@caches.memo("needles: each withheld item's needles", maxsize=4096)
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
