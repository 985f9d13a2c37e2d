"""Third-party internals, walled off in ``cpcdocs/_compat``: tested versions and fallbacks.

For each library whose private names cpcdocs uses: a test that fails when the installed
version is outside the range the wrappers were tested with (so CI notices an untested
upgrade before a user does), a test that a faked untested version warns and takes the safe
fallback, and one that a vanished private name does the same. Then a grep: nothing outside
``cpcdocs/_compat/`` touches those names. And the memory bound that does not depend on any of
it: batch workers are recycled.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from cpcdocs._compat import CompatWarning, Gate
from cpcdocs._compat import docx as docx_compat
from cpcdocs._compat import docxtpl as docxtpl_compat
from cpcdocs._compat import futures as futures_compat
from cpcdocs._compat import pyhanko as pyhanko_compat
from cpcdocs._compat import weasyprint as weasyprint_compat

ROOT = Path(__file__).resolve().parent.parent
GATES = {
    "weasyprint": weasyprint_compat.GATE,
    "pyhanko": pyhanko_compat.GATE,
    "docxtpl": docxtpl_compat.GATE,
    "docx": docx_compat.GATE,
    "futures": futures_compat.GATE,
}


@pytest.fixture(autouse=True)
def _fresh_warnings() -> Iterator[None]:
    """Each test sees each warning afresh (a gate says each thing once per process)."""
    for gate in GATES.values():
        gate.reset()
    yield
    for gate in GATES.values():
        gate.reset()


def untested(monkeypatch: pytest.MonkeyPatch, gate: Gate) -> None:
    """Pretend the library is a version no test has seen."""
    monkeypatch.setattr(gate, "installed", lambda: "999.0")


# -- the installed versions are the tested ones ---------------------------------------------------


@pytest.mark.parametrize("name", sorted(GATES))
def test_the_installed_version_is_in_the_tested_range(name: str) -> None:
    """Fails on an untested upgrade: test the wrappers, then widen the range and the lock."""
    gate = GATES[name]
    assert gate.in_range(), (
        f"{gate.library} {gate.installed()} is outside {gate.tested}: check what "
        f"cpcdocs/_compat/{name}.py relies on still holds, then update the range there, in "
        "pyproject.toml and requirements.lock"
    )


@pytest.mark.parametrize(
    "name", sorted(n for n, gate in GATES.items() if gate.distribution != "python")
)
def test_the_tested_range_matches_the_lock_file(name: str) -> None:
    """The lock installs a version inside every library gate's range (or the suite warns)."""
    gate = GATES[name]
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = re.search(rf"(?im)^{re.escape(gate.distribution)}==(\S+)", lock)
    assert pinned, f"{gate.distribution} is not pinned in requirements.lock"
    assert pinned.group(1) in gate.tested


def test_every_dependency_has_an_upper_bound_and_a_pin_inside_its_range() -> None:
    """pyproject.toml's ranges and requirements.lock agree; a new dependency needs both."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = [*project["dependencies"]]
    for extra in ("dev", "dask"):
        lines.extend(project["optional-dependencies"][extra])
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins = {
        canonicalize_name(name): version
        for name, version in re.findall(r"(?m)^([A-Za-z0-9_.-]+)==(\S+)$", lock)
    }
    assert "cpcdocs" not in pins
    problems = []
    for line in lines:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if not any(spec.operator in ("<", "<=", "==", "~=") for spec in requirement.specifier):
            problems.append(f"{line}: no upper bound")
        if name not in pins:
            problems.append(f"{line}: not in requirements.lock (run tools/make_lock.py)")
        elif pins[name] not in requirement.specifier:
            problems.append(f"{line}: the lock pins {pins[name]}")
    assert not problems, "\n".join(problems)


def test_a_gate_warns_once_and_says_what_is_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate("Example", "pytest", ">=1,<2")
    with pytest.warns(CompatWarning, match=r"Example .* outside .*: the thing is off"):
        assert not gate.supported("the thing is off")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not gate.supported("the thing is off")  # said once
    assert issubclass(CompatWarning, RuntimeWarning)
    assert not Gate("Missing", "no-such-distribution-cpcdocs", ">=1").in_range()


# -- WeasyPrint -----------------------------------------------------------------------------------

_FAKE_VERSION = """
import importlib.metadata as metadata
real = metadata.version
metadata.version = lambda name: {version!r} if name.lower() == "weasyprint" else real(name)
import warnings
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    from cpcdocs._compat import weasyprint as compat
    from weasyprint.pdf import fonts
    original = fonts.pango
    installed = compat.install_font_name_fix()
