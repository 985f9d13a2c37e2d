"""Letters a family can act on (issue 17), read as the people who receive them.

Each test pins one fix by the kind of reader it is for: a parent invited in person or online,
a parent kept out of part of the conference, a child (and a child who asked for easy read), an
advocate, a professional. Wording is read back through the block parser both formats are
written from (as in ``test_wording``); the layout tests render PDFs and read their text and
its positions with pypdfium2: a page never holds only a sign-off, a long council name never
runs into the reference block, and a long word or link never runs off the page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from conftest import run_cli
from test_wording import (
    blocks_text,
    flat,
    raw,
    renderer,
    sample,
    text,
    text_of,
    variant,
    view_of,
)

from cpcdocs.authority import Solicitors
from cpcdocs.enclosures import enclosures
from cpcdocs.load import load_case
from cpcdocs.pack import document_views
from cpcdocs.render.blocks import Paragraph, Table, dangling_punctuation, parse_fragment
from cpcdocs.render.env import letterhead_sizes, venue_line
from cpcdocs.views import View

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples").glob("*.yaml"))
ISSUED = dt.date(2026, 11, 22)
TEAMS_LINK = (
    "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NGQ5ZmE3YjMtYzA1Ni00ZDk2LTg3NDAtZjI4"
    "YjQ2ZWQ1YzU0%40thread.v2/0?context=%7b%22Tid%22%3a%2272f988bf-86f1-41af-91ab-2d7cd011db47"
    "%22%2c%22Oid%22%3a%22a1b2c3d4-e5f6-7890-abcd-ef1234567890%22%7d"
)


def online_only(name: str = "example-initial") -> tuple[Any, Any]:
    data = raw(name)
    data["conference"].pop("venue", None)
    data["conference"]["virtual_link"] = TEAMS_LINK
    return variant(data)


def hybrid(name: str = "example-initial") -> tuple[Any, Any]:
    data = raw(name)
    data["conference"]["virtual_link"] = TEAMS_LINK
    return variant(data)


# -- invitations: what a parent needs on the day ---------------------------------------------------


def test_parent_invitation_says_what_a_parent_needs_on_the_day() -> None:
    body = flat(text("example-initial", "invitation", "mother"))
    for needed in (
        "such as transport or child care, please contact your social worker, Anita Patel",
        "Babies and young children should not normally come to the conference",
        "If you need help getting into or around the building",
        "Please arrive 30 minutes early, so that you can meet the chair first.",
        "the chair asks a parent to leave the room for part of the conference",
        "Parents and family members do not take part in that decision",
        "Please do not ask a family member or a friend to interpret for you",
    ):
        assert needed in body, needed
    assert "Joining online" not in body  # no link, no steps


def test_online_only_invitation_has_steps_and_no_arrival_time() -> None:
    body = flat(text(online_only(), "invitation", "mother"))
    assert "arrive 30 minutes early" not in body
    assert "the conference will meet online at" in body
    steps = body.split("Joining online")[1]
    for step in ("About 10 minutes before the start, open the link", "type your name", "phone"):
        assert step in steps, step
    assert "getting into or around the building" not in body  # there is no building
    assert "transport or child care" in body


def test_hybrid_invitation_asks_only_in_person_attenders_to_come_early() -> None:
    body = flat(text(hybrid(), "invitation", "mother"))
    assert "If you come in person, please arrive 30 minutes early" in body
    assert "Please arrive 30 minutes early" not in body
    assert "Joining online" in body
    professional = flat(text(hybrid(), "invitation", "gp-shah"))
    assert "arrive 30 minutes" not in professional
    assert "To join online, open the link about 10 minutes before the start" in professional


def test_advocate_is_asked_to_come_early_only_in_person() -> None:
    in_person = flat(text("example-initial", "invitation", "advocate-rees"))
    assert "Please arrive 30 minutes before the start" in in_person
    online = flat(text(online_only(), "invitation", "advocate-rees"))
    assert "arrive 30 minutes" not in online


@pytest.mark.parametrize(
    "rule,expected,absent",
    [
        (
            "with_chair_agreement",
            "You can bring a solicitor only if the chair agrees. If you would like to bring one, "
            "please ask the chair through the Safeguarding and Quality Assurance Service, on "
            "01632 960123",
            "You can also bring a solicitor to support and advise you",
        ),
        (
            "allowed",
            "You can also bring a solicitor to support and advise you.",
            "only if the chair agrees",
        ),
    ],
)
def test_invitation_states_the_authoritys_rule_on_solicitors(
    rule: str, expected: str, absent: str
) -> None:
    case, authority = sample("example-initial")
    loaded = (case, authority.model_copy(update={"solicitors": Solicitors(rule)}))
    body = flat(text(loaded, "invitation", "mother"))
    assert expected in body
    assert absent not in body


def test_default_solicitor_rule_is_the_chairs_agreement() -> None:
    assert sample("example-initial")[1].solicitors.value == "with_chair_agreement"


def test_part_excluded_parent_is_not_told_the_general_leave_the_room_rule() -> None:
    body = flat(text("part-exclusion-interpreter", "invitation", "father"))
    assert "We have written to you separately" in body
    assert "Sometimes the chair asks a parent to leave the room" not in body


def test_no_interpreter_booked_still_says_family_should_not_interpret() -> None:
    body = flat(text("example-initial", "invitation", "father-maya"))
    assert "A family member or a friend should not interpret for you" in body


def test_venue_is_named_once() -> None:
    body = flat(text("example-initial", "invitation", "mother"))
    assert "Place: Civic Centre, Meeting Room 4, Market Street, Northmoor, NM1 2AB" in body
    assert venue_line("Civic Centre, Meeting Room 4", ["civic  centre", "Market St"]) == (
        "Civic Centre, Meeting Room 4, Market St"
    )
    assert venue_line("Hub", ["1 Road", "1 Road", "Town"]) == "Hub, 1 Road, Town"


# -- children --------------------------------------------------------------------------------------


def test_easy_read_invitation_names_no_one_and_promises_no_plan() -> None:
    body = text("single-child-pre-conference", "invitation", "ellie")
    assert "Your family will be there" not in body
    assert "safe and happy" not in body
    assert "They could be people from your family." in body
    assert "We will decide if you need a plan to keep you safe." in body
    assert "Is there someone you do not want there when you talk? You can tell me." in body


def test_child_invitation_names_no_one_and_promises_no_plan() -> None:
    body = flat(text("example-initial", "invitation", "maya"))
    assert "Your family will be there" not in body
    assert "safe and happy" not in body
    assert "If there is someone you would rather was not in the room when you talk" in body
    assert "decide whether you need a plan to help keep you safe" in body


def test_child_who_wrote_their_views_is_not_told_everyone_heard_them() -> None:
    data = raw("part-exclusion-interpreter")
    data["children"][0]["participation"] = "views_in_writing"
    written = flat(text(variant(data), "decision_letter", "zara"))
    assert "Everyone at the meeting heard them" not in written
    assert "Thank you for writing down your views. I shared them with the meeting" in written
    data["children"][0]["participation"] = "advocate"
    through_advocate = flat(text(variant(data), "decision_letter", "zara"))
    assert "Everyone at the meeting heard them" not in through_advocate
    assert "your advocate, who told the meeting what you think" in through_advocate


def test_childs_own_plan_says_you_never_your_beside_the_name() -> None:
    view = view_of("part-exclusion-interpreter", "outline_plan", "zara", "zara")
    plan = view.child.plan
    assert plan is not None
    # what the conference wrote is printed as written; the wording around it says "you"
    written = [*plan.risks, *plan.outcomes, plan.contact or "", plan.contingency or ""]
    written += [a.what for a in plan.actions]
    body = text_of(view)
    assert body.splitlines()[0] == "Your child protection plan"
    assert "they use your name" in body
    for line in body.splitlines():
        if any(w and w in line for w in written):
            continue
        if re.search(r"\byour?\b", line, re.IGNORECASE):
            assert "Zara" not in line, line


# -- decision letters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,recipient",
    [
        ("example-initial", "mother"),
        ("example-initial", "gp-shah"),
        ("review-step-down", "father"),
        ("part-exclusion-interpreter", "zara"),
    ],
)
def test_decision_letter_gives_each_date_once(name: str, recipient: str) -> None:
    body = flat(text(name, "decision_letter", recipient))
    assert "latest date allowed" not in body
    assert "required by" not in body
    # a date is never followed by a second one in brackets: "on X (the latest ... is Y)"
    assert not re.search(r"\d{4}\s*\([^)]*\d{4}\)", body)
    case, _ = sample(name)
    assert case.decision is not None and case.decision.core_group_date is not None
    day = case.decision.core_group_date
    assert f"on {day:%A} {day.day} {day:%B} {day.year}" in body


def test_outline_plan_gives_each_date_once() -> None:
    body = flat(text("example-initial", "outline_plan", "gp-shah", "maya"))
    assert "required by" not in body and "latest date allowed" not in body


def test_parent_is_told_of_core_group_membership_and_own_actions() -> None:
    father = flat(text("review-step-down", "decision_letter", "father"))
    assert "You are a member of the core group, so you will be invited to its meetings" in father
    assert (
        "The plan for Jayden gives you this action: Start and complete the Calmer Parenting "
        "course, by Friday 30 April 2027" in father
    )
    # a parent outside the core group, with no actions, is told neither
    data = raw("review-step-down")
    data["decision"]["core_group"] = [i for i in data["decision"]["core_group"] if i != "father"]
    for child_plan in data["plan"].values():
        child_plan["actions"] = [a for a in child_plan["actions"] if a["who"] != "father"]
    other = flat(text(variant(data), "decision_letter", "father"))
    assert "You are a member of the core group" not in other
    assert "gives you" not in other


def test_complaints_say_what_they_can_lead_to_and_where_agency_complaints_go() -> None:
    for kind, recipient in (("decision_letter", "mother"), ("exclusion_notice", "father-theo")):
        body = flat(text("example-initial", kind, recipient))
        assert "If your complaint is upheld, it can lead to an apology" in body, kind
        assert "complain to that agency through its own complaints procedure" in body, kind


def test_the_list_of_what_may_be_wrong_reads_as_english() -> None:
    with_record = flat(text("example-initial", "decision_letter", "mother"))
    assert "If you think anything in this letter, the outline plan or the record is wrong" in (
        with_record
    )
    no_record = flat(text("split-family-three-fathers", "decision_letter", "father-tyler"))
    assert "anything in this letter or the outline plan is wrong" in no_record
    assert "anything in this letter, the outline plan is wrong" not in no_record


def test_24_hours_where_the_procedures_say_so() -> None:
    assert "within 24 hours of the conference" in flat(
        text("example-initial", "decision_letter", "mother")
    )
    assert "within 24 hours of the conference" in flat(
        text("example-initial", "outline_plan", "gp-shah", "maya")
    )
    assert "in writing, within 24 hours of the conference" in flat(
        text("example-initial", "exclusion_notice", "father-theo")
    )


# -- exclusion notices -----------------------------------------------------------------------------


def test_excluded_parent_will_be_sent_the_report_without_asking() -> None:
    for name, recipient in (
        ("example-initial", "father-theo"),
        ("part-exclusion-interpreter", "father"),
    ):
        body = flat(text(name, "exclusion_notice", recipient))
        assert "will send you the social work report by" in body
        assert "You do not need to ask for it." in body
        asked_for = body.partition("You can also ask for:")[2]
        assert "social work report by" not in asked_for


def test_part_exclusion_says_how_the_parent_learns_what_was_said() -> None:
    body = flat(text("part-exclusion-interpreter", "exclusion_notice", "father"))
    assert "When you come back into the room, I will tell you what was said while you were out" in (
        body
    )
    assert "Your copy of the record of the conference will also say what was discussed" in body
    data = raw("part-exclusion-interpreter")
    data["people"][1]["exclusion"]["receives_record"] = False
    no_record = flat(text(variant(data), "exclusion_notice", "father"))
    assert "will also go through it with you after the conference" in no_record


# -- missing contact details and dangling punctuation ----------------------------------------------


def no_contact_details() -> tuple[Any, Any]:
    data = raw("example-initial")
    for pro in data["professionals"]:
        if pro.get("lead_social_worker"):
            pro.pop("phone", None)
            pro.pop("email", None)
    return variant(data)


def test_a_social_worker_without_phone_or_email_leaves_no_gap() -> None:
    loaded = no_contact_details()
    body = flat(text(loaded, "invitation", "mother"))
    assert "your social worker, ." not in body
    assert (
        "please contact Anita Patel, your social worker, through the Safeguarding and Quality "
        "Assurance Service" in body
    )
    case, authority = loaded
    for doc, view in document_views(case, authority, ISSUED):
        if doc.kind.value in ("invitation", "exclusion_notice", "decision_letter", "outline_plan"):
            assert dangling_punctuation(renderer().render_blocks(view)) == [], doc


def test_dangling_punctuation_is_found() -> None:
    blocks = parse_fragment(
        "<p>please contact Huw Owen, your social worker, .</p><p>A, , B</p>"
        "<table><tr><td>Seen ()</td></tr></table><p>At 10:00, on 1.5 days. Fine.</p>",
        template="t",
    )
    found = dangling_punctuation(blocks)
    assert len(found) == 3
    assert found[0].endswith("your social worker, .")
    assert any("A, , B" in f for f in found)
    assert any("Seen ()" in f for f in found)


def test_templates_check_fails_on_dangling_punctuation(tmp_path: Path) -> None:
    letters = tmp_path / "letters"
    letters.mkdir()
    (letters / "invitation.html.j2").write_text(
        "<p>{{ view.recipient.salutation }},</p><p>Please contact {{ view.contact.name }}, .</p>",
        encoding="utf-8",
    )
    status, out, err = run_cli("templates", "check", "--templates", tmp_path)
    assert status == 4, (out, err)
    assert "invitation.html.j2: dangling punctuation: “" in err
    assert "Please contact Anita Patel, ." in err


# -- enclosures ------------------------------------------------------------------------------------


PARENTS = "A guide to child protection conferences for parents and carers"
CHILDREN = "What is a child protection conference? A guide for children and young people"


@pytest.mark.parametrize(
    "kind,recipient,child,expected",
    [
        ("invitation", "mother", None, (PARENTS,)),
        ("invitation", "father-maya", None, (PARENTS,)),
        ("invitation", "maya", None, (CHILDREN,)),
        ("invitation", "advocate-rees", None, ()),
        ("invitation", "gp-shah", None, ()),
        ("exclusion_notice", "father-theo", None, ()),
        ("decision_letter", "mother", None, ()),
        ("outline_plan", "mother", "maya", ()),
    ],
)
def test_enclosures_are_the_leaflets_the_letter_says_are_enclosed(
    kind: str, recipient: str, child: str | None, expected: tuple[str, ...]
) -> None:
    view = view_of("example-initial", kind, recipient, child)
    assert enclosures(view) == expected
    body = flat(text_of(view))
    for title in expected:
        assert f"“{title}”" in body
    if kind == "invitation" and not expected:
        assert "enclosed our leaflet" not in body and "put in a booklet" not in body


def test_every_family_invitation_in_the_samples_encloses_a_leaflet() -> None:
    for path in SAMPLES:
        case, authority = sample(path.stem)
        for doc, view in document_views(case, authority, ISSUED):
            if doc.kind.value != "invitation" or view.profile == "professional":
                continue
            titles = enclosures(view)
            body = flat(text_of(view))
            for title in titles:
                assert title in body, (path.stem, doc.recipient.id)
            supporter = view.recipient.relationship in ("advocate", "supporter")
            assert bool(titles) != supporter, (path.stem, doc.recipient.id)


# -- layout: sign-offs, the letterhead, long words -------------------------------------------------

MM = 72 / 25.4


def page_texts(pdf: bytes, top_mm: float = 26, bottom_mm: float = 26) -> list[str]:
    """Each page's body text: the page furniture (header and footer margins) left out."""
    doc = pdfium.PdfDocument(pdf)
    out = []
    for number, page in enumerate(doc):
        width, height = page.get_size()
        top = (12 if number == 0 else top_mm) * MM
        textpage = page.get_textpage()
        out.append(textpage.get_text_bounded(0, bottom_mm * MM, width, height - top))
    return out


