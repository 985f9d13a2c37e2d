"""The speed-ups must not change a byte: forked rendering and auditing, and the caches.

Each optimisation made for the benchmark (issue 6) is checked against the plain way of doing
the same thing: a pack rendered by two processes against one; an audit by two processes
against one; a DOCX written by cpcdocs' own zip writer against ``zipfile``; a run written as
text against python-docx's ``add_run``; a template copied from a parsed package against one
parsed afresh.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    EXAMPLE,
    ROOT,
    SAMPLES,
    SUBPROCESS_ENV,
    run_cli,
    run_subprocess,
    writable_copy,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from cpcdocs.load import load_case, resolve_authority
from cpcdocs.pack import RenderOptions, render_pack
from cpcdocs.render import Renderer
from cpcdocs.render import docx as docx_module
from cpcdocs.workers import can_fork, default_jobs, fork_map

ISSUED = "2026-12-24"
DAY = dt.date.fromisoformat(ISSUED)
#: The contract's example plus its ``issued:`` dates: a whole pack (contract version 2) has
#: stages dated before and after the conference, so no single ``--date`` fits it; each stage
#: takes its date from the case file instead, the same on any day.
STAGED_EXAMPLE = ROOT / "samples" / "example-initial.yaml"


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _python(code: str) -> str:
    """What ``python -c CODE`` prints, in a fresh single-threaded interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", code], env=SUBPROCESS_ENV, capture_output=True, text=True,
        check=True, timeout=60,
    )  # fmt: skip
    return done.stdout


# -- fork_map --------------------------------------------------------------------------------------


def test_fork_map_keeps_order_and_matches_one_process() -> None:
    items = list(range(40))
    assert fork_map(lambda n: (n, os.getpid()), items, 1) == [(n, os.getpid()) for n in items]
    results = fork_map(lambda n: (n * n, os.getpid()), items, 2)
    assert [r for r, _ in results] == [n * n for n in items]
    if can_fork():
        assert os.getpid() not in {pid for _, pid in results}  # the work left this process


def test_fork_map_passes_unpicklable_work_to_its_workers() -> None:
    """Functions and items are inherited, not pickled: a lambda over a local object works."""

    class Local:  # a class defined in a function cannot be pickled
        def __init__(self, n: int) -> None:
            self.n = n

    items = [Local(n) for n in range(10)]
    assert fork_map(lambda item: item.n + 1, items, 2) == list(range(1, 11))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forking is Linux-only")
def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    """As a segfault or the OOM killer would end it (in a fresh, single-threaded process)."""
    code = (
        "import os\n"
        "from cpcdocs.workers import fork_map\n"
        "def die(n):\n"
        "    if n == 3:\n"
        "        os._exit(9)\n"
        "    return n\n"
        "try:\n"
        "    fork_map(die, list(range(8)), 2)\n"
        "except Exception as err:\n"
        "    print(type(err).__name__, err)\n"
    )
    assert _python(code).startswith("RenderError a worker process died")


def test_a_real_single_threaded_process_forks_its_workers() -> None:
    """Under a test runner with threads cpcdocs renders in one process (see can_fork), so the
    forking itself is proved in a fresh interpreter, as ``cpcdocs render`` runs."""
    code = (
        "import os; from cpcdocs.workers import can_fork, fork_map; "
        "print(can_fork(), os.getpid() in set(fork_map(lambda _: os.getpid(), range(16), 2)))"
    )
    expected = "True False" if sys.platform.startswith("linux") else "False True"
    assert _python(code).strip() == expected


def test_no_fork_with_other_threads_running() -> None:
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
        assert fork_map(lambda _: os.getpid(), range(4), 2) == [os.getpid()] * 4
    finally:
        stop.set()
        thread.join()


def test_default_jobs_is_this_process_cpus() -> None:
    assert 1 <= default_jobs() <= (os.cpu_count() or 1)


# -- rendering and auditing in parallel -----------------------------------------------------------


@pytest.mark.parametrize("sample", [STAGED_EXAMPLE, SAMPLES[-1]], ids=lambda p: p.stem)
def test_a_pack_rendered_by_two_processes_is_byte_identical(
    sample: Path, tmp_path: Path, sample_pack: Callable[[Path], Path]
) -> None:
    options = RenderOptions()  # each stage dated by the sample's issued: block
    one = sample_pack(sample)  # rendered by render_pack's default: one process
    two = render_pack(sample, tmp_path / "two", options, jobs=2)
    assert two.files > 8
    assert _files(one) == _files(two.path)


