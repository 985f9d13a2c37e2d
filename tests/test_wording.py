"""Wording: every document says the right things to its reader, and nothing of anyone else's.

Each letter's wording is rendered from a view built for its one recipient (as the pack does)
and read back as text, through the same block parser the PDF and DOCX are written from. The
tests pin, per kind and kind of reader, the names, dates and deadlines that must be there and
the other family's names and addresses that must not; that every kind renders for every
conference type; and that the Word forms are real forms (content controls, every tag
resolved). A few PDFs are rendered at the end, as a parent would receive them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from cpcdocs.authority import Authority
from cpcdocs.kinds import KINDS, Stage
from cpcdocs.load import load_case, resolve_authority
from cpcdocs.model import Case, ExclusionGround
from cpcdocs.pack import document_views
from cpcdocs.plan import DocumentKind, PlannedDocument
from cpcdocs.render import Renderer
from cpcdocs.render.blocks import Paragraph, Table
from cpcdocs.timeline import deadlines
from cpcdocs.views import DeadlineView, View

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ISSUED = dt.date(2026, 11, 22)
#: Kinds whose PDF comes from a wording template, and the Word forms: from the declarations.
HTML_KINDS = (
    *tuple(k.value for k, spec in KINDS.items() if spec.word_template is None),
    "child_report",
)
DOCX_FORMS = tuple(k.value for k, spec in KINDS.items() if spec.word_template is not None)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# -- building views as the pack does ---------------------------------------------------------------


@cache
def renderer() -> Renderer:
    return Renderer()


@cache
def sample(name: str) -> tuple[Case, Authority]:
    path = SAMPLES / f"{name}.yaml"
    case = load_case(path)
    return case, resolve_authority(case, case_file=str(path))


def deadline_views(case: Case, authority: Authority) -> dict[str, DeadlineView]:
    return {
        key: DeadlineView(key=key, label=d.label, due=d.due)
        for key, d in deadlines(case, authority).items()
    }


def stage_dates(case: Case) -> dict[Stage, dt.date]:
    """Each stage's date as a real run would give it: the case's ``issued``, else ISSUED."""
    dated = case.issued.model_dump() if case.issued is not None else {}
    return {stage: dated.get(stage.value) or ISSUED for stage in Stage}


def views(case: Case, authority: Authority) -> Iterator[tuple[PlannedDocument, View]]:
    yield from document_views(case, authority, stage_dates(case))


def view_of(
    name_or_case: str | tuple[Case, Authority],
    kind: str,
    recipient: str,
    child: str | None = None,
) -> View:
    case, authority = sample(name_or_case) if isinstance(name_or_case, str) else name_or_case
    for doc, view in views(case, authority):
        if doc.kind.value == kind and doc.recipient.id == recipient and doc.child == child:
            return view
    msg = f"no {kind} for {recipient} ({child}) in the plan"
    raise LookupError(msg)


def blocks_text(blocks: list[Any]) -> str:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells = [
                    " ".join(p.text for p in cell.blocks if isinstance(p, Paragraph))
                    for cell in row
                ]
                lines.append(" | ".join(cells))
    return "\n".join(lines)


def text_of(view: View) -> str:
    """The document's wording as plain text, via the parser both formats are written from."""
    return blocks_text(renderer().render_blocks(view))


def text(
    name_or_case: str | tuple[Case, Authority],
    kind: str,
    recipient: str,
    child: str | None = None,
) -> str:
    return text_of(view_of(name_or_case, kind, recipient, child))


def flat(value: str) -> str:
    """Lines joined, for phrases that may wrap onto a new block."""
    return re.sub(r"\s+", " ", value)


# -- variants: cases the samples do not cover ------------------------------------------------------


def raw(name: str) -> dict[str, Any]:
    return yaml.safe_load((SAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))


def variant(data: dict[str, Any], authority_of: str = "example-initial") -> tuple[Case, Authority]:
    return Case.model_validate(data), sample(authority_of)[1]


