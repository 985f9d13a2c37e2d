"""The leak corpus: cases modelled on real reprimands, rendered for real and audited.

Each ``tests/cases/leak-*/case.yaml`` says in its header which reprimand it is modelled on and
what must hold. Every pack is rendered by :func:`cpcdocs.pack.render_pack` (which refuses to
publish a pack that fails the audit) and then checked three more ways:

- the audit, run again on the published pack, is clean;
- a deliberately simple, independent search (no phrases, no allowed-strings: whole values
  only) finds no withheld value in any family member's or child's file;
- redaction did not overshoot: the lead social worker's reports hold every item for their
  child, and each family copy of a child's report holds every item its reader may see.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from conftest import CASES

from cpcdocs.audit import audit_pack, normalise
from cpcdocs.authority import Authority, builtin_authorities
from cpcdocs.extract import extract_file
from cpcdocs.load import load_authority, load_case
from cpcdocs.model import Case
from cpcdocs.pack import RenderOptions, render_pack
from cpcdocs.plan import DocumentKind, plan_pack
from cpcdocs.views import Profile, Visibility, withheld_items

pytestmark = pytest.mark.slow

CORPUS = sorted(CASES.glob("leak-*/case.yaml"))
ISSUED = dt.date(2027, 1, 4)


def words(text: str) -> str:
    """Normalised words, space-separated and space-ended, for whole-word substring tests."""
    return " " + " ".join(re.findall(r"\w+", normalise(text))) + " "


def file_words(path: Path) -> str:
    """Every reading of a file's text the audit would make, joined."""
    readings = []
    for chunk in extract_file(path):
        readings.append(words(chunk.text))
        readings.append(words(normalise(chunk.text, join_hyphenation=False)))
        if chunk.wrapped:
            readings.append(words(re.sub(r"[ \t]*\n[ \t]*", "", chunk.text)))
    return "|".join(readings)


@pytest.fixture(scope="module")
def northmoor() -> Authority:
    return load_authority(builtin_authorities()["northmoor"])


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Case, Path]]:
    out = tmp_path_factory.mktemp("corpus")
    rendered = {}
    for path in CORPUS:
        result = render_pack(path, out, RenderOptions(issued_on=ISSUED))  # audited before publish
        rendered[path.parent.name] = (load_case(path), result.path)
    return rendered


def test_the_corpus_covers_what_the_issue_asks_for() -> None:
    cases = [load_case(p) for p in CORPUS]
    fathers = [sum(p.relationship.value == "father" for p in c.people) for c in cases]
    assert 2 in fathers and 3 in fathers  # split families with two and three fathers
    safe = [[p for p in c.people if p.withhold_address_from] for c in cases]
    assert any(len(s[0].withhold_address_from) == 1 for s in safe if s)  # from one parent
    assert any(len(x.withhold_address_from) == 2 for s in safe for x in s)  # from two
    tags = {t for c in cases for i in c.information for t in i.tags}
    assert tags >= {
        "police_investigation",
        "third_party",
        "parent_health",
        "substance_misuse",
        "criminal_history",
        "sexual_history",
        "chair_confidential",
        "mash_intelligence",
        "domestic_abuse_detail",
    }
    assert any(p.exclusion for c in cases for p in c.people)  # an excluded parent
    child_copies = [
        d for c in cases for d in plan_pack(c) if d.profile is Profile.CHILD and d.child
    ]
    assert child_copies  # a 12+ child's own copy of their plan


@pytest.mark.parametrize("name", [p.parent.name for p in CORPUS])
def test_every_document_is_rendered_and_the_audit_is_clean(
    packs: dict[str, tuple[Case, Path]], northmoor: Authority, name: str
) -> None:
    case, pack = packs[name]
    manifest = json.loads((pack / "manifest.json").read_text())
    listed = {d["path"] for d in manifest["documents"]}
    assert listed == {path for doc in plan_pack(case) for path in doc.paths()}
    report = audit_pack(pack, case, northmoor)
    assert report.clean, report.format_text()


