"""Fill a cpcdocs form in LibreOffice, as an author using LibreOffice Writer would, and save it.

Run with the system Python that has LibreOffice's ``uno`` module (Debian: python3-uno), not
the project's virtual environment:

    /usr/bin/python3 tests/forms/lo_fill.py JOBS.json PROFILE_DIR

``JOBS.json`` is a list of ``{"source": FORM.docx, "target": OUT.docx, "answers": {...}}``,
all filled in one LibreOffice session. The answers are ``{"sections": {"<bookmark index>":
{"text": ..., "share": "Yes"|"No", "about": [tick box positions]}}, "report_share":
"Yes"|"No", "reason": ..., "present": [attendance rows], "apologies": [attendance rows]}``
(rows counted from 0 after the header). Each section is
found by its bookmark (``cpcdocs_s<N>``), as a LibreOffice user finds it on the page: the
text typed over the placeholder, the drop-down set, the tick boxes ticked through their
content controls. The document is saved by LibreOffice's own Word filter ("MS Word 2007
XML"), so ``collect`` meets exactly what LibreOffice writes.

LibreOffice is started here (headless, with its own throwaway profile) and stopped again.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def controls(cell: object) -> list[object]:
    """The content controls in a table cell, in order."""
    found = []
    paragraphs = cell.createEnumeration()
    while paragraphs.hasMoreElements():
        portions = paragraphs.nextElement().createEnumeration()
        while portions.hasMoreElements():
            portion = portions.nextElement()
            if portion.TextPortionType == "ContentControl":
                found.append(portion.ContentControl)
    return found


def set_control_text(control: object, text: str) -> None:
    """Replace what a content control shows (its placeholder too), as typing over it does."""
    control.ShowingPlaceHolder = False
    portions = control.createEnumeration()
    first = True
    while portions.hasMoreElements():
        portion = portions.nextElement()
        portion.setString(text if first else "")
        first = False


def fill(doc: object, answers: dict) -> None:
    bookmarks = doc.getBookmarks()
    for index, answer in answers.get("sections", {}).items():
        table = bookmarks.getByName(f"cpcdocs_s{index}").getAnchor().TextTable
        # the rich text box: LibreOffice shows its placeholder as a field; typing replaces it
        table.getCellByName("B1").setString(answer["text"])
        if answer.get("share"):
            (dropdown,) = controls(table.getCellByName("B2"))
            set_control_text(dropdown, answer["share"])
        boxes = controls(table.getCellByName("B3"))
        for position in answer.get("about", []):
            boxes[position].Checked = True
            set_control_text(boxes[position], "\u2612")
    if answers.get("present") or answers.get("apologies"):
        table = bookmarks.getByName("cpcdocs_attendance").getAnchor().TextTable
        for column, key in (("C", "present"), ("D", "apologies")):
            for row in answers.get(key, []):
                (box,) = controls(table.getCellByName(f"{column}{row + 2}"))
                box.Checked = True
                set_control_text(box, "\u2612")
    if answers.get("report_share") or answers.get("reason"):
        table = bookmarks.getByName("cpcdocs_sharing").getAnchor().TextTable
        if answers.get("report_share"):
            (dropdown,) = controls(table.getCellByName("B1"))
            set_control_text(dropdown, answers["report_share"])
        if answers.get("reason"):
            table.getCellByName("B2").setString(answers["reason"])


def main(jobs_file: str, profile: str) -> int:
    with open(jobs_file, encoding="utf-8") as handle:
        jobs = json.load(handle)
    pipe = f"cpcdocs_fill_{abs(hash(jobs_file)) % 10**8}"
    office = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            f"-env:UserInstallation={uno.systemPathToFileUrl(profile)}",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if time.monotonic() > deadline or office.poll() is not None:
                    raise
                time.sleep(0.2)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        for job in jobs:
            doc = desktop.loadComponentFromURL(
                uno.systemPathToFileUrl(job["source"]), "_blank", 0, (prop("Hidden", True),)
            )
            fill(doc, job["answers"])
            doc.storeToURL(
                uno.systemPathToFileUrl(job["target"]), (prop("FilterName", "MS Word 2007 XML"),)
            )
            doc.close(True)
        with contextlib.suppress(Exception):  # the bridge goes down as the office quits
            desktop.terminate()
        office.wait(timeout=30)
    finally:
        if office.poll() is None:
            office.kill()
            office.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