def test_render_jobs_option_through_the_cli(
    tmp_path: Path, sample_pack: Callable[[Path], Path]
) -> None:
    # A real process: the in-process runner may have threads, and then cpcdocs does not fork.
    status, _, err = run_subprocess(
        "render", STAGED_EXAMPLE, "-o", tmp_path / "a", "-j", "2", timeout=180
    )
    assert status == 0, err
    reference = load_case(STAGED_EXAMPLE).case.reference
    files = _files(tmp_path / "a" / reference)
    assert files == _files(sample_pack(STAGED_EXAMPLE))  # one process, through the library
    assert {name.split("/")[0] for name in files} >= {"invitations", "decision"}
    # --date for one stage, through both: the same pack again.
    for folder, jobs in (("d", "2"), ("e", "1")):
        status, _, err = run_subprocess(
            "render", STAGED_EXAMPLE, "-o", tmp_path / folder, "--stage", "invitations",
            "--date", ISSUED, "-j", jobs, timeout=180,
        )  # fmt: skip
        assert status == 0, err
    dated = _files(tmp_path / "d" / reference)
    assert dated == _files(tmp_path / "e" / reference)
    assert f'"issued_on": "{ISSUED}"' in dated["manifest.json"].decode()
    status, _, err = run_cli("render", STAGED_EXAMPLE, "-o", tmp_path / "c", "--jobs", "0")
    assert status == 2 and "--jobs" in err


def test_a_template_error_in_a_worker_names_the_document_and_line(tmp_path: Path) -> None:
    """The same message from a forked worker as from one process, and nothing published."""
    override = tmp_path / "templates" / "letters"
    override.mkdir(parents=True)
    (override / "decision_letter.html.j2").write_text(
        "<p>Dear reader,</p>\n<p>{{ view.no_such_thing.at_all }}</p>\n", encoding="utf-8"
    )
    messages = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}"
        status, _, err = run_cli(
            "render", STAGED_EXAMPLE, "-o", out, "--templates",
            tmp_path / "templates", "-j", jobs,
        )  # fmt: skip
        assert status == 4
        assert not (out / load_case(STAGED_EXAMPLE).case.reference).exists()
        messages.append(err.strip().splitlines()[0])
    assert messages[0] == messages[1]
    assert "decision_letter.html.j2:2" in messages[0]
    assert "decision_letter for" in messages[0]


def test_the_audit_finds_the_same_with_two_processes(
    tmp_path: Path, sample_pack: Callable[[Path], Path]
) -> None:
    from cpcdocs.audit import audit_pack

    case = load_case(STAGED_EXAMPLE)
    authority = resolve_authority(case, None, case_file=str(STAGED_EXAMPLE))
    pack = sample_pack(STAGED_EXAMPLE)
    leaky = writable_copy(pack, tmp_path / "leaky")
    # The mother's safe address, withheld from the fathers, in a father's envelope (a stage's
    # folder of his) as a stray file.
    envelope = sorted(leaky.glob("*/father-theo"))[0]
    (envelope / "note.txt").write_text("Flat 2, 41 Wren Road, NM4 7QT", "utf-8")
    for folder in (pack, leaky):
        one = audit_pack(folder, case, authority, jobs=1)
        two = audit_pack(folder, case, authority, jobs=2)
        assert one == two
    assert audit_pack(pack, case, authority, jobs=2).clean
    assert audit_pack(leaky, case, authority, jobs=2).leaked
    # And through a real single-threaded process, where the audit does fork (see can_fork).
    status, out, _ = run_subprocess(
        "audit", leaky, "--case", STAGED_EXAMPLE, "--format", "json", timeout=180
    )
    assert status == 3
    expected = audit_pack(leaky, case, authority, jobs=1).as_json()
    assert json.loads(out)["findings"] == expected["findings"]


# -- DOCX: the zip writer, runs as text, copied templates -----------------------------------------


def test_every_docx_is_what_zipfile_would_write(sample_pack: Callable[[Path], Path]) -> None:
    """cpcdocs writes the zip container itself (to reuse compressed members); the bytes are
    exactly those of ``zipfile`` given the same members, order, dates and level."""
    pack = sample_pack(STAGED_EXAMPLE)
    documents = sorted(pack.rglob("*.docx"))
    assert documents
    stamp = docx_module._zip_time()
    for path in documents:
        data = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.testzip() is None
            members = [(n, archive.read(n)) for n in archive.namelist()]
        again = io.BytesIO()
        with zipfile.ZipFile(again, "w", zipfile.ZIP_DEFLATED) as target:
            for name, body in members:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 0
                info.external_attr = 0
                target.writestr(info, body, compresslevel=6)
        assert again.getvalue() == data, path.name