@pytest.mark.parametrize("name", [p.parent.name for p in CORPUS])
def test_no_family_file_holds_a_withheld_value_by_a_plain_search(
    packs: dict[str, tuple[Case, Path]], northmoor: Authority, name: str
) -> None:
    """A second, simpler oracle than the audit: whole withheld values, no exceptions."""
    case, pack = packs[name]
    problems = []
    for doc in plan_pack(case):
        if doc.profile is Profile.PROFESSIONAL:
            continue
        items = withheld_items(case, northmoor, doc.recipient, doc.profile, doc.child)
        for rel in doc.paths():
            text = file_words(pack / rel)
            for item in items:
                if item.rule == "address-withheld":
                    # lines with a number (flat, street, postcode); a town may be shared
                    values = [v for v in item.values if any(ch.isdigit() for ch in v)]
                else:
                    values = list(item.values)
                for value in values:
                    if words(value).strip() and words(value) in text:
                        problems.append(f"{rel}: {item.rule} {item.item}")
    assert problems == []


@pytest.mark.parametrize("name", [p.parent.name for p in CORPUS])
def test_the_lead_social_workers_reports_hold_every_item(
    packs: dict[str, tuple[Case, Path]], name: str
) -> None:
    """Redaction that drops everything is a failure too: professionals' copies are complete."""
    case, pack = packs[name]
    lead = case.lead_social_worker
    assert lead is not None
    for child in case.children:
        for fmt in ("pdf", "docx"):
            text = file_words(pack / lead.id / f"child_report-{child.id}.{fmt}")
            missing = [
                i.id
                for i in case.information
                if child.id in i.children and words(i.text) not in text
            ]
            assert missing == [], f"{lead.id}/child_report-{child.id}.{fmt}"


@pytest.mark.parametrize("name", [p.parent.name for p in CORPUS])
def test_family_copies_hold_every_item_their_reader_may_see(
    packs: dict[str, tuple[Case, Path]], northmoor: Authority, name: str
) -> None:
    case, pack = packs[name]
    checked = 0
    for doc in plan_pack(case):
        if doc.kind is not DocumentKind.CHILD_REPORT or doc.profile is Profile.PROFESSIONAL:
            continue
        vis = Visibility(case, northmoor, doc.recipient, doc.profile, doc.child)
        for rel in doc.paths():
            text = file_words(pack / rel)
            missing = [i.id for i in vis.information if words(i.text) not in text]
            assert missing == [], rel
            checked += 1
    assert checked


def test_specific_promises_of_the_corpus(packs: dict[str, tuple[Case, Path]]) -> None:
    """A few of the headers' promises, spelt out with the values, as a reader would check."""
    _, pack = packs["leak-two-fathers-one-safe-address"]
    for rel in ("father-kyle/decision_letter.pdf", "father-kyle/child_report-noah.pdf"):
        text = file_words(pack / rel)
        assert words("3 Ferrier Way") not in text and words("BK7 2WQ") not in text
        assert words("Lily Ashcombe") not in text
        assert words("broke her wrist") not in text
    assert words("3 Ferrier Way") in file_words(pack / "mother/decision_letter.pdf")
    assert words("broke her wrist") in file_words(pack / "mother/child_report-lily.pdf")

    _, pack = packs["leak-kinship-cousins-police-material"]
    for rel in (
        "mother-amira/outline_plan-amira.pdf",
        "amira/outline_plan-amira.pdf",
        "sw-nakamura/outline_plan-amira.pdf",
        "mother-amira/decision_letter.pdf",
    ):
        text = file_words(pack / rel)
        assert words("bruising to Zain's upper arms") not in text, rel
    assert words("Zain Haddad") not in file_words(pack / "mother-amira/decision_letter.pdf")

    _, pack = packs["leak-teenager-own-copy"]
    for rel in ("kai/decision_letter.pdf", "kai/outline_plan-kai.pdf"):
        text = file_words(pack / rel)
        assert words("smokes cannabis") not in text  # personal-tagged, though about Kai
        assert words("Freya Brennan") not in text
    assert "stepfather" in {p.parent.name for p in pack.rglob("invitation.pdf")}
    step = file_words(pack / "stepfather/invitation.pdf")
    assert words("Kai Brennan") not in step and words("Freya Brennan") not in step