def pre_birth_decided() -> tuple[Case, Authority]:
    """The pre-birth sample after the conference: a plan for the baby, child in need for Kai."""
    data = raw("pre-birth-unborn")
    data["decision"] = {
        "quorate": True,
        "children": {
            "baby": {"outcome": "child_protection_plan", "category": "neglect"},
            "kai": {"outcome": "child_in_need_plan"},
        },
        "lead_social_worker": "sw-carver",
        "core_group_date": "2027-02-12",
        "review_date": "2027-05-03",
        "core_group": ["mother", "sw-carver", "midwife-oduya"],
    }
    data["plan"] = {
        "baby": {
            "risks": ["The baby's care may be missed if Miss Pryce becomes unwell."],
            "outcomes": ["Miss Pryce takes her medication and attends every appointment."],
            "actions": [
                {"what": "Birth plan meeting", "who": "midwife-oduya", "by": "2027-03-01"},
                {"what": "Weekly visits", "who": "sw-carver", "by": "ongoing"},
            ],
            "contact": "The lead social worker visits at least every 10 working days.",
            "contingency": "If Miss Pryce is admitted to hospital, Mrs Pryce will care for Kai.",
        }
    }
    # every kind needs a reader: an invited child and an exclusion
    data["children"][1]["participation"] = "attend"
    data["people"][2]["exclusion"] = {
        "extent": "part",
        "grounds": ["confidential_information"],
        "summary": "Police enquiries about Mr Doyle are at an early stage.",
        "part_description": "The police update.",
        "views_routes": ["social_worker"],
        "decided_on": "2027-01-28",
    }
    return variant(data)


def with_exclusion(name: str, person_index: int) -> tuple[Case, Authority]:
    """A sample with a full exclusion added, so its conference type has an exclusion notice."""
    data = raw(name)
    data["people"][person_index]["exclusion"] = {
        "extent": "full",
        "grounds": [g.value for g in ExclusionGround],
        "summary": "The chair's summary of the reasons.",
        "decided_on": "2027-02-10",
    }
    return variant(data)


def all_cases() -> list[tuple[str, tuple[Case, Authority]]]:
    cases = [(p.stem, sample(p.stem)) for p in sorted(SAMPLES.glob("*.yaml"))]
    cases.append(("pre-birth-decided", pre_birth_decided()))
    cases.append(("review-excluded", with_exclusion("review-step-down", 1)))
    cases.append(("transfer-in-excluded", with_exclusion("transfer-in", 1)))
    return cases


ALL_CASES = all_cases()


# -- every document renders ------------------------------------------------------------------------

_ARTEFACTS = re.compile(r"\{\{|\{%|\bNone\b|\bTODO\b|lorem|ipsum|Undefined| [,.;:](?!\d)|\s{2,}")


@pytest.mark.parametrize("name,loaded", ALL_CASES, ids=[n for n, _ in ALL_CASES])
def test_every_planned_document_renders_cleanly(name: str, loaded: tuple[Case, Authority]) -> None:
    case, authority = loaded
    rendered = 0
    for doc, view in views(case, authority):
        if "pdf" not in doc.formats and doc.kind.value not in ("invitation", "exclusion_notice"):
            continue
        wording = text_of(view)
        for line in wording.splitlines():
            found = _ARTEFACTS.search(line)
            assert found is None, f"{doc.kind.value} for {doc.recipient.id}: {found!r} in {line!r}"
        assert "_" not in re.sub(r"\S+@\S+|https?://\S+", "", wording), (
            f"{doc.kind.value} for {doc.recipient.id} prints an id or enum value"
        )
        rendered += 1
    assert rendered


def with_returns_and_record(case: Case) -> Case:
    """The case later on: a minute-taker, one agency report returned, the record approved.

    Only the contract example has these; every conference type must render them too.
    """
    from cpcdocs.model import Professional, Record, RecordSections, Report, Role, TextItem

    if case.record is not None:
        return case
    minute_taker = Professional(
        id="mt-test", name="Robin Test", role=Role.MINUTE_TAKER, agency="Northmoor Council"
    )
    lead = case.lead_social_worker
    author = next(p for p in case.professionals if p.id != case.conference.chair and p is not lead)
    child = case.children_known_by(author)[0]
    report = Report(
        author=author.id,
        child=child.id,
        shared_with_family=True,
        sections=[TextItem(text="The agency has seen the family every week.", heading="Contact")],
    )
    record = Record(
        approved_on=case.conference.date + dt.timedelta(days=6),
        present=[p.id for p in case.professionals[:2]],
        sections=RecordSections(
            information=[TextItem(text="Every agency told the conference what it knows.")]
        ),
    )
    return case.model_copy(
        update={
            "professionals": [*case.professionals, minute_taker],
            "reports": [*case.reports, report],
            "record": record,
        }
    )


