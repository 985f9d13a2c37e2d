"""The redaction rules: what one reader of one document may see. The module a reviewer reads alone.

Every visibility decision in cpcdocs is made here, and only here:

- which children a reader's copies may name (their *connected* children);
- which information items and text items a reader may see, and the rule that withholds each
  other one (:meth:`Visibility.item_rule`, one function for both kinds of item);
- which addresses (and the phone numbers and e-mail addresses that go with them) are withheld;
- which family members a reader's copy may name at all.

:mod:`cpcdocs.views` turns these decisions into the template-facing view; :func:`withheld_items`
lists everything withheld from one document with the values the audit searches for;
:mod:`cpcdocs.plan` asks the same object who is connected to whom. One source of truth, three
consumers, so the envelope list, what goes in it and what the audit looks for cannot disagree.

The rules, as the contract states them:

- **professional**: sees everything (a per-child document still holds only its child), less any
  tag the authority withholds from professionals.
- **parent** (family member P): never a safe address withheld from P (nor the same address
  wherever else it appears, nor the phone and e-mail of its owner); nothing tagged
  ``police_investigation``, ``third_party`` or ``chair_confidential``; nothing with a personal
  tag or ``safety`` unless P is in its ``about``; nothing whose ``withhold_from`` names P;
  nothing about a child not connected to P; no other person's exclusion summary.
- **child** (child C): everything a parent may not see, every personal-tagged item whoever it
  is about, anything about another child, anything whose ``withhold_from`` names C.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Literal

from .authority import Authority
from .model import PERSONAL_TAGS, Case, Information, Person, TextItem, TextRef

__all__ = [
    "ALWAYS_WITHHELD_FROM_FAMILY",
    "Profile",
    "Recipient",
    "RecipientKind",
    "Visibility",
    "WithheldItem",
    "profile_for",
    "recipient_of",
    "withheld_counts",
    "withheld_items",
]


class Profile(StrEnum):
    """The three redaction profiles of the contract."""

    PROFESSIONAL = "professional"
    PARENT = "parent"
    CHILD = "child"


#: Tags no family member ever sees, whoever the item is about.
ALWAYS_WITHHELD_FROM_FAMILY: frozenset[str] = frozenset(
    {"police_investigation", "third_party", "chair_confidential"}
)
#: Safety arrangements (a refuge, a panic alarm, a route to school): only for those they protect.
SAFETY = "safety"

RecipientKind = Literal["person", "child", "professional"]


@dataclass(frozen=True, order=True)
class Recipient:
    """Who a document is addressed to: one envelope."""

    kind: RecipientKind
    id: str


def recipient_of(case: Case, some_id: str) -> Recipient:
    """The recipient with this id (ids are unique across the file)."""
    if any(c.id == some_id for c in case.children):
        return Recipient("child", some_id)
    if any(p.id == some_id for p in case.people):
        return Recipient("person", some_id)
    if any(p.id == some_id for p in case.professionals):
        return Recipient("professional", some_id)
    msg = f"no recipient has id '{some_id}'"
    raise KeyError(msg)


def profile_for(recipient: Recipient) -> Profile:
    """Professionals get the professional profile, children the child's, everyone else a parent's.

    Advocates, supporters and solicitors are family-side readers: the contract gives them the
    parent profile.
    """
    if recipient.kind == "professional":
        return Profile.PROFESSIONAL
    if recipient.kind == "child":
        return Profile.CHILD
    return Profile.PARENT


@dataclass(frozen=True)
class WithheldItem:
    """Something a reader may not see, why, and the values that would reveal it.

    The values are sensitive: they exist only so the audit can search rendered files for them.
    They are never logged, printed or written to the manifest; only ``rule`` and ``item`` are.
    Each kind of value is searched in the way that finds it (:mod:`cpcdocs.search`):

    - ``texts``: free text (information and text items, exclusion summaries): the whole text,
      its distinctive phrases and its distinctive words;
    - ``addresses``: address lines, by line, by postcode and as a whole;
    - ``names``: a person's or child's name, in every common written form;
    - ``dates``: a date of birth, in every common written form;
    - ``exact``: values searched only as a whole (a phone number, an e-mail address).
    """

    rule: str
    item: str
    texts: tuple[str, ...] = ()
    addresses: tuple[tuple[str, ...], ...] = ()
    names: tuple[str, ...] = ()
    dates: tuple[dt.date, ...] = ()
    exact: tuple[str, ...] = ()


def _address_key(lines: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """An address compared as a reader would: case, spacing and punctuation do not matter."""
    return tuple(
        " ".join("".join(ch for ch in line if ch.isalnum() or ch.isspace()).split()).casefold()
        for line in lines
    )


class Visibility:
    """Every visibility decision for one reader of one document.

    ``child`` narrows a per-child document (report proforma, child report, agency report,
    outline plan) to that child's information for every reader, professionals included.
    """

    def __init__(
        self,
        case: Case,
        authority: Authority,
        recipient: Recipient,
        profile: Profile | None = None,
        child: str | None = None,
    ) -> None:
        self.case = case
        self.authority = authority
        self.recipient = recipient
        self.profile = profile or profile_for(recipient)
        self.child = child

    @property
    def family(self) -> bool:
        """A family reader (parent or child profile): the rules below apply."""
        return self.profile is not Profile.PROFESSIONAL

    # -- children ------------------------------------------------------------------------------

    @cached_property
    def reader_children(self) -> tuple[str, ...]:
        """Children the reader may know about at all.

        Professionals: every child. A family member: their connected children (parental
        responsibility, living with them, ``connected_to``, or supported as an advocate). A
        child: themselves.
        """
        case = self.case
        if self.profile is Profile.PROFESSIONAL:
            return tuple(c.id for c in case.children)
        if self.recipient.kind == "child":
            return (self.recipient.id,)
        if self.recipient.kind == "person":
            person = case.person(self.recipient.id)
            ids = {c.id for c in case.connected_children(person.id)} | set(person.supports)
            return tuple(c.id for c in case.children if c.id in ids)
        return ()

    @cached_property
    def document_children(self) -> tuple[str, ...]:
        """Children this document names: the reader's, narrowed to the document's child."""
        if self.child is not None:
            return (self.child,) if self.child in self.reader_children else ()
        return self.reader_children

    def may_see_child(self, child_id: str) -> bool:
        """Whether the child appears in this reader's copies at all."""
        return child_id in self.reader_children

    # -- items: information items and text items, one rule ----------------------------------

    @cached_property
    def _extra_tags(self) -> frozenset[str]:
        return frozenset(getattr(self.authority.redaction, self.profile.value))

    def item_rule(
        self,
        *,
        tags: list[str] | tuple[str, ...],
        about: list[str] | tuple[str, ...],
        withhold_from: list[str] | tuple[str, ...],
        concerns: tuple[str, ...] | list[str],
    ) -> str | None:
        """Why an item is withheld from this document, or None when the reader may see it.

        The one function behind both information items and text items: what an item is about,
        which children it concerns, its tags and the chair's ``withhold_from``.
        """
        child_ids = {c.id for c in self.case.children}
        reader = set(self.reader_children)
        if self.child is not None and self.child not in concerns:
            return "per-child-document"
        if not set(concerns) <= reader:
            return "other-child"
        if any(a in child_ids and a not in reader for a in about):
            return "other-child"
        tag_set = set(tags)
        for tag in sorted(tag_set & self._extra_tags):
            return f"authority-tag:{tag}"
        if self.profile is Profile.PROFESSIONAL:
            return None
        if self.recipient.id in withhold_from:
            return "chair-withheld"
        for tag in sorted(tag_set & ALWAYS_WITHHELD_FROM_FAMILY):
            return f"tag:{tag}"
        personal = sorted(tag_set & PERSONAL_TAGS)
        if personal and (self.profile is Profile.CHILD or self.recipient.id not in about):
            return f"personal-tag:{personal[0]}"
        if SAFETY in tag_set and self.recipient.id not in about:
            return "safety"
        if self.profile is Profile.CHILD:
            others = set(concerns) - {self.recipient.id}
            if others or any(a in child_ids and a != self.recipient.id for a in about):
                return "other-child"
        return None

    def information_rule(self, item: Information) -> str | None:
        """Why this information item is withheld from this document, or None."""
        return self.item_rule(
            tags=item.tags,
            about=item.about,
            withhold_from=item.withhold_from,
            concerns=tuple(item.children),
        )

    def text_rule(self, ref: TextRef) -> str | None:
        """Why this text item is withheld from this document, or None."""
        if ref.only_for is not None and self.family and self.recipient.id not in ref.only_for:
            return ref.only_rule
        item = ref.item
        return self.item_rule(
            tags=item.tags,
            about=item.about,
            withhold_from=item.withhold_from,
            concerns=ref.concerns,
        )

    @cached_property
    def information(self) -> tuple[Information, ...]:
        """Information items this document may quote, in file order."""
        return tuple(i for i in self.case.information if self.information_rule(i) is None)

    @cached_property
    def _text_refs(self) -> dict[int, TextRef]:
        return {id(ref.item): ref for ref in self.case.text_refs()}

    @cached_property
    def visible_text_ids(self) -> frozenset[int]:
        """Identities of the text item objects this document may print."""
        return frozenset(key for key, ref in self._text_refs.items() if self.text_rule(ref) is None)

    def text(self, item: TextItem | None) -> str | None:
        """The words of a text item when this reader may see it, else None.

        The views ask this for every text item they print; an item the case walk
        (:meth:`Case.text_refs`) does not know is treated as withheld, so a field forgotten
        there can never reach a family reader.
        """
        if item is None:
            return None
        if id(item) in self.visible_text_ids:
            return item.text.strip()
        if id(item) not in self._text_refs and not self.family:
            return item.text.strip()
        return None

    # -- addresses, contact details and exclusions ----------------------------------------------

    @cached_property
    def withheld_addresses(self) -> frozenset[tuple[str, ...]]:
        """Addresses withheld from this reader: every safe address whose owner names them."""
        if not self.family:
            return frozenset()
        return frozenset(
            _address_key(p.address)
            for p in self.case.people
            if p.address and self.recipient.id in p.withhold_address_from
        )

    def address_withheld(self, owner: Person) -> bool:
        """Whether ``owner``'s address (and their phone and e-mail) must be absent.

        Withheld when the owner named this reader, and also when the owner's address is the
        same as an address withheld from this reader: the address is what is secret, not whose
        it is (a partner who lives at the refuge).
        """
        if not self.family or not owner.address:
            return self.family and self.recipient.id in owner.withhold_address_from
        if self.recipient.id in owner.withhold_address_from:
            return True
        return _address_key(owner.address) in self.withheld_addresses

    def lines_withheld(self, lines: tuple[str, ...] | list[str] | None) -> bool:
        """Whether an address (any owner's: a professional's, a venue's) is a withheld one."""
        return bool(lines) and _address_key(tuple(lines or ())) in self.withheld_addresses

    def may_see_exclusion_summary(self, person: Person) -> bool:
        """A person's exclusion summary: professionals and the excluded person only."""
        return self.profile is Profile.PROFESSIONAL or person.id == self.recipient.id

    @cached_property
    def people(self) -> tuple[Person, ...]:
        """Family members and supporters this reader's copy may name.

        Professionals see everyone. A family reader sees themselves and the people connected
        to the children they may see, and those children's advocates. Anyone else (another
        family's father, say) is simply not in the view.
        """
        case = self.case
        if self.profile is Profile.PROFESSIONAL:
            return tuple(case.people)
        ids = {self.recipient.id}
        for child_id in self.reader_children:
            ids |= {p.id for p in case.connected_people(child_id)}
            child = case.child(child_id)
            if child.advocate:
                ids.add(child.advocate)
        return tuple(p for p in case.people if p.id in ids)