from cpcdocs._compat import CompatWarning
print(installed, fonts.pango is original,
      [str(w.message) for w in caught if issubclass(w.category, CompatWarning)])
"""


def _font_fix_in_a_fresh_process(version: str) -> str:
    code = _FAKE_VERSION.format(version=version)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout


def test_the_font_name_fix_is_installed_on_the_tested_weasyprint() -> None:
    out = _font_fix_in_a_fresh_process(weasyprint_compat.GATE.installed() or "")
    assert out.startswith("True False []"), out


def test_the_font_name_fix_is_not_installed_on_an_untested_weasyprint() -> None:
    """Never a double free: on a version nobody has checked, WeasyPrint is left alone."""
    out = _font_fix_in_a_fresh_process("71.0")
    assert out.startswith("False True"), out
    assert "WeasyPrint 71.0 is outside" in out
    assert "font-name leak fix is not installed" in out


def test_harfbuzz_is_looked_for_by_name_when_weasyprint_is_untested(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    untested(monkeypatch, weasyprint_compat.GATE)
    with pytest.warns(CompatWarning, match="looked for by name"):
        found = weasyprint_compat.harfbuzz_subset_loaded()
    import ctypes.util

    assert found == (ctypes.util.find_library("harfbuzz-subset") is not None)


def test_harfbuzz_is_looked_for_by_name_when_weasyprints_ffi_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import weasyprint.text

    monkeypatch.setitem(sys.modules, "weasyprint.text.ffi", None)
    monkeypatch.delattr(weasyprint.text, "ffi", raising=False)
    with pytest.warns(CompatWarning, match=r"has no weasyprint\.text\.ffi"):
        weasyprint_compat.harfbuzz_subset_loaded()


# -- pyHanko --------------------------------------------------------------------------------------


def _unsigned_pdf() -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_the_metadata_keeping_writer_on_the_tested_pyhanko() -> None:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    with warnings.catch_warnings():
        warnings.simplefilter("error", CompatWarning)
        writer = pyhanko_compat.metadata_keeping_writer(_unsigned_pdf())
    assert type(writer) is not IncrementalPdfFileWriter
    assert type(writer)._update_meta is not IncrementalPdfFileWriter._update_meta


def test_an_untested_pyhanko_gets_the_plain_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    untested(monkeypatch, pyhanko_compat.GATE)
    with pytest.warns(CompatWarning, match="pyHanko 999.0 is outside"):
        writer = pyhanko_compat.metadata_keeping_writer(_unsigned_pdf())
    assert type(writer) is IncrementalPdfFileWriter


def test_a_pyhanko_without_update_meta_gets_the_plain_writer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    for owner in IncrementalPdfFileWriter.__mro__:
        if "_update_meta" in vars(owner):
            monkeypatch.delattr(owner, "_update_meta")
    with pytest.warns(CompatWarning, match="_update_meta"):
        writer = pyhanko_compat.metadata_keeping_writer(_unsigned_pdf())
    assert type(writer) is IncrementalPdfFileWriter


def test_an_untested_pyhanko_gets_its_own_text_stamp(monkeypatch: pytest.MonkeyPatch) -> None:
    from pyhanko.stamp import TextStampStyle

    def draw(width: float, height: float, params: object) -> list[bytes]:
        raise AssertionError("not drawn by us on an untested pyHanko")

    text = "Signed by %(signer_cn)s"
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompatWarning)
        ours = pyhanko_compat.outline_stamp_style(draw, text, border_width=1)
    assert type(ours) is not TextStampStyle
    untested(monkeypatch, pyhanko_compat.GATE)
    with pytest.warns(CompatWarning, match="plain text stamp"):
        plain = pyhanko_compat.outline_stamp_style(draw, text, border_width=1)
    assert type(plain) is TextStampStyle
    assert plain.stamp_text == text


def test_a_pyhanko_without_render_inner_content_gets_its_own_text_stamp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pyhanko.stamp import TextStampStyle
    from pyhanko.stamp.base import BaseStamp

    monkeypatch.delattr(BaseStamp, "_render_inner_content")
    with pytest.warns(CompatWarning, match="BaseStamp._render_inner_content"):
        style = pyhanko_compat.outline_stamp_style(lambda w, h, p: [], "%(ts)s")
    assert type(style) is TextStampStyle


# -- docxtpl and python-docx ----------------------------------------------------------------------


def _fresh(data: bytes, share: bool) -> object:
    import docx

    return docx.Document(io.BytesIO(data))


def test_the_cached_template_class_on_the_tested_docxtpl() -> None:
    from docxtpl import DocxTemplate

    with warnings.catch_warnings():
        warnings.simplefilter("error", CompatWarning)
        cls = docxtpl_compat.template_class(_fresh)
    assert issubclass(cls, DocxTemplate)
    assert cls.patch_xml is not DocxTemplate.patch_xml
    assert cls.init_docx is not DocxTemplate.init_docx


def test_an_untested_docxtpl_gets_the_plain_template(monkeypatch: pytest.MonkeyPatch) -> None:
    from docxtpl import DocxTemplate

    untested(monkeypatch, docxtpl_compat.GATE)
    with pytest.warns(CompatWarning, match="parsed and patched afresh"):
        cls = docxtpl_compat.template_class(_fresh)
    assert cls.patch_xml is DocxTemplate.patch_xml
    assert cls.init_docx is DocxTemplate.init_docx
    assert cls.resolve_listing is DocxTemplate.resolve_listing


def test_a_docxtpl_without_patch_xml_gets_the_plain_template(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from docxtpl import DocxTemplate

    monkeypatch.delattr(DocxTemplate, "patch_xml")
    with pytest.warns(CompatWarning, match=r"DocxTemplate\.patch_xml"):
        cls = docxtpl_compat.template_class(_fresh)
    assert "patch_xml" not in vars(cls)


def _document_members() -> tuple[object, dict[str, bytes]]:
    import docx

    document = docx.Document()
    document.add_paragraph("Fictional: Northmoor Borough Council")
    stream = io.BytesIO()
    document.save(stream)
    import zipfile

    with zipfile.ZipFile(stream) as saved:
        members = {name: saved.read(name) for name in saved.namelist()}
    return document, members


def test_package_members_are_what_python_docx_saves() -> None:
    document, saved = _document_members()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompatWarning)
        gathered = docx_compat.package_members(document.part.package)  # type: ignore[attr-defined]
    assert gathered == saved


def test_an_untested_python_docx_saves_and_reads_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback is slower, not different: the same members, byte for byte."""
    document, saved = _document_members()
    untested(monkeypatch, docx_compat.GATE)
    with pytest.warns(CompatWarning, match="python-docx 999.0 is outside"):
        gathered = docx_compat.package_members(document.part.package)  # type: ignore[attr-defined]
    assert gathered == saved
    with pytest.warns(CompatWarning, match="share their template's styles part"):
        assert docx_compat.styles_part(document) is None  # no sharing on an untested version


