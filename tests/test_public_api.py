"""The package's public API: the plain functions the CLI is thin over, importable from the top."""

from __future__ import annotations

import subprocess
import sys

import pytest

import cpcdocs


@pytest.mark.parametrize("name", [n for n in cpcdocs.__all__ if n != "__version__"])
def test_every_public_name_resolves_to_its_stage(name: str) -> None:
    value = getattr(cpcdocs, name)
    assert value.__module__.startswith("cpcdocs."), name


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'render_everything'"):
        _ = cpcdocs.render_everything  # type: ignore[attr-defined]


def test_importing_cpcdocs_does_not_load_the_renderers() -> None:
    code = "import sys, cpcdocs; print('weasyprint' in sys.modules, 'docxtpl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_every_export_is_listed() -> None:
    assert set(cpcdocs.__all__) == {"__version__", *cpcdocs._EXPORTS}


def test_the_version_is_the_packages() -> None:
    from importlib.metadata import version

    assert cpcdocs.__version__ == version("cpcdocs")
