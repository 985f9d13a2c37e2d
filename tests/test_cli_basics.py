"""The command itself: version, help with examples for every command, the real entry point."""

from __future__ import annotations

import tomllib

import click
import pytest
from conftest import EXAMPLE, ROOT, run_cli, run_subprocess

from cpcdocs import __version__
from cpcdocs.cli import cli


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[str]:
    """Every command line, sub-commands of groups included (``templates check``)."""
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append(" ".join((*prefix, name)))
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, (*prefix, name)))
    return paths


COMMANDS = command_paths(cli)


def test_version_matches_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert __version__ == project["version"]
    status, out, err = run_cli("--version")
    assert (status, err) == (0, "")
    assert out.strip() == f"cpcdocs, version {__version__}"


def test_the_core_commands_exist() -> None:
    assert {"validate", "schema", "init"} <= set(COMMANDS)


def test_top_level_help_has_examples_and_exit_statuses() -> None:
    status, out, err = run_cli("--help")
    assert (status, err) == (0, "")
    assert "Examples:" in out
    assert "Exit statuses:" in out
    for code in range(5):
        assert f"  {code}  " in out, code
    for command in cli.commands:
        assert command in out, command


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_has_an_example(command: str) -> None:
    status, out, err = run_cli(*command.split(), "--help")
    assert (status, err) == (0, "")
    assert out.startswith(f"Usage: cpcdocs {command} ")
    assert "Example" in out
    assert "cpcdocs " in out.split("Example", 1)[1], "the example shows a command line"


def test_short_help_option() -> None:
    assert run_cli("-h")[1] == run_cli("--help")[1]


def test_unknown_command_is_invalid_input() -> None:
    status, out, err = run_cli("valdiate", str(EXAMPLE))
    assert status == 2
    assert out == ""
    assert "No such command 'valdiate'" in err
    assert "Traceback" not in err


def test_python_m_cpcdocs_validates_the_example(tmp_path: object) -> None:
    status, out, err = run_subprocess("validate", EXAMPLE, cwd=tmp_path)
    assert (status, err) == (0, "")
    assert out.strip() == f"{EXAMPLE}: ok (NM-2026-0412, initial conference)"


def test_python_m_cpcdocs_exit_status_for_invalid_input(tmp_path: object) -> None:
    bad = ROOT / "tests" / "cases" / "invalid-bad-time" / "case.yaml"
    status, out, err = run_subprocess("validate", bad, cwd=tmp_path)
    assert status == 2
    assert out == ""
    assert err.startswith(f"{bad}:")
    assert "Traceback" not in err