def signature_lines(view: View) -> set[str]:
    """The lines of the document's sign-off and signature blocks (``div.signature``)."""
    lines: set[str] = set()
    for block in renderer().render_blocks(view):
        if isinstance(block, Paragraph) and "signature" in block.classes:
            lines.update(line.strip() for line in block.text.splitlines() if line.strip())
        elif isinstance(block, Table):
            continue
    return lines


def stranded_pages(view: View) -> list[int]:
    """Pages (from 1) whose body is nothing but the sign-off or signature block."""
    closing = {re.sub(r"\s+", " ", line) for line in signature_lines(view)}
    stranded = []
    for number, body in enumerate(page_texts(renderer().render_pdf(view)), start=1):
        lines = [re.sub(r"\s+", " ", line).strip() for line in body.splitlines()]
        lines = [line for line in lines if line]
        if lines and all(line in closing for line in lines):
            stranded.append(number)
    return stranded


def reader_variants(view: View) -> list[View]:
    """The view as sent, and as it would be in large print and easy read (family letters)."""
    variants = [view]
    if view.profile != "professional":
        variants.append(dataclasses.replace(view, large_print=True))
        if view.profile == "child":
            variants.append(dataclasses.replace(view, easy_read=True))
    return variants


def test_stranded_page_detection_works() -> None:
    view = view_of("example-initial", "decision_letter", "mother")
    assert stranded_pages(view) == []
    assert {"Yours sincerely,", "Grace Okafor", "Conference Chair"} <= signature_lines(view)


