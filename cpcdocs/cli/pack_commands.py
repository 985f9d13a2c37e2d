"""The commands that make or read packs.

``render``, ``templates``, ``audit``, ``explain``, ``batch`` and ``verify``.

Each parses its options, calls one library function and prints; errors go to
:func:`cpcdocs.cli.app.main`.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import click

from ..errors import CpcdocsError, ExitStatus
from .app import (
    authority_option,
    case_and_authority,
    cli,
    each_case,
    issue_date_option,
    jobs_option,
    output_option,
    sign_config,
    sign_options,
    split_csv,
    templates_option,
)

__all__ = ["audit", "batch", "explain", "render", "templates", "verify"]


# -- render ---------------------------------------------------------------------------------------


@cli.command()
@click.argument("cases", nargs=-1, required=True, type=click.Path(dir_okay=False))
@output_option("Folder to write OUT/<reference>/ into.")
@authority_option
@templates_option
@click.option(
    "--format",
    "formats",
    multiple=True,
    callback=split_csv,
    help="Only these formats: pdf, docx (comma-separated or repeated).",
)
@click.option(
    "--only",
    multiple=True,
    callback=split_csv,
    help="Only these document kinds, e.g. invitation,decision_letter.",
)
@click.option(
    "--recipient",
    "recipients",
    multiple=True,
    callback=split_csv,
    help="Only documents for these recipient ids.",
)
@click.option(
    "--stage",
    "stages",
    multiple=True,
    callback=split_csv,
    help="Only these stages: invitations, exclusions, reports, decision, record "
    "(default: every stage the case is ready for).",
)
@issue_date_option(
    "Issue date of the stages rendered; refused when it breaks a stage's date rule "
    "(default: issued.<stage> in the case, else the date the stage was first issued, else "
    "SOURCE_DATE_EPOCH, else today)."
)
@sign_options
@jobs_option(
    "Processes rendering each pack's files (default: the number of CPUs). The files are "
    "the same for any number."
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
    from ..errors import OutputError, os_reason
    from ..pack import RenderOptions, dry_run_lines, render_pack
    from ..publish import STAGING_PREFIX, check_out
    from ..workers import default_jobs

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
        for lines in each_case(cases, lambda path: dry_run_lines(path, out, options)):
            for line in lines:
                click.echo(line)
        return 0
    check_out(out)
    sign = sign_config(sign_key, tsa)
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
    from ..pack import get_renderer

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
    from ..errors import RenderError
    from ..pack import check_templates

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
@templates_option
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help='Lines to read, or {"pack", "clean", "findings": [...]} for scripts.',
)
def audit(
    pack: str, case_file: str, authority: str | None, templates: str | None, output: str
) -> int:
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
    from ..audit import audit_pack
    from ..workers import default_jobs

    case, profile = case_and_authority(case_file, authority)
    report = audit_pack(pack, case, profile, jobs=default_jobs(), templates_dir=templates)
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
    case, profile = case_and_authority(case_file, authority)
    if output == "html":
        from ..review import write_review
        from ..stages import today

        path = write_review(pack, case, profile, recipient=recipient, out=out, written_on=today())
        click.echo(f"{case.case.reference}: review sheet for the chair written to {path}")
        return 0
    from ..audit import explain_pack, format_explanation

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
@output_option("Folder to publish OUT/<reference>/ packs into.")
@jobs_option("Worker processes (default: the number of CPUs; 1 renders in this process).")
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
@issue_date_option(
    "Date every pack carries (packs dated otherwise are re-rendered). Default: unchanged "
    "packs keep their date; new and changed ones get SOURCE_DATE_EPOCH, else today."
)
@sign_options
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
    from ..batch import BatchOptions, make_reporter, render_batch

    options = BatchOptions(
        jobs=jobs,
        scheduler=scheduler,
        force=force,
        authority=authority,
        templates=templates,
        issued_on=issued_on,
        sign=sign_config(sign_key, tsa),
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
    from ..sign import load_trust_anchors, verify_pdf

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
