"""What the views over-shared, and what they now hold (issue: the audit never excuses a leak).

- A pre-birth conference's letters to a reader connected to no unborn child do not reveal the
  pregnancy (the conference is "a child protection conference" to them).
- A baby born but not yet named is "your baby" to the mother and "the baby" to others, never
  "unborn".
- A fully excluded supporter, like a fully excluded parent, gets no invitation.
- Contact details follow the address rule (see also test_text_items.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from cpcdocs.extract import extract_bytes
from cpcdocs.kinds import DocumentKind
from cpcdocs.load import load_authority, load_case
from cpcdocs.model import Case, Exclusion, ExclusionExtent
from cpcdocs.pack import RenderOptions, document_views, render_pack
from cpcdocs.plan import plan_pack

PRE_BIRTH = ROOT / "samples" / "pre-birth-unborn.yaml"
RECORD = ROOT / "samples" / "example-record.yaml"
NORTHMOOR = ROOT / "templates" / "authorities" / "northmoor.yaml"
DAY = dt.date(2027, 1, 20)
PREGNANCY_WORDS = ("unborn", "pre-birth", "pregnan", "expected date of birth", "baby")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name))
    elif isinstance(value, dict):
        for key, v in value.items():
            yield str(key)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def _views(case: Case, reader: str) -> list[Any]:
    docs = [d for d in plan_pack(case) if d.recipient.id == reader]
    assert docs
    return [v for _, v in document_views(case, load_authority(NORTHMOOR), DAY, docs)]


def test_a_pre_birth_conference_is_not_revealed_to_a_reader_with_no_unborn_child() -> None:
    case = load_case(PRE_BIRTH)
    for view in _views(case, "father-kai"):
        assert view.conference.type == "initial"
        text = "\n".join(_strings(view)).casefold()
        for word in PREGNANCY_WORDS:
            assert word not in text, (view.kind, word)
    for view in _views(case, "father-baby"):
        assert view.conference.type == "pre_birth"


@pytest.mark.slow
def test_the_pre_birth_letters_of_a_sibling_s_father_say_nothing_of_a_baby(tmp_path: Path) -> None:
    result = render_pack(PRE_BIRTH, tmp_path, RenderOptions(recipients=("father-kai",)), jobs=1)
    files = sorted(result.path.glob("*/father-kai/*.pdf"))
    assert files
    for path in files:
        text = " ".join(c.text for c in extract_bytes(path.read_bytes(), "pdf")).casefold()
        for word in PREGNANCY_WORDS:
            assert word not in text, (path.name, word)


def _born_unnamed(case: Case) -> Case:
    baby = case.child("baby").model_copy(
        update={"date_of_birth": dt.date(2027, 1, 2), "expected_birth_date": None}
    )
    return case.model_copy(update={"children": [baby, *case.children[1:]]})


def test_a_born_baby_not_yet_named_is_your_baby_to_the_mother_never_unborn() -> None:
    from cpcdocs.render import Renderer

    case = _born_unnamed(load_case(PRE_BIRTH))
    renderer = Renderer(None)
    for view in _views(case, "mother"):
        text = "\n".join(_strings(view))
        assert "unborn" not in text.casefold(), view.kind
        if view.kind == DocumentKind.INVITATION.value:
            fragment = renderer.render_fragment(view)
            assert "your baby" in fragment
            assert "unborn" not in fragment
    for view in _views(case, "father-baby"):
        assert "the baby of Shannon Pryce" in "\n".join(_strings(view))


def test_a_fully_excluded_supporter_gets_the_notice_and_no_invitation() -> None:
    case = load_case(RECORD)
    advocate = case.person("advocate-rees").model_copy(
        update={
            "exclusion": Exclusion(
                extent=ExclusionExtent.FULL,
                grounds=["professional_safety"],
                decided_on=dt.date(2026, 12, 23),
            )
        }
    )
    people = [advocate if p.id == "advocate-rees" else p for p in case.people]
    kinds = {
        d.kind
        for d in plan_pack(case.model_copy(update={"people": people}))
        if d.recipient.id == "advocate-rees"
    }
    assert DocumentKind.INVITATION not in kinds
    assert DocumentKind.EXCLUSION_NOTICE in kinds
