"""``cpcdocs collect``: the completed Word forms back into the case, as ``reports`` and ``record``.

A returned form is a file from outside: an agency's Word, a social worker's LibreOffice, or
someone who means harm. So every file is first checked as a package (size, zip bomb, macros,
external links, DTDs and entities) before any of its XML is parsed, and then as a form: is it
one cpcdocs made for this case, for a child and an author the case has, with its
identification unedited, and has the author answered the sharing questions for every section
they wrote. The first problem refuses the whole run, naming the file and the section; nothing
is written unless every file passes, and then the output is replaced in one step.

Word and LibreOffice save the same form differently. Word keeps the content controls' tags and
may leave revision marks (insertions are accepted, deletions dropped) and text split across
many runs. LibreOffice 7 drops the tags of content controls (and some of the controls
themselves) but keeps bookmarks, table rows and the form's descriptor part, so each section
is found by its tag when there is one and otherwise by its bookmark and row order
(:mod:`cpcdocs.forms` explains the layout).

The package is read by :mod:`cpcdocs.word_package` and the form interpreted by
:mod:`cpcdocs.returned_form`; this module checks each form against the case and runs the whole
collection.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CpcdocsError, ExitStatus
from .forms import RECORD_FORM_SECTIONS
from .returned_form import Answer, ReturnedForm, read_form
from .word_package import MAX_FILE_BYTES, MAX_UNCOMPRESSED_BYTES, FormRefused

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_UNCOMPRESSED_BYTES",
    "Collected",
    "FormRefused",
    "ReturnedForm",
    "collect",
    "read_form",
    "summary_table",
]

#: The tag a section gets when its author says the family may not see it: a tag every family
#: profile withholds (``rules.py``), so the family copy leaves it out unless the chair
#: removes the tag.
NOT_SHARED_TAG = "chair_confidential"


# -- checking against the case ---------------------------------------------------------------------


def _check_against_case(form: ReturnedForm, case: Any) -> None:
    """Refuse a form that is not one of this case's, as cpcdocs would have made it."""
    from .model import Role

    d = form.descriptor
    file = form.file
    if d.case != case.case.reference:
        raise FormRefused(file, f"this form is for case {d.case}, not {case.case.reference}")
    professionals = {p.id: p for p in case.professionals}
    author = professionals.get(d.author)
    if author is None:
        raise FormRefused(file, f"the author '{d.author}' is not a professional in this case")
    children = {c.id for c in case.children}
    if d.kind != "record_shell" and d.child not in children:
        raise FormRefused(file, f"the child '{d.child}' is not in this case")
    lead = case.lead_social_worker
    if d.kind == "child_report" and (lead is None or lead.id != d.author):
        raise FormRefused(file, f"'{d.author}' is not the lead social worker of this case")
    if d.kind == "report_proforma":
        if author.role in (Role.CHAIR, Role.MINUTE_TAKER) or (lead and lead.id == d.author):
            raise FormRefused(file, f"'{d.author}' is not sent a report proforma")
        if d.child not in {c.id for c in case.children_known_by(author)}:
            raise FormRefused(file, f"'{d.author}' does not report on the child '{d.child}'")
    if d.kind == "record_shell" and author.role is not Role.MINUTE_TAKER:
        raise FormRefused(file, f"'{d.author}' is not the minute-taker of this case")
    known = children | {p.id for p in case.people} | set(professionals)
    for answer in form.answers:
        for pid in answer.about:
            if pid not in known:
                raise FormRefused(
                    file, f"it is ticked as about '{pid}', who is not in the case", answer.heading
                )
    for pid in (*form.present, *form.apologies):
        if pid not in known:
            raise FormRefused(file, f"'{pid}' is not in the case", "Attendance")


def _section_item(answer: Answer, children: list[str] | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"heading": answer.heading, "text": answer.text}
    if children is not None:
        item["children"] = children
    if answer.about:
        item["about"] = list(answer.about)
    if answer.shared is False:
        item["tags"] = [NOT_SHARED_TAG]
    return item


def _written(form: ReturnedForm) -> list[Answer]:
    """The sections with text, each with its sharing answer (refused when there is none)."""
    written = [a for a in form.answers if a.text]
    for answer in written:
        if answer.shared is None:
            raise FormRefused(
                form.file,
                "no answer to 'May this section be shared with the family?'",
                answer.heading,
            )
    return written