@pytest.mark.slow
@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_no_page_holds_only_a_sign_off(path: Path) -> None:
    """Every sample, every kind of reader: no page is only "Yours sincerely" and a name.

    One document per kind of document and kind of reader (parent, advocate, excluded parent,
    child, professional; as sent, in large print and in easy read) for each sample.
    """
    case, authority = sample(path.stem)
    seen: set[tuple[object, ...]] = set()
    checked = 0
    for doc, view in document_views(case, authority, ISSUED):
        if "pdf" not in doc.formats:
            continue
        shape = (
            doc.kind.value,
            view.profile,
            view.recipient.relationship in ("advocate", "supporter"),
            view.recipient.exclusion.extent if view.recipient.exclusion else None,
            view.large_print,
            view.easy_read,
        )
        if shape in seen:
            continue
        seen.add(shape)
        for variant_view in reader_variants(view):
            assert stranded_pages(variant_view) == [], (
                doc.kind.value,
                doc.recipient.id,
                doc.child,
                variant_view.large_print,
                variant_view.easy_read,
            )
            checked += 1
    assert checked


def text_boxes(pdf: bytes, page_number: int = 0) -> list[tuple[tuple[float, ...], str]]:
    page = pdfium.PdfDocument(pdf)[page_number]
    textpage = page.get_textpage()
    boxes = []
    for i in range(textpage.count_rects()):
        rect = textpage.get_rect(i)
        boxes.append((rect, textpage.get_text_bounded(*rect).strip()))
    return boxes


def overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    left_a, bottom_a, right_a, top_a = a
    left_b, bottom_b, right_b, top_b = b
    return left_a < right_b and left_b < right_a and bottom_a < top_b and bottom_b < top_a


LONG_NAMES = [
    (
        "Royal Borough of Windsor and Maidenhead Council",
        "Children's Services Directorate: Safeguarding, Quality Assurance and Independent "
        "Reviewing Service",
        "Windsor, Ascot and Maidenhead Safeguarding Children Partnership Board",
    ),
    (
        "Comhairle nan Eilean Siar",
        "Children's Services",
        None,
    ),
    (
        "Cyngor Bwrdeistref Sirol Rhondda Cynon Taf / Rhondda Cynon Taf County Borough Council",
        "Children's Services, Safeguarding and Support",
        "Cwm Taf Morgannwg Safeguarding Board",
    ),
]


@pytest.mark.parametrize("name,service,partnership", LONG_NAMES, ids=["rbwm", "short", "rct"])
@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large-print"])
def test_letterhead_never_overlaps_the_reference_block(
    name: str, service: str, partnership: str | None, large_print: bool
) -> None:
    view = view_of("example-initial", "invitation", "mother")
    authority = dataclasses.replace(
        view.authority, name=name, service=service, partnership=partnership
    )
    view = dataclasses.replace(view, authority=authority, large_print=large_print)
    boxes = text_boxes(renderer().render_pdf(view))
    head_words = set(" ".join(filter(None, (name, service, partnership))).split())
    width = 595.3
    height = 841.9
    letterhead = [
        r for r, t in boxes if r[1] > 600 and t and set(t.split()) <= head_words and r[0] > 250
    ]
    refs = [r for r, t in boxes if t.startswith(("Our ref", "Date", "NM-2026-0412"))]
    marking = [r for r, t in boxes if t == "OFFICIAL-SENSITIVE" and r[1] > 800]
    window = [r for r, t in boxes if t in ("Claire Harrow", "Flat 2", "41 Wren Road")]
    assert letterhead and refs and window
    shown = " ".join(t for r, t in boxes if r in letterhead)
    assert all(word in shown for word in name.split())  # the whole name is printed
    for head in letterhead:
        assert head[2] <= width - 20 * MM + 1, "the letterhead runs into the right margin"
        # inside its own box: 14 to 40 mm from the top of the page, under the marking
        assert head[3] <= height - 14 * MM + 1, ("the letterhead rises into the header", head)
        assert head[1] >= height - 40 * MM - 1, ("the letterhead drops below its box", head)
        for other in refs + window + marking:
            assert not overlaps(head, other), (head, other)
    assert min(h[1] for h in letterhead) > max(r[3] for r in refs)  # wholly above


