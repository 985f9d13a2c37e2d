"""Withheld values planted in returned reports and in the conference record.

A report section, a record entry, a decision reason and the chair's reason for not sending
the record are free text: words a professional or the chair typed, sent to the family. Each
must be refused before rendering when it quotes something withheld from a reader who receives
it (the quote check, exit 3, naming the field path), and found in the real file by the audit
alone when that check is switched off. Until 2026-12-02 the view fields holding them were
counted as structured values, so they excused themselves: these tests are the hole's fence.

The base is the version 2 example (reports returned, record approved); every value planted is
one the example already withholds from the reader named.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT
from test_quotes import quotes_for

from cpcdocs.audit import audit_pack
from cpcdocs.authority import builtin_authorities
from cpcdocs.errors import LeakFound
from cpcdocs.load import load_authority
from cpcdocs.model import Case
from cpcdocs.pack import RenderOptions, render_pack

BASE = ROOT / "samples" / "example-record.yaml"
NORTHMOOR = load_authority(builtin_authorities()["northmoor"])

POLICE = (
    "Police are investigating an allegation that Mr Quinn assaulted Ms Harrow on 28 November 2026."
)
NEIGHBOUR = "A neighbour reported hearing shouting from the flat on several evenings in November."
HEALTH = "Ms Harrow is receiving treatment for depression from her GP."
REFUGE = "Ms Harrow has a panic alarm fitted and a place held at the Larch House refuge."
SAFE_STREET = "He must not go near 41 Wren Road."

Plant = Callable[[dict[str, Any], str], None]


def _base() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    return data


def _report_section(data: dict[str, Any], value: str) -> None:
    """A plain section of the teacher's report about Maya (shared with the family)."""
    report = next(r for r in data["reports"] if r["author"] == "teacher-ames")
    report["sections"].append(value)


def _decision_reason(data: dict[str, Any], value: str) -> None:
    data["record"]["sections"]["decision_reasons"].append(value)


def _record_entry(data: dict[str, Any], value: str) -> None:
    """A record entry about Maya that both her parents may read, with the value inside it."""
    data["record"]["sections"]["parents_views"].append(
        {"text": f"Ms Harrow said: {value}", "children": ["maya"], "about": ["mother"]}
    )


def _not_sent_reason(data: dict[str, Any], value: str) -> None:
    """The chair's reason for not sending Mr Quinn the record, which his letter gives."""
    data["record"]["not_sent_to"][0]["reason"] = f"Sending it is unsafe. {value}"


#: (field planted, reader, value, the withheld item it quotes, the rule withholding it). The
#: police item concerns Theo, so in Maya's report it is withheld from her mother as another
#: child's (``per-child-document``); the mother's health concerns both children, so Maya's own
#: copy withholds it as a sibling's too (``other-child``, the child profile's stricter rule),
#: and from Mr Lin, who is connected to Maya alone, as Theo's.
PLANTS: dict[str, tuple[Plant, str, str, str, str]] = {
    "police item in a report section, to the mother": (
        _report_section, "mother", POLICE, "police-investigation", "per-child-document",
    ),
    "a parent's health in a report section, to the child": (
        _report_section, "maya", HEALTH, "mother-health", "other-child",
    ),
    "third-party item in a decision reason, to the mother": (
        _decision_reason, "mother", NEIGHBOUR, "neighbour-report", "tag:third_party",
    ),
    "a mother's health in a record entry, to the other father": (
        _record_entry, "father-maya", HEALTH, "mother-health", "other-child",
    ),
    "refuge in a record entry, to the other father": (
        _record_entry, "father-maya", REFUGE, "refuge-referral", "other-child",
    ),
    "third-party item in a record entry, to the other father": (
        _record_entry, "father-maya", NEIGHBOUR, "neighbour-report", "tag:third_party",
    ),
    "safe address in the chair's reason, to the excluded father": (
        _not_sent_reason, "father-theo", SAFE_STREET, "mother", "address-withheld",
    ),
}  # fmt: skip


def _planted(name: str) -> dict[str, Any]:
    plant, _, value, _, _ = PLANTS[name]
    data = copy.deepcopy(_base())
    plant(data, value)
    return data


def test_the_base_quotes_nothing_to_these_readers() -> None:
    data = _base()
    for reader in {spec[1] for spec in PLANTS.values()}:
        assert quotes_for(data, reader) == [], reader


@pytest.mark.parametrize("name", PLANTS)
def test_the_quote_check_names_the_field_and_the_rule(name: str) -> None:
    _, reader, value, item, rule = PLANTS[name]
    quotes = quotes_for(_planted(name), reader)
    assert any(q.item == item and q.rule == rule for q in quotes), quotes
    for quote in quotes:  # named by field path and rule, never by the value
        assert value not in str(quote) and "Wren" not in str(quote)


@pytest.mark.slow
def test_render_refuses_a_planted_record_before_rendering(tmp_path: Path) -> None:
    data = _planted("safe address in the chair's reason, to the excluded father")
    case_file = tmp_path / "case.yaml"
    case_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(LeakFound) as refused:
        render_pack(case_file, tmp_path / "out", RenderOptions(recipients=("father-theo",)))
    assert "record" in str(refused.value) and "address-withheld" in str(refused.value)
    assert "Wren" not in str(refused.value)
    assert not (tmp_path / "out" / "NM-2026-0412").exists()


#: Quoted in a view no template prints yet: Mr Quinn's own reason is in his views (his letters
#: may give it), but no letter of his prints it, so there is nothing in a file to find.
UNPRINTED = {"safe address in the chair's reason, to the excluded father"}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(PLANTS) - UNPRINTED))
def test_the_audit_alone_finds_it_in_the_real_file(tmp_path: Path, name: str) -> None:
    from test_leak_corpus import hostile_pack

    _, reader, value, item, rule = PLANTS[name]
    data = _planted(name)
    pack = hostile_pack(tmp_path, data, reader, ("pdf",))
    report = audit_pack(pack, Case.model_validate(data), NORTHMOOR)
    leaks = [f for f in report.findings if f.kind == "leak"]
    assert any(f.item == item and f.rule == rule for f in leaks), report.format_text()
    assert value not in report.format_text()
