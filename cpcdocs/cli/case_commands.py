"""The commands about one case file.

``validate``, ``schema``, ``init``, ``timeline``, ``check`` and ``collect``.

Each parses its options, calls one library function and prints; errors go to
:func:`cpcdocs.cli.app.main`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..errors import ExitStatus, InvalidInput
from .app import (
    authority_option,
    case_and_authority,
    cli,
    each_case,
    parse_date,
    today_option,
)

__all__ = ["check", "collect", "init", "schema", "timeline", "validate"]


# -- validate, schema, init -----------------------------------------------------------------------


@cli.command()
@click.argument("cases", nargs=-1, required=True, type=click.Path(dir_okay=False))
@authority_option
def validate(cases: tuple[str, ...], authority: str | None) -> int:
    """Check case files against the case format and report every problem.

    Each problem is one line: FILE:LINE:COL: field.path: message. The authority profile each
    case names is checked too.

    \b
    Examples:
      cpcdocs validate case.yaml
      cpcdocs validate samples/*.yaml
    """
    from ..load import load_case, resolve_authority
    from ..placeholders import profile_placeholder_problems

    def one(path: str) -> str:
        try:
            case = load_case(path)
        except InvalidInput as err:  # name the profile's placeholders too, in the same run
            more = profile_placeholder_problems(path, authority)
            raise InvalidInput(err.problems + more) from None
        resolve_authority(case, authority, case_file=path)
        return f"{path}: ok ({case.case.reference}, {case.conference.type.value} conference)"

    for line in each_case(cases, one):
        click.echo(line)
    return 0


@cli.command()
@click.option("--authority", "which", flag_value="authority", help="Print the authority schema.")
@click.option("--case", "which", flag_value="case", default=True, help="Print the case schema.")
def schema(which: str) -> int:
    """Print the JSON Schema of the case file (or the authority profile).

    Point your editor at it for completion and checking as you type.

    \b
    Examples:
      cpcdocs schema > cpcdocs-case.schema.json
      cpcdocs schema --authority > cpcdocs-authority.schema.json
      # first line of case.yaml:
      # yaml-language-server: $schema=./cpcdocs-case.schema.json
    """
    from ..schema import authority_schema, case_schema

    click.echo(json.dumps(case_schema() if which == "case" else authority_schema(), indent=2))
    return 0


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--name", help="The council's full name, as on its letters.")
@click.option(
    "--nation",
    type=click.Choice(["england", "wales", "scotland", "northern_ireland"]),
    help="Whose bank holidays and procedures apply.",
)
@click.option("--reference-prefix", help="How the council's case references start, e.g. WM.")
@click.option("--reference", help="The starter case's reference (default: PREFIX-YEAR-0001).")
def init(
    directory: str,
    name: str | None,
    nation: str | None,
    reference_prefix: str | None,
    reference: str | None,
) -> int:
    """Start a council's folder: an authority profile and a blank pre-conference case.

    Nothing is copied from the demo council. Every value only the council can know is a
    "<FILL IN: ...>" placeholder: validate names each one until it is replaced, and render
    refuses them. docs/authority-profile.md explains every key of the profile.

    \b
    Example:
      cpcdocs init my-council --name "Northmoor Borough Council" --nation england \\
        --reference-prefix NM
      cpcdocs validate my-council/case.yaml
    """
    from ..scaffold import scaffold

    written = scaffold(
        Path(directory),
        reference=reference,
        name=name,
        nation=nation,
        reference_prefix=reference_prefix,
    )
    for path in written:
        click.echo(f"wrote {path}")
    return 0


# -- timeline, check ------------------------------------------------------------------------------


@cli.command()
@click.argument("case_file", metavar="CASE", type=click.Path(dir_okay=False))
@authority_option
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json", "ics"]),
    default="table",
    show_default=True,
    help="A readable table, the contract's JSON list, or an iCalendar file.",
)
@today_option("Count working days left from this date.")
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

    from ..timeline import compute_timeline, format_table, timeline_ics

    case, profile = case_and_authority(case_file, authority)
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
@authority_option
@today_option("Judge what has passed as of this date.")
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
    from ..checks import Level, format_findings, run_checks

    case, profile = case_and_authority(case_file, authority)
    findings = run_checks(case, profile, today.date() if today else None)
    if output == "json":
        payload = {"case": case.case.reference, "findings": [f.as_json() for f in findings]}
        click.echo(json.dumps(payload, indent=2))
    else:
        click.echo(format_findings(case.case.reference, findings))
    errors = any(f.level is Level.ERROR for f in findings)
    return int(ExitStatus.FINDINGS if errors else ExitStatus.OK)


# -- collect --------------------------------------------------------------------------------------


@cli.command()
@click.argument("forms", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--case",
    "case_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="The case the forms belong to.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="The YAML file to write (default: returned.yaml beside the case).",
)
@click.option(
    "--received-on",
    callback=parse_date,
    metavar="YYYY-MM-DD",
    help="When the reports came back (default: SOURCE_DATE_EPOCH, else today).",
)
def collect(forms: tuple[str, ...], case_file: str, output: str | None, received_on: Any) -> int:
    """Read completed report and record forms into YAML the case includes.

    Every form is checked (the case's own, its author and child, its identification
    unedited, a sharing answer for every section written, a reason for what is not
    shared) before anything is written; one bad form and nothing is.

    \b
    Examples:
      cpcdocs collect returned/*.docx --case case.yaml -o returned.yaml
      (then, once, in case.yaml:  include: [returned.yaml])
    """
    from ..collect import collect as run_collect
    from ..collect import summary_table

    collected = run_collect(forms, case_file, output, received_on=received_on)
    for line in summary_table(collected):
        click.echo(line)
    click.echo(f"wrote {collected.output}")
    return int(ExitStatus.OK)