def withheld_items(
    case: Case,
    authority: Authority,
    recipient: Recipient,
    profile: Profile | None = None,
    child: str | None = None,
) -> list[WithheldItem]:
    """Everything this document may not show its reader, by rule, with the revealing values."""
    vis = Visibility(case, authority, recipient, profile, child)
    out: list[WithheldItem] = []
    for item in case.information:
        rule = vis.information_rule(item)
        if rule is not None:
            out.append(WithheldItem(rule, item.id, texts=(item.text.strip(),)))
    for ref in case.text_refs():
        rule = vis.text_rule(ref)
        if rule is not None:
            out.append(WithheldItem(rule, ref.id, texts=(ref.item.text.strip(),)))
    visible_people = {p.id for p in vis.people}
    for person in case.people:
        if person.address and vis.address_withheld(person):
            out.append(
                WithheldItem("address-withheld", person.id, addresses=(tuple(person.address),))
            )
        if vis.family and vis.address_withheld(person):
            contact = tuple(v for v in (person.phone, person.email) if v)
            if contact:
                out.append(WithheldItem("contact-withheld", person.id, exact=contact))
        if vis.family and person.id not in visible_people:
            out.append(WithheldItem("absent-person", person.id, names=(person.name,)))
    visible_names = {p.name for p in vis.people}
    for other in case.children:
        if vis.may_see_child(other.id):
            continue
        names = (other.name,) if other.name and other.name not in visible_names else ()
        dates = tuple(d for d in (other.date_of_birth, other.expected_birth_date) if d)
        out.append(WithheldItem("absent-child", other.id, names=names, dates=dates))
    return out


def withheld_counts(items: list[WithheldItem]) -> dict[str, int]:
    """Counts by rule, for the manifest: no values, so it can be shown to anyone."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item.rule] = counts.get(item.rule, 0) + 1
    return dict(sorted(counts.items()))
