"""Languages: letters through message catalogs, bilingual Welsh-first letters, and the refusals.

A small complete test catalog (a made-up language, ``xx``, built from the shipped .pot with
every msgstr marked) tests the mechanism independently of how much real Welsh ships: the
reader's language first, English second, both with ``lang`` attributes, in the PDF and the
DOCX. The shipped Welsh catalog is tested for what it is: honest (flagged for review, refused
rather than half-English) and correct where it translates.
"""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import docx
import pytest
from babel.messages.pofile import read_po, write_po
from test_wording import blocks_text, flat, raw, variant, view_of

from cpcdocs.errors import RenderError
from cpcdocs.i18n import (
    REVIEW_FLAG,
    Translator,
    catalog_languages,
    extract_messages,
    html_lang,
    load_catalog,
    localized_date,
)
from cpcdocs.render import Renderer
from cpcdocs.render.env import make_environment

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
POT = TEMPLATES / "locale" / "cpcdocs.pot"
MARK = "⟦xx⟧ "


def marked_catalog(folder: Path, language: str = "xx", *, drop: tuple[str, ...] = ()) -> Path:
    """A complete catalog for ``language`` under ``folder/locale``: every msgstr is the msgid
    behind a marker (so variables and markup survive), except the messages in ``drop``."""
    with POT.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
        if key in drop:
            continue
        if isinstance(message.id, (list, tuple)):
            message.string = tuple(MARK + m for m in message.id)
        else:
            message.string = MARK + message.id
    path = folder / "locale" / f"{language}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    out = io.BytesIO()
    write_po(out, catalog)
    path.write_bytes(out.getvalue())
    return path


def reader_in(language: str, who: str = "mother", *, fallback: str | None = None) -> Any:
    """example-initial with ``who`` reading ``language`` (and the profile's fallback)."""
    data = raw("example-initial")
    for person in data["people"]:
        if person["id"] == who:
            person["language"] = language
    for child in data["children"]:
        if child["id"] == who:
            child["language"] = language
    case, authority = variant(data)
    if fallback is not None:
        authority = authority.model_copy(update={"language_fallback": fallback})
    return case, authority


def fragment_parts(fragment: str) -> list[tuple[str, str]]:
    """The ``(lang, inner html)`` of each language part, in order."""
    out = []
    for piece in fragment.split('<div class="language-part" lang="')[1:]:
        lang, _, rest = piece.partition('">')
        out.append((lang, rest[: rest.rindex("</div>")]))
    return out


# -- the message template ------------------------------------------------------------------------