def report_entry(form: ReturnedForm, received_on: dt.date) -> dict[str, Any]:
    """The ``reports`` entry for one returned report form."""
    written = _written(form)
    if not written:
        raise FormRefused(form.file, "nothing has been written in the form")
    if form.report_shared is None:
        raise FormRefused(
            form.file,
            "no answer to 'May this report be shared with the family?'",
            "Sharing this report with the family",
        )
    held_back = [a for a in written if a.shared is False]
    if (form.report_shared is False or held_back) and not form.not_shared_reason:
        what = "the report" if form.report_shared is False else f"'{held_back[0].heading}'"
        raise FormRefused(
            form.file,
            f"{what} is not to be shared and no reason is given",
            "Sharing this report with the family",
        )
    entry: dict[str, Any] = {
        "author": form.descriptor.author,
        "child": form.descriptor.child,
        "received_on": received_on,
        "shared_with_family": form.report_shared,
    }
    if form.not_shared_reason:
        entry["not_shared_reason"] = form.not_shared_reason
    entry["form_version"] = form.descriptor.version
    entry["sections"] = [_section_item(a) for a in written]
    return entry


def record_entry(form: ReturnedForm) -> dict[str, Any]:
    """The ``record`` (without the chair's approval) from the minute-taker's shell."""
    written = _written(form)
    if not written:
        raise FormRefused(form.file, "nothing has been written in the record")
    sections: dict[str, list[dict[str, Any]]] = {}
    for answer in written:
        child, key = answer.sid.split("/", 1)
        sections.setdefault(key, []).append(_section_item(answer, [child]))
    order = [s.key for s in RECORD_FORM_SECTIONS]
    record: dict[str, Any] = {}
    if form.present:
        record["present"] = list(form.present)
    if form.apologies:
        record["apologies"] = list(form.apologies)
    record["sections"] = {k: sections[k] for k in order if k in sections}
    return record


# -- the whole run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Collected:
    """What a run read: the forms, the YAML to write, and where."""

    forms: tuple[ReturnedForm, ...]
    data: dict[str, Any]
    output: Path

    @property
    def yaml(self) -> str:
        """The file's text: a comment saying where it came from, then ``reports``/``record``."""
        import yaml

        names = ", ".join(Path(f.file).name for f in self.forms)
        head = (
            f"{HEADER} from the returned forms; do not edit by hand (run\n"
            "# collect again with every returned form). Name it in the case file:\n"
            f"#   include: [{self.output.name}]\n"
            f"# Forms: {names}\n"
        )
        body = yaml.dump(
            self.data,
            Dumper=_Dumper,
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=False,
            width=96,
        )
        return head + body


def _dumper() -> Any:
    """A safe YAML dumper that writes text of several paragraphs as a ``|`` block."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: Any, value: str) -> Any:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return Dumper


_Dumper = _dumper()


def _check_no_clash(forms: Sequence[ReturnedForm], case: Any, case_path: str | Path) -> None:
    """Refuse what the case file itself already holds: the include would then not load.

    A report written by hand in the case for the same author and child would be there twice;
    the minutes (``present``, ``apologies``, ``sections``) may come from one place only.
    """
    own = {(r.author, r.child): i for i, r in enumerate(case.reports)}
    for form in forms:
        d = form.descriptor
        if d.kind == "record_shell":
            given = [k for k in ("present", "apologies") if getattr(case.record, k, None)]
            if case.record is not None and any(case.record.sections.model_dump().values()):
                given.append("sections")
            if given:
                raise FormRefused(
                    form.file,
                    f"{case_path} already gives record.{given[0]}: take it out of the case "
                    "file, which keeps only the chair's part of the record",
                )
        elif (d.author, d.child) in own:
            raise FormRefused(
                form.file,
                f"{case_path} already holds this report (reports[{own[(d.author, d.child)]}]): "
                "take it out of the case file or leave this form out",
            )


def _validate(entries: dict[str, Any], case: Any, output: Path) -> None:
    """The output must load as the case's ``reports``/``record``: same models, same tags."""
    from pydantic import ValidationError

    from .model import Record, Report

    try:
        for entry in entries.get("reports", []):
            Report.model_validate(entry)
        if "record" in entries:
            Record.model_validate(entries["record"])
    except ValidationError as err:  # a form answer the case format cannot hold
        first = err.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise FormRefused(output, f"{where}: {first['msg']}") from None


