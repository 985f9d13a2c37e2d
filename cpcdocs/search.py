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

The work is done in five modules, one job each, whose names this module re-exports (the names
callers and tests know): :mod:`cpcdocs.haystacks` (normalisation and a file's searchable
words), :mod:`cpcdocs.needles` (needles per kind of value, and the word-frequency rules),
:mod:`cpcdocs.excuses` (the excuse set), :mod:`cpcdocs.search_plan` (the automaton) and
:mod:`cpcdocs.quote_check` (the pre-render quote check).
"""

from __future__ import annotations

from .excuses import FREE_TEXT_FIELDS, Excuse, Hidden, boilerplate, view_fields, view_strings
from .haystacks import (
    _HAYSTACKS,
    _RECURRING_TEXT,
    _make_haystack,
    haystack,
    normalise,
    value_words,
    words,
)
from .needles import (
    COMMON_ZIPF,
    LONG_SHINGLE,
    NAME_ZIPF,
    RARE_ZIPF,
    SHINGLE,
    Needle,
    address_needles,
    date_forms,
    date_needles,
    distinctive_words,
    exact_needles,
    item_needles,
    name_needles,
    text_needles,
    zipf,
)
from .quote_check import Quote, document_quotes, parallel_texts, plan_quotes, quoted_withheld
from .search_plan import SearchPlan, search_plan

__all__ = [
    "COMMON_ZIPF",
    "FREE_TEXT_FIELDS",
    "LONG_SHINGLE",
    "NAME_ZIPF",
    "RARE_ZIPF",
    "SHINGLE",
    "_HAYSTACKS",
    "_RECURRING_TEXT",
    "Excuse",
    "Hidden",
    "Needle",
    "Quote",
    "SearchPlan",
    "_make_haystack",
    "address_needles",
    "boilerplate",
    "date_forms",
    "date_needles",
    "distinctive_words",
    "document_quotes",
    "exact_needles",
    "haystack",
    "item_needles",
    "name_needles",
    "normalise",
    "parallel_texts",
    "plan_quotes",
    "quoted_withheld",
    "search_plan",
    "text_needles",
    "value_words",
    "view_fields",
    "view_strings",
    "words",
    "zipf",
]
