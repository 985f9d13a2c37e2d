"""The ``cpcdocs`` command: parse options, call one library function, print.

Every command is a few lines over a plain function elsewhere in the package. Errors are caught
in exactly one place (:func:`main`): a :class:`~cpcdocs.errors.CpcdocsError` prints its lines
on stderr and exits with its status; ``--debug`` lets the traceback through instead.
"""

from __future__ import annotations

import dataclasses
import json
import os
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
        from .errors import os_reason

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


#: Options several commands share, declared once so their wording cannot drift apart.
authority_option = click.option(
    "--authority", type=click.Path(dir_okay=False), help="Authority profile file."
)
templates_option = click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True),
    help="Folder of templates overriding the built-in ones by name.",
)


def _sign_options(command: Callable[..., Any]) -> Callable[..., Any]:
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
    from .load import load_case, resolve_authority
    from .placeholders import profile_placeholder_problems

    def one(path: str) -> str:
        try:
            case = load_case(path)
        except InvalidInput as err:  # name the profile's placeholders too, in the same run
            more = profile_placeholder_problems(path, authority)
            raise InvalidInput(err.problems + more) from None
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

    Point your editor at it for completion and checking as you type.

    \b
    Examples:
      cpcdocs schema > cpcdocs-case.schema.json
      cpcdocs schema --authority > cpcdocs-authority.schema.json
      # first line of case.yaml:
      # yaml-language-server: $schema=./cpcdocs-case.schema.json
    """
    from .schema import authority_schema, case_schema

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
    from .scaffold import scaffold

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

_TODAY = click.DateTime(formats=["%Y-%m-%d"])


def _case_and_authority(case_file: str, authority: str | None) -> tuple[Any, Any]:
    """Load a case and its authority profile as ``validate`` does."""
    from .load import load_case, resolve_authority

    case = load_case(case_file)
    return case, resolve_authority(case, authority, case_file=case_file)


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
@authority_option
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
@authority_option
@templates_option
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
    "--stage",
    "stages",
    multiple=True,
    callback=_csv,
    help="Only these stages: invitations, exclusions, reports, decision, record "
    "(default: every stage the case is ready for).",
)
@click.option(
    "--date",
    "issued_on",
    callback=_date,
    help="Issue date of the stages rendered; refused when it breaks a stage's date rule "
    "(default: issued.<stage> in the case, else the date the stage was first issued, else "
    "SOURCE_DATE_EPOCH, else today).",
)
@_sign_options
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Processes rendering each pack's files (default: the number of CPUs). The files are "
    "the same for any number.",
)
@click.option(
    "--dry-run", is_flag=True, help="List the stages, dates and files a real run would write."
)
def render(
    cases: tuple[str, ...],
    out: str,
    authority: str | None,
    templates: str | None,
    formats: tuple[str, ...],
    only: tuple[str, ...],
    recipients: tuple[str, ...],
    stages: tuple[str, ...],
    issued_on: Any,
    sign_key: str | None,
    tsa: str | None,
    jobs: int | None,
    dry_run: bool,
) -> int:
    """Render, audit and publish the document pack for each case, stage by stage.

    Each pack is OUT/<reference>/<stage>/<recipient>/<file>, with manifest.json and
    post-list.csv (the envelopes new or changed in this run). Every stage the case is ready
    for is rendered, each dated for its own moment; a stage whose time has not come, or has
    passed, is left out with a line saying why. Documents not rendered in this run (other
    stages, or outside --only/--recipient) stay exactly as published. The whole pack is
    built in a staging folder beside it, audited for leaks, and moved into place only when
    complete and clean: a failure leaves the earlier pack untouched.

    \b
    Examples:
      cpcdocs render case.yaml -o out/
      cpcdocs render case.yaml -o out/ --stage invitations --date 2026-12-14
      cpcdocs render case.yaml -o out/ --only decision_letter --recipient mother
      cpcdocs render case.yaml -o out/ --templates my-templates/
      cpcdocs render case.yaml -o out/ --dry-run
      cpcdocs render case.yaml -o out/ --sign-key chair.p12 --tsa http://tsa.example/

    With --sign-key every outline plan PDF is signed by the chair (PAdES). The passphrase is
    read from CPCDOCS_SIGN_PASSPHRASE, else asked for (hidden) on a terminal.
    """
    from .errors import OutputError, os_reason
    from .pack import RenderOptions, dry_run_lines, render_pack
    from .publish import STAGING_PREFIX, check_out
    from .workers import default_jobs

    options = RenderOptions(
        authority=authority,
        templates=templates,
        formats=formats or None,
        only=only or None,
        recipients=recipients or None,
        issued_on=issued_on,
        stages=stages or None,
    )
    if dry_run:
        for lines in _each_case(cases, lambda path: dry_run_lines(path, out, options)):
            for line in lines:
                click.echo(line)
        return 0
    check_out(out)
    sign = _sign_config(sign_key, tsa)
    if sign is not None:
        options = dataclasses.replace(options, sign=sign)
    for path in cases:
        try:
            result = render_pack(path, out, options, jobs=jobs or default_jobs())
        except OSError as err:  # render_pack has removed its staging folder
            name, reason = str(err.filename or ""), os_reason(err)
            if name and Path(name) in (Path(out), *Path(out).parents):
                msg = f"{out}: cannot create the output folder: {reason}"
            else:
                where = f" ({name})" if name and STAGING_PREFIX not in name else ""
                msg = f"{out}: cannot write the pack of {path}: {reason}{where}; "
                msg += "nothing was published"
            raise OutputError(msg) from err
        for line in result.stages:
            click.echo(f"  {line}")
        for note in result.notes:
            click.echo(f"  {note}")
        for rel in result.dropped:
            click.echo(f"  dropped (no longer in the plan): {rel}")
        if result.post:
            click.echo(f"  to post ({len(result.post)} envelopes, also in post-list.csv):")
            for stage_name, recipient, files, leaflets in result.post:
                enclosed = f" + leaflets: {'; '.join(leaflets)}" if leaflets else ""
                click.echo(f"    {stage_name}/{recipient}: {' '.join(files)}{enclosed}")
        else:
            click.echo("  to post: nothing new or changed")
        click.echo(f"{result.path}: {result.files} files for {result.documents} documents")
    return 0


# -- templates ------------------------------------------------------------------------------------


@cli.group()
def templates() -> None:
    """List and check the templates (built-in and overridden).

    \b
    Examples:
      cpcdocs templates list --templates my-templates/
      cpcdocs templates check --templates my-templates/
    """


@templates.command("list")
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(file_okay=False, exists=True),
    help="Folder of templates overriding the built-in ones by name.",
)
def templates_list(templates_dir: str | None) -> int:
    """Show every template by name and where it comes from.

    \b
    Example:
      cpcdocs templates list --templates my-templates/
    """
    from .pack import get_renderer

    for name, source in get_renderer(templates_dir).list_templates():
        click.echo(f"{name}  {source}")
    return 0


@templates.command("check")
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(file_okay=False, exists=True),
    help="Folder of templates overriding the built-in ones by name.",
)
@click.argument("cases", nargs=-1, type=click.Path(dir_okay=False, exists=True))
def templates_check(templates_dir: str | None, cases: tuple[str, ...]) -> int:
    """Check every template's syntax and variables against views built from the samples.

    Also renders against the views of any CASE files given. Problems are printed as
    FILE:LINE: message; exit status 4 when there are any.

    \b
    Examples:
      cpcdocs templates check
      cpcdocs templates check --templates my-templates/ my-case.yaml
    """
    from .errors import RenderError
    from .pack import check_templates

    problems = check_templates(templates_dir, cases)
    if problems:
        raise RenderError("\n".join(problems))
    click.echo("templates ok")
    return 0


# -- audit, explain -------------------------------------------------------------------------------


@cli.command()
@click.argument("pack", type=click.Path(file_okay=False, exists=True))
@click.option(
    "--case",
    "case_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True),
    help="The case file the pack was rendered from.",
)
@authority_option
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help='Lines to read, or {"pack", "clean", "findings": [...]} for scripts.',
)
def audit(pack: str, case_file: str, authority: str | None, output: str) -> int:
    """Re-read every file of a rendered pack and report anything its reader may not see.

    DOCX files are read part by part (body, headers, footers, comments, document properties,
    custom XML); PDFs page by page, with annotations, form fields, metadata and XMP. Also
    reported: files not in the manifest, listed files that are missing, SHA-256 mismatches and
    documents the plan does not give that recipient. Findings name document, recipient, rule
    and item id, never the value found, so the output is safe to log.

    Exit status 3 when anything leaked (even alongside other problems), 1 for integrity
    problems only, 0 when clean.

    \b
    Examples:
      cpcdocs audit out/NM-2026-0412 --case case.yaml
      cpcdocs audit out/NM-2026-0412 --case case.yaml --format json
    """
    from .audit import audit_pack
    from .workers import default_jobs

    case, profile = _case_and_authority(case_file, authority)
    report = audit_pack(pack, case, profile, jobs=default_jobs())
    if output == "json":
        click.echo(json.dumps(report.as_json(), indent=2))
    else:
        click.echo(report.format_text())
    return int(report.exit_status)


@cli.command()
@click.argument("pack", type=click.Path(file_okay=False, exists=True))
@click.argument("recipient", required=False)
@click.option(
    "--case",
    "case_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True),
    help="The case file the pack was rendered from.",
)
@authority_option
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "html"]),
    default="text",
    show_default=True,
    help="text: ids and rules, safe to log (needs RECIPIENT); html: the chair's review sheet.",
)
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False),
    help="Write to this file (html default: review.html in the pack folder; text: stdout).",
)
def explain(
    pack: str,
    recipient: str | None,
    case_file: str,
    authority: str | None,
    output: str,
    out: str | None,
) -> int:
    """List what was withheld from one recipient's documents, and why.

    For the chair's sign-off and the record of every redaction: each document in the
    recipient's envelope, each withheld item by rule and id, and the rule in plain words.
    No withheld value is printed.

    With --format html, writes the chair's review sheet instead: one self-contained page with
    who receives which document in each stage, and for every reader (or only RECIPIENT) each
    withheld item by rule, id and first words. It is for the chair only: it is written beside
    the pack (review.html, which the audit ignores), never into an envelope.

    \b
    Examples:
      cpcdocs explain out/NM-2026-0412 father-theo --case case.yaml
      cpcdocs explain out/NM-2026-0412 --case case.yaml --format html
    """
    case, profile = _case_and_authority(case_file, authority)
    if output == "html":
        from .review import write_review
        from .stages import today

        path = write_review(pack, case, profile, recipient=recipient, out=out, written_on=today())
        click.echo(f"{case.case.reference}: review sheet for the chair written to {path}")
        return 0
    from .audit import explain_pack, format_explanation

    if recipient is None:
        msg = "explain: give a RECIPIENT for --format text, or use --format html for every one"
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
    documents = explain_pack(pack, case, profile, recipient)
    text = format_explanation(case.case.reference, recipient, documents)
    if out is None:
        click.echo(text)
        return 0
    try:
        Path(out).write_text(text + "\n", encoding="utf-8")
    except OSError as err:
        msg = f"{out}: cannot write the explanation: {err.strerror or err}"
        raise CpcdocsError(msg, ExitStatus.RENDER_ERROR) from err
    return 0


# -- batch ----------------------------------------------------------------------------------------


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to publish OUT/<reference>/ packs into.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes (default: the number of CPUs; 1 renders in this process).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Render on the Dask cluster at this scheduler (tcp://HOST:PORT); needs cpcdocs[dask].",
)
@click.option("--force", is_flag=True, help="Render every case, changed or not.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    help="text: a progress bar on a terminal; json: one object per line "
    "(the default when stderr is not a terminal).",
)
@authority_option
@templates_option
@click.option(
    "--date",
    "issued_on",
    callback=_date,
    help="Date every pack carries (packs dated otherwise are re-rendered). Default: unchanged "
    "packs keep their date; new and changed ones get SOURCE_DATE_EPOCH, else today.",
)
@_sign_options
def batch(
    inputs: tuple[str, ...],
    out: str,
    jobs: int | None,
    scheduler: str | None,
    force: bool,
    log_format: str | None,
    authority: str | None,
    templates: str | None,
    issued_on: Any,
    sign_key: str | None,
    tsa: str | None,
) -> int:
    """Render, audit and publish the packs of many cases: for scheduled jobs.

    INPUT is a case file, a folder (every *.yaml below it, except hidden folders and
    authorities/) or a quoted glob. A case whose inputs have not changed since its pack was
    published is skipped. One case's failure never stops the others: the batch exits 1 if any
    case failed, 0 otherwise. Only one batch at a time may write to OUT.

    \b
    Examples:
      cpcdocs batch cases/ -o /srv/packs
      cpcdocs batch 'cases/**/*.yaml' -o /srv/packs --jobs 4 --log-format json
      cpcdocs batch cases/ -o /srv/packs --scheduler tcp://10.0.0.5:8786
    """
    from .batch import BatchOptions, make_reporter, render_batch

    options = BatchOptions(
        jobs=jobs,
        scheduler=scheduler,
        force=force,
        authority=authority,
        templates=templates,
        issued_on=issued_on,
        sign=_sign_config(sign_key, tsa),
    )
    try:
        result = render_batch(inputs, out, options, reporter=make_reporter(log_format))
    except KeyboardInterrupt:
        click.echo(
            "Interrupted: every published pack is complete; run the batch again to finish.",
            err=True,
        )
        raise click.exceptions.Exit(130) from None
    return int(result.exit_status)


# -- verify ---------------------------------------------------------------------------------------


def _sign_config(key: str | None, tsa: str | None) -> Any:
    """The signing settings for ``render``: never a passphrase on the command line.

    The passphrase comes from the environment, else from a hidden prompt on a terminal; it is
    not echoed, logged or put in any message.
    """
    if key is None:
        if tsa:
            msg = "--tsa needs --sign-key"
            raise click.UsageError(msg)
        return None
    from .sign import PASSPHRASE_ENV, Secret, SignConfig, load_signer

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


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=click.Path())
@click.option(
    "--trust",
    multiple=True,
    metavar="CERT.pem",
    type=click.Path(dir_okay=False),
    help="Trust signatures that chain to this certificate (PEM or DER; repeatable).",
)
def verify(files: tuple[str, ...], trust: tuple[str, ...]) -> int:
    """Check the digital signatures in PDF files and say what they prove.

    For each signature: who signed (the certificate's name), when, whether the document has
    changed since, how much of it the signature covers, and whether the signer is trusted.

    \b
    Exit statuses:
      0  every signature is intact and valid (and trusted, when --trust is given)
      1  a signature is broken, changed, untrusted, or a PDF has no signature
      2  a file is not a PDF, or a --trust file is not a certificate

    Without --trust nothing is trusted, and the exit status is about integrity alone.

    \b
    Examples:
      cpcdocs verify out/NM-2026-0412/mother/outline_plan-maya.pdf
      cpcdocs verify out/NM-2026-0412/*/outline_plan-*.pdf --trust chair-okafor.pem
    """
    from .sign import load_trust_anchors, verify_pdf

    anchors = load_trust_anchors(trust)
    status = ExitStatus.OK
    for path in files:
        try:
            report = verify_pdf(path, anchors)
        except CpcdocsError as err:
            click.echo(f"cpcdocs: {err.message}", err=True)
            status = ExitStatus.INVALID_INPUT
            continue
        for line in report.lines():
            click.echo(line)
        if not report.ok and status is ExitStatus.OK:
            status = ExitStatus.FINDINGS
    return int(status)


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
    callback=_date,
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
    from .collect import collect as run_collect
    from .collect import summary_table

    collected = run_collect(forms, case_file, output, received_on=received_on)
    for line in summary_table(collected):
        click.echo(line)
    click.echo(f"wrote {collected.output}")
    return int(ExitStatus.OK)
