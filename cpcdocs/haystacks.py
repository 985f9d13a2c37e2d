"""Text as the leak search compares it: normalised words, and a file's searchable haystack.

Both sides of every comparison pass through here: what is searched for (:mod:`cpcdocs.needles`,
:mod:`cpcdocs.excuses`) and where (:func:`haystack`, every reading of a file's line ends that
could hide a value). Split out of :mod:`cpcdocs.search`, which re-exports these names.
"""

from __future__ import annotations

import re
import unicodedata

from . import caches
from .recurring import RecurringCache

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


@caches.memo("haystacks: value words", maxsize=8192)
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
_HAYSTACKS: RecurringCache[tuple[str, bool], str] = caches.owned(
    "haystacks: recurring normalised texts", RecurringCache(2 * 1024 * 1024)
)


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
