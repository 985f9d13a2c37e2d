"""Render stage: one recipient's view to the bytes of a PDF or DOCX file.

Each document's wording is one Jinja template, ``letters/<kind>.html.j2``, producing an HTML
fragment in a small subset (see :mod:`cpcdocs.render.blocks`). The same fragment becomes

- a PDF: inside ``layout/letter.html.j2`` and ``layout/letter.css``, through WeasyPrint;
- a DOCX: parsed into blocks and written with Word styles into ``layout/letter.docx``.

So a sentence is changed in one place for both formats. Real Word templates (the agency
report proforma, the social worker's report shell) live in ``docx/`` and are rendered by
:meth:`Renderer.render_docx_template`.

A :class:`Renderer` is made once per process (or batch worker) and reused: it keeps the Jinja
environments and their compiled templates, the stylesheet and fonts WeasyPrint has loaded, and
the Word templates' bytes. Every failure is a :class:`~cpcdocs.errors.RenderError` naming the
template file, the line, and which document for whom was being rendered.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError
from markupsafe import Markup

from ..authority import templates_root
from ..errors import RenderError
from ..i18n import (
    ENGLISH,
    FALLBACK_ENGLISH_WITH_NOTICE,
    MESSAGE_FOLDERS,
    Catalog,
    Translator,
    catalog_languages,
    catalog_problems,
    extract_files,
    find_catalog,
    html_lang,
    is_english,
    language_name,
    load_catalog,
    message_ids,
)
from .blocks import Block, dangling_punctuation, parse_fragment
from .docx import DocxEngine, DocxMetadata, Fragment, Picture
from .env import CURRENT_TRANSLATORS, TRANSLATOR, TRANSLATORS, make_environment
from .pdf import PdfEngine, PdfMetadata, check_font_subsetting

__all__ = [
    "TEMPLATE_FOLDERS",
    "DocxMetadata",
    "Fragment",
    "PdfMetadata",
    "Picture",
    "Renderer",
    "check_font_subsetting",
]

#: Folders of the templates tree that hold templates (``authorities/``, ``fonts/`` and
#: ``init/`` hold other things).
TEMPLATE_FOLDERS = ("layout", "letters", "docx")
LAYOUT_HTML = "layout/letter.html.j2"
LAYOUT_CSS = "layout/letter.css"
LAYOUT_DOCX = "layout/letter.docx"
#: The sentences a letter gains when its reader's language cannot be rendered in full.
LANGUAGE_NOTICE = "layout/language_notice.html.j2"
_SIGNATURE_ID = ' id="cpcdocs-signature"'
BUILT_IN = "built-in"


class Renderer:
    """Renders documents from views; make one per process and reuse it.

    Args:
        templates_dir: a ``--templates`` folder whose files replace the built-in templates of
            the same relative name (``letters/invitation.html.j2``, ``layout/letter.css``,
            ``docx/report_proforma.docx``, ...).
    """

    def __init__(self, templates_dir: Path | str | None = None) -> None:
        self.templates_dir = Path(templates_dir).resolve() if templates_dir else None
        if self.templates_dir is not None and not self.templates_dir.is_dir():
            msg = f"{templates_dir}: the templates folder does not exist"
            raise RenderError(msg)
        self.builtin_dir = templates_root()
        self.env = make_environment(self.templates_dir)
        self.docx_env = make_environment(self.templates_dir, flavour="docx")
        self._pdf: PdfEngine | None = None
        self._docx: DocxEngine | None = None
        self._catalogs: dict[str, Catalog | None] = {}

    # -- finding templates -----------------------------------------------------------------------

    def find(self, name: str) -> Path:
        """The file a template name resolves to: the override folder's, else the built-in one."""
        for root in self._roots():
            if root is not None and (root / name).is_file():
                return root / name
        msg = f"{name}: no such template" + (
            f" (looked in {self.templates_dir} and the built-in templates)"
            if self.templates_dir
            else ""
        )
        raise RenderError(msg)

    def list_templates(self) -> list[tuple[str, str]]:
        """Every template by name, with ``"built-in"`` or the override file that replaces it."""
        found: dict[str, str] = {}
        for root, source in ((self.builtin_dir, None), (self.templates_dir, "override")):
            if root is None:
                continue
            for folder in TEMPLATE_FOLDERS:
                base = root / folder
                if not base.is_dir():
                    continue
                for path in sorted(base.rglob("*")):
                    if path.is_file() and not path.name.startswith((".", "~$")):
                        name = path.relative_to(root).as_posix()
                        found[name] = BUILT_IN if source is None else str(path)
        return sorted(found.items())

    @staticmethod
    def wording_template(view: Any) -> str:
        """The wording template of a view's document kind."""
        return f"letters/{view.kind}.html.j2"

    # -- HTML ------------------------------------------------------------------------------------

    def render_fragment(self, view: Any) -> str:
        """The document's wording: ``letters/<kind>.html.j2`` in the reader's language(s).

        English readers get the fragment as written. A reader whose language has a complete
        catalog gets it twice in one fragment, their language first, each part in a
        ``<div class="language-part" lang="...">`` (see :meth:`language_parts`).
        """
        return self._wording(view)[0]

    def _wording(self, view: Any) -> tuple[str, list[Translator]]:
        """The fragment, and the translators of its parts in order (for the layout)."""
        parts = self.language_parts(view)
        if len(parts) == 1:
            return parts[0][1], [parts[0][0]]
        out = []
        for index, (translator, fragment) in enumerate(parts):
            if index < len(parts) - 1:
                # The signature box is reserved once, in the last (English) part.
                fragment = fragment.replace(_SIGNATURE_ID, "")
            label = language_name(translator.language, in_language=translator.language)
            out.append(
                f'<div class="language-part" lang="{translator.lang}">\n'
                f'<p class="language-label"><strong>{label}</strong></p>\n'
                f"{fragment}\n</div>"
            )
        return "\n".join(out), [t for t, _ in parts]

    def language_parts(self, view: Any) -> list[tuple[Translator, str]]:
        """The wording in each language the reader's letter is written in, in order.

        - English (``language`` ``en``/``en-GB`` or none): the English fragment alone.
        - A language with a catalog: that language, then English. A message the catalog does
          not translate is a :class:`RenderError` naming the messages and the catalog, unless
          the authority profile says ``language_fallback: english_with_notice``: then English
          alone, after a sentence in both languages offering the translation.
        - A language without a catalog: English, after a sentence in English offering an
          interpreter and a translated leaflet.
        """
        name = self.wording_template(view)
        language = getattr(view, "language", None)
        if is_english(language):
            return [(ENGLISH, self._render(name, view))]
        catalog = self.catalog(str(language))
        if catalog is None:
            notice = self._render(
                LANGUAGE_NOTICE,
                view,
                mode="no_catalog",
                language_name=language_name(str(language)),
            )
            return [(ENGLISH, notice + self._render(name, view))]
        own = Translator(str(language), catalog)
        fragment = self._render(name, view, **{TRANSLATOR: own})
        if own.missing:
            fallback = getattr(view.authority, "language_fallback", None)
            if fallback != FALLBACK_ENGLISH_WITH_NOTICE:
                raise self._untranslated(own, view)
            notice_translator = Translator(str(language), catalog)
            notice = self._render(
                LANGUAGE_NOTICE,
                view,
                mode="fallback",
                language_name=language_name(str(language)),
                **{TRANSLATORS: [notice_translator, ENGLISH], TRANSLATOR: notice_translator},
            )
            if notice_translator.missing:
                raise self._untranslated(notice_translator, view)
            return [(ENGLISH, notice + self._render(name, view))]
        return [(own, fragment), (ENGLISH, self._render(name, view))]

    def catalog(self, language: str) -> Catalog | None:
        """The catalog of ``language`` (the ``--templates`` folder's first), or None."""
        if language not in self._catalogs:
            path = find_catalog(language, self._roots())
            self._catalogs[language] = load_catalog(path, language) if path else None
        return self._catalogs[language]

    def _untranslated(self, translator: Translator, view: Any) -> RenderError:
        missing = list(translator.missing)
        shown = "; ".join(f"“{' '.join(m.split())[:60]}”" for m in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        catalog = translator.catalog
        where = self._display(catalog.path) if catalog else translator.language
        msg = (
            f"{where}: {len(missing)} untranslated message{'s' if len(missing) != 1 else ''} "
            f"in the {translator.language} catalog: {shown}{more}; translate them, or set "
            f"language_fallback: {FALLBACK_ENGLISH_WITH_NOTICE} in the authority profile "
            f"({_doing(view)})"
        )
        return RenderError(msg)

    def render_blocks(self, view: Any) -> list[Block]:
        """The wording as blocks (what the DOCX is written from)."""
        name = self.wording_template(view)
        return self._parse(self.render_fragment(view), name, view)

    def render_html(self, view: Any) -> str:
        """The full HTML of a document: its wording inside the page layout."""
        name = self.wording_template(view)
        fragment, translators = self._wording(view)
        self._parse(fragment, name, view)  # the same rules as the DOCX: fail in both or neither
        logo = getattr(view.authority, "logo_path", None)
        return self._render(
            LAYOUT_HTML,
            view,
            body=Markup(fragment),
            logo=Path(logo).resolve().as_uri() if logo else None,
            lang=translators[0].lang,
            **{TRANSLATOR: translators[0], TRANSLATORS: translators},
        )

    # -- PDF -------------------------------------------------------------------------------------

    def render_pdf(
        self, view: Any, *, metadata: PdfMetadata | Mapping[str, Any] | None = None
    ) -> bytes:
        """The document as PDF bytes (A4, fonts embedded, reproducible)."""
        html = self.render_html(view)
        meta = PdfMetadata.coerce(metadata, view)
        try:
            return self._pdf_engine().write(
                html,
                meta,
                issued_on=view.issued_on,
                lang=html_lang(getattr(view, "language", None)),
                folders=[f for f in [getattr(view.authority, "base_dir", None)] if f is not None],
            )
        except RenderError:
            raise
        except Exception as err:
            msg = f"{LAYOUT_HTML}: PDF rendering failed: {err} ({_doing(view)})"
            raise RenderError(msg) from err

    def warm(self, kinds: Iterable[str], *, pdf: bool) -> None:
        """Compile these kinds' wording and the layout; load WeasyPrint, docxtpl and the fonts.

        Called before forking render workers, so that each starts warm instead of doing it
        again. Raises what rendering would raise; the caller then renders in this process,
        where the same error is reported against the document that hits it.
        """
        for kind in sorted(set(kinds)):
            name = f"letters/{kind}.html.j2"
            if self.has(name):
                self.env.get_template(name)
        if pdf:
            self.env.get_template(LAYOUT_HTML)
            self._pdf_engine()
        self._docx_engine().load_libraries()

    def _pdf_engine(self) -> PdfEngine:
        if self._pdf is None:
            self._pdf = PdfEngine(
                stylesheet=self.find(LAYOUT_CSS),
                fonts_dir=self.builtin_dir / "fonts",
                base_url=self.find(LAYOUT_HTML).parent,
                folders=[f for f in (self.builtin_dir, self.templates_dir) if f is not None],
            )
        return self._pdf

    # -- DOCX ------------------------------------------------------------------------------------

    def render_docx(
        self, view: Any, *, metadata: DocxMetadata | Mapping[str, Any] | None = None
    ) -> bytes:
        """A letter or form as DOCX bytes: the wording written into the Word layout."""
        fragment, translators = self._wording(view)
        blocks = self._parse(fragment, self.wording_template(view), view)
        meta = _docx_metadata(metadata, view)
        # The Word layout's header and footer speak the letter's languages too.
        token = CURRENT_TRANSLATORS.set(tuple(translators))
        try:
            return self._docx_engine().letter(view, blocks, meta, LAYOUT_DOCX)
        except RenderError:
            raise
        except Exception as err:
            raise self._error(err, LAYOUT_DOCX, view) from err
        finally:
            CURRENT_TRANSLATORS.reset(token)

    def render_docx_template(
        self,
        template_name: str,
        context: Mapping[str, Any],
        *,
        metadata: DocxMetadata | Mapping[str, Any] | None = None,
    ) -> bytes:
        """A real Word template (``docx/<name>.docx``) rendered with docxtpl, autoescaped.

        ``context`` is what the template's tags see; a :class:`Picture` or :class:`Fragment`
        value becomes an image or Word paragraphs. When it holds a ``view``, the document
        properties and dates come from it.
        """
        name = template_name if "/" in template_name else f"docx/{template_name}"
        if not name.endswith(".docx"):
            name += ".docx"
        self.find(name)
        view = context.get("view")
        meta = _docx_metadata(metadata, view)
        try:
            return self._docx_engine().template(
                name, context, meta, getattr(view, "issued_on", None)
            )
        except RenderError:
            raise
        except Exception as err:
            raise self._error(err, name, view) from err

    def _docx_engine(self) -> DocxEngine:
        if self._docx is None:
            self._docx = DocxEngine(self.docx_env, self.find)
        return self._docx

    # -- checking --------------------------------------------------------------------------------

    def check_templates(
        self, views: Iterable[Any] = (), languages: Iterable[str] = ()
    ) -> list[str]:
        """Every problem in every template, as ``FILE:LINE: message``; empty when all is well.

        Each template is compiled (syntax); each view is rendered through its wording template
        and the HTML layout (undefined names, tags outside the letter subset); the Word layout
        is rendered once for each kind of page (letter or form, family or professional), and
        a kind's Word template (``docx/<kind>.docx``) once for each profile, with
        ``{"view": view}``. A kind with a Word template and no wording template (the report
        proforma) is checked through the Word template only.

        Catalogs: every message of the templates must be translated in each catalog of the
        ``--templates`` folder, in the catalog of each language in ``languages``, and in the
        catalog of each language a view's reader reads (a missing one is named with its
        catalog). The built-in catalogs a council does not use are not held against it.
        """
        views = list(views)
        problems: list[str] = self.check_catalogs(
            [*languages, *(getattr(v, "language", None) or "en" for v in views)]
        )
        for name, _ in self.list_templates():
            try:
                if name.endswith(".j2"):
                    self.env.get_template(name)
                elif name.endswith(".docx"):
                    self._docx_engine().undeclared(name)
            except TemplateError as err:
                problems.append(self._error(err, name, None).message)
            except Exception as err:  # a damaged .docx is a problem to report, not a crash
                problems.append(f"{self._display(self.find(name))}:1: cannot be read: {err}")
        pages_checked: set[tuple[bool, bool]] = set()
        word_checked: set[tuple[str, str]] = set()
        for view in views:
            try:
                word = f"docx/{view.kind}.docx"
                if self.has(word):
                    # A Word template (proforma, report shell): once per kind and profile.
                    if (view.kind, view.profile) not in word_checked:
                        word_checked.add((view.kind, view.profile))
                        self.render_docx_template(word, {"view": view})
                    if not self.has(self.wording_template(view)):
                        continue
                self.render_html(view)
                for stretch in dangling_punctuation(self.render_blocks(view)):
                    where = self._display(self.find(self.wording_template(view)))
                    problems.append(f"{where}: dangling punctuation: “{stretch}” ({_doing(view)})")
                page = (bool(view.is_letter), view.profile == "professional")
                if page not in pages_checked:
                    pages_checked.add(page)
                    self.render_docx(view)
            except RenderError as err:
                problems.append(err.message)
        return list(dict.fromkeys(problems))

    def messages(self) -> Any:
        """Every message of the wording and layout templates in use (overrides included)."""
        files = [
            (name, self.find(name))
            for name, _ in self.list_templates()
            if name.endswith(".j2") and name.split("/")[0] in MESSAGE_FOLDERS
        ]
        return extract_files(files, self.env)

    def check_catalogs(self, languages: Iterable[str] = ()) -> list[str]:
        """Each message a catalog does not translate, as ``FILE:1: message``.

        Checks the ``--templates`` folder's catalogs and the catalogs of ``languages`` (English
        needs none). A language with no catalog is not a problem: its readers get English and
        the offer of an interpreter.
        """
        wanted_languages: dict[str, None] = {}
        if self.templates_dir is not None:
            wanted_languages.update(dict.fromkeys(catalog_languages([self.templates_dir])))
        wanted_languages.update(dict.fromkeys(x for x in languages if not is_english(x)))
        if not wanted_languages:
            return []
        messages = message_ids(self.messages())
        problems: list[str] = []
        for language in wanted_languages:
            try:
                catalog = self.catalog(language)
            except RenderError as err:
                problems.append(err.message)
                continue
            if catalog is not None:
                problems += catalog_problems(catalog, messages, self._display(catalog.path))
        return problems

    def has(self, name: str) -> bool:
        """Whether a template of this name exists (overridden or built in)."""
        return any(root is not None and (root / name).is_file() for root in self._roots())

    def _roots(self) -> tuple[Path | None, Path]:
        return (self.templates_dir, self.builtin_dir)

    # -- internals -------------------------------------------------------------------------------

    def _render(self, name: str, view: Any, **context: Any) -> str:
        try:
            template = self.env.get_template(name)
            return template.render(view=view, **context)
        except TemplateNotFound as err:
            missing = err.name or name
            msg = f"{missing}: no such template ({_doing(view)})"
            raise RenderError(msg) from err
        except RenderError:
            raise
        except Exception as err:
            raise self._error(err, name, view) from err

    def _parse(self, fragment: str, name: str, view: Any) -> list[Block]:
        try:
            return parse_fragment(fragment, template=self._display(self.find(name)))
        except RenderError as err:
            msg = f"{err.message} ({_doing(view)})"
            raise RenderError(msg) from err

    def _error(self, err: BaseException, name: str, view: Any) -> RenderError:
        """A template failure as ``FILE:LINE: message (what was being rendered)``."""
        try:
            path = self._display(self.find(name))
        except RenderError:
            path = name
        line = None
        if isinstance(err, TemplateSyntaxError):
            line = err.lineno
            if err.filename:
                path = self._display(Path(err.filename))
            message = err.message or str(err)
        else:
            message = str(err) or type(err).__name__
            line, filename = _template_line(err)
            if filename:
                path = self._display(Path(filename))
        # In a Word template the "line" is docxtpl's: about one per paragraph of the document
        # (or header); the text near the error is what finds it in Word.
        where = f"{path}:{line or 1}: {message}"
        near = " ".join(getattr(err, "docx_context", None) or ()).split()
        if near:
            where += f" (near: {' '.join(near)[:80]})"
        if view is not None:
            where += f" ({_doing(view)})"
        return RenderError(where)

    @staticmethod
    def _display(path: Path) -> str:
        """A path as the user knows it: relative to the working folder when inside it."""
        try:
            return (
                os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
            )
        except ValueError:
            return str(path)


def _template_line(err: BaseException) -> tuple[int | None, str | None]:
    """The template line a runtime error happened on (Jinja rewrites tracebacks to show it)."""
    found: tuple[int | None, str | None] = (None, None)
    for frame, lineno in traceback.walk_tb(err.__traceback__):
        filename = frame.f_code.co_filename
        if filename.endswith((".j2", ".html", ".xml")) or filename == "<template>":
            found = (lineno, None if filename == "<template>" else filename)
    return found


def _doing(view: Any) -> str:
    if view is None:
        return "rendering"
    recipient = getattr(view, "recipient", None)
    who = getattr(recipient, "id", None) or getattr(recipient, "name", None) or "?"
    child = getattr(getattr(view, "child", None), "id", None)
    kind = f"{view.kind}-{child}" if child else view.kind
    return f"rendering {kind} for {who}"


def _docx_metadata(value: DocxMetadata | Mapping[str, Any] | None, view: Any) -> DocxMetadata:
    if isinstance(value, DocxMetadata):
        return value
    if isinstance(value, PdfMetadata):
        value = {
            "title": value.title,
            "author": value.author,
            "subject": value.subject,
            "keywords": value.keywords,
        }
    data = dict(value or {})
    authority = getattr(view, "authority", None)
    keywords = data.get("keywords", ())
    if isinstance(keywords, str):
        keywords = tuple(k.strip() for k in keywords.split(",") if k.strip())
    return DocxMetadata(
        title=str(data.get("title") or getattr(view, "title", "") or ""),
        author=str(data.get("author") or getattr(authority, "name", "") or ""),
        subject=str(data.get("subject") or ""),
        keywords=tuple(str(k) for k in keywords),
        language=str(data.get("language") or html_lang(getattr(view, "language", None))),
    )
