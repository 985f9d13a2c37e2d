"""Who a text names: the patterns that find a family member's or child's name in free text.

The checks that an information item or text item names nobody outside its ``about``
(``text-names-person``) and that an excluded person is not shown words about whom they are
kept from (``safety-to-excluded``) both need to know who a sentence names, and by what: a full
name, a child's first name, or a title and surname ("Ms Harrow"). :class:`Names` answers that
for a case; :func:`texts` walks every text those checks look at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from .model import Relationship
from .rules import Visibility

if TYPE_CHECKING:
    from .model import Case, Person, TextItem

__all__ = ["CheckedText", "Names", "kept_from", "texts"]


_TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr")
_WOMEN = ("Mrs", "Ms", "Miss", "Mx", "Dr")
_MEN = ("Mr", "Mx", "Dr")
#: When no title is recorded, the titles a relationship makes likely: "Mr Fenwick" is the
#: grandfather, not the mother who shares his surname.
_TITLES_BY_RELATIONSHIP: dict[Relationship, tuple[str, ...]] = {
    Relationship.MOTHER: _WOMEN,
    Relationship.STEP_MOTHER: _WOMEN,
    Relationship.GRANDMOTHER: _WOMEN,
    Relationship.AUNT: _WOMEN,
    Relationship.FATHER: _MEN,
    Relationship.STEP_FATHER: _MEN,
    Relationship.GRANDFATHER: _MEN,
    Relationship.UNCLE: _MEN,
}


def _phrase(words: str) -> str:
    """A name as a pattern: whole words, any spacing between them, case as written."""
    body = r"\s+".join(re.escape(w) for w in words.split())
    return rf"(?<![\w-]){body}(?![\w-])"


@dataclass(frozen=True)
class _NamePattern:
    owner: str  # the person's or child's id
    how: str  # "full name", "first name", "title and surname"
    pattern: re.Pattern[str]


def _name_patterns(case: Case) -> list[_NamePattern]:
    """How a text can name each family member and child.

    Family members: full name, or title and surname ("Ms Harrow" is how reports refer to a
    parent): the recorded title, else the titles their relationship makes likely, else any.
    Children: full name or first name. Matching is case-sensitive: names are capitalised,
    common words usually are not.
    """
    out: list[_NamePattern] = []
    for person in case.people:
        words = person.name.split()
        out.append(_NamePattern(person.id, "full name", re.compile(_phrase(person.name))))
        if len(words) > 1:
            titles = (
                (person.title.strip().rstrip("."),)
                if person.title
                else _TITLES_BY_RELATIONSHIP.get(person.relationship, _TITLES)
            )
            alternatives = "|".join(re.escape(t) for t in titles)
            surname = re.escape(words[-1])
            out.append(
                _NamePattern(
                    person.id,
                    "title and surname",
                    re.compile(rf"(?<![\w-])(?:{alternatives})\.?\s+{surname}(?![\w-])"),
                )
            )
    for child in case.children:
        if not child.name:
            continue
        out.append(_NamePattern(child.id, "full name", re.compile(_phrase(child.name))))
        first = child.name.split()[0]
        if first != child.name:
            out.append(_NamePattern(child.id, "first name", re.compile(_phrase(first))))
    return out


@dataclass(frozen=True)
class CheckedText:
    """A text to look at: an information item or a text item, by its stable id."""

    id: str
    item_text: str
    about: tuple[str, ...]
    own: tuple[str, ...]  # its own children (and, for a text only one reader sees, that reader)
    tags: tuple[str, ...]


class Names:
    """Finds which family members and children a text names, and by what."""

    def __init__(self, case: Case) -> None:
        self.patterns = _name_patterns(case)
        self.professionals = [re.compile(_phrase(p.name)) for p in case.professionals]

    def named(self, text: str, exempt: set[str]) -> list[tuple[tuple[str, ...], str]]:
        """Who ``text`` names and how, leaving out ``exempt`` ids, in file order of the people.

        Each entry is (ids, how): one id when the words name one person, several when they
        could be any of them ("Ms Harrow" with a mother and a grandmother of that name and no
        titles recorded). A match inside a match of an exempt person (or of a professional's
        name) does not count: "Ms Harrow" in an item about the mother is hers, and a child's
        first name inside their own full name is theirs.
        """
        covered: list[tuple[int, int]] = []
        for pat in self.patterns:
            if pat.owner in exempt:
                covered.extend(m.span() for m in pat.pattern.finditer(text))
        for pro in self.professionals:
            covered.extend(m.span() for m in pro.finditer(text))
        spans: dict[tuple[int, int], tuple[list[str], str]] = {}
        for pat in self.patterns:
            if pat.owner in exempt:
                continue
            for match in pat.pattern.finditer(text):
                start, end = match.span()
                if any(a <= start and end <= b for a, b in covered):
                    continue
                owners, _ = spans.setdefault(match.span(), ([], pat.how))
                if pat.owner not in owners:
                    owners.append(pat.owner)
        # a span inside a longer one is the same mention ("Skye" inside her full name)
        longest = [
            span
            for span in spans
            if not any(o != span and o[0] <= span[0] and span[1] <= o[1] for o in spans)
        ]
        order = {pat.owner: i for i, pat in reversed(list(enumerate(self.patterns)))}
        found: list[tuple[tuple[str, ...], str]] = []
        seen: set[tuple[str, ...]] = set()
        for span in sorted(longest, key=lambda sp: min(order[o] for o in spans[sp][0])):
            owners, how = spans[span]
            key = tuple(sorted(owners, key=order.__getitem__))
            if key not in seen:
                seen.add(key)
                found.append((key, how))
        return found


def texts(case: Case) -> Iterator[tuple[CheckedText, Callable[[Visibility], str | None]]]:
    """Every information item and text item, with the way to ask a reader's rule for it."""
    for info in case.information:
        yield (
            CheckedText(
                f"information.{info.id}",
                info.text,
                tuple(info.about),
                tuple(info.children),
                tuple(info.tags),
            ),
            partial(Visibility.information_rule, item=info),
        )
    for ref in case.text_refs():
        item: TextItem = ref.item
        own = (*ref.concerns, *(sorted(ref.only_for) if ref.only_for else ()))
        yield (
            CheckedText(ref.id, item.text, tuple(item.about), own, tuple(item.tags)),
            partial(Visibility.text_rule, ref=ref),
        )


def kept_from(case: Case, person: Person, names: Names) -> set[str]:
    """The people an excluded person is kept from.

    Whoever withholds their address from them, and whoever the exclusion's own words are
    about or name.
    """
    kept = {p.id for p in case.people if person.id in p.withhold_address_from}
    exclusion = person.exclusion
    if exclusion is not None:
        for item in (exclusion.summary, exclusion.part_description, exclusion.record_reason):
            if item is not None:
                kept |= set(item.about)
                # only words that name one person: "Ms Harrow" could be the grandmother
                kept |= {o[0] for o, _ in names.named(item.text, set()) if len(o) == 1}
    people = {p.id for p in case.people}
    return (kept & people) - {person.id}
