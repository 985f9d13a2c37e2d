"""The ``cpcdocs`` command group, its one error handler, and what its commands share.

Errors are caught in exactly one place (:func:`main`): a :class:`~cpcdocs.errors.CpcdocsError`
prints its lines on stderr and exits with its status; ``--debug`` lets the traceback through
instead. The options and parsers several commands use (``--authority``, ``--templates``,
``--sign-key``/``--tsa``, dates, comma lists) are declared here once, so their wording cannot
drift apart. The commands are in :mod:`cpcdocs.cli.case_commands` and
:mod:`cpcdocs.cli.pack_commands`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import click

from .. import __version__
from ..errors import CpcdocsError, ExitStatus, InvalidInput

__all__ = [
    "TODAY",
    "authority_option",
    "case_and_authority",
    "cli",
    "each_case",
    "issue_date_option",
    "jobs_option",
    "main",
    "output_option",
    "parse_date",
    "sign_config",
    "sign_options",
    "split_csv",
    "templates_option",
    "today_option",
]

EXIT_STATUSES = """\b
Exit statuses:
  0  success
  1  the command ran and found problems (check findings at error level, failed cases)
  2  the input is invalid (file:line:column: field: message)
  3  a leak was found: nothing was published
  4  a rendering or template error, or the output folder cannot be written
"""


_PASSPHRASE_ENV = "CPCDOCS_SIGN_PASSPHRASE"  # cpcdocs.sign.PASSPHRASE_ENV, without importing it


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
    except OSError as err:
        # Commands turn the OSErrors they expect into messages with context; this is the net
        # under the rest (a folder made read-only mid-run): one line, exit 4, no traceback.
        # A path running through a file is a path the user gave: exit 2.
        if debug:
            raise
        from ..errors import os_reason

        where = f"{err.filename}: " if err.filename else ""
        click.echo(f"cpcdocs: {where}{os_reason(err)}", err=True)
        wrong_path = isinstance(err, NotADirectoryError)
        sys.exit(int(ExitStatus.INVALID_INPUT if wrong_path else ExitStatus.RENDER_ERROR))
    sys.exit(int(status or 0))


def _located(line: str) -> bool:
    """Located problems (FILE:LINE:COL: ...) are printed bare so editors can jump to them."""
    head = line.split(": ", 1)[0]
    parts = head.rsplit(":", 2)
    return len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit()


def each_case(paths: tuple[str, ...], action: Callable[[str], Any]) -> list[Any]:
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


#: Options several commands share, declared once so their wording cannot drift apart.
authority_option = click.option(
    "--authority", type=click.Path(dir_okay=False), help="Authority profile file."
)
templates_option = click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True),
    help="Folder of templates overriding the built-in ones by name.",
)


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def output_option(help: str) -> Decorator:
    """``-o/--output``: the folder packs are published into (``render``, ``batch``)."""
    return click.option(
        "-o", "--output", "out", required=True, type=click.Path(file_okay=False), help=help
    )


def jobs_option(help: str) -> Decorator:
    """``-j/--jobs``: how many processes; at least 1, default the number of CPUs."""
    return click.option("-j", "--jobs", type=click.IntRange(min=1), help=help)


def issue_date_option(help: str) -> Decorator:
    """``--date``: the issue date of what this run renders, as a date (``issued_on``)."""
    return click.option("--date", "issued_on", callback=parse_date, help=help)


def today_option(help: str) -> Decorator:
    """``--today``: the day a command judges deadlines from, instead of the real today."""
    return click.option("--today", type=TODAY, metavar="YYYY-MM-DD", help=help)


def sign_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--sign-key`` and ``--tsa``, for every command that renders outline plans."""
    command = click.option(
        "--tsa", metavar="URL", help="Add an RFC 3161 timestamp from this server (PAdES B-T)."
    )(command)
    return click.option(
        "--sign-key",
        metavar="KEY.p12",
        type=click.Path(dir_okay=False),
        help=f"Sign outline plans with the chair's PKCS#12 key (passphrase: ${_PASSPHRASE_ENV}).",
    )(command)


TODAY = click.DateTime(formats=["%Y-%m-%d"])


def case_and_authority(case_file: str, authority: str | None) -> tuple[Any, Any]:
    """Load a case and its authority profile as ``validate`` does."""
    from ..load import load_case, resolve_authority

    case = load_case(case_file)
    return case, resolve_authority(case, authority, case_file=case_file)


def split_csv(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    """Accept ``--only a,b`` and ``--only a --only b`` alike."""
    return tuple(part.strip() for item in value for part in item.split(",") if part.strip())


def parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """A ``YYYY-MM-DD`` option as a date; click's usage error for anything else."""
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        msg = f"{value!r} is not a date written YYYY-MM-DD"
        raise click.BadParameter(msg) from None


def sign_config(key: str | None, tsa: str | None) -> Any:
    """The signing settings for ``render``: never a passphrase on the command line.

    The passphrase comes from the environment, else from a hidden prompt on a terminal; it is
    not echoed, logged or put in any message.
    """
    if key is None:
        if tsa:
            msg = "--tsa needs --sign-key"
            raise click.UsageError(msg)
        return None
    from ..sign import PASSPHRASE_ENV, Secret, SignConfig, load_signer

    if tsa and not tsa.startswith(("http://", "https://")):
        msg = f"--tsa {tsa}: a timestamp server is an http:// or https:// URL"
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
    value = os.environ.get(PASSPHRASE_ENV)
    if value is None:
        if not _stdin_is_terminal():
            msg = f"{key}: no passphrase: set {PASSPHRASE_ENV}, or run on a terminal to be asked"
            raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
        value = click.prompt(f"Passphrase for {key}", hide_input=True, err=True)
    config = SignConfig(key=key, passphrase=Secret(value), tsa_url=tsa)
    load_signer(config)  # a wrong passphrase fails now, before any case is rendered (cached)
    return config


def _stdin_is_terminal() -> bool:
    """Whether a person can be asked for the passphrase (not a pipe, a cron job or CI)."""
    return sys.stdin is not None and sys.stdin.isatty()
