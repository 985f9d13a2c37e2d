"""What a run renders: its options, the day it takes as today, its stages and its documents.

:class:`RenderOptions` gathers everything besides the case that decides what a pack contains;
:func:`run_stage_dates` resolves each stage's outcome for a run (the one resolution a real run
and ``--dry-run`` share) and :func:`select_documents` narrows the plan by ``--stage``,
``--only``, ``--recipient`` and ``--format``, refusing an unknown value with exit status 2.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CpcdocsError, ExitStatus
from .kinds import Stage
from .manifest import published_dates
from .model import Case
from .plan import DocumentKind, PlannedDocument, plan_pack, restrict
from .stages import StageDate, resolve_stage_dates, today

if TYPE_CHECKING:
    from .sign import SignConfig

__all__ = [
    "RenderOptions",
    "issued_date",
    "parse_stages",
    "recheck_on",
    "run_stage_dates",
    "select_documents",
]


@dataclass(frozen=True)
class RenderOptions:
    """Everything besides the case that decides what a pack contains."""

    authority: str | Path | None = None
    templates: str | Path | None = None
    formats: tuple[str, ...] | None = None
    only: tuple[str, ...] | None = None
    recipients: tuple[str, ...] | None = None
    #: ``--date``: the issue date of every stage rendered (checked against each stage's rule).
    issued_on: dt.date | None = None
    #: ``--stage``: only these stages (names); every stage the case is ready for when None.
    stages: tuple[str, ...] | None = None
    #: The day the run takes as today (a batch fixes it once for all its cases); not a date
    #: the letters must carry, so a stage whose time has not come simply waits.
    as_of: dt.date | None = None
    #: Sign every outline plan PDF with the chair's key (``render --sign-key``).
    sign: SignConfig | None = None


def issued_date(explicit: dt.date | None = None) -> dt.date:
    """``--date``, else ``SOURCE_DATE_EPOCH``, else today: the day a run takes as "today"."""
    return explicit if explicit is not None else today()


def parse_stages(names: Iterable[str] | None) -> tuple[Stage, ...] | None:
    """``--stage`` values as stages (exit 2 naming the stages for an unknown one)."""
    if not names:
        return None
    out = []
    for name in names:
        try:
            out.append(Stage(name))
        except ValueError:
            msg = f"unknown stage {name!r}; stages are " + ", ".join(s.value for s in Stage)
            raise CpcdocsError(msg, ExitStatus.INVALID_INPUT) from None
    return tuple(out)


def run_stage_dates(
    case: Case, options: RenderOptions, before: dict[str, Any] | None, case_file: str
) -> dict[Stage, StageDate]:
    """Each stage's outcome for a run with these options: the one resolution every path uses.

    ``--date`` dates the stages being rendered: with ``--only`` or ``--recipient``, only the
    stages of the documents selected (a reprint of a decision letter says nothing about the
    invitations' date).
    """
    explicit_for = None
    if options.issued_on is not None and (options.only or options.recipients):
        explicit_for = frozenset(
            d.stage
            for d in select_documents(case, only=options.only, recipients=options.recipients)
        )
    return resolve_stage_dates(
        case,
        parse_stages(options.stages),
        explicit=options.issued_on,
        published=published_dates(before),
        on=options.as_of,
        case_file=case_file,
        explicit_for=explicit_for,
    )


def select_documents(
    case: Case,
    *,
    only: Iterable[str] | None = None,
    recipients: Iterable[str] | None = None,
    formats: Iterable[str] | None = None,
    stages: Iterable[Stage] | None = None,
) -> list[PlannedDocument]:
    """The planned documents, narrowed by ``--stage``, ``--only``, ``--recipient``, ``--format``."""
    docs = plan_pack(case)
    if stages is not None:
        wanted_stages = set(stages)
        docs = [d for d in docs if d.stage in wanted_stages]
    if only:
        kinds = set(only)
        unknown = kinds - {k.value for k in DocumentKind}
        if unknown:
            msg = f"unknown document kind {sorted(unknown)[0]!r}; kinds are " + ", ".join(
                k.value for k in DocumentKind
            )
            raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
        docs = [d for d in docs if d.kind.value in kinds]
    if recipients:
        wanted = set(recipients)
        unknown = wanted - case.all_ids()
        if unknown:
            msg = f"no recipient has id {sorted(unknown)[0]!r}"
            raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
        docs = [d for d in docs if d.recipient.id in wanted]
    if formats:
        allowed = set(formats)
        bad = allowed - {"pdf", "docx"}
        if bad:
            msg = f"unknown format {sorted(bad)[0]!r}; formats are pdf, docx"
            raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
        docs = [
            restrict(d, fmts) for d in docs if (fmts := tuple(f for f in d.formats if f in allowed))
        ]
    return docs


def recheck_on(case: Case, stage_dates: dict[Stage, StageDate]) -> str | None:
    """The first day a stage left waiting in this run falls due (ISO), or None.

    An unchanged case must be rendered again from that day: the nightly batch compares it
    with its own date instead of rendering every case every night.
    """
    from .stages import StageStatus, stage_window

    days = [
        earliest
        for stage, outcome in stage_dates.items()
        if outcome.status is StageStatus.WAITING
        and (earliest := stage_window(case, stage).earliest) is not None
    ]
    return min(days).isoformat() if days else None