def test_letterhead_sizes_shrink_only_when_needed() -> None:
    assert letterhead_sizes(
        "Northmoor Borough Council", "Children's Services", "A partnership"
    ) == {
        "name": 14.0,
        "service": 10.5,
        "partnership": 8.0,
    }
    long = letterhead_sizes(*LONG_NAMES[0])
    assert 7.0 <= long["name"] < 14.0
    assert long["partnership"] < 8.0
    assert long["service"] < 10.5


def rightmost_text(pdf: bytes) -> float:
    doc = pdfium.PdfDocument(pdf)
    right = 0.0
    for page in doc:
        textpage = page.get_textpage()
        for i in range(textpage.count_rects()):
            right = max(right, textpage.get_rect(i)[2])
    return right


def test_a_long_meeting_link_wraps_inside_the_page() -> None:
    case, authority = online_only()
    view = view_of((case, authority), "invitation", "mother")
    pdf = renderer().render_pdf(view)
    assert rightmost_text(pdf) <= 595.3 - 20 * MM + 1
    body = "".join(page_texts(pdf)).replace("\n", "").replace("\r", "")
    assert TEAMS_LINK[:60] in body  # printed, not cut


@pytest.mark.slow
def test_a_20000_character_word_wraps_inside_the_page() -> None:
    view = view_of("example-initial", "outline_plan", "mother", "maya")
    assert view.child is not None and view.child.plan is not None
    word = "Contingency" + "x" * 20_000
    plan = dataclasses.replace(view.child.plan, contingency=word)
    view = dataclasses.replace(view, child=dataclasses.replace(view.child, plan=plan))
    pdf = renderer().render_pdf(view)
    assert rightmost_text(pdf) <= 595.3 - 20 * MM + 1
    assert len(pdfium.PdfDocument(pdf)) > 3  # the word is all there, over several pages


def test_wording_blocks_round_trip_for_the_helpers() -> None:
    # the helpers above read the same blocks test_wording does
    view = view_of("example-initial", "invitation", "mother")
    assert blocks_text(renderer().render_blocks(view)) == text_of(view)


@pytest.mark.slow
def test_a_parent_not_sent_the_record_is_given_the_chairs_reason_and_no_one_else_is(
    sample_pack: Callable[[Path], Path],
) -> None:
    """``exclusion.record_reason``: in the excluded father's notice, in no other family copy."""
    from cpcdocs.extract import extract_file

    sample = ROOT / "samples" / "split-family-three-fathers.yaml"
    pack = sample_pack(sample)
    reason = "while your bail conditions are in place"

    def words(path: Path) -> str:
        return " ".join(" ".join(c.text for c in extract_file(path)).split())

    notice = words(pack / "exclusions" / "father-tyler" / "exclusion_notice.pdf")
    assert "will not be sent the record" in notice and "My reason:" in notice
    assert reason in notice
    family = {p.id for p in load_case(sample).people}
    for path in pack.rglob("*.pdf"):
        reader = path.parent.name
        if reader in family and reader != "father-tyler":
            assert reason not in words(path), path.relative_to(pack)
