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


# -- timeline, check ------------------------------------------------------------------------------

_TODAY = click.DateTime(formats=["%Y-%m-%d"])


def _case_and_authority(case_file: str, authority: str | None) -> tuple[Any, Any]:
    """Load a case and its authority profile as ``validate`` does."""
    from .load import load_case, resolve_authority

    case = load_case(case_file)
    return case, resolve_authority(case, authority, case_file=case_file)


@cli.command()
@click.argument("case_file", metavar="CASE", type=click.Path(dir_okay=False))
@click.option("--authority", type=click.Path(dir_okay=False), help="Authority profile file.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json", "ics"]),
    default="table",
    show_default=True,
    help="A readable table, the contract's JSON list, or an iCalendar file.",
)
@click.option(
    "--today", type=_TODAY, metavar="YYYY-MM-DD", help="Count working days left from this date."
)
def timeline(case_file: str, authority: str | None, output: str, today: Any) -> int:
    """Print the statutory and procedural deadlines of a case.

    Working days exclude weekends, the bank holidays of the authority's nation and its
    closure days. The iCalendar file names no one: each event is "REFERENCE: deadline".

    \b
    Examples:
      cpcdocs timeline case.yaml
      cpcdocs timeline case.yaml --today 2026-12-01
      cpcdocs timeline case.yaml --format json
      cpcdocs timeline case.yaml --format ics > NM-2026-0412.ics
    """
    import datetime as dt

    from .timeline import compute_timeline, format_table, timeline_ics

    case, profile = _case_and_authority(case_file, authority)
    items = compute_timeline(case, profile)
    if output == "json":
        click.echo(json.dumps([item.as_json() for item in items], indent=2))
    elif output == "ics":
        click.echo(timeline_ics(case, profile, items), nl=False)
    else:
        day = today.date() if today else dt.date.today()
        click.echo(format_table(case, profile, items, day))
    return 0


@cli.command()
@click.argument("case_file", metavar="CASE", type=click.Path(dir_okay=False))
@click.option("--authority", type=click.Path(dir_okay=False), help="Authority profile file.")
@click.option(
    "--today", type=_TODAY, metavar="YYYY-MM-DD", help="Judge what has passed as of this date."
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help='Lines to read, or {"case": REF, "findings": [...]} for scheduled jobs.',
)
def check(case_file: str, authority: str | None, today: Any, output: str) -> int:
    """Check a case against the timescales and procedures; exit 1 on any error.

    Each finding is one line: LEVEL code: message (rule). Messages name children and people
    by id only, so the output is safe to log.

    \b
    Examples:
      cpcdocs check case.yaml
      cpcdocs check case.yaml --today 2027-01-08 --format json
    """
    from .checks import Level, format_findings, run_checks

    case, profile = _case_and_authority(case_file, authority)
    findings = run_checks(case, profile, today.date() if today else None)
    if output == "json":
        payload = {"case": case.case.reference, "findings": [f.as_json() for f in findings]}
        click.echo(json.dumps(payload, indent=2))
    else:
        click.echo(format_findings(case.case.reference, findings))
    errors = any(f.level is Level.ERROR for f in findings)
    return int(ExitStatus.FINDINGS if errors else ExitStatus.OK)


# -- render ---------------------------------------------------------------------------------------


def _csv(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """Accept ``--only a,b`` and ``--only a --only b`` alike."""
    return tuple(part.strip() for item in value for part in item.split(",") if part.strip())


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        msg = f"{value!r} is not a date written YYYY-MM-DD"
        raise click.BadParameter(msg) from None


@cli.command()
@click.argument("cases", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to write OUT/<reference>/ into.",
)
@click.option("--authority", type=click.Path(dir_okay=False), help="Authority profile file.")
@click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True),
    help="Folder of templates overriding the built-in ones by name.",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    callback=_csv,
    help="Only these formats: pdf, docx (comma-separated or repeated).",
)
@click.option(
    "--only",
    multiple=True,
    callback=_csv,
    help="Only these document kinds, e.g. invitation,decision_letter.",
)
@click.option(
    "--recipient",
    "recipients",
    multiple=True,
    callback=_csv,
    help="Only documents for these recipient ids.",
)
@click.option(
    "--date",
    "issued_on",
    callback=_date,
    help="Date the letters carry (default: SOURCE_DATE_EPOCH, else today).",
)
@click.option("--dry-run", is_flag=True, help="List the files a real run would write, and stop.")
def render(
    cases: tuple[str, ...],
    out: str,
    authority: str | None,
    templates: str | None,
    formats: tuple[str, ...],
    only: tuple[str, ...],
    recipients: tuple[str, ...],
    issued_on: Any,
    dry_run: bool,
) -> int:
    """Render, audit and publish the document pack for each case.

    Each pack is written to OUT/<reference>/ with a manifest.json. It is built in a staging
    folder beside it, audited for leaks, and moved into place only when complete and clean:
    a failure leaves any earlier pack untouched.

    \b
    Examples:
      cpcdocs render case.yaml -o out/
      cpcdocs render case.yaml -o out/ --only invitation --recipient mother
      cpcdocs render case.yaml -o out/ --templates my-templates/ --date 2026-12-24
      cpcdocs render case.yaml -o out/ --dry-run
    """
    from .load import load_case
    from .pack import RenderOptions, render_pack, select_documents

    options = RenderOptions(
        authority=authority,
        templates=templates,
        formats=formats or None,
        only=only or None,
        recipients=recipients or None,
        issued_on=issued_on,
    )
    if dry_run:

        def plan_lines(path: str) -> list[str]:
            case = load_case(path)
            docs = select_documents(case, only=only, recipients=recipients, formats=formats)
            return [
                f"{case.case.reference}/{rel}  {d.kind.value}  {d.recipient.id}  {d.profile.value}"
                for d in docs
                for rel in d.paths()
            ]

        for lines in _each_case(cases, plan_lines):
            for line in lines:
                click.echo(line)
        return 0
    for path in cases:
        result = render_pack(path, out, options)
        click.echo(f"{result.path}: {result.files} files for {result.documents} documents")
    return 0