def test_the_zip_writer_handles_names_beyond_ascii_and_empty_members() -> None:
    members = [("[Content_Types].xml", b"<Types/>"), ("word/média/é.xml", b""), ("x", b"a" * 9999)]
    data = docx_module._zip(members, (1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert [(n, archive.read(n)) for n in archive.namelist()] == members


_RUN_TEXT = st.text(
    alphabet=st.sampled_from(list("ab &<>\"'\t\n\r\u00a0é—")) | st.characters(codec="utf-8"),
    max_size=30,
).filter(lambda t: not docx_module._NOT_XML.search(t))


@settings(max_examples=300, deadline=None)
@given(text=_RUN_TEXT, bold=st.booleans(), italic=st.booleans())
def test_a_run_written_as_text_is_the_run_python_docx_builds(
    text: str, bold: bool, italic: bool
) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.text.paragraph import Paragraph
    from lxml import etree

    p = parse_xml(f"<w:p {nsdecls('w')}/>")
    run = Paragraph(p, None).add_run(text)  # type: ignore[arg-type]
    if bold:
        run.bold = True
    if italic:
        run.italic = True
    expected = etree.tostring(run._r, encoding="unicode").replace(f" {nsdecls('w')}", "")
    assert docx_module._run_xml(text, bold, italic) == expected


def test_control_characters_are_refused_as_lxml_refuses_them() -> None:
    with pytest.raises(ValueError, match="XML compatible"):
        docx_module._run_xml("a\x00b", False, False)


def test_a_copied_template_renders_as_a_freshly_parsed_one(tmp_path: Path) -> None:
    """Documents start as copies of one parsed template; parsing afresh gives the same bytes."""
    from cpcdocs.pack import _render_one, document_views

    case = load_case(EXAMPLE)
    authority = resolve_authority(case, None, case_file=str(EXAMPLE))
    day = DAY
    renderer = Renderer()
    firsts = []
    for doc, view in document_views(case, authority, day):
        if "docx" in doc.formats:
            firsts.append((doc, view, _render_one(renderer, view, doc, "docx")))
    for doc, view, data in firsts[:8]:
        docx_module._PRISTINE.clear()  # parsed afresh from the template's bytes
        docx_module._DEFLATED.clear()
        assert _render_one(Renderer(), view, doc, "docx") == data


# -- memory: nothing a batch worker renders is kept ------------------------------------------------


def test_no_letter_makes_weasyprint_keep_a_font_feature_list() -> None:
    """No text in any letter asks Pango for OpenType features, which WeasyPrint never frees.

    WeasyPrint gives each text layout whose style asks for features a Pango attribute list
    that it never unreferences, and records each distinct feature string in
    ``FontConfiguration.font_features`` as it does so. Its default stylesheet asks for
    ``tabular-nums`` on every list marker, so each bullet of each letter cost a batch worker
    about 0.5 KB for good: the growth issue 6's benchmark measured. The engine's own
    stylesheet turns the feature off; this checks every document of every sample.
    """
    from cpcdocs.pack import _metadata, document_views

    renderer = Renderer()
    seen = set()  # one document of each kind for each kind of reader, in each sample
    for path in [*SAMPLES, EXAMPLE]:
        case = load_case(path)
        authority = resolve_authority(case, None, case_file=str(path))
        for doc, view in document_views(case, authority, DAY):
            key = (path, doc.kind.value, str(doc.profile))
            if "pdf" in doc.formats and key not in seen:
                seen.add(key)
                renderer.render_pdf(view, metadata=_metadata(view, doc))
    assert {kind for _, kind, _ in seen} >= {"invitation", "decision_letter", "outline_plan"}
    assert renderer._pdf_engine().font_config.font_features == {}


def test_the_font_feature_check_sees_a_list_marker_without_the_engine_rule() -> None:
    """The check above can fail: WeasyPrint's defaults alone record the marker's feature."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    weasyprint.HTML(string="<ul><li>one</li></ul>").render(font_config=font_config)
    assert list(font_config.font_features) == [b"tnum 1"]


def test_weasyprint_frees_each_font_name_it_asks_pango_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every font name WeasyPrint gets from Pango while writing a PDF goes to ``g_free``.

    WeasyPrint copies the name and drops the pointer without freeing it, about 2.9 KB a PDF
    that a batch worker kept for good; cpcdocs wraps the call so that the pointer is freed.
    """
    from cpcdocs._compat import weasyprint as compat
    from cpcdocs.pack import _metadata, document_views
    from cpcdocs.render import pdf as pdf_module

    freed: list[int] = []
    real = compat._g_free

    def recording(pointer: object) -> None:
        from weasyprint.text.ffi import ffi

        freed.append(int(ffi.cast("uintptr_t", pointer)))
        real(pointer)

    monkeypatch.setattr(compat, "_g_free", recording)
    from weasyprint.pdf import fonts as weasyprint_fonts

    created = []
    font_init = weasyprint_fonts.Font.__init__

    def counting(self: object, *args: object, **kwargs: object) -> None:
        created.append(self)
        font_init(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint_fonts.Font, "__init__", counting)
    case = load_case(EXAMPLE)
    authority = resolve_authority(case, None, case_file=str(EXAMPLE))
    doc, view = next((d, v) for d, v in document_views(case, authority, DAY) if "pdf" in d.formats)
    renderer = Renderer()
    pdf = renderer.render_pdf(view, metadata=_metadata(view, doc))
    import gc

    gc.collect()
    assert pdf.startswith(b"%PDF")
    assert len(created) >= 2  # regular and bold at least: each asks Pango for its name once
    assert len(freed) == len(created)
    assert all(freed)
    assert pdf_module.free_font_names()  # installed once, and reported as in place


def test_the_font_name_fix_is_kept_off_a_weasyprint_that_frees_the_name() -> None:
    """Freeing a name twice would crash: the fix goes only where the leak is."""
    import inspect

    from weasyprint.pdf import fonts

    from cpcdocs.render.pdf import font_name_leaks

    source = inspect.getsource(fonts.Font)
    assert font_name_leaks(source)  # WeasyPrint as installed has the leak
    fixed = source.replace(
        "ffi.string(\n            pango.pango_font_description_to_string(description))",
        "ffi.string(ffi.gc(\n"
        "            pango.pango_font_description_to_string(description), glib.g_free))",
    )
    assert fixed != source
    assert not font_name_leaks(fixed)
    assert not font_name_leaks("class Font:\n    pass\n")


def test_the_docx_member_cache_keeps_to_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Members recurring only within a case age out, so a worker stops growing once it is full."""
    from cpcdocs.pack import _render_one, document_views
    from cpcdocs.recurring import RecurringCache

    cache: RecurringCache[bytes, tuple[int, bytes]] = RecurringCache(64 * 1024)
    monkeypatch.setattr("cpcdocs.render.docx_zip._DEFLATED", cache)
    renderer = Renderer()
    sizes = []
    for path in [EXAMPLE, *SAMPLES]:
        case = load_case(path)
        authority = resolve_authority(case, None, case_file=str(path))
        for doc, view in document_views(case, authority, DAY):
            if "docx" in doc.formats:
                _render_one(renderer, view, doc, "docx")
                sizes.append(cache.size)
    assert cache.size == sum(len(member) for member in cache.kept())
    assert max(sizes) <= 64 * 1024
    assert sizes[-1] > 32 * 1024  # it was used and filled, not bypassed
    assert any(b < a for a, b in itertools.pairwise(sizes))  # and it evicted


def test_a_recurring_cache_keeps_only_what_recurs_within_its_limit() -> None:
    from cpcdocs.recurring import RecurringCache

    made: list[str] = []

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    cache: RecurringCache[str, str] = RecurringCache(10, seen_limit=3)
    assert cache.get("abcd", make, 4) == "ABCD"  # met once: computed, not kept
    assert len(cache) == 0
    assert cache.get("abcd", make, 4) == "ABCD"  # met again: kept
    assert cache.get("abcd", make, 4) == "ABCD"  # and now served
    assert made == ["abcd", "abcd"]
    for key in ("efgh", "efgh", "ijkl", "ijkl"):
        cache.get(key, make, 4)
    assert cache.kept() == ["efgh", "ijkl"]  # 12 bytes > 10: the least recently used went
    assert cache.size == 8
    cache.get("x" * 11, make, 11)
    cache.get("x" * 11, make, 11)
    assert "x" * 11 not in cache.kept()  # larger than the whole limit: never kept
    cache.clear()
    assert (len(cache), cache.size) == (0, 0)


def test_the_audit_reads_a_recurring_part_as_it_reads_a_new_one() -> None:
    """The audit's caches give what reading afresh gives, for the parts that recur."""
    from cpcdocs import audit as audit_module
    from cpcdocs import extract as extract_module

    renderer = Renderer()
    case = load_case(EXAMPLE)
    authority = resolve_authority(case, None, case_file=str(EXAMPLE))
    from cpcdocs.pack import _render_one, document_views

    doc, view = next(
        (d, v) for d, v in document_views(case, authority, DAY) if d.kind.value == "report_proforma"
    )
    data = _render_one(renderer, view, doc, "docx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    styles = parts["word/styles.xml"]
    assert len(styles) >= extract_module._RECURRING_PART
    fresh = extract_module._read_xml("word/styles.xml", styles)
    for _ in range(3):  # new, then kept, then served
        assert extract_module._xml_chunks("word/styles.xml", styles) == fresh
    text = "\n".join(chunk.text for chunk in fresh)
    assert len(text) >= audit_module._RECURRING_TEXT
    for _ in range(3):
        assert audit_module._haystack(text) == audit_module._make_haystack((text, False))
        assert audit_module._haystack(text, wrapped=True) == audit_module._make_haystack(
            (text, True)
        )


def test_documents_share_their_templates_styles_and_never_change_them() -> None:
    """Copies share the template's styles part; large print and easy read get their own.

    Every DOCX of every sample (large print and easy read among them) is rendered in one
    process, in their order; afterwards each template's styles still serialise to the XML kept
    for writing, so no document changed the part the others share.
    """
    from docx.opc.oxml import serialize_part_xml

    from cpcdocs.pack import _render_one, document_views

    docx_module._PRISTINE.clear()
    docx_module._SHARED_STYLES.clear()
    renderer = Renderer()
    restyled = 0
    for path in [EXAMPLE, *SAMPLES]:
        case = load_case(path)
        authority = resolve_authority(case, None, case_file=str(path))
        for doc, view in document_views(case, authority, DAY):
            if "docx" in doc.formats:
                restyled += bool(getattr(view, "large_print", False) or view.easy_read)
                _render_one(renderer, view, doc, "docx")
    assert restyled  # the samples include readers whose copies change the styles
    assert len(docx_module._SHARED_STYLES) >= 3  # the letter layout and both report templates
    for part, xml in docx_module._SHARED_STYLES.values():
        assert serialize_part_xml(part.element) == xml


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "<w:pPr><w:jc/></w:pPr>"]),
            st.lists(
                st.tuples(
                    st.sampled_from(["", "<w:rPr><w:b/></w:rPr>"]),
                    st.text(alphabet="ab \t\n\a\f&;", max_size=12),
                    st.booleans(),
                ),
                max_size=3,
            ),
        ),
        max_size=4,
    ),
    st.sampled_from(["", "\n", "<w:body>", "<w:tbl>\n"]),
)
def test_resolving_listings_by_paragraph_gives_docxtpls_result(
    paragraphs: list[tuple[str, list[tuple[str, str, bool]]]], between: str
) -> None:
    """Skipping parts and paragraphs without tabs, breaks or feeds changes nothing."""
    from docxtpl import DocxTemplate

    parts = []
    for p_props, runs in paragraphs:
        space = ' xml:space="preserve"'
        body = "".join(
            f"<w:r>{r_props}<w:t{space if spaced else ''}>{text}</w:t></w:r>"
            for r_props, text, spaced in runs
        )
        parts.append(f"<w:p>{p_props}{body}</w:p>")
    xml = between + between.join(parts) + between
    cached = docx_module._template_class()
    mine = cached.__new__(cached).resolve_listing(xml)
    assert mine == DocxTemplate.resolve_listing(DocxTemplate.__new__(DocxTemplate), xml)


