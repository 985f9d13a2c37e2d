"""WeasyPrint's internals: the font-name leak fix, HarfBuzz detection, the URL fetcher base.

Tested with WeasyPrint 70 (:data:`GATE`). WeasyPrint changes its internals from one major
version to the next, so each wrapper checks the version first and, outside the range, does
the safe thing: the leak fix is not installed (a leak is better than a double free), and
HarfBuzz-subset is looked for by its library name instead.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import inspect
from collections.abc import Callable
from typing import Any

from . import Gate

__all__ = [
    "GATE",
    "font_name_leaks",
    "harfbuzz_subset_loaded",
    "install_font_name_fix",
    "url_fetcher",
]

GATE = Gate("WeasyPrint", "weasyprint", ">=70,<71")

_installed = False
#: glib (for ``g_free``) and WeasyPrint's cffi instance, once the fix is installed.
_glib: Any = None
_ffi: Any = None


def install_font_name_fix() -> bool:
    """Make WeasyPrint free the font name it asks Pango for; True when that is in place.

    For each font of each PDF, WeasyPrint's ``pdf.fonts.Font`` copies the string
    ``pango_font_description_to_string`` returns and never frees it (Pango hands the caller
    that string to ``g_free``): 2.9 KB a PDF, kept for good by a batch worker. The wrapper
    gives the returned pointer to ``g_free`` once WeasyPrint has copied it.

    Installed only on a tested WeasyPrint whose ``Font`` source still has the leak
    (:func:`font_name_leaks`): a WeasyPrint that frees the string itself must not have it
    freed twice. On any other version nothing is patched (with a warning); batch workers are
    recycled anyway (:mod:`cpcdocs.batch`), which bounds the leak. The PDFs are byte-identical
    either way.
    """
    global _installed, _glib, _ffi
    if _installed:
        return True
    if not GATE.supported("the font-name leak fix is not installed"):
        return False
    try:
        from weasyprint.pdf import fonts
        from weasyprint.text.ffi import ffi

        source = inspect.getsource(fonts.Font)
        pango = fonts.pango
    except (ImportError, AttributeError, OSError, TypeError):
        GATE.missing("weasyprint.pdf.fonts.Font (with its source)", "the leak fix is not installed")
        return False
    if not font_name_leaks(source):
        return False  # fixed upstream (or changed): nothing to do, and nothing to free twice
    _glib = ctypes.CDLL(ctypes.util.find_library("glib-2.0") or "libglib-2.0.so.0")
    _glib.g_free.argtypes = [ctypes.c_void_p]
    _glib.g_free.restype = None
    _ffi = ffi

    class FreeingPango:
        """Pango as ``pdf.fonts`` sees it: every call as before, names freed after use."""

        def __getattr__(self, name: str) -> Any:
            return getattr(pango, name)

        @staticmethod
        def pango_font_description_to_string(description: Any) -> Any:
            return ffi.gc(pango.pango_font_description_to_string(description), _g_free)

    fonts.pango = FreeingPango()
    _installed = True
    return True


def font_name_leaks(source: str) -> bool:
    """Whether this source of WeasyPrint's ``Font`` copies Pango's font name without freeing it."""
    copies = "ffi.string(\n            pango.pango_font_description_to_string(" in source
    return copies and "g_free" not in source


def _g_free(pointer: Any) -> None:
    _glib.g_free(int(_ffi.cast("uintptr_t", pointer)))


def harfbuzz_subset_loaded() -> bool:
    """Whether WeasyPrint will subset with HarfBuzz (libharfbuzz-subset, 4.1 or later).

    WeasyPrint's cffi module says whether it loaded the library; outside the tested range (or
    where that module moved) the library is looked for by name instead.
    """
    by_name = ctypes.util.find_library("harfbuzz-subset") is not None
    if not GATE.supported("libharfbuzz-subset is looked for by name"):
        return by_name
    try:
        from weasyprint.text import ffi
    except ImportError:
        GATE.missing("weasyprint.text.ffi", "libharfbuzz-subset is looked for by name")
        return by_name
    if getattr(ffi, "harfbuzz_subset", None) is None:
        return False
    return bool(ffi.harfbuzz.hb_version_atleast(4, 1, 0))


class FetchRefused(Exception):
    """Raised by :func:`url_fetcher`'s ``check`` to refuse a URL; stops the render."""


def url_fetcher(
    check: Callable[[str], tuple[str, bytes, str] | None],
) -> tuple[Any, type[BaseException]]:
    """A WeasyPrint URL fetcher for ``file:`` and ``data:`` URLs, and the error that stops it.

    ``check(url)`` decides: it returns ``(url, body, mime type)`` to serve those bytes (the
    URL is where WeasyPrint may read the file again, so give the resolved one), None to let
    WeasyPrint fetch the URL itself (``data:``), or raises :class:`FetchRefused`. A refusal
    leaves WeasyPrint as the returned exception type, which derives from WeasyPrint's
    ``FatalURLFetchingError``: any other exception WeasyPrint turns into a logged warning
    and a missing picture, which would hide the refusal. Catch the returned type around
    WeasyPrint calls and turn it into the caller's own error.

    Built on WeasyPrint's public ``URLFetcher`` class (``fetch`` overridden, as its
    documentation says), new in WeasyPrint 68.
    """
    from weasyprint import URLFetcher
    from weasyprint.urls import FatalURLFetchingError, URLFetcherResponse

    class Refused(FatalURLFetchingError):  # type: ignore[misc]
        """A URL cpcdocs will not let a document embed; ``args[0]`` says why."""

    class CheckedFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            try:
                served = check(url)
            except FetchRefused as err:
                raise Refused(str(err)) from None
            if served is None:
                return super().fetch(url, headers)
            where, body, mime = served
            return URLFetcherResponse(where, body, {"Content-Type": mime})

    return CheckedFetcher(allowed_protocols={"file", "data"}), Refused
