"""Authority profiles: everything about a council that letters need and no case holds.

A profile is found the way the contract says: ``--authority FILE`` wins; otherwise the case's
``case.authority`` name is looked up in ``./authorities/<name>.yaml``, then among the built-in
profiles shipped in ``templates/authorities``. Relative paths inside a profile (logo,
signatures) are relative to the profile file, so a council's folder can be moved as a whole.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .model import Line, Slug, Tag

__all__ = [
    "Authority",
    "Nation",
    "Solicitors",
    "Timescales",
    "builtin_authorities",
    "find_authority_file",
    "templates_root",
]

AddressLines = Annotated[list[Line], Field(min_length=1, max_length=10)]
#: The image formats a letter can embed (the logo, chairs' signatures).
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})


class Nation(StrEnum):
    """Where the authority works: whose bank holidays, guidance, terms and routes apply."""

    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"


class Solicitors(StrEnum):
    """Whether a family member may bring a solicitor to the conference.

    Procedures differ: some admit "solicitors for the family (only with the agreement of the
    child protection chair)", others tell parents "you may also bring a friend, relative or
    solicitor". The invitation states the authority's own rule and how to ask.
    """

    WITH_CHAIR_AGREEMENT = "with_chair_agreement"
    ALLOWED = "allowed"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConferenceService(_Strict):
    """The team that organises conferences: the first contact on every letter."""

    name: Line
    phone: Line
    email: Line


class ChairsManager(_Strict):
    """First escalation of a complaint about a conference."""

    title: Line
    email: Line | None = None
    phone: Line | None = None


class ComplaintsManager(_Strict):
    """The authority's complaints route."""

    title: Line
    address: AddressLines | None = None
    email: Line | None = None
    phone: Line | None = None


class Complaints(_Strict):
    """Who a parent complains to, in order, after the chair."""

    chairs_manager: ChairsManager
    complaints_manager: ComplaintsManager


class Leaflets(_Strict):
    """Titles of the leaflets enclosed with invitations."""

    parents: Line
    children: Line


class AdviceLine(_Strict):
    """An independent advice line quoted on family letters."""

    name: Line
    phone: Line


class Redaction(_Strict):
    """Extra tags each profile withholds on top of the built-in rules."""

    professional: list[Tag] = Field(default_factory=list)
    parent: list[Tag] = Field(default_factory=list)
    child: list[Tag] = Field(default_factory=list)


#: Bounds on a profile's own timescales: a council may shorten or lengthen the procedures'
#: notice periods, but never to nothing and never beyond a fortnight.
ReportDays = Annotated[int, Field(ge=1, le=10)]


class Timescales(_Strict):
    """cpcdocs addition: the authority's own notice periods for reports, in working days.

    Unset keys keep the procedures' defaults (2 working days before an initial, pre-birth or
    transfer-in conference; 5 before a review); each set key is cited by the timeline.
    """

    reports_to_chair_days: ReportDays | None = None
    reports_shared_days: ReportDays | None = None
    review_reports_to_chair_days: ReportDays | None = None
    review_reports_shared_days: ReportDays | None = None