def test_every_kind_renders_for_every_conference_type() -> None:
    seen: dict[str, set[str]] = {}
    for _, (original, authority) in ALL_CASES:
        case = with_returns_and_record(original)
        for doc, view in views(case, authority):
            kind = doc.kind.value
            if kind in HTML_KINDS and ("pdf" in doc.formats or kind != "child_report"):
                assert text_of(view)
            if kind in DOCX_FORMS and "docx" in doc.formats:
                assert docx_text(render_docx_form(view))
            seen.setdefault(case.conference.type.value, set()).add(kind)
    every = {k.value for k in DocumentKind}
    assert seen == dict.fromkeys(("initial", "pre_birth", "transfer_in", "review"), every)


# -- invitations -----------------------------------------------------------------------------------


def test_parent_invitation_has_everything_a_parent_needs() -> None:
    body = flat(text("example-initial", "invitation", "mother"))
    for needed in (
        "Dear Claire Harrow,",
        "an initial child protection conference about Maya and Theo",
        "Wednesday 6 January 2027",
        "10:00 to 12:00",
        "Civic Centre, Meeting Room 4, Market Street, Northmoor, NM1 2AB",
        "The chair, Grace Okafor, would like to meet you before the conference starts",
        "an interpreter who speaks Polish",
        "decide whether Maya and Theo need a child protection plan",
        "social work reports by Monday 4 January 2027",  # reports_shared_with_family
        "bring a solicitor",
        "If you cannot come",
        "write down your views",
        "A guide to child protection conferences for parents and carers",
        "Anita Patel, your social worker",
        "0808 801 0366",
    ):
        assert needed in body, needed
    assert "Ryan Quinn" not in body


def test_each_parent_hears_only_of_their_own_children() -> None:
    daniel = flat(text("example-initial", "invitation", "father-maya"))
    assert "about Maya" in daniel
    for absent in ("Theo", "Ryan Quinn", "Wren Road", "Polish"):
        assert absent not in daniel, absent


@pytest.mark.parametrize(
    "name,recipient,forbidden",
    [
        ("example-initial", "father-theo", ("Maya", "Wren Road", "Daniel Lin", "Owen Rees")),
        ("split-family-three-fathers", "father-craig", ("Alfie", "Isla", "Marsh Lane")),
        ("split-family-three-fathers", "father-dean", ("Ruby", "Isla", "Marsh Lane")),
        (
            "split-family-three-fathers",
            "father-tyler",
            ("Ruby", "Alfie", "Marsh Lane", "Curlew Close"),
        ),
        ("pre-birth-unborn", "father-kai", ("unborn", "Reece Doyle", "Kiln Street")),
    ],
)
def test_no_document_names_another_familys_children_or_safe_address(
    name: str, recipient: str, forbidden: tuple[str, ...]
) -> None:
    case, authority = sample(name)
    found = 0
    for doc, view in views(case, authority):
        if doc.recipient.id != recipient or doc.kind.value not in HTML_KINDS:
            continue
        body = text_of(view)
        for word in forbidden:
            assert word not in body, f"{doc.kind.value}: {word}"
        found += 1
    assert found


def test_core_group_names_only_people_the_reader_may_see() -> None:
    body = text("split-family-three-fathers", "outline_plan", "father-craig", "ruby")
    assert "Dean Hollis" not in body
    assert "a family member" in body
    professional = text("split-family-three-fathers", "outline_plan", "sw-bajwa", "ruby")
    assert "Dean Hollis" in professional