def collect(
    paths: Iterable[str | Path],
    case_path: str | Path,
    output: str | Path | None = None,
    *,
    received_on: dt.date | None = None,
    write: bool = True,
) -> Collected:
    """Read, check and (with ``write``) save every returned form of one case, or none.

    Every file is read and checked before anything is written; the output then replaces the
    old file in one step (a temporary file beside it, then ``os.replace``), so a refused run
    leaves the last good output as it was.
    """
    from .load import load_case
    from .pack import issued_date

    case = load_case(case_path, includes=False)  # the output replaces what they hold
    day = issued_date(received_on)
    out = Path(output) if output else Path(case_path).resolve().parent / "returned.yaml"
    forms: list[ReturnedForm] = []
    seen: dict[tuple[str, str, str], str] = {}
    for path in paths:
        form = read_form(path)
        _check_against_case(form, case)
        key = (form.descriptor.kind, form.descriptor.author, form.descriptor.child)
        if key in seen:
            raise FormRefused(path, f"the same form as {seen[key]}: give each form once")
        seen[key] = str(path)
        forms.append(form)
    if not forms:
        msg = "no forms given"
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
    earlier = _earlier_dates(out, case_path)
    data: dict[str, Any] = {}
    reports = [
        report_entry(f, earlier.get((f.descriptor.author, f.descriptor.child), day))
        for f in forms
        if f.descriptor.kind != "record_shell"
    ]
    if reports:
        data["reports"] = reports
    records = [f for f in forms if f.descriptor.kind == "record_shell"]
    if records:
        data["record"] = record_entry(records[0])
    _validate(data, case, out)
    _check_no_clash(forms, case, case_path)
    collected = Collected(tuple(forms), data, out)
    if write:
        _write_atomically(out, collected.yaml)
    return collected


#: The first line of every file ``collect`` writes: it overwrites no other file.
HEADER = "# Written by `cpcdocs collect`"


def _earlier_dates(out: Path, case_path: str | Path) -> dict[tuple[str, str], dt.date]:
    """When each report first came back, from the output of an earlier run.

    Collecting again (a report revised, one more form returned) keeps the date a report was
    first received, which is what the reports deadline is judged by. Refuses to overwrite a
    file ``collect`` did not write, the case file above all.
    """
    if not out.exists():
        return {}
    if out.resolve() == Path(case_path).resolve():
        raise FormRefused(out, "is the case file: write the collected forms to a file of their own")
    try:
        text = out.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise FormRefused(out, f"cannot be read to be replaced ({err})") from None
    if not text.startswith(HEADER):
        raise FormRefused(
            out, "exists and was not written by cpcdocs collect: choose another -o or move it"
        )
    import yaml

    try:
        old = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return {}
    dates: dict[tuple[str, str], dt.date] = {}
    for entry in old.get("reports", []) if isinstance(old, dict) else []:
        if isinstance(entry, dict) and isinstance(entry.get("received_on"), dt.date):
            dates[(str(entry.get("author")), str(entry.get("child")))] = entry["received_on"]
    return dates


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as err:
        msg = f"{path}: cannot write: {err.strerror}"
        raise CpcdocsError(msg, ExitStatus.RENDER_ERROR) from err


def summary_table(collected: Collected) -> list[str]:
    """What was read, one row per form: file, form, author, child, sections, shared."""
    rows = [("file", "form", "author", "child", "sections", "shared")]
    for form in collected.forms:
        d = form.descriptor
        written = [a for a in form.answers if a.text]
        held = sum(1 for a in written if a.shared is False)
        if d.kind == "record_shell":
            shared = f"{len(written) - held} of {len(written)} sections"
        elif form.report_shared is False:
            shared = "no"
        else:
            shared = "yes" + (f" ({held} kept back)" if held else "")
        rows.append(
            (Path(form.file).name, d.kind, d.author, d.child or "all", str(len(written)), shared)
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