class Authority(_Strict):
    """An authority profile, as in ``shared/case-format/example-authority.yaml``."""

    id: Slug
    name: Line
    service: Line
    partnership: Line | None = None
    nation: Nation = Nation.ENGLAND
    address: AddressLines
    phone: Line
    email: Line
    website: Line | None = None
    logo: Line | None = None
    protective_marking: Annotated[str, StringConstraints(min_length=1, max_length=60)] = (
        "OFFICIAL-SENSITIVE"
    )
    conference_service: ConferenceService
    complaints: Complaints
    leaflets: Leaflets
    advice_lines: list[AdviceLine] = Field(default_factory=list)
    signatures: dict[Slug, Line] = Field(default_factory=dict)
    redaction: Redaction = Field(default_factory=Redaction)
    closure_days: list[dt.date] = Field(
        default_factory=list,
        description="cpcdocs addition: local closure days that are not working days.",
    )
    timescales: Timescales = Field(default_factory=Timescales)
    postal_days: int = Field(
        default=2,
        ge=0,
        le=10,
        description="cpcdocs addition: working days a posted document takes to arrive; "
        "amendment deadlines count from receipt.",
    )
    record_days: int = Field(
        default=15,
        ge=1,
        le=60,
        description="cpcdocs addition: working days after the conference by which the chair "
        "approves the record.",
    )
    school_day_ends: Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = (
        Field(
            default="15:00",
            description='cpcdocs addition: when the school day ends ("15:00"); conferences '
            "should not keep parents from collecting their children.",
        )
    )
    solicitors: Solicitors = Field(
        default=Solicitors.WITH_CHAIR_AGREEMENT,
        description=(
            "cpcdocs addition: whether family members may bring a solicitor "
            "(with_chair_agreement: only if the chair agrees; allowed: freely)."
        ),
    )
    language_fallback: Literal["error", "english_with_notice"] = Field(
        default="error",
        description=(
            "cpcdocs addition: a reader whose language's catalog lacks a message the letter "
            "uses: error (the default: rendering stops and names the messages) or "
            "english_with_notice (the English letter, with a sentence in both languages "
            "offering the translation)."
        ),
    )
    reference_prefix: Line | None = Field(
        default=None,
        description=(
            "cpcdocs addition: the start of this authority's case references "
            "(cpcdocs init uses it for the starter case)."
        ),
    )

    #: The folder the profile was read from; relative logo and signature paths resolve here.
    base_dir: Path | None = Field(default=None, exclude=True)

    def resolve(self, relative: str | None) -> Path | None:
        """An image path from the profile, resolved against the profile's folder, if it exists."""
        if not relative or self.base_dir is None:
            return None
        path = (self.base_dir / relative).resolve()
        return path if path.is_file() else None

    @property
    def logo_path(self) -> Path | None:
        """The logo image, when the profile names one that exists."""
        return self.resolve(self.logo)

    def signature_path(self, professional_id: str) -> Path | None:
        """The chair's signature image, when the profile has one."""
        return self.resolve(self.signatures.get(professional_id))

    def missing_images(self, base_dir: Path) -> list[tuple[tuple[str, ...], str]]:
        """Each image the profile names that is not a PNG or JPEG file there, with its key.

        A logo or signature that cannot be found was once left out silently, and an outline
        plan then read "Signed by the chair" with no signature: loading a profile reports
        each one instead (``load_authority``), as ``(key path, message)``.
        """
        named: list[tuple[tuple[str, ...], str]] = []
        if self.logo:
            named.append((("logo",), self.logo))
        named.extend((("signatures", chair), rel) for chair, rel in self.signatures.items())
        problems = []
        for key, relative in named:
            path = (base_dir / relative).resolve()
            if path.suffix.lower() not in _IMAGE_SUFFIXES:
                problems.append((key, f"'{relative}' is not a PNG or JPEG file"))
            elif path.is_dir():
                problems.append((key, f"'{relative}' is a folder, not an image file ({path})"))
            elif not path.is_file():
                problems.append((key, f"no image file '{relative}' beside the profile ({path})"))
        return problems


def templates_root() -> Path:
    """The built-in templates: inside the installed package, or the repository's ``templates/``."""
    packaged = Path(__file__).parent / "_templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def builtin_authorities() -> dict[str, Path]:
    """Built-in profiles by id."""
    folder = templates_root() / "authorities"
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def find_authority_file(
    name: str, explicit: str | Path | None = None, case_file: str | Path | None = None
) -> Path | None:
    """The profile file to use, or None when there is none.

    Order: ``--authority``; ``./authorities/<name>.yaml`` (the contract); then, a cpcdocs
    addition, ``authorities/<name>.yaml`` beside the case file (so a folder made by
    ``cpcdocs init`` works from anywhere); then the built-in profiles.
    """
    if explicit is not None:
        return Path(explicit)
    candidates = [Path("authorities") / f"{name}.yaml"]
    if case_file:
        candidates.append(Path(case_file).resolve().parent / "authorities" / f"{name}.yaml")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return builtin_authorities().get(name)
