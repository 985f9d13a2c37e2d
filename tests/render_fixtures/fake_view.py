"""A small stand-in for cpcdocs.views.View with exactly the fields the layout reads.

Used by tests/test_render_engine.py and tools/preview.py, so the rendering engine can be
tested and looked at without a case file. Every name here is fictional.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Leaflets:
    parents: str = "A guide to child protection conferences for parents and carers"
    children: str = "What is a child protection conference?"


@dataclass(frozen=True)
class Authority:
    name: str = "Northmoor Borough Council"
    service: str = "Children's Services"
    partnership: str | None = "Northmoor Safeguarding Children Partnership"
    address: tuple[str, ...] = ("Civic Centre", "Market Street", "Northmoor", "NM1 2AB")
    phone: str = "01632 960000"
    email: str = "cp.conferences@northmoor.example"
    website: str | None = "https://northmoor.example/child-protection"
    logo_path: Path | None = TEMPLATES / "authorities" / "logo.png"
    marking: str = "OFFICIAL-SENSITIVE"
    conference_service: Contact = Contact(
        "Safeguarding and Quality Assurance Service",
        "01632 960123",
        "cp.conferences@northmoor.example",
    )
    complaints: Any = None
    leaflets: Leaflets = Leaflets()
    advice_lines: tuple[Contact, ...] = (
        Contact("Family Rights Group advice line", "0808 801 0366"),
    )
    chair_signature_path: Path | None = (
        TEMPLATES / "authorities" / "signatures" / "chair-okafor.png"
    )


@dataclass(frozen=True)
class Recipient:
    id: str = "mother"
    name: str = "Ms Claire Harrow"
    salutation: str = "Dear Ms Harrow"
    address_lines: tuple[str, ...] = ("Flat 2", "41 Wren Road", "Northmoor", "NM4 7QT")
    email: str | None = None


@dataclass(frozen=True)
class Child:
    id: str
    name: str


@dataclass(frozen=True)
class Conference:
    date: dt.date = dt.date(2027, 1, 6)
    start: str = "10:00"
    end: str = "12:00"
    arrive: str = "09:45"
    venue_name: str = "Civic Centre, Meeting Room 4"
    venue_address: tuple[str, ...] = ("Civic Centre", "Market Street", "Northmoor", "NM1 2AB")
    chair: str = "Ann Okafor"


@dataclass(frozen=True)
class FakeView:
    kind: str = "invitation"
    profile: str = "parent"
    reference: str = "NM-2026-0412"
    issued_on: dt.date = dt.date(2026, 12, 14)
    title: str = "Invitation to a child protection conference"
    is_letter: bool = True
    large_print: bool = False
    easy_read: bool = False
    language: str = "en-GB"
    recipient: Recipient = Recipient()
    authority: Authority = Authority()
    contact: Contact = Contact("Priya Patel", "01632 960321", "priya.patel@northmoor.example")
    conference: Conference = Conference()
    children: tuple[Child, ...] = (
        Child("maya", "Maya Lin Harrow"),
        Child("theo", "Theo Harrow-Quinn"),
    )
    child: Child | None = None
    timetable: tuple[tuple[str, str], ...] = (
        ("09:45", "Meet the chair"),
        ("10:00", "Conference begins"),
        ("12:00", "Conference ends"),
    )
    extra_paragraphs: tuple[str, ...] = field(default_factory=tuple)


def fake_view(**changes: Any) -> FakeView:
    """A parent's invitation; keyword arguments replace fields (``recipient=...``)."""
    return replace(FakeView(), **changes)


def professional_view(**changes: Any) -> FakeView:
    """A professional's invitation (no handling line)."""
    base: dict[str, Any] = {
        "profile": "professional",
        "recipient": Recipient(
            "teacher-ames",
            "Mrs Helen Ames, Designated Safeguarding Lead",
            "Dear Mrs Ames",
            ("Northmoor Academy", "School Lane", "Northmoor", "NM3 4AA"),
            "h.ames@northmoor-academy.example",
        ),
    }
    base.update(changes)
    return fake_view(**base)
