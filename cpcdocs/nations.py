"""What changes with the nation an authority works in: statutory sources, terms, challenge routes.

Child protection in each of the four nations follows its own statutory guidance, and the
letters and the timeline must cite the reader's own: a family in Wales who is told a deadline
comes from *Working Together to Safeguard Children* (England's guidance) is told something
false, and looks in the wrong place to check it. A :class:`NationProfile` holds each thing the
letters and the timeline say that differs by nation, so templates read ``view.authority.nation``
rather than hard-coding England.

England's profile holds exactly the wording the letters used before nations existed, so an
English authority's letters are unchanged byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["NATIONS", "NationProfile", "nation_profile", "nation_sources"]

_LOCAL = "local child protection procedures"


@dataclass(frozen=True)
class NationProfile:
    """One nation's guidance, terms and challenge route.

    Attributes:
        key: ``england``, ``wales``, ``scotland`` or ``northern_ireland`` (the profile's
            ``nation``).
        name: the nation's name, for sentences such as "the procedures in Wales".
        guidance: the statutory guidance deadlines and duties come from, as cited.
        guidance_short: the same, short enough for a sentence in a letter.
        legislation: the Act the guidance sits under, where letters or the timeline name it.
        conference: what the meeting is called in the nation's guidance.
        register: what being "on a plan" is called where the guidance still keeps a register
            (None where letters only speak of the plan).
        own_challenge_route: the nation's procedures give a family a route of their own for
            challenging a conference *decision*, beside the complaints procedure (Wales); the
            letters' ``challenge_route`` macro words it, as a catalog message.
        terms: each word the letters use that this nation's guidance says differently, as
            English term to this nation's term ("child protection conference" ->
            "child protection planning meeting" in Scotland).
    """

    key: str
    name: str
    guidance: str
    guidance_short: str
    legislation: str | None
    conference: str
    register: str | None = None
    own_challenge_route: bool = False
    terms: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def term(self, english: str) -> str:
        """``english`` as this nation's guidance says it (unchanged where it does not differ)."""
        return self.terms.get(english, english)

    @property
    def sources(self) -> dict[str, str]:
        """The timeline's source for each deadline key, citing this nation's guidance."""
        return nation_sources(self.key)


NATIONS: Mapping[str, NationProfile] = MappingProxyType(
    {
        "england": NationProfile(
            key="england",
            name="England",
            guidance="Working Together to Safeguard Children 2023",
            guidance_short="Working Together to Safeguard Children",
            legislation="Children Act 1989",
            conference="child protection conference",
        ),
        "wales": NationProfile(
            key="wales",
            name="Wales",
            guidance="Wales Safeguarding Procedures; Social Services and Well-being (Wales) "
            "Act 2014",
            guidance_short="the Wales Safeguarding Procedures",
            legislation="Social Services and Well-being (Wales) Act 2014",
            conference="child protection conference",
            register="child protection register",
            own_challenge_route=True,
        ),
        "scotland": NationProfile(
            key="scotland",
            name="Scotland",
            guidance="National Guidance for Child Protection in Scotland 2021",
            guidance_short="the National Guidance for Child Protection in Scotland",
            legislation="Children (Scotland) Act 1995",
            conference="child protection planning meeting",
            register="child protection register",
            terms=MappingProxyType(
                {
                    "child protection conference": "child protection planning meeting",
                    "initial child protection conference": "initial child protection "
                    "planning meeting",
                    "review child protection conference": "review child protection "
                    "planning meeting",
                    "pre-birth child protection conference": "pre-birth child protection "
                    "planning meeting",
                    "transfer-in child protection conference": "transfer child protection "
                    "planning meeting",
                }
            ),
        ),
        "northern_ireland": NationProfile(
            key="northern_ireland",
            name="Northern Ireland",
            guidance="Co-operating to Safeguard Children and Young People in Northern Ireland; "
            "Area Child Protection Committees' Regional Policy and Procedures",
            guidance_short="Co-operating to Safeguard Children and Young People in Northern "
            "Ireland",
            legislation="Children (Northern Ireland) Order 1995",
            conference="child protection case conference",
            register="child protection register",
            terms=MappingProxyType(
                {
                    "child protection conference": "child protection case conference",
                    "initial child protection conference": "initial child protection case "
                    "conference",
                    "review child protection conference": "review child protection case conference",
                    "pre-birth child protection conference": "pre-birth child protection case "
                    "conference",
                    "transfer-in child protection conference": "transfer-in child protection "
                    "case conference",
                }
            ),
        ),
    }
)

#: The timeline's sources, with ``{guidance}`` where the nation's statutory guidance is cited.
_SOURCE_PATTERNS: dict[str, str] = {
    "conference_latest": "{guidance}; " + _LOCAL,
    "exclusion_request_latest": f"{_LOCAL}: exclusion criteria",
    "pre_birth_conference_by": f"{_LOCAL}: pre-birth timing",
    "reports_to_chair": f"{_LOCAL}: report sharing",
    "reports_shared_with_family": f"{_LOCAL}: report sharing",
    "decision_and_plan_sent": f"{_LOCAL}: outline plan distribution",
    "written_decision_latest": f"{_LOCAL}: decision in writing",
    "core_group_latest": "{guidance}; " + _LOCAL + ": chair's duties",
    "plan_discussed_with_parents": f"{_LOCAL}: plan discussion",
    "review_latest": "{guidance}; " + _LOCAL + ": review timing",
    "amendments_latest": f"{_LOCAL}: amendments to records",
    "pre_birth_review_after_birth": f"{_LOCAL}: pre-birth reviews",
}


def nation_profile(nation: object) -> NationProfile:
    """The profile of ``nation`` (a :class:`~cpcdocs.authority.Nation` or its value).

    Raises:
        KeyError: for a nation that is not one of the four (the profile's schema refuses one
            before this is reached).
    """
    key = str(getattr(nation, "value", nation))
    return NATIONS[key]


def nation_sources(nation: object) -> dict[str, str]:
    """Each timeline deadline's source, citing ``nation``'s statutory guidance.

    England's are the contract's table exactly ("Working Together to Safeguard Children 2023;
    local child protection procedures"); Wales, Scotland and Northern Ireland cite their own
    guidance in the same places, so nothing for them names Working Together.
    """
    key = str(getattr(nation, "value", nation))
    guidance = NATIONS[key].guidance
    return {k: v.format(guidance=guidance) for k, v in _SOURCE_PATTERNS.items()}
