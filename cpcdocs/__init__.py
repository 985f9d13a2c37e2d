"""cpcdocs: one case file in, the complete and correctly redacted conference pack out.

The pipeline reads top to bottom, one module per stage: load → model → timeline → checks →
plan → views → render → audit → publish → batch. ``cli.py`` is a thin layer over the plain
functions exported here: ``from cpcdocs import load_case, plan_pack, render_pack`` is the
supported way to use cpcdocs from Python. They are imported on first use, so ``cpcdocs
--help`` does not pay for WeasyPrint.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

#: The public API: name -> the module that defines it.
_EXPORTS = {
    "load_case": "load",
    "load_authority": "load",
    "resolve_authority": "load",
    "plan_pack": "plan",
    "render_pack": "pack",
    "RenderOptions": "selection",
    "PackResult": "pack",
    "audit_pack": "audit",
    "AuditReport": "audit",
    "render_batch": "batch",
    "BatchOptions": "batch",
    "run_checks": "checks",
    "Case": "model",
    "Authority": "authority",
    "Stage": "kinds",
    "DocumentKind": "kinds",
    "Profile": "rules",
    "CpcdocsError": "errors",
    "ExitStatus": "errors",
    "InvalidInput": "errors",
    "LeakFound": "errors",
    "RenderError": "errors",
}

__all__ = [
    "AuditReport",
    "Authority",
    "BatchOptions",
    "Case",
    "CpcdocsError",
    "DocumentKind",
    "ExitStatus",
    "InvalidInput",
    "LeakFound",
    "PackResult",
    "Profile",
    "RenderError",
    "RenderOptions",
    "Stage",
    "__version__",
    "audit_pack",
    "load_authority",
    "load_case",
    "plan_pack",
    "render_batch",
    "render_pack",
    "resolve_authority",
    "run_checks",
]

if TYPE_CHECKING:
    from .audit import AuditReport, audit_pack
    from .authority import Authority
    from .batch import BatchOptions, render_batch
    from .checks import run_checks
    from .errors import CpcdocsError, ExitStatus, InvalidInput, LeakFound, RenderError
    from .kinds import DocumentKind, Stage
    from .load import load_authority, load_case, resolve_authority
    from .model import Case
    from .pack import PackResult, render_pack
    from .plan import plan_pack
    from .rules import Profile
    from .selection import RenderOptions


def __getattr__(name: str) -> Any:
    """The public API, imported from its stage's module when first asked for."""
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'cpcdocs' has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(import_module(f".{module}", __name__), name)
