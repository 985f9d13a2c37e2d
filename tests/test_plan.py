"""Who receives what: the contract's distribution table, checked by hand and by rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cpcdocs.load import load_case
from cpcdocs.model import ExclusionExtent, Outcome, Participation, Relationship
from cpcdocs.plan import DocumentKind, plan_pack

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "case-format" / "example-case.yaml"
SAMPLES = sorted((ROOT / "samples").glob("*.yaml"))

# The contract example's pack, written out by hand from the contract's table (not from code).
EXAMPLE_FILES = [
    "mother/invitation.pdf",
    "mother/invitation.docx",
    "father-maya/invitation.pdf",
    "father-maya/invitation.docx",
    "advocate-rees/invitation.pdf",
    "advocate-rees/invitation.docx",
    "maya/invitation.pdf",
    "maya/invitation.docx",
    "sw-patel/invitation.pdf",
    "sw-patel/invitation.docx",
    "pc-mensah/invitation.pdf",
    "pc-mensah/invitation.docx",
    "hv-byrne/invitation.pdf",
    "hv-byrne/invitation.docx",
    "teacher-ames/invitation.pdf",
    "teacher-ames/invitation.docx",
    "gp-shah/invitation.pdf",
    "gp-shah/invitation.docx",
    "father-theo/exclusion_notice.pdf",
    "father-theo/exclusion_notice.docx",
    "pc-mensah/report_proforma-maya.docx",
    "pc-mensah/report_proforma-theo.docx",
    "hv-byrne/report_proforma-theo.docx",
    "teacher-ames/report_proforma-maya.docx",
    "gp-shah/report_proforma-maya.docx",
    "gp-shah/report_proforma-theo.docx",
    "sw-patel/child_report-maya.docx",
    "sw-patel/child_report-maya.pdf",
    "sw-patel/child_report-theo.docx",
    "sw-patel/child_report-theo.pdf",
    "mother/child_report-maya.pdf",
    "mother/child_report-theo.pdf",
    "father-maya/child_report-maya.pdf",
    "father-theo/child_report-theo.pdf",
    "mother/decision_letter.pdf",
    "mother/decision_letter.docx",
    "father-maya/decision_letter.pdf",
    "father-maya/decision_letter.docx",
    "father-theo/decision_letter.pdf",
    "father-theo/decision_letter.docx",
    "maya/decision_letter.pdf",
    "maya/decision_letter.docx",
    "sw-patel/decision_letter.pdf",
    "sw-patel/decision_letter.docx",
    "pc-mensah/decision_letter.pdf",
    "pc-mensah/decision_letter.docx",
    "hv-byrne/decision_letter.pdf",
    "hv-byrne/decision_letter.docx",
    "teacher-ames/decision_letter.pdf",
    "teacher-ames/decision_letter.docx",
    "gp-shah/decision_letter.pdf",
    "gp-shah/decision_letter.docx",
    "sw-patel/outline_plan-maya.pdf",
    "pc-mensah/outline_plan-maya.pdf",
    "hv-byrne/outline_plan-maya.pdf",
    "teacher-ames/outline_plan-maya.pdf",
    "gp-shah/outline_plan-maya.pdf",
    "mother/outline_plan-maya.pdf",
    "father-maya/outline_plan-maya.pdf",
    "maya/outline_plan-maya.pdf",
    "sw-patel/outline_plan-theo.pdf",
    "pc-mensah/outline_plan-theo.pdf",
    "hv-byrne/outline_plan-theo.pdf",
    "teacher-ames/outline_plan-theo.pdf",
    "gp-shah/outline_plan-theo.pdf",
    "mother/outline_plan-theo.pdf",
    "father-theo/outline_plan-theo.pdf",
]


def test_example_pack_is_exactly_the_contract_table() -> None:
    case = load_case(EXAMPLE)
    planned = [path for doc in plan_pack(case) for path in doc.paths()]
    assert len(planned) == len(set(planned)), "a file is planned twice"
    assert sorted(planned) == sorted(EXAMPLE_FILES)


def test_example_profiles() -> None:
    case = load_case(EXAMPLE)
    profiles = {(d.recipient.id, d.kind.value, d.child): d.profile.value for d in plan_pack(case)}
    assert profiles[("mother", "invitation", None)] == "parent"
    assert profiles[("advocate-rees", "invitation", None)] == "parent"
    assert profiles[("maya", "invitation", None)] == "child"
    assert profiles[("gp-shah", "invitation", None)] == "professional"
    assert profiles[("father-theo", "exclusion_notice", None)] == "parent"
    assert profiles[("father-theo", "child_report", "theo")] == "parent"
    assert profiles[("sw-patel", "child_report", "maya")] == "professional"
    assert profiles[("maya", "outline_plan", "maya")] == "child"


def test_nobody_gets_a_per_child_document_for_a_child_they_have_no_pr_for() -> None:
    case = load_case(EXAMPLE)
    for doc in plan_pack(case):
        if doc.child and doc.recipient.kind == "person":
            assert case.holds_pr(doc.recipient.id, doc.child), doc
        if doc.child and doc.recipient.kind == "child":
            assert doc.recipient.id == doc.child, doc


def test_children_named_in_a_family_document_are_their_pr_children_only() -> None:
    case = load_case(EXAMPLE)
    for doc in plan_pack(case):
        if doc.recipient.id == "father-theo":
            assert doc.children == ("theo",), doc
        if doc.recipient.id == "father-maya":
            assert doc.children == ("maya",), doc


def test_no_decision_means_no_decision_letters_or_plans() -> None:
    case = load_case(EXAMPLE).model_copy(update={"decision": None, "plan": None})
    kinds = {d.kind for d in plan_pack(case)}
    assert DocumentKind.DECISION_LETTER not in kinds
    assert DocumentKind.OUTLINE_PLAN not in kinds
    assert DocumentKind.INVITATION in kinds


def test_chair_never_receives_anything() -> None:
    for path in [EXAMPLE, *SAMPLES]:
        case = load_case(path)
        assert all(d.recipient.id != case.conference.chair for d in plan_pack(case)), path


def _expected(case) -> set[tuple[str, str, str | None]]:
    """The contract's table, re-stated rule by rule, independent of plan.py's code."""
    out: set[tuple[str, str, str | None]] = set()
    chair = case.conference.chair
    lead = case.lead_social_worker
    pros = [p for p in case.professionals if p.id != chair]
    day: dt.date = case.conference.date

    def pr(person_id: str, child_id: str) -> bool:
        child = next(c for c in case.children if c.id == child_id)
        person = next(p for p in case.people if p.id == person_id)
        return person_id in child.parents or child_id in person.parental_responsibility_for

    def age(child) -> int | None:
        return child.age_on(day)

    for p in case.people:
        full = p.exclusion is not None and p.exclusion.extent is ExclusionExtent.FULL
        if (p.invite and not full) or p.relationship in (
            Relationship.ADVOCATE,
            Relationship.SUPPORTER,
        ):
            out.add(("invitation", p.id, None))
        if p.exclusion is not None:
            out.add(("exclusion_notice", p.id, None))
    for c in case.children:
        if c.participation in (Participation.ATTEND, Participation.ATTEND_PART):
            out.add(("invitation", c.id, None))
    for pro in pros:
        out.add(("invitation", pro.id, None))
        if lead is None or pro.id != lead.id:
            for c in case.children:
                if pro.knows is None or c.id in pro.knows:
                    out.add(("report_proforma", pro.id, c.id))
    for c in case.children:
        if lead is not None:
            out.add(("child_report", lead.id, c.id))
        for p in case.people:
            if pr(p.id, c.id):
                out.add(("child_report", p.id, c.id))
    if case.decision is not None:
        for p in case.people:
            if any(pr(p.id, c.id) for c in case.children):
                out.add(("decision_letter", p.id, None))
        for c in case.children:
            attended = c.participation in (Participation.ATTEND, Participation.ATTEND_PART)
            if attended or (age(c) or 0) >= 12:
                out.add(("decision_letter", c.id, None))
        for pro in pros:
            out.add(("decision_letter", pro.id, None))
        for c in case.children:
            if case.decision.children[c.id].outcome is not Outcome.CHILD_PROTECTION_PLAN:
                continue
            for pro in pros:
                out.add(("outline_plan", pro.id, c.id))
            for p in case.people:
                if pr(p.id, c.id):
                    out.add(("outline_plan", p.id, c.id))
            if (age(c) or 0) >= 12:
                out.add(("outline_plan", c.id, c.id))
    return out


@pytest.mark.parametrize("path", [EXAMPLE, *SAMPLES], ids=lambda p: p.stem)
def test_every_sample_plan_matches_the_contract_rules(path: Path) -> None:
    case = load_case(path)
    planned = {(d.kind.value, d.recipient.id, d.child) for d in plan_pack(case)}
    assert planned == _expected(case)


@pytest.mark.parametrize("path", [EXAMPLE, *SAMPLES], ids=lambda p: p.stem)
def test_formats_follow_the_contract(path: Path) -> None:
    case = load_case(path)
    lead = case.lead_social_worker
    for doc in plan_pack(case):
        kind = doc.kind
        if kind in (
            DocumentKind.INVITATION,
            DocumentKind.EXCLUSION_NOTICE,
            DocumentKind.DECISION_LETTER,
        ):
            assert doc.formats == ("pdf", "docx")
        elif kind is DocumentKind.REPORT_PROFORMA:
            assert doc.formats == ("docx",)
        elif kind is DocumentKind.OUTLINE_PLAN:
            assert doc.formats == ("pdf",)
        elif kind is DocumentKind.CHILD_REPORT:
            if lead is not None and doc.recipient.id == lead.id:
                assert doc.formats == ("docx", "pdf")
            else:
                assert doc.formats == ("pdf",)
                assert doc.profile.value == "parent"