def test_unborn_baby_wording() -> None:
    mother = flat(text("pre-birth-unborn", "invitation", "mother"))
    assert "about your unborn baby and Kai" in mother
    assert "unborn baby of Shannon Pryce" not in mother
    assert "A pre-birth conference is held before a baby is born" in mother
    midwife = flat(text("pre-birth-unborn", "invitation", "midwife-oduya"))
    assert "the unborn baby of Shannon Pryce (expected 30 June 2027)" in midwife
    report = flat(text("pre-birth-unborn", "child_report", "sw-carver", "baby"))
    assert "Social work report: The unborn baby of Shannon Pryce" in report
    assert "Expected date of birth | 30 June 2027" in report


def test_the_unborn_babys_father_without_parental_responsibility_reads_of_his_baby_only() -> None:
    # connected_to: [baby] (contract v2): no PR before the birth, but the baby is his.
    reece = flat(text("pre-birth-unborn", "invitation", "father-baby"))
    assert "pre-birth child protection conference" in reece
    assert "the unborn baby of Shannon Pryce" in reece
    assert "Kai" not in reece  # Kai's father is someone else: Kai is not connected to him
    assert "copy of the social work report" not in reece  # he is not sent one


@pytest.mark.parametrize(
    "name,kind_of_conference",
    [
        ("review-step-down", "This is a review conference."),
        ("transfer-in", "child protection plans made by Hollin Bridge City Council"),
        ("pre-birth-unborn", "A pre-birth conference is held"),
        ("example-initial", "A child protection conference is a meeting"),
    ],
)
def test_invitation_wording_fits_the_conference_type(name: str, kind_of_conference: str) -> None:
    case, _ = sample(name)
    mother = flat(text(name, "invitation", "mother"))
    assert kind_of_conference in mother
    if case.conference.type.value == "review":
        assert "since the conference on Wednesday 2 December 2026" in mother
        assert "has not worked with your family" not in mother


def test_professional_invitation_deadline_proformas_and_quorum() -> None:
    teacher = flat(text("example-initial", "invitation", "teacher-ames"))
    for needed in (
        "Dear Paul Ames,",
        "by Monday 4 January 2027",  # reports_to_chair
        "A report form is enclosed for each child you know: "
        "Maya Lin Harrow (born 14 September 2013)",
        "quorate",
        "tell the Safeguarding and Quality Assurance Service as soon as you can",
        "send your written report by the deadline above",
        "send a colleague who knows the family, has been fully briefed",
        "The address of Claire Harrow must not be shared with Ryan Quinn",
        "Ryan Quinn (father) will not attend the conference",
    ):
        assert needed in teacher, needed
    assert "each child you know: Theo" not in teacher
    lead = flat(text("example-initial", "invitation", "sw-patel"))
    assert "complete the social work report for each child" in lead
    assert "report form is enclosed" not in lead
    nobody = flat(text("review-step-down", "invitation", "sms-grant"))
    assert "No written report is requested from you" in nobody
    assert "by Wednesday 17 February 2027" not in nobody
    review = flat(text("review-step-down", "invitation", "teacher-greenbank"))
    assert "by Wednesday 17 February 2027" in review  # 5 working days before a review
    transfer = flat(text("transfer-in", "invitation", "teacher-lowe"))
    assert "are subject to child protection plans made by Hollin Bridge City Council" in transfer
    interpreter = flat(text("part-exclusion-interpreter", "invitation", "interpreter-malik"))
    assert "You are booked to interpret" in interpreter
    assert "report form" not in interpreter


def test_child_invitation_is_personal_and_offers_every_way_to_take_part() -> None:
    maya = flat(text("example-initial", "invitation", "maya"))
    for needed in (
        "Dear Maya,",
        "My name is Grace Okafor",
        "come to all of the meeting",
        "come to part of the meeting",
        "draw a picture",
        "record a message",
        "talk to me on my own before the meeting",
        "Owen Rees, from Northmoor Children's Rights Service, is your advocate",
        "What is a child protection conference? A guide for children and young people",
        "Wednesday 6 January 2027",
        "your social worker, Anita Patel",
    ):
        assert needed in maya, needed
    for absent in ("Theo", "Ryan Quinn", "significant harm"):
        assert absent not in maya, absent