def test_the_pot_is_up_to_date_with_the_templates() -> None:
    """Every message of templates/letters and templates/layout is in the shipped .pot."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "extract_messages.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_extraction_finds_trans_blocks_underscore_and_both() -> None:
    ids = {m.id for m in extract_messages(TEMPLATES, make_environment()) if m.id}
    assert "Dear %(name)s," in ids  # {% trans %} with a variable
    assert "Yours sincerely" in ids  # _() as a macro default
    assert "Our ref" in ids  # both() in the layout
    assert "Page" in ids
    assert len(ids) > 400


# -- a complete catalog: bilingual, reader's language first --------------------------------------


@pytest.fixture(scope="module")
def xx_renderer(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    folder = tmp_path_factory.mktemp("xx-templates")
    marked_catalog(folder)
    return Renderer(folder)


def test_english_reader_is_unchanged_by_languages(xx_renderer: Renderer) -> None:
    view = view_of("example-initial", "invitation", "mother")
    assert view.language == "en-GB"
    fragment = xx_renderer.render_fragment(view)
    assert MARK not in fragment
    assert "language-part" not in fragment
    assert fragment == Renderer().render_fragment(view)


def test_reader_with_a_catalog_gets_their_language_first_then_english(
    xx_renderer: Renderer,
) -> None:
    view = view_of(reader_in("xx"), "invitation", "mother")
    assert view.language == "xx"
    fragment = xx_renderer.render_fragment(view)
    parts = fragment_parts(fragment)
    assert [lang for lang, _ in parts] == ["xx", "en-GB"]
    first, second = parts[0][1], parts[1][1]
    assert f"{MARK}Dear Claire Harrow," in first
    assert "<p>Dear Claire Harrow,</p>" in second and MARK not in second
    # Every sentence of the first part is translated: no English paragraph slipped through.
    english = Renderer().render_fragment(dataclasses.replace(view, language="en-GB"))
    assert second.strip() == '<p class="language-label"><strong>English</strong></p>\n' + (
        english.strip()
    )
    for paragraph in re.findall(r"<p>(.*?)</p>", first):
        if re.search("[A-Za-z]{3}", re.sub(r"<[^>]+>|&[a-z]+;", "", paragraph)):
            assert MARK in paragraph or "Maya" in paragraph, paragraph


def test_bilingual_pdf_has_lang_attributes_and_both_languages(xx_renderer: Renderer) -> None:
    view = view_of(reader_in("xx"), "invitation", "mother")
    html = xx_renderer.render_html(view)
    assert '<html lang="xx">' in html
    assert html.index('lang="xx"') < html.index('<div class="language-part" lang="en-GB">')
    # Page furniture in both languages, the reader's first.
    assert f"{MARK}Our ref / Our ref" in html
    assert f"{MARK}Private and confidential: addressee only / Private and confidential" in html


@pytest.mark.slow
def test_bilingual_pdf_and_docx_hold_both_languages_in_order(xx_renderer: Renderer) -> None:
    import pypdfium2 as pdfium

    view = view_of(reader_in("xx"), "invitation", "mother")
    pdf = pdfium.PdfDocument(xx_renderer.render_pdf(view))
    text = flat(" ".join(page.get_textpage().get_text_range() for page in pdf))
    assert text.index(f"{MARK}Dear Claire Harrow") < text.index(" Dear Claire Harrow,")
    document = docx.Document(io.BytesIO(xx_renderer.render_docx(view)))
    body = "\n".join(p.text for p in document.paragraphs)
    assert body.index(f"{MARK}Dear Claire Harrow") < body.index("\nDear Claire Harrow,")
    assert document.core_properties.language == "xx"
    # The Word layout's header and footer are bilingual too, the reader's language first.
    furniture = _header_xml(xx_renderer.render_docx(view))
    assert f"{MARK}Our ref / Our ref" in furniture
    assert f"{MARK}Page" in furniture


def _header_xml(data: bytes) -> str:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(
            re.sub(r"<[^>]+>", "", archive.read(n).decode())
            for n in archive.namelist()
            if re.match(r"word/(header|footer)\d+\.xml", n)
        )


def test_outline_plan_reserves_the_signature_box_once(xx_renderer: Renderer) -> None:
    view = view_of(reader_in("xx"), "outline_plan", "mother", "maya")
    fragment = xx_renderer.render_fragment(view)
    assert len(fragment_parts(fragment)) == 2
    assert fragment.count('id="cpcdocs-signature"') <= 1
    xx_renderer.render_blocks(view)  # parses: no id used twice


# -- an incomplete catalog: refused, or English with the offer -----------------------------------


def test_untranslated_message_is_a_render_error_naming_it(tmp_path: Path) -> None:
    marked_catalog(tmp_path, drop=("Yours sincerely", "Joining online"))
    renderer = Renderer(tmp_path)
    view = view_of(reader_in("xx"), "invitation", "mother")
    with pytest.raises(RenderError) as caught:
        renderer.render_fragment(view)
    message = caught.value.message
    assert "xx.po" in message and "untranslated" in message
    assert "“Yours sincerely”" in message
    assert "Joining online" not in message  # not used by this letter: not its problem
    assert "language_fallback: english_with_notice" in message


def test_fallback_english_with_notice(tmp_path: Path) -> None:
    marked_catalog(tmp_path, drop=("Yours sincerely",))
    renderer = Renderer(tmp_path)
    view = view_of(reader_in("xx", fallback="english_with_notice"), "invitation", "mother")
    fragment = renderer.render_fragment(view)
    assert "language-part" not in fragment  # English only
    notice = fragment[: fragment.index("Dear Claire Harrow")]
    assert f'<p lang="xx">{MARK}This letter is not yet available in your language.' in notice
    assert '<p lang="en-GB">This letter is not yet available in your language.' in notice
    assert notice.index('lang="xx"') < notice.index('lang="en-GB"')


def test_templates_check_names_each_untranslated_message(tmp_path: Path) -> None:
    marked_catalog(tmp_path, drop=("Joining online",))
    problems = Renderer(tmp_path).check_catalogs()
    assert len(problems) == 1
    assert "xx.po:1: untranslated message in the xx catalog: “Joining online”" in problems[0]
    marked_catalog(tmp_path)
    assert Renderer(tmp_path).check_catalogs() == []


def test_templates_check_cli_fails_on_an_untranslated_message(tmp_path: Path) -> None:
    from conftest import run_cli

    marked_catalog(tmp_path, drop=("Joining online",))
    status, _, err = run_cli("templates", "check", "--templates", tmp_path)
    assert status == 4
    assert "Joining online" in err and "xx catalog" in err


def test_a_damaged_catalog_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "locale" / "xx.po"
    path.parent.mkdir(parents=True)
    path.write_text('msgid "a"\nmsgstr "b"\nthis is not a catalog\n', encoding="utf-8")
    with pytest.raises(RenderError, match=r"xx\.po"):
        load_catalog(path)


# -- no catalog at all: English and an offer, in English ----------------------------------------


def test_language_without_a_catalog_gets_english_and_an_interpreter_offer() -> None:
    view = view_of(reader_in("pl"), "invitation", "mother")
    fragment = Renderer().render_fragment(view)
    assert "language-part" not in fragment
    offer = flat(fragment[: fragment.index("Dear Claire Harrow")])
    assert "write this letter in Polish" in offer
    assert "we will arrange an interpreter" in offer
    assert "our leaflet translated into Polish" in offer
    html = Renderer().render_html(view)
    assert '<html lang="en-GB">' in html  # the letter is in English


# -- the shipped Welsh catalog --------------------------------------------------------------------


def test_shipped_welsh_is_flagged_for_review_and_honest() -> None:
    catalog = load_catalog(TEMPLATES / "locale" / "cy.po")
    assert catalog.awaiting_review
    assert REVIEW_FLAG in (TEMPLATES / "locale" / "cy.po").read_text(encoding="utf-8")[:2000]
    assert catalog.messages["Dear %(name)s,"] == "Annwyl %(name)s,"
    assert catalog.messages["Yours sincerely"] == "Yn gywir"
    assert catalog.messages["Our ref"] == "Ein cyf"
    # Every translation keeps its message's variables and markup.
    with POT.open("rb") as handle:
        ids = {m.id for m in read_po(handle) if m.id}
    for msgid, msgstr in catalog.messages.items():
        assert msgid in ids, msgid
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(
            re.findall(r"%\(\w+\)s", str(msgstr))
        ), msgid
        assert re.findall(r"</?\w+", msgid) == re.findall(r"</?\w+", str(msgstr)), msgid


def test_shipped_welsh_is_refused_rather_than_half_english() -> None:
    view = view_of(reader_in("cy"), "invitation", "mother")
    with pytest.raises(RenderError, match=r"cy\.po: \d+ untranslated messages in the cy catalog"):
        Renderer().render_fragment(view)


def test_shipped_welsh_with_fallback_offers_the_welsh_copy_in_welsh_and_english() -> None:
    view = view_of(reader_in("cy", fallback="english_with_notice"), "invitation", "mother")
    fragment = Renderer().render_fragment(view)
    assert '<p lang="cy">Nid yw’r llythyr hwn ar gael yn eich iaith chi eto.' in fragment
    assert fragment.index('lang="cy"') < fragment.index('lang="en-GB"')
    assert "Dear Claire Harrow," in fragment


def test_shipped_welsh_completed_makes_a_welsh_first_letter(tmp_path: Path) -> None:
    """What ships, completed by a translator (here: markers), gives Welsh furniture and dates."""
    shipped = load_catalog(TEMPLATES / "locale" / "cy.po")
    path = marked_catalog(tmp_path, "cy")
    with path.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id in shipped.messages:
            message.string = shipped.messages[message.id]
    out = io.BytesIO()
    write_po(out, catalog)
    path.write_bytes(out.getvalue())
    view = view_of(reader_in("cy"), "invitation", "mother")
    renderer = Renderer(tmp_path)
    parts = fragment_parts(renderer.render_fragment(view))
    assert [lang for lang, _ in parts] == ["cy", "en-GB"]
    assert "<p>Annwyl Claire Harrow,</p>" in parts[0][1]
    assert "<strong>Cymraeg</strong>" in parts[0][1]
    html = renderer.render_html(view)
    assert "Ein cyf / Our ref" in html
    assert "Preifat a chyfrinachol" in html
    day = view.conference.date
    assert localized_date(day, "cy", weekday=True) in parts[0][1]  # Welsh month and day


def test_welsh_dates_come_from_babel() -> None:
    import datetime as dt

    assert localized_date(dt.date(2027, 1, 6), "cy", weekday=False) == "6 Ionawr 2027"
    assert localized_date(dt.date(2027, 1, 6), "en", weekday=False) is None
    assert Translator("cy").date(dt.date(2027, 3, 1), weekday=False) == "1 Mawrth 2027"


# -- small pieces ---------------------------------------------------------------------------------


def test_language_codes() -> None:
    assert html_lang(None) == "en-GB"
    assert html_lang("en") == "en-GB"
    assert html_lang("cy") == "cy"
    assert html_lang("pt_BR") == "pt-BR"


def test_override_catalog_wins_over_the_built_in_one(tmp_path: Path) -> None:
    marked_catalog(tmp_path, "cy")
    found = catalog_languages([tmp_path, TEMPLATES])
    assert found["cy"] == tmp_path / "locale" / "cy.po"
    assert Renderer(tmp_path).catalog("cy").messages["Our ref"] == MARK + "Our ref"


def test_language_is_validated_in_the_case() -> None:
    from pydantic import ValidationError

    from cpcdocs.model import Case

    data = raw("example-initial")
    data["people"][0]["language"] = "Welsh please"
    with pytest.raises(ValidationError):
        Case.model_validate(data)


def test_a_child_reader_has_their_own_language(xx_renderer: Renderer) -> None:
    data = raw("example-initial")
    for child in data["children"]:
        child["language"] = "xx"
    case = variant(data)
    for doc_view in (view_of(case, "invitation", c["id"]) for c in data["children"][:1]):
        assert doc_view.language == "xx"
        text = blocks_text(xx_renderer.render_blocks(doc_view))
        assert text.index(MARK) < text.index("English")


@pytest.mark.slow
def test_every_document_of_a_case_renders_bilingually(xx_renderer: Renderer) -> None:
    """Every kind, for every reader: both parts parse, the reader's language first."""
    import datetime as dt

    from cpcdocs.pack import document_views

    data = raw("example-record")
    for person in data["people"]:
        person["language"] = "xx"
    for child in data["children"]:
        child["language"] = "xx"
    case, authority = variant(data, "example-record")
    checked = 0
    for _, view in document_views(case, authority, dt.date(2026, 11, 22)):
        if view.profile == "professional" or not xx_renderer.has(
            xx_renderer.wording_template(view)
        ):
            continue
        parts = fragment_parts(xx_renderer.render_fragment(view))
        assert [lang for lang, _ in parts] == ["xx", "en-GB"], view.kind
        xx_renderer.render_blocks(view)
        checked += 1
    assert checked > 10
