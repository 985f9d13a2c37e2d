"""The only place cpcdocs touches another library's private names.

Each module here wraps what one library does not promise to keep (a private method we
override, a private attribute we read, a private module we import) behind a small function,
and knows the range of that library's versions the wrapper was tested with (:class:`Gate`).
Outside that range, or when the private thing is gone, the wrapper warns once, loudly
(:class:`CompatWarning`, a ``RuntimeWarning``), and takes its safe fallback: a memory fix not
installed, a plainer signature stamp, a slower but public code path. Nothing outside
``cpcdocs/_compat/`` may use a private name of another library (a test greps for them).

=============  ==========================================================================
module          wraps
=============  ==========================================================================
weasyprint      the font-name leak fix (``weasyprint.pdf.fonts``), HarfBuzz detection
                (``weasyprint.text.ffi``), the URL fetcher base class
pyhanko         ``IncrementalPdfFileWriter._update_meta``, ``BaseStamp._render_inner_content``
docxtpl         ``DocxTemplate.init_docx``/``patch_xml``/``resolve_listing`` overrides,
                ``pre_processing``, ``current_rendering_part``
docx            python-docx's ``_element`` of its proxies, ``_Body``, ``_styles_part``,
                ``_ContentTypesItem``, ``docx.oxml``
futures         ``ProcessPoolExecutor._processes`` (killing a broken pool's workers)
=============  ==========================================================================
"""

from __future__ import annotations

import importlib.metadata
import platform
import threading
import warnings

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

__all__ = ["CompatWarning", "Gate"]


class CompatWarning(RuntimeWarning):
    """A library is outside its tested range, or a private name cpcdocs relies on is gone."""


class Gate:
    """One library's tested version range, and the once-only warnings when it does not hold.

    Args:
        library: the name people know it by, for messages ("WeasyPrint").
        distribution: its distribution name for :mod:`importlib.metadata`, or ``"python"``
            for the interpreter itself (the standard library's private names).
        tested: the versions the wrappers were tested with; ``pyproject.toml`` pins the same.
    """

    def __init__(self, library: str, distribution: str, tested: str) -> None:
        self.library = library
        self.distribution = distribution
        self.tested = SpecifierSet(tested)
        self._warned: set[str] = set()
        self._lock = threading.Lock()
        #: The installed version, read once (``importlib.metadata`` scans the path each time).
        self._version: tuple[str | None] | None = None
        #: The last version judged, and the verdict: wrappers ask on every call.
        self._verdict: tuple[str | None, bool] | None = None

    def installed(self) -> str | None:
        """The installed version's string, or None when the library is not installed."""
        if self._version is None:
            if self.distribution == "python":
                self._version = (platform.python_version(),)
            else:
                try:
                    self._version = (importlib.metadata.version(self.distribution),)
                except importlib.metadata.PackageNotFoundError:
                    self._version = (None,)
        return self._version[0]

    def in_range(self) -> bool:
        """Whether the installed version is one the wrappers were tested with (no warning)."""
        found = self.installed()
        if self._verdict is not None and self._verdict[0] == found:
            return self._verdict[1]
        try:
            verdict = found is not None and Version(found) in self.tested
        except InvalidVersion:
            verdict = False
        self._verdict = (found, verdict)
        return verdict

    def supported(self, uses: str) -> bool:
        """True when tested; else warn once that ``uses`` (the private thing) is not relied on.

        ``uses`` says what the caller was about to do, so the warning tells a user what they
        lose ("the font-name leak fix is not installed").
        """
        if self.in_range():
            return True
        self.warn(
            f"{self.library} {self.installed() or '(not installed)'} is outside the range "
            f"cpcdocs is tested with ({self.distribution}{self.tested}): {uses}. Install the "
            "versions in requirements.lock."
        )
        return False

    def missing(self, name: str, fallback: str) -> None:
        """Warn once that the private ``name`` is gone from this version, and what we do instead."""
        self.warn(
            f"{self.library} {self.installed() or '(not installed)'} has no {name}, which "
            f"cpcdocs relies on: {fallback}. Install the versions in requirements.lock."
        )

    def warn(self, message: str) -> None:
        """A :class:`CompatWarning` with this message, the first time it is said in the process."""
        with self._lock:
            if message in self._warned:
                return
            self._warned.add(message)
        warnings.warn(message, CompatWarning, stacklevel=3)

    def reset(self) -> None:
        """Forget which warnings were given (tests, and a long-lived process after an upgrade)."""
        with self._lock:
            self._warned.clear()