def assert_easy_read(body: str) -> None:
    """Very short sentences: none over 12 words, 7 on average.

    Labelled facts ("Place: ...", "Phone: ...") and the leaflet's title are not sentences.
    """
    sentences = [
        s
        for line in body.splitlines()
        if not re.match(r"^[A-Z][a-z]+: ", line)
        for s in re.split(r"(?<=[.?!])\s+", line)
        if s and "booklet" not in s and "A guide for children" not in s
    ]
    lengths = [len(s.split()) for s in sentences]
    assert max(lengths) <= 12, max(zip(lengths, sentences, strict=True))
    assert sum(lengths) / len(lengths) <= 7


def test_easy_read_invitation_uses_short_sentences() -> None:
    view = view_of("single-child-pre-conference", "invitation", "ellie")
    assert view.easy_read
    body = text_of(view)
    assert "Funmi Okoro is your advocate." in body
    assert "draw a picture" in body
    assert_easy_read(body)


def test_easy_read_decision_letter() -> None:
    data = raw("example-initial")
    data["children"][0]["accessibility"] = ["easy_read"]
    body = text(variant(data), "decision_letter", "maya")
    assert "You will have a child protection plan." in body
    assert "Your plan is in with this letter." in body
    assert "You can tell Owen Rees, your advocate." in body
    assert_easy_read(body)


def test_advocate_invitation_is_about_the_child_they_support() -> None:
    owen = flat(text("example-initial", "invitation", "advocate-rees"))
    assert "as Maya's advocate" in owen
    assert "Anita Patel, the lead social worker" in owen
    assert "your social worker" not in owen
    assert "Theo" not in owen
    janet = flat(text("review-step-down", "invitation", "supporter-nash"))
    assert "as Poppy's supporter" in janet
    assert "Jayden" not in janet


# -- exclusion notices -----------------------------------------------------------------------------


def test_full_exclusion_notice() -> None:
    body = flat(text("example-initial", "exclusion_notice", "father-theo"))
    for needed in (
        "You will not be at the child protection conference about Theo Harrow-Quinn",
        "on Wednesday 23 December 2026 I decided that you will not attend this conference",
        "Please do not come to the conference",
        "domestic abuse",  # bail_conditions_or_domestic_abuse, in plain words
        "violence, threats or intimidation",
        "Mr Quinn is on police bail",  # his own summary
        "In writing.",
        "A recording.",
        "An advocate.",
        "A meeting with me.",
        "will send you the social work report by Monday 4 January 2027",
        "You do not need to ask for it.",
        "Through your social worker.",
        "within 24 hours of the conference (by Thursday 7 January 2027)",  # decision_and_plan_sent
        "You will also be sent the record of the conference",
        "It does not mean you will be kept out of any later conference",
        "Head of Safeguarding and Quality Assurance",
        "Complaints Manager, Children's Services, on 01632 960456",
        "My decision stands while your complaint is being looked at",
    ):
        assert needed in body, needed
    for absent in ("Meeting Room 4", "10:00", "Maya", "Wren Road"):
        assert absent not in body, absent  # no time or place for someone kept away


def test_part_exclusion_notice_marks_the_routes_arranged() -> None:
    body = text("part-exclusion-interpreter", "exclusion_notice", "father")
    assert "The part of the conference where the police update" in body
    assert "You are still invited to the rest of the conference" in body
    arranged, _, others = body.partition("You can also ask for:")
    assert "I have arranged for you to give your views in these ways" in arranged
    assert "In writing." in arranged and "A meeting with me." in arranged
    assert "A recording." in others and "Through your social worker." in others
    assert "A recording." not in arranged


def test_exclusion_without_the_record() -> None:
    body = flat(text("split-family-three-fathers", "exclusion_notice", "father-tyler"))
    assert "you will not be sent the record of this conference" in body
    assert "You will also be sent the record" not in body


def test_every_exclusion_ground_has_its_own_plain_sentence() -> None:
    body = text(with_exclusion("review-step-down", 1), "exclusion_notice", "father")
    grounds = body.split("These apply here:")[1].split("My reasons in more detail:")[0]
    sentences = [line for line in grounds.splitlines() if line.strip()]
    assert len(sentences) == len(ExclusionGround) == len(set(sentences))
    assert "serious_prejudice" not in body


