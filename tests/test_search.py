"""The leak search (cpcdocs.search): needles in every written form, the excuse set, one pass.

Every person, place and value here is fictional and new to the suite (none of them is in the
samples or the contract example), so nothing here passes because a sample happens to agree.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from cpcdocs.extract import extract_bytes
from cpcdocs.rules import WithheldItem
from cpcdocs.search import (
    NAME_ZIPF,
    RARE_ZIPF,
    Excuse,
    SearchPlan,
    address_needles,
    boilerplate,
    date_forms,
    date_needles,
    distinctive_words,
    haystack,
    item_needles,
    name_needles,
    text_needles,
    words,
    zipf,
)

NOTHING = Excuse(phrases="", free="")


def found(
    item: WithheldItem, text: str, excuse: Excuse = NOTHING, *, wrapped: bool = False
) -> bool:
    """Whether ``text`` reveals ``item`` to a reader whose excuse set is ``excuse``."""
    return bool(SearchPlan([item], excuse).find(haystack(text, wrapped=wrapped)))


def needle_words(needles: list) -> set[str]:
    return {n.words for n in needles}


# -- free text ---------------------------------------------------------------------------------

HEALTH = "Ms Ferrabee takes sertraline daily and saw Dr Okonjo at Hollinsgate Surgery on 3 March."


def test_text_needles_are_the_whole_text_its_phrases_and_its_distinctive_words() -> None:
    needles = text_needles(HEALTH)
    whole = [n for n in needles if n.words == words(HEALTH)]
    assert whole and not whole[0].single
    phrases = [n for n in needles if len(n.words.split()) == 5]
    assert " takes sertraline daily and saw " in {n.words for n in phrases}
    singles = {n.words for n in needles if n.single}
    assert {" ferrabee ", " sertraline ", " okonjo ", " hollinsgate "} <= singles
    # everyday words, titles and months are never evidence alone
    assert not {" daily ", " surgery ", " ms ", " dr ", " march ", " saw "} & singles


def test_distinctive_words_rare_names_places_and_long_numbers() -> None:
    text = "The father was seen at Quenby Lodge with methadone and 4417 pounds; Police attended."
    assert distinctive_words(text) == ["quenby", "lodge", "methadone", "4417"]
    # the thresholds, as documented: rare below RARE_ZIPF, capitalised names below NAME_ZIPF
    assert zipf("methadone") < RARE_ZIPF <= zipf("medication")
    assert zipf("quinn") < NAME_ZIPF <= zipf("police")
    assert distinctive_words("He paid 45 pounds at 10:30") == []


def test_a_phrase_of_only_the_commonest_words_is_no_evidence() -> None:
    phrases = {n.words for n in text_needles("and she said that he would not be there")}
    assert " and she said that he " not in phrases


def test_a_short_text_without_a_distinctive_word_is_searched_only_whole() -> None:
    needles = text_needles("Weekly visits")
    assert needle_words(needles) == {" weekly visits "}
    assert text_needles("Visits") == []  # one everyday word alone says nothing


# -- addresses ---------------------------------------------------------------------------------

REFUGE = ("Flat 3", "17 Kestrel Mews", "Ashby Vale", "AV2 9LP")


def test_address_needles_street_level_lines_street_postcode_and_whole() -> None:
    needles = needle_words(address_needles(REFUGE))
    assert needles == {
        " flat 3 17 kestrel mews ashby vale av2 9lp ",  # the whole address
        " flat 3 17 kestrel mews ",  # "Flat 3" is short: joined to the next line
        " 17 kestrel mews ",
        " kestrel mews ",  # the street without its number
        " av2 9lp ",
        " av29lp ",
    }
    assert " ashby vale " not in needles  # a bare town is never a needle
    assert " flat 3 " not in needles


def test_an_everyday_street_name_alone_is_not_a_needle() -> None:
    needles = needle_words(address_needles(("22 Station Road", "Ashby Vale")))
    assert " 22 station road " in needles and " station road " not in needles


@pytest.mark.parametrize(
    "written",
    [
        "Flat 3, 17 Kestrel Mews, Ashby Vale AV2 9LP",
        "she now lives at 17 Kestrel Mews",
        "somewhere on Kestrel Mews",
        "postcode AV29LP",
        "FLAT 3\n17 KESTREL MEWS",
    ],
)
def test_an_address_is_found_however_it_is_written(written: str) -> None:
    assert found(WithheldItem("address-withheld", "mother", addresses=(REFUGE,)), written)


def test_an_address_line_excused_by_the_readers_own_address_is_not_searched() -> None:
    item = WithheldItem("address-withheld", "mother", addresses=(REFUGE,))
    excuse = Excuse(phrases=words("9 Kestrel Mews") + "|" + words("Ashby Vale"), free="")
    assert not found(item, "the family lives on Kestrel Mews", excuse)
    assert found(item, "17 Kestrel Mews", excuse)


# -- names -------------------------------------------------------------------------------------


def test_name_needles_every_form_and_never_a_bare_name() -> None:
    needles = needle_words(name_needles("Isla Maren Corrigan"))
    assert needles == {
        " isla maren corrigan ",
        " isla corrigan ",
        " corrigan isla maren ",
        " corrigan isla ",
        " i corrigan ",
        " i m corrigan ",
        " im corrigan ",
    } - {" i corrigan ", " i m corrigan ", " im corrigan "}  # "I" is a word: no initials
    needles = needle_words(name_needles("Tamsin Roe Abernethy"))
    assert {" t abernethy ", " t r abernethy ", " tr abernethy "} <= needles
    assert " tamsin " not in needles and " abernethy " not in needles


@pytest.mark.parametrize(
    "written",
    [
        "Tamsin Roe Abernethy",
        "Tamsin Abernethy",
        "Abernethy, Tamsin Roe",
        "ABERNETHY, Tamsin",
        "T. Abernethy",
        "T. R. Abernethy",
        "T.R. Abernethy",
        "TR Abernethy",
        "Tamsin Abernethy's school",
    ],
)
def test_a_name_is_found_in_every_written_form(written: str) -> None:
    item = WithheldItem("absent-child", "tamsin", names=("Tamsin Roe Abernethy",))
    assert found(item, f"Re: {written}.")


def test_whole_word_matching_only() -> None:
    item = WithheldItem("absent-child", "cal", names=("Cal Abernethy",))
    assert not found(item, "Calum Abernethyson")
    assert found(item, "CAL\nABERNETHY.")
    text = WithheldItem("tag:third_party", "t", texts=("Quenby",))
    assert not found(text, "Quenbys and Aquenby")


# -- dates -------------------------------------------------------------------------------------

BORN = dt.date(2013, 9, 4)


@pytest.mark.parametrize(
    "written",
    [
        "2013-09-04",
        "04/09/2013",
        "4/9/2013",
        "4/9/13",
        "04/09/13",
        "04.09.2013",
        "4.9.2013",
        "04-09-2013",
        "4 September 2013",
        "4th September 2013",
        "4 Sept 2013",
        "4 Sep 2013",
        "4th of September 2013",
        "September 4, 2013",
        "September 4th, 2013",
        "Sept 4th 2013",
        "Sep 4 2013",
        "09/04/2013",
        "9/4/2013",
        "9/4/13",
        "Wednesday 4th September 2013",
        "2013/09/04",
    ],
)
def test_a_date_of_birth_is_found_in_every_common_written_form(written: str) -> None:
    item = WithheldItem("absent-child", "x", dates=(BORN,))
    assert found(item, f"born {written} in Ashby Vale")


def test_ordinals_are_english() -> None:
    forms = set(date_forms(dt.date(2011, 3, 22))) | set(date_forms(dt.date(2011, 3, 11)))
    assert {"22nd March 2011", "11th March 2011", "Mar 22nd, 2011"} <= forms
    assert "1st" in " ".join(date_forms(dt.date(2011, 3, 1)))


def test_a_date_the_reader_may_see_is_not_searched() -> None:
    item = WithheldItem("absent-child", "x", dates=(BORN,))
    excuse = Excuse(phrases="|".join(words(f) for f in date_forms(BORN)), free="")
    assert not SearchPlan([item], excuse).needles
    assert date_needles(BORN)


def test_exact_values_whole_only() -> None:
    item = WithheldItem("contact-withheld", "m", exact=("07700 900417", "isla.c@example.org"))
    assert found(item, "call 07700900417")
    assert found(item, "write to isla.c@example.org")
    assert not found(item, "07700 900418")


# -- the excuse set ----------------------------------------------------------------------------


def test_the_boilerplate_is_the_templates_wording_and_nothing_from_a_case() -> None:
    plate = boilerplate()
    assert " what the conference is for " in plate
    assert " outline child protection plan " in plate  # a title from the label tables
    assert " northmoor " not in plate  # the authority is in the view, not the templates


def test_a_phrase_shared_with_a_heading_is_no_leak_but_the_items_own_words_are() -> None:
    police = "Officers will explain what the conference is for to Mr Treloar on arrest."
    item = WithheldItem("tag:police_investigation", "p", texts=(police,))
    excuse = Excuse(phrases=boilerplate(), free="")
    assert not found(item, "What the conference is for\nA meeting about the children.", excuse)
    assert found(item, "will explain what the conference is for to Mr Treloar", excuse)
    assert found(item, "Treloar", excuse)  # a name from the item, alone


def test_visible_free_text_excuses_a_single_word_only() -> None:
    withheld = "Mr Treloar was seen buying methadone outside Quenby Lodge last week."
    item = WithheldItem("personal-tag:substance_misuse", "i", texts=(withheld,))
    # the reader's own plan mentions methadone: the word alone is no evidence in their file
    excuse = Excuse(phrases="", free=words("Keep to the methadone programme."))
    assert not found(item, "Keep to the methadone programme.", excuse)
    # but the withheld sentence, or its phrases, copied into their visible text, is
    assert found(item, withheld, excuse)
    assert found(item, "buying methadone outside Quenby Lodge", excuse)


def test_free_text_never_excuses_a_withheld_address_or_name() -> None:
    item = WithheldItem("address-withheld", "mother", addresses=(REFUGE,))
    plan_action = "Visit Ms Ferrabee at 17 Kestrel Mews weekly."
    assert found(item, plan_action, Excuse(phrases="", free=words(plan_action)))


def test_structured_values_excuse_every_needle_kind() -> None:
    child = WithheldItem("absent-child", "c", names=("Cal Abernethy",), dates=(BORN,))
    excuse = Excuse(phrases=words("Cal Abernethy") + "|" + words("4 September 2013"), free="")
    assert not found(child, "Cal Abernethy, 4 September 2013", excuse)
    assert found(child, "Abernethy, Cal", excuse)  # another form of the name is not excused


def test_parallel_texts_excuse_only_their_own_item() -> None:
    theirs = WithheldItem("other-child", "plan.b.contingency", texts=("If the bail ends, meet.",))
    secret = WithheldItem("other-child", "info", texts=("If the bail ends, meet.",))
    parallel = {"plan.b.contingency": words("If the bail ends, meet.")}
    plan = SearchPlan([theirs, secret], NOTHING, parallel)
    assert plan.find(haystack("If the bail ends, meet.")) == {1}


# -- one pass ----------------------------------------------------------------------------------


def test_one_automaton_finds_every_item_in_one_pass() -> None:
    items = [
        WithheldItem("absent-child", "a", names=("Cal Abernethy",)),
        WithheldItem("address-withheld", "b", addresses=(REFUGE,)),
        WithheldItem("tag:third_party", "c", texts=(HEALTH,)),
    ]
    plan = SearchPlan(items, NOTHING)
    assert plan.find(haystack("Cal Abernethy lives at 17 Kestrel Mews; sertraline.")) == {0, 1, 2}
    assert plan.find(haystack("Nothing to see here.")) == set()
    assert all(plan.needles_of(i) for i in range(3))


def test_a_pack_index_shared_by_readers_finds_what_each_readers_own_would() -> None:
    """One automaton for the whole pack: another reader's items are never this reader's."""
    from cpcdocs.search_plan import pack_index

    mine = [
        WithheldItem("absent-child", "a", names=("Cal Abernethy",)),
        WithheldItem("tag:third_party", "c", texts=(HEALTH,)),
    ]
    theirs = [
        WithheldItem("address-withheld", "b", addresses=(REFUGE,)),
        WithheldItem("tag:third_party", "c", texts=(HEALTH,)),
    ]
    index = pack_index([mine, theirs])
    excuse = Excuse(phrases=words("Cal Abernethy"), free="")
    shared = SearchPlan(mine, excuse, index=index)
    own = SearchPlan(mine, excuse)
    text = haystack("Cal Abernethy lives at 17 Kestrel Mews; sertraline.")
    assert shared.find(text) == own.find(text) == {1}
    assert shared.needles == own.needles
    assert shared.singles == own.singles
    # An item the index does not hold (a file from outside the plan): the plan builds its own.
    stray = WithheldItem("absent-person", "z", names=("Dorota Finchley",))
    assert SearchPlan([stray], NOTHING, index=index).find(haystack("Dorota Finchley")) == {0}


def test_search_time_grows_linearly_with_the_text() -> None:
    items = [WithheldItem("tag:third_party", f"t{i}", texts=(f"{HEALTH} {i}",)) for i in range(200)]
    plan = SearchPlan(items, NOTHING)
    page = "The conference will consider the plan for each child in the family. " * 400

    def timed(copies: int) -> float:
        hay = haystack(page * copies)
        start = time.perf_counter()
        for _ in range(3):
            plan.find(hay)
        return time.perf_counter() - start

    timed(1)
    small, large = timed(2), timed(16)
    assert large < small * 8 * 3  # 8 times the text: well under 24 times the time


def test_item_needles_are_remembered_per_item() -> None:
    item = WithheldItem("tag:third_party", "x", texts=(HEALTH,))
    assert item_needles(item) is item_needles(item)


# -- right-to-left scripts in a real PDF -------------------------------------------------------

HEBREW = "נועה בת־שבע לוי"
ARABIC = "ليلى نور حداد"


def rendered_pdf(body: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=f"<html><body>{body}</body></html>").write_pdf()


@pytest.mark.parametrize(
    "body",
    [
        f"<p>{HEBREW}</p>",
        f"<p>Half-sister: {HEBREW} (school in Ashby Vale).</p>",
        f"<p>Sister: {ARABIC} lives with her mother.</p>",
        f"<p>{ARABIC}</p>",
        f"<p>The children are {ARABIC} and {HEBREW}.</p>",
    ],
)
def test_right_to_left_names_are_found_in_a_real_pdf(body: str) -> None:
    items = [
        WithheldItem("absent-child", "he", names=(HEBREW,)),
        WithheldItem("absent-child", "ar", names=(ARABIC,)),
    ]
    plan = SearchPlan(items, NOTHING)
    chunks = extract_bytes(rendered_pdf(body), "pdf")
    hits: set[int] = set()
    for chunk in chunks:
        hits |= plan.find(haystack(chunk.text, wrapped=chunk.wrapped))
    expected = {i for i, name in enumerate((HEBREW, ARABIC)) if name in body}
    assert hits == expected


def test_pdfium_does_reverse_right_to_left_words() -> None:
    """The reason for the extra readings: the raw page text is not in reading order."""
    chunks = extract_bytes(rendered_pdf(f"<p>Sister: {ARABIC} lives here.</p>"), "pdf")
    page = next(c for c in chunks if c.where == "page 1")
    assert words(ARABIC) not in words(page.text)


def test_run_together_initials_that_spell_a_title_are_not_a_name() -> None:
    needles = needle_words(name_needles("Morwenna Sorrel Greenhalgh"))
    assert " ms greenhalgh " not in needles and " m s greenhalgh " in needles
    item = WithheldItem("absent-child", "m", names=("Morwenna Sorrel Greenhalgh",))
    assert not found(item, "a condition not to contact Ms Greenhalgh")


def test_no_phrase_is_read_across_two_separate_values() -> None:
    """Two PDF bookmarks side by side are not one sentence; each is still searched whole."""
    from cpcdocs.extract import VALUES

    hay = haystack(VALUES.join(["What the conference is for", "Before the conference"]))
    assert " the conference is for before " not in hay
    assert " what the conference is for " in hay and " before the conference " in hay
