"""Enclosures: the leaflets that go into an envelope with a document.

A letter that says "we have enclosed our leaflet" makes a promise the mailing staff must keep,
so the list of leaflets is decided here, once, from the document's view: the letter's wording
reads it (the ``enclosures`` template filter) and the manifest and post list read it, so the
sentence and the envelope can never disagree.

The titles come from the authority profile's ``leaflets``. Today only invitations enclose a
leaflet: the parents' guide to a family member invited in their own right, the children's guide
to a child. An advocate or supporter is offered the children's guide on request, not sent it.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["enclosures"]

#: Relationships of people invited to support a child rather than as family members.
_SUPPORTERS = frozenset({"advocate", "supporter"})


class _Leaflets(Protocol):
    parents: str
    children: str


class _Authority(Protocol):
    @property
    def leaflets(self) -> _Leaflets: ...


class _Recipient(Protocol):
    @property
    def relationship(self) -> str | None: ...


class _View(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def profile(self) -> str: ...
    @property
    def recipient(self) -> _Recipient: ...
    @property
    def authority(self) -> _Authority: ...


def enclosures(view: _View) -> tuple[str, ...]:
    """The titles of the leaflets enclosed with this document, in the order the letter names them.

    Empty for every document but an invitation to a child or to a family member. A pack's
    envelope holds the union of its documents' enclosures (in document order, each once).
    """
    if view.kind != "invitation":
        return ()
    leaflets = view.authority.leaflets
    if view.profile == "child":
        return (leaflets.children,)
    if view.profile == "parent" and view.recipient.relationship not in _SUPPORTERS:
        return (leaflets.parents,)
    return ()