# -- decision letters ------------------------------------------------------------------------------


def test_parent_decision_letter() -> None:
    body = flat(text("example-initial", "decision_letter", "mother"))
    for needed in (
        "Maya Lin Harrow | A child protection plan | Emotional abuse",
        "Theo Harrow-Quinn | A child protection plan | Emotional abuse",
        "Anita Patel is the lead social worker for Maya and Theo",
        "I have enclosed the outline child protection plan for Maya and Theo",
        "The first core group meeting will be on Thursday 14 January 2027.",
        "The review conference will be on Thursday 1 April 2027.",
        "please write to us by Monday 18 January 2027",  # amendments_latest: from receipt
        "how the conference was run",
        "the category of the plan",
        "the decision to make, continue or not make a child protection plan",
        "First, tell me.",
        "Head of Safeguarding and Quality Assurance",
        "The conference's decision stands while your complaint is being looked at",
    ):
        assert needed in body, needed


def test_review_decision_letters_continue_and_end_plans_and_keep_dissent_from_parents() -> None:
    mother = flat(text("review-step-down", "decision_letter", "mother"))
    assert "Jayden will stay on a child protection plan" in mother
    assert "Poppy's child protection plan will end" in mother
    assert "Poppy Kowalczyk | A child in need plan | Not applicable" in mother
    assert "outline child protection plan for Jayden." in mother
    assert "Priya Raman" not in mother and "dissent" not in mother.lower()
    teacher = flat(text("review-step-down", "decision_letter", "teacher-greenbank"))
    assert "Priya Raman, Northmoor Academy: The school believes Poppy should stay" in teacher
    assert "Core group members:" in teacher and "You are a member of the core group" in teacher
    assert (
        "Your actions for Jayden Kowalczyk: Body map and report any mark the same day (ongoing)"
        in teacher
    )
    poppy = flat(text("review-step-down", "decision_letter", "poppy"))
    assert "you do not need a child protection plan any more" in poppy
    assert "Jayden" not in poppy


def test_child_decision_letter_encloses_the_plan_only_from_twelve() -> None:
    maya = flat(text("example-initial", "decision_letter", "maya"))
    assert "I have put a copy of your plan in with this letter" in maya
    assert "your advocate, Owen Rees" in maya
    data = raw("example-initial")
    data["children"][1]["participation"] = "attend"  # Theo, 5, comes to the conference
    theo = flat(text(variant(data), "decision_letter", "theo"))
    assert "Your social worker will go through your plan with you" in theo
    assert "put a copy of your plan" not in theo


def test_excluded_parents_decision_letter() -> None:
    body = flat(text("example-initial", "decision_letter", "father-theo"))
    assert "You were not at the conference" in body
    assert "Maya" not in body


def test_pre_birth_decision() -> None:
    loaded = pre_birth_decided()
    mother = flat(text(loaded, "decision_letter", "mother"))
    assert "Your unborn baby will have a child protection plan" in mother
    assert "continues after the baby is born" in mother
    assert "Kai does not need a child protection plan" in mother
    plan = flat(text(loaded, "outline_plan", "midwife-oduya", "baby"))
    assert "Outline child protection plan: The unborn baby of Shannon Pryce" in plan
    assert "Expected date of birth | 30 June 2027" in plan


# -- outline plans and child reports ---------------------------------------------------------------


def test_outline_plan_actions_core_group_review_and_signature() -> None:
    view = view_of("example-initial", "outline_plan", "mother", "maya")
    body = flat(text_of(view))
    for needed in (
        "Outline child protection plan: Maya Lin Harrow",
        "Complete a domestic abuse safety plan with Ms Harrow | Anita Patel Social Worker, "
        "Northmoor Children's Social Care | 20 January 2027",
        "Weekly check-in with Maya at school | Paul Ames School, Northmoor Academy | Ongoing",
        "Maya's school attendance returns to at least 95%",
        "The lead social worker visits Maya at least every 10 working days",
        "on Thursday 14 January 2027",
        "on Thursday 1 April 2027",
        "If Mr Quinn breaches his bail conditions",
        "Grace Okafor Conference Chair Date: 7 January 2027",
    ):
        assert needed in body, needed
    fragment = renderer().render_fragment(view)
    assert '<div class="signature">' in fragment and '<img src="file://' in fragment
    unsigned = view_of(
        (
            sample("example-initial")[0],
            sample("example-initial")[1].model_copy(update={"signatures": {}}),
        ),
        "outline_plan",
        "mother",
        "maya",
    )
    assert "<img" not in renderer().render_fragment(unsigned)


