"""The excuse set: what one reader may legitimately see, so a needle found there is no evidence.

The letters' own wording (:func:`boilerplate`: templates and label tables) and the structured
values of the reader's view (:func:`view_fields`), less the parts a withheld item names
(:class:`Hidden`); never free text, except to excuse a single word. Split out of
:mod:`cpcdocs.search`, which re-exports these names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from . import caches
from .haystacks import haystack, value_words
from .needles import date_forms
from .rules import WithheldItem

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


@caches.memo("excuses: the letters' own wording", maxsize=8)
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
    "ExclusionView": frozenset({"summary", "part_description", "record_reason"}),
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
    "ReportSectionView": frozenset({"heading", "text"}),
    "ReportView": frozenset({"not_shared_reason"}),
    "RecordSectionView": frozenset({"heading", "entries"}),
    "RecordView": frozenset({"reader_not_sent_reason"}),
    "NotSentView": frozenset({"reason"}),
    "View": frozenset({"record_withheld_reason"}),
}

#: Every other string field of the views: a structured value (an id, a name, a date, a label,
#: an address, the authority's details), which may excuse a needle. Listed, not assumed: a test
#: fails when a view field is in neither table, so a new field is classified by a person.
STRUCTURED_FIELDS: Mapping[str, frozenset[str]] = {
    "AddressView": frozenset({"lines", "withheld_from"}),
    "AuthorityView": frozenset(
        {
            "name",
            "service",
            "partnership",
            "address",
            "phone",
            "email",
            "website",
            "marking",
            "solicitors",
            "nation",
            "language_fallback",
        }
    ),
    "ChildView": frozenset(
        {
            "id",
            "name",
            "first_name",
            "gender",
            "lives_with",
            "participation",
            "participation_label",
            "recommendation",
            "recommendation_label",
            "outcome",
            "outcome_label",
            "category",
            "category_label",
            "first_language",
        }
    ),
    "ConferenceView": frozenset({"type", "type_label", "start", "end", "previous_conference_type"}),
    "Contact": frozenset({"name", "phone", "email"}),
    "DeadlineView": frozenset({"key", "label"}),
    "DecisionView": frozenset(),
    "DissentView": frozenset({"name"}),
    "ExclusionView": frozenset({"extent", "grounds", "grounds_text", "views_routes"}),
    "InformationView": frozenset({"id", "kind", "kind_label", "children"}),
    "NationProfile": frozenset(
        {
            "key",
            "name",
            "guidance",
            "guidance_short",
            "legislation",
            "conference",
            "register",
            "terms",
        }
    ),
    "NotSentView": frozenset({"name"}),
    "PersonView": frozenset(
        {
            "id",
            "name",
            "relationship",
            "relationship_label",
            "first_language",
            "phone",
            "email",
            "parental_responsibility_for",
        }
    ),
    "ProfessionalView": frozenset(
        {"id", "name", "role", "role_label", "email", "phone", "address"}
    ),
    "RecipientView": frozenset(
        {
            "id",
            "kind",
            "name",
            "salutation",
            "address_lines",
            "email",
            "role",
            "role_label",
            "relationship",
            "first_language",
            "knows",
        }
    ),
    "RecordSectionView": frozenset({"key"}),
    "RecordView": frozenset({"present", "apologies"}),
    "ReportSectionView": frozenset(),
    "ReportView": frozenset({"child"}),
    "View": frozenset(
        {
            "kind",
            "profile",
            "reference",
            "title",
            "language",
            "deadlines",
            "enclosed_kinds",
            "stage",
        }
    ),
    "ActionView": frozenset(),
    "PlanView": frozenset(),
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
