"""The ``cpcdocs`` command: parse options, call one library function, print.

Every command is a few lines over a plain function elsewhere in the package. Errors are caught
in exactly one place (:func:`main`): a :class:`~cpcdocs.errors.CpcdocsError` prints its lines
on stderr and exits with its status; ``--debug`` lets the traceback through instead.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import CpcdocsError, ExitStatus, InvalidInput

__all__ = ["cli", "main"]

EXIT_STATUSES = """\b
Exit statuses:
  0  success
  1  the command ran and found problems (check findings at error level, failed cases)
  2  the input is invalid (file:line:column: field: message)
  3  a leak was found: nothing was published
  4  a rendering or template error
"""


class _Group(click.Group):
    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_paragraph()
        for line in EXIT_STATUSES.splitlines():
            formatter.write_text(line)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="cpcdocs")
@click.option("--debug", is_flag=True, help="Show a Python traceback on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn a child protection conference case file into its redacted document pack.

    \b
    Examples:
      cpcdocs validate case.yaml
      cpcdocs timeline case.yaml
      cpcdocs render case.yaml -o out/
    """
    ctx.obj = {"debug": debug}


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: the one place errors become exit statuses."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        status = cli.main(args=args, prog_name="cpcdocs", standalone_mode=False)
    except CpcdocsError as err:
        if debug:
            raise
        for line in err.lines():
            click.echo(f"cpcdocs: {line}" if not _located(line) else line, err=True)
        sys.exit(int(err.exit_status))
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as err:
        err.show()
        sys.exit(ExitStatus.INVALID_INPUT if err.exit_code == 2 else err.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted: nothing was published.", err=True)
        sys.exit(130)
    sys.exit(int(status or 0))


def _located(line: str) -> bool:
    """Located problems (FILE:LINE:COL: ...) are printed bare so editors can jump to them."""
    head = line.split(": ", 1)[0]
    parts = head.rsplit(":", 2)
    return len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit()


def _each_case(paths: tuple[str, ...], action: Callable[[str], Any]) -> list[Any]:
    """Run ``action`` on every case file, collecting every file's problems before failing."""
    problems = []
    results = []
    for path in paths:
        try:
            results.append(action(path))
        except InvalidInput as err:
            problems.extend(err.problems)
    if problems:
        raise InvalidInput(problems)
    return results


# -- validate, schema, init -----------------------------------------------------------------------


@cli.command()
@click.argument("cases", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--authority", type=click.Path(dir_okay=False), help="Authority profile file.")
def validate(cases: tuple[str, ...], authority: str | None) -> int:
    """Check case files against the case format and report every problem.

    Each problem is one line: FILE:LINE:COL: field.path: message. The authority profile each
    case names is checked too.

    \b
    Examples:
      cpcdocs validate case.yaml
      cpcdocs validate samples/*.yaml
    """
    from .load import load_case, resolve_authority

    def one(path: str) -> str:
        case = load_case(path)
        resolve_authority(case, authority, case_file=path)
        return f"{path}: ok ({case.case.reference}, {case.conference.type.value} conference)"

    for line in _each_case(cases, one):
        click.echo(line)
    return 0


@cli.command()
@click.option("--authority", "which", flag_value="authority", help="Print the authority schema.")
@click.option("--case", "which", flag_value="case", default=True, help="Print the case schema.")
def schema(which: str) -> int:
    """Print the JSON Schema of the case file (or the authority profile).

    Point your editor at it for completion and checking as you type:

    \b
      cpcdocs schema > cpcdocs-case.schema.json
      # first line of case.yaml:
      # yaml-language-server: $schema=./cpcdocs-case.schema.json
    """
    from .schema import authority_schema, case_schema

    click.echo(json.dumps(case_schema() if which == "case" else authority_schema(), indent=2))
    return 0


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--reference", default="NM-2027-0001", show_default=True, help="Case reference.")
def init(directory: str, reference: str) -> int:
    """Start a new case folder: an authority profile and a blank pre-conference case.

    The case validates as written; replace its example values with the real ones.

    \b
    Example:
      cpcdocs init my-case && cpcdocs validate my-case/case.yaml
    """
    from .scaffold import scaffold

    for path in scaffold(Path(directory), reference=reference):
        click.echo(f"wrote {path}")
    return 0