def test_child_report_groups_information_and_family_copy_says_it_may_be_cut() -> None:
    lead = text("review-step-down", "child_report", "sw-mcbride", "jayden")
    facts = lead.split("\nFacts\n")[1].split("\nAllegations\n")[0]
    allegations = lead.split("\nAllegations\n")[1].split("\nOpinions\n")[0]
    opinions = lead.split("\nOpinions\n")[1]
    assert "fingertip bruise" in facts
    assert "Police are investigating the February bruise" in allegations
    assert "consistent with a firm adult grip" in opinions.split("wishes and feelings")[0]
    assert "may have left some information out" not in lead
    mother = text("review-step-down", "child_report", "mother", "jayden")
    assert "We may have left some information out of this copy" in mother
    assert "Police are investigating" not in mother
    # said whether or not anything was withheld: its absence would tell
    for doc, view in views(*sample("transfer-in")):
        if doc.kind.value == "child_report" and doc.profile.value == "parent":
            assert "We may have left some information out" in text_of(view)


# -- escaping --------------------------------------------------------------------------------------


def test_case_values_render_literally() -> None:
    data = raw("example-initial")
    data["children"][0]["name"] = "Maya <b>Harrow</b> & {{ view.reference }} {% if x %}"
    loaded = variant(data)
    view = view_of(loaded, "invitation", "mother")
    fragment = renderer().render_fragment(view)
    assert "&lt;b&gt;Harrow&lt;/b&gt; &amp; {{ view.reference }} {% if x %}" in fragment
    assert "Maya <b>Harrow</b> & {{ view.reference }} {% if x %}" in text_of(view)
    form = render_docx_form(view_of(loaded, "report_proforma", "gp-shah", "maya"))
    assert "Maya <b>Harrow</b> & {{ view.reference }} {% if x %}" in docx_text(form)


# -- the Word forms --------------------------------------------------------------------------------


def render_docx_form(view: View) -> bytes:
    return renderer().render_docx_template(f"{view.kind}.docx", {"view": view})


def docx_text(data: bytes) -> str:
    """Every paragraph's text in the body, headers and footers, one per line."""
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [document.element.body]
    for section in document.sections:
        parts += [section.header._element, section.footer._element]
    lines = []
    for part in parts:
        for p in part.iter(f"{W}p"):
            lines.append("".join(t.text or "" for t in p.iter(f"{W}t")))
    return "\n".join(lines)


@pytest.mark.parametrize("name", DOCX_FORMS)
def test_word_form_uses_only_the_view(name: str) -> None:
    assert renderer()._docx_engine().undeclared(f"docx/{name}.docx") == {"view"}


@pytest.mark.parametrize("name,loaded", ALL_CASES, ids=[n for n, _ in ALL_CASES])
def test_word_forms_render_for_every_reader(name: str, loaded: tuple[Case, Authority]) -> None:
    for doc, view in views(*loaded):
        if doc.kind.value not in DOCX_FORMS or "docx" not in doc.formats:
            continue
        data = render_docx_form(view)
        body = docx_text(data)
        assert "{{" not in body and "{%" not in body
        if KINDS[doc.kind].per_child:
            assert view.child is not None
            assert view.child.name[1:] in body
        else:  # the record shell: a part per child
            assert all(child.name[1:] in body for child in view.children)
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            xml = package.read("word/document.xml").decode()
        assert xml.count("<w:sdt>") >= 10, doc


