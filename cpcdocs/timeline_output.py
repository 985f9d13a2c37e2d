"""The timeline as people read it: a table for the terminal, an iCalendar file for diaries.

Kept apart from the rules (:mod:`cpcdocs.timeline`) that work the dates out.
"""

from __future__ import annotations

import datetime as dt

from .authority import Authority, Nation
from .model import Case
from .timeline import Deadline, calendar_for, format_day

__all__ = ["format_table", "timeline_ics"]


_NATION_TEXT = {
    Nation.ENGLAND: "England",
    Nation.WALES: "Wales",
    Nation.SCOTLAND: "Scotland",
    Nation.NORTHERN_IRELAND: "Northern Ireland",
}


def _remaining(days: int, due: dt.date, today: dt.date) -> str:
    if due < today:
        return f"{days} (overdue)"
    if due == today:
        return "0 (today)"
    return str(days)


def format_table(case: Case, authority: Authority, items: list[Deadline], today: dt.date) -> str:
    """The readable timeline: key, label, due date with its weekday, and working days left.

    Days left are working days from ``today`` (see :meth:`WorkingCalendar.working_days_between`),
    negative and marked overdue once the date has passed.
    """
    cal = calendar_for(authority)
    closures = f", {len(cal.closure_days)} closure days" if cal.closure_days else ""
    header = (
        f"{case.case.reference}: {case.conference.type.value.replace('_', '-')} conference on "
        f"{format_day(case.conference.date)}; working days in "
        f"{_NATION_TEXT[cal.nation]}{closures}, counted from {format_day(today)}"
    )
    rows = [("key", "deadline", "due", "working days left")]
    for item in items:
        left = cal.working_days_between(today, item.due)
        rows.append((item.key, item.label, format_day(item.due), _remaining(left, item.due, today)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [header, ""]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        lines.append("  ".join([*cells, row[3]]).rstrip())
    return "\n".join(lines)


def timeline_ics(case: Case, authority: Authority, items: list[Deadline]) -> bytes:
    """The timeline as an iCalendar file: one all-day event per deadline.

    Made to be imported into Outlook and Google Calendar and shared between colleagues, so:

    * summaries and descriptions carry the case reference and the rule, never a name;
    * each UID is derived from the authority, reference and key (and stage, for the record
      stage's amendments), so importing an updated timeline updates the events rather than
      duplicating them;
    * DTSTAMP is the conference date (midnight UTC), not the clock, so the same case always
      gives the same bytes;
    * events are transparent (free time): a deadline should not block a diary.

    ``icalendar`` writes CRLF line endings and folds long lines, as RFC 5545 requires.
    """
    import icalendar

    from . import __version__

    reference = case.case.reference
    stamp = dt.datetime.combine(case.conference.date, dt.time(0, 0), tzinfo=dt.UTC)
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//cpcdocs//cpcdocs {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{reference} deadlines")
    for item in items:
        event = icalendar.Event()
        # A per-stage clock gets its stage in the UID, except the decision stage's, whose UID
        # predates stages: calendars that imported it keep updating the same event.
        staged = f"-{item.stage}" if item.stage not in (None, "decision") else ""
        event.add("uid", f"{reference}-{item.key}{staged}@{authority.id}.cpcdocs")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.due)
        event.add("dtend", item.due + dt.timedelta(days=1))
        event.add("summary", f"{reference}: {item.label}")
        event.add(
            "description",
            f"{item.key}: {item.rule}.\nSource: {item.source}.\nCase {reference}, "
            f"{authority.name}.",
        )
        event.add("transp", "TRANSPARENT")
        event.add("x-microsoft-cdo-busystatus", "FREE")
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data