def test_a_python_docx_without_its_content_types_writer_saves_and_reads_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    document, saved = _document_members()
    # As if python-docx had renamed it: its own save still works, our private use does not.
    monkeypatch.setattr(docx_compat, "CONTENT_TYPES_WRITER", "_RenamedContentTypesItem")
    with pytest.warns(CompatWarning, match="_RenamedContentTypesItem"):
        gathered = docx_compat.package_members(document.part.package)  # type: ignore[attr-defined]
    assert gathered == saved


def test_the_xml_behind_python_docx_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    import docx

    document = docx.Document()
    paragraph = document.add_paragraph("x")
    assert docx_compat.element(paragraph).tag == docx_compat.qn("w:p")
    assert docx_compat.styles_part(document) is not None

    class Proxy:
        pass

    with pytest.warns(CompatWarning, match=r"Proxy\._element"), pytest.raises(AttributeError):
        docx_compat.element(Proxy())


# -- concurrent.futures ---------------------------------------------------------------------------


def test_kill_workers_needs_the_executors_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    class Executor:
        pass

    with pytest.warns(CompatWarning, match=r"ProcessPoolExecutor\._processes"):
        assert futures_compat.kill_workers(Executor()) == 0
    untested(monkeypatch, futures_compat.GATE)
    with pytest.warns(CompatWarning, match="left to finish rather than killed"):
        assert futures_compat.kill_workers(Executor()) == 0


# -- nothing outside _compat touches them ---------------------------------------------------------

