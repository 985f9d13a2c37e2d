"""cpcdocs: one case file in, the complete and correctly redacted conference pack out.

The pipeline reads top to bottom, one module per stage: load → model → timeline → checks →
plan → views → render → audit → publish → batch. ``cli.py`` is a thin layer over the plain
functions exported here.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
