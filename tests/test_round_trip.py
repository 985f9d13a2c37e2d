"""The reports come back and the record goes out: the whole round trip through a real pack.

render (the forms go out with the invitations) -> an author fills each form -> ``collect`` ->
the case includes what came back -> render the ``reports`` and ``record`` stages -> each family
copy holds exactly the sections its reader may see, and the audit is clean.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli
from test_collect import AMES, AMES_REASON, DOYLE, PATEL, _case_without_returns, fill

from cpcdocs.extract import extract_bytes

pytestmark = pytest.mark.slow
REF = "NM-2026-0412"


def _text(path: Path) -> str:
    return " ".join(" ".join(c.text for c in extract_bytes(path.read_bytes(), "pdf")).split())


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("round-trip")
    case = _case_without_returns(folder, include=None)  # nothing has come back yet
    out = folder / "out"
    status, _, err = run_cli("render", case, "-o", out, "--stage", "invitations")
    assert status == 0, err
    pack = out / REF / "invitations"
    returned = {
        "ames.docx": fill(
            (pack / "teacher-ames" / "report_proforma-maya.docx").read_bytes(),
            AMES,
            reason=AMES_REASON,
        ),
        "patel.docx": fill(
            (pack / "sw-patel" / "child_report-theo.docx").read_bytes(),
            PATEL,
            reason="Mr Quinn must not learn how his bail is being watched.",
        ),
        "doyle.docx": fill(
            (pack / "mt-doyle" / "record_shell.docx").read_bytes(),
            DOYLE,
            report_share=None,
            present=("mother", "maya", "sw-patel"),
            apologies=("gp-shah",),
        ),
    }
    for name, data in returned.items():
        (folder / name).write_bytes(data)
    status, _, err = run_cli(
        "collect",
        *(folder / n for n in returned),
        "--case",
        case,
        "-o",
        folder / "returned.yaml",
        "--received-on",
        "2027-01-02",
    )
    assert status == 0, err
    case = _case_without_returns(folder)  # the case now includes what came back
    status, _, err = run_cli("render", case, "-o", out, "--stage", "reports,record")
    assert status == 0, err
    return out / REF


def test_each_family_copy_of_an_agency_report_holds_its_shareable_sections(
    round_trip: Path,
) -> None:
    mother = _text(round_trip / "reports" / "mother" / "agency_report-maya-teacher-ames.pdf")
    for text, share, _ in AMES.values():
        first_line = text.split("\n")[0]
        assert (first_line in mother) == (share == "Yes"), first_line
    assert "A classmate said Mr Lin shouted" not in mother
    father = _text(round_trip / "reports" / "father-maya" / "agency_report-maya-teacher-ames.pdf")
    assert "Ms Harrow comes to every parents' evening." in father
    assert "A classmate said Mr Lin shouted" not in father


def test_the_social_workers_report_is_the_returned_one_cut_for_each_reader(
    round_trip: Path,
) -> None:
    mother = _text(round_trip / "reports" / "mother" / "child_report-theo.pdf")
    assert "Theo was present during the incident in November." in mother
    assert "His grandmother, Halina Harrow, helps every day." in mother
    assert "Mr Quinn's bail conditions are not yet tested." not in mother
    father = _text(round_trip / "reports" / "father-theo" / "child_report-theo.pdf")
    assert "Mr Quinn's bail conditions are not yet tested." not in father
    assert "Theo was present during the incident in November." in father


def test_the_record_goes_out_cut_per_reader_and_not_to_mr_quinn(round_trip: Path) -> None:
    mother = _text(round_trip / "record" / "mother" / "conference_record.pdf")
    assert "The school described Maya's attendance." in mother
    assert "The police described their investigation." not in mother
    assert not (round_trip / "record" / "father-theo").exists()
    professional = _text(round_trip / "record" / "pc-mensah" / "conference_record.pdf")
    assert "The police described their investigation." in professional
    assert "Sending the record would tell Mr Quinn" in professional  # the chair's reason
    lin = _text(round_trip / "record" / "father-maya" / "conference_record.pdf")
    assert "Theo is likely to suffer significant harm." not in lin  # about Theo only


def test_the_round_trip_pack_audits_clean(round_trip: Path) -> None:
    case = round_trip.parent.parent / "case.yaml"
    status, out, err = run_cli("audit", round_trip, "--case", case)
    assert status == 0, out + err