def _load_bench(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``bench/run.py`` as a module (it is a script, not part of the package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("cpcdocs_bench", ROOT / "bench" / "run.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, bench)  # dataclasses look their module up
    spec.loader.exec_module(bench)
    return bench


def test_the_benchmarks_naive_baseline_starts_with_every_cache_empty(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``make bench`` compares against rendering with nothing reused: its reset must reach
    every module-level cache, and must keep up when one is renamed."""

    from cpcdocs import audit as audit_module
    from cpcdocs import extract as extract_module
    from cpcdocs.pack import _render_one, document_views

    bench = _load_bench(monkeypatch)
    case = load_case(EXAMPLE)
    authority = resolve_authority(case, None, case_file=str(EXAMPLE))
    renderer = Renderer()
    for doc, view in list(document_views(case, authority, DAY))[:12]:
        if "docx" in doc.formats:
            data = _render_one(renderer, view, doc, "docx")
            for _ in range(2):
                extract_module.extract_bytes(data, "docx")
    for _ in range(2):
        audit_module._haystack("x " * audit_module._RECURRING_TEXT)
    assert docx_module._PRISTINE and len(docx_module._DEFLATED)
    assert len(extract_module._XML_CHUNKS) and len(audit_module._HAYSTACKS)
    with bench.nothing_cached():
        from cpcdocs.render.env import make_environment

        assert make_environment(None).bytecode_cache is None  # no templates compiled earlier
        assert not docx_module._PRISTINE and not docx_module._SHARED_STYLES
        assert len(docx_module._DEFLATED) == 0
        assert len(extract_module._XML_CHUNKS) == 0 and len(audit_module._HAYSTACKS) == 0


def test_every_module_level_cache_is_declared_to_the_one_owner() -> None:
    """A cache kept by a module but not declared in :mod:`cpcdocs.caches` would survive
    ``caches.clear()``: the benchmark's naive baseline would then reuse it unawares."""
    import importlib
    import pkgutil
    from collections import OrderedDict

    import cpcdocs
    from cpcdocs import caches
    from cpcdocs.recurring import RecurringCache

    undeclared: list[str] = []
    for info in pkgutil.walk_packages(cpcdocs.__path__, "cpcdocs."):
        if info.name.startswith("cpcdocs._compat") or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            memoised = (
                hasattr(value, "cache_clear")
                and getattr(value, "__module__", "") == module.__name__
            )
            # An empty mutable mapping at module level is filled as the module works: a cache.
            # (Tables of constants are filled where they are written.)
            store = isinstance(value, RecurringCache) or (
                type(value) in (dict, OrderedDict, set)
                and not value
                and name.startswith("_")
                and name.lstrip("_").isupper()
            )
            if (memoised or store) and not caches.declared(value):
                undeclared.append(f"{info.name}.{name}")
    assert not undeclared, undeclared
    assert len(caches.names()) >= 20


def test_one_clear_empties_every_declared_cache() -> None:
    from cpcdocs import caches, needles, search_plan
    from cpcdocs.render import docx as docx_module2

    needles.zipf("kestrel")
    search_plan._AUTOMATA["k"] = None
    docx_module2._PRISTINE[b"k"] = (None, {})
    caches.clear()
    assert needles.zipf.cache_info().currsize == 0  # type: ignore[attr-defined]
    assert not search_plan._AUTOMATA and not docx_module2._PRISTINE


def test_the_bench_puts_a_run_on_top_and_loses_no_earlier_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``bench/results.md`` is the measurement history: a new run must not erase it."""
    bench = _load_bench(monkeypatch)
    committed = (Path(__file__).resolve().parent.parent / "bench" / "results.md").read_text()
    first = bench.merge_results(committed, "- date: run one\n\n| a | b |", "2031-01-01 01:00")
    second = bench.merge_results(first, "- date: run two\n\n| c | d |", "2031-01-02 01:00")
    assert second.index("run two") < second.index("## Measurements behind the design")
    assert second.index("## Earlier runs") < second.index("run one")
    assert second.count("### 2031-01-01 01:00") == 1
    for heading in ("Shared styles part", "2026-11-23 05:11", "2026-11-23 01:35"):
        assert second.count(heading) == 1, heading


def test_the_bench_memory_growth_survives_recycled_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Workers are replaced every N cases: the growth figure may not depend on one pid."""
    bench = _load_bench(monkeypatch)
    mb = 2**20
    memory = {
        "peak": {1: 170 * mb, 2: 168 * mb, 9: 175 * mb},
        "at": {50: {1: 162 * mb, 2: 160 * mb}, 500: {9: 159 * mb, 10: 158 * mb}},
    }
    peak, growth = bench.memory_rows(memory, 50, 500)
    assert peak.measured == "175 MB" and peak.met
    assert growth.measured == "-1.9 %" and growth.met
    memory["at"][500] = {9: 180 * mb}
    assert bench.memory_rows(memory, 50, 500)[1].met is False  # +11.1 %