def test_proforma_is_a_real_form() -> None:
    view = view_of("example-initial", "report_proforma", "teacher-ames", "maya")
    data = render_docx_form(view)
    body = docx_text(data)
    for needed in (
        "Agency report to the child protection conference",
        "Maya Lin Harrow",
        "14 September 2013",
        "Initial child protection conference, Wednesday 6 January 2027",
        "Monday 4 January 2027",
        "Northmoor Academy",
        "Paul Ames, School",
        "What we are worried about",
        "What is working well",
        "What needs to happen",
        "The child's views, wishes and feelings",
        "Parenting capacity",
        "Family and environment",
        "May this section be shared with the family?",
        "May this report be shared with the family?",
        "If not, or not all of it, the reason",
        "Click or tap here to enter text.",
        "OFFICIAL-SENSITIVE",
    ):
        assert needed in body, needed
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        xml = package.read("word/document.xml").decode()
    tags = re.findall(r'<w:tag w:val="([a-z_:-]+)"/>', xml)
    for tag in (
        "cpcdocs:text:involvement",
        "cpcdocs:text:worried",
        "cpcdocs:text:working_well",
        "cpcdocs:text:needs_to_happen",
        "cpcdocs:text:child_views",
        "cpcdocs:text:facts",
        "cpcdocs:text:allegations",
        "cpcdocs:text:opinions",
        "cpcdocs:text:parenting_capacity",
        "cpcdocs:text:family_environment",
        "cpcdocs:share:worried",
        "cpcdocs:about:worried:mother",
        "cpcdocs:report-share",
        "cpcdocs:not-shared-reason",
        "signature",
        "signed_on",
    ):
        assert tag in tags, tag
    assert "<w:dropDownList>" in xml and '<w:listItem w:displayText="Yes"' in xml
    assert xml.count("<w:date>") == 1
    assert 'w:val="single"' in xml  # bordered tables


def test_social_work_report_shell_is_prefilled_by_kind() -> None:
    view = view_of("split-family-three-fathers", "child_report", "sw-bajwa", "ruby")
    body = docx_text(render_docx_form(view))
    facts = body.split("Facts\nSource")[1].split("Further facts")[0]
    allegations = body.split("Allegations\nSource")[1].split("Further allegations")[0]
    opinions = body.split("Opinions\nSource")[1].split("Further opinions")[0]
    assert "released on licence" in facts and "Probation Service" in facts
    assert "walking Alfie to school" in allegations
    assert "high risk" in opinions
    assert "Ruby wrote that she loves her brother and sister" in body
    assert "Ruby takes on caring for her younger siblings" in body
    assert "The social worker recommends a child protection plan for Ruby Walsh." in body
    assert "Do not give this document to the family" in body
    empty = docx_text(
        render_docx_form(view_of("example-initial", "child_report", "sw-patel", "maya"))
    )
    assert "No opinions are recorded in the case." in empty


def test_word_forms_are_committed_as_built() -> None:
    """``tools/build_docx_templates.py`` is the source: the committed files are its output."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_docx_templates", ROOT / "tools" / "build_docx_templates.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, document in module.documents():
        buffer = io.BytesIO()
        document.save(buffer)
        built = module.normalise_docx(module.without_leftovers(buffer.getvalue()))
        committed = (ROOT / "templates" / "docx" / name).read_bytes()
        assert built == committed, f"re-run tools/build_docx_templates.py ({name})"


# -- a few PDFs, as the family receives them -------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "name,kind,recipient,child,phrases",
    [
        (
            "example-initial",
            "invitation",
            "mother",
            None,
            ("Private and confidential", "Wednesday 6 January 2027", "Claire Harrow"),
        ),
        (
            "split-family-three-fathers",
            "outline_plan",
            "mother",
            "isla",
            ("Outline child protection plan: Isla Brook", "Grace Okafor"),
        ),
        (
            "pre-birth-unborn",
            "child_report",
            "mother",
            "baby",
            ("Social work report: Your unborn baby", "left some information out"),
        ),
    ],
)
def test_pdf_reads_as_the_wording(
    name: str, kind: str, recipient: str, child: str | None, phrases: tuple[str, ...]
) -> None:
    from pypdf import PdfReader

    view = view_of(name, kind, recipient, child)
    reader = PdfReader(io.BytesIO(renderer().render_pdf(view)))
    extracted = flat(" ".join(page.extract_text() for page in reader.pages))
    for phrase in phrases:
        assert phrase in extracted, phrase
    assert "{{" not in extracted
