"""Nations: each nation's guidance cited, its terms used, its own routes described.

A family in Wales, Scotland or Northern Ireland must not be pointed at England's guidance;
a Scottish family is invited to a child protection planning meeting; a Welsh family is told
how to challenge a conference decision under the Wales Safeguarding Procedures. England's
letters and sources stay exactly what they were.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_wording import flat, sample, text_of, view_of

from cpcdocs.authority import Nation
from cpcdocs.nations import NATIONS, nation_profile, nation_sources
from cpcdocs.timeline import SOURCES, compute_timeline

WORKING_TOGETHER = "Working Together"


def in_nation(which: str, name: str = "example-initial") -> tuple[Any, Any]:
    case, authority = sample(name)
    return case, authority.model_copy(update={"nation": Nation(which)})


def test_every_nation_has_a_profile() -> None:
    assert set(NATIONS) == {n.value for n in Nation}
    for nation in Nation:
        assert nation_profile(nation).key == nation.value


def test_england_sources_are_the_contracts_table() -> None:
    assert nation_sources("england") == SOURCES


@pytest.mark.parametrize(
    ("which", "cited"),
    [
        ("wales", "Wales Safeguarding Procedures"),
        ("wales", "Social Services and Well-being (Wales) Act 2014"),
        ("scotland", "National Guidance for Child Protection in Scotland 2021"),
        ("northern_ireland", "Co-operating to Safeguard Children and Young People"),
        ("northern_ireland", "Area Child Protection Committees"),
    ],
)
def test_other_nations_cite_their_own_guidance_never_working_together(
    which: str, cited: str
) -> None:
    sources = nation_sources(which)
    assert set(sources) == set(SOURCES)
    assert not any(WORKING_TOGETHER in s for s in sources.values())
    assert any(cited in s for s in sources.values())


@pytest.mark.parametrize("which", ["wales", "scotland", "northern_ireland"])
def test_timeline_cites_the_nations_guidance(which: str) -> None:
    case, authority = in_nation(which, "example-record")
    deadlines = compute_timeline(case, authority)
    assert deadlines
    for deadline in deadlines:
        assert WORKING_TOGETHER not in deadline.source, deadline
    assert any(NATIONS[which].guidance in d.source for d in deadlines)


def test_england_timeline_still_cites_working_together() -> None:
    deadlines = compute_timeline(*sample("example-record"))
    assert any("Working Together to Safeguard Children 2023" in d.source for d in deadlines)


@pytest.mark.parametrize("which", ["wales", "scotland", "northern_ireland"])
@pytest.mark.parametrize(
    ("kind", "reader"), [("invitation", "mother"), ("decision_letter", "mother")]
)
def test_letters_outside_england_never_cite_working_together(
    which: str, kind: str, reader: str
) -> None:
    body = text_of(view_of(in_nation(which, "example-record"), kind, reader))
    assert WORKING_TOGETHER not in body


def test_scotland_says_child_protection_planning_meeting() -> None:
    body = flat(text_of(view_of(in_nation("scotland"), "invitation", "mother")))
    assert "initial child protection planning meeting" in body
    assert "initial child protection conference" not in body
    professional = flat(text_of(view_of(in_nation("scotland"), "invitation", "sw-patel")))
    assert "Invitation: initial child protection planning meeting about" in professional


def test_northern_ireland_says_case_conference() -> None:
    body = flat(text_of(view_of(in_nation("northern_ireland"), "invitation", "mother")))
    assert "initial child protection case conference" in body


def test_wales_decision_letter_gives_the_wales_challenge_route() -> None:
    body = flat(text_of(view_of(in_nation("wales", "example-record"), "decision_letter", "mother")))
    assert "dealt with under the Wales Safeguarding Procedures" in body
    assert nation_profile("wales").own_challenge_route
    english = flat(text_of(view_of(sample("example-record"), "decision_letter", "mother")))
    assert "Wales Safeguarding Procedures" not in english


def test_england_letters_unchanged_by_nation_profiles() -> None:
    """The England profile changes no word: every term maps to itself."""
    england = nation_profile("england")
    assert dict(england.terms) == {}
    assert england.term("initial child protection conference") == (
        "initial child protection conference"
    )
    assert not england.own_challenge_route


def test_authority_view_carries_the_nation() -> None:
    view = view_of(in_nation("wales"), "invitation", "mother")
    assert view.authority.nation == "wales"
    assert view.authority.nation_profile.guidance.startswith("Wales Safeguarding Procedures")