#: What cpcdocs may only do inside cpcdocs/_compat/: each pattern names a private thing of
#: another library that was used before the wall went up.
FORBIDDEN = {
    "ProcessPoolExecutor._processes": r"\b_processes\b",
    "pyHanko's _update_meta": r"\b_update_meta\b",
    "pyHanko's _render_inner_content": r"\b_render_inner_content\b",
    "docxtpl's init_docx": r"\binit_docx\b",
    "docxtpl's patch_xml": r"\bdef patch_xml\b",
    "docxtpl's resolve_listing": r"\bdef resolve_listing\b",
    "docxtpl's pre_processing": r"\.pre_processing\(",
    "docxtpl's current_rendering_part": r"\bcurrent_rendering_part\b",
    "python-docx's oxml": r"\bdocx\.oxml\b",
    "python-docx private modules": r"\bfrom docx\.[\w.]+ import _",
    "python-docx's _styles_part": r"\._styles_part\b",
    "python-docx's element attributes": r"(?<!self)\.(_p|_r|_tbl|_tr|_tc|_element)\b",
    "WeasyPrint's pdf modules": r"\bweasyprint\.pdf\b",
    "WeasyPrint's ffi": r"\bweasyprint\.text\.ffi\b|from weasyprint\.text import ffi",
    "WeasyPrint's URLFetcher": r"\bURLFetcher\b|FatalURLFetchingError",
    "another library's private name": (
        r"\b(?:weasyprint|pyhanko|pyhanko_certvalidator|docx|docxtpl|pypdfium2|pikepdf)"
        r"(?:\.\w+)*\._\w"
    ),
}


def _violations(text: str) -> list[str]:
    found = []
    for what, pattern in FORBIDDEN.items():
        for line_number, line in enumerate(text.splitlines(), 1):
            code = line.split("#", 1)[0]
            if re.search(pattern, code):
                found.append(f"{line_number}: {what}: {line.strip()}")
    return found


def test_nothing_outside_compat_touches_a_private_name_of_another_library() -> None:
    offenders = []
    for path in sorted((ROOT / "cpcdocs").rglob("*.py")):
        if "_compat" in path.relative_to(ROOT / "cpcdocs").parts:
            continue
        for problem in _violations(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ROOT)}:{problem}")
    assert not offenders, "\n".join(offenders)


def test_the_private_name_grep_finds_what_it_is_for() -> None:
    """The grep above cannot pass by matching nothing: it catches the old code."""
    old = textwrap.dedent(
        """
        processes = getattr(self._executor, "_processes", None) or {}
        def _update_meta(self) -> None:
        tpl.init_docx()
        styles = pristine.part._styles_part
        self._pieces.append(paragraph._p)
        from docx.document import _Body
        from docx.oxml import parse_xml
        from weasyprint.pdf import fonts
        from weasyprint.text import ffi
        class LocalFetcher(weasyprint.URLFetcher):
        root = rel.target_part._element
        """
    )
    assert len(_violations(old)) >= 11
    assert not _violations("self._element = parse_xml(xml)\nf(self._element, self)\n")


# -- worker recycling -----------------------------------------------------------------------------


def _pid(_: object) -> int:
    return os.getpid()


@pytest.mark.parametrize("jobs", [1, 2])
def test_batch_workers_are_replaced_after_n_cases(jobs: int) -> None:
    """The memory bound that needs no library fix: no worker handles more than N cases."""
    from cpcdocs.batch import _Pool

    pids: dict[int, int] = {}
    pool = _Pool(jobs, recycle_after=2)
    try:
        pool.run(_pid, list(range(5)), pids.__setitem__, lambda i: -1)
    finally:
        pool.close()
    assert sorted(pids) == [0, 1, 2, 3, 4]
    counts = {pid: list(pids.values()).count(pid) for pid in set(pids.values())}
    assert len(counts) > 1
    assert max(counts.values()) <= 2
    assert os.getpid() not in counts


def test_recycling_does_not_change_what_a_pool_returns() -> None:
    from cpcdocs.batch import _Pool

    results: dict[int, int] = {}
    pool = _Pool(2, recycle_after=3)
    try:
        pool.run(abs, [-n for n in range(12)], results.__setitem__, lambda i: -1)
    finally:
        pool.close()
    assert results == {n: n for n in range(12)}


def _stream_ids(_: object) -> tuple[int, int]:
    print("a warning from a recycled worker", file=sys.stderr)
    return id(sys.stdout), id(sys.stderr)


def test_a_forked_worker_writes_through_streams_of_its_own() -> None:
    """A worker forked while the progress bar's thread held stderr's lock must not wait on it."""
    from cpcdocs.batch import _Pool

    inherited = (id(sys.stdout), id(sys.stderr))
    results: dict[int, tuple[int, int]] = {}
    pool = _Pool(1, recycle_after=1)
    try:
        pool.run(_stream_ids, [0, 1], results.__setitem__, lambda i: (0, 0))
    finally:
        pool.close()
    for stdout_id, stderr_id in results.values():
        if sys.stderr.__class__.__name__ != "CaptureIO":  # no descriptor to duplicate
            assert stderr_id != inherited[1]
        assert stdout_id != 0
