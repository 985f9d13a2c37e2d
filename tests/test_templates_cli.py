"""`cpcdocs templates list|check`: overrides by name, and errors with file and line."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli as run


def test_list_shows_built_in_and_overridden(tmp_path: Path) -> None:
    (tmp_path / "letters").mkdir()
    override = tmp_path / "letters" / "invitation.html.j2"
    override.write_text("<p>{{ view.recipient.salutation }},</p>\n")
    code, stdout, _ = run("templates", "list", "--templates", str(tmp_path))
    assert code == 0
    lines = dict(line.split("  ", 1) for line in stdout.splitlines())
    assert lines["letters/invitation.html.j2"] == str(override)
    assert lines["letters/decision_letter.html.j2"] == "built-in"
    assert lines["docx/report_proforma.docx"] == "built-in"


def test_check_passes_on_built_in_templates() -> None:
    code, stdout, stderr = run("templates", "check")
    assert code == 0, stderr
    assert stdout.strip() == "templates ok"


def test_check_reports_syntax_error_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "letters").mkdir()
    bad = tmp_path / "letters" / "decision_letter.html.j2"
    bad.write_text("<p>Hello</p>\n<p>{% if view.profile %}unclosed</p>\n")
    code, _, stderr = run("templates", "check", "--templates", str(tmp_path))
    assert code == 4
    assert f"{bad}:" in stderr
    assert "Traceback" not in stderr


def test_check_reports_undefined_variable_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "letters").mkdir()
    bad = tmp_path / "letters" / "invitation.html.j2"
    bad.write_text("<p>{{ view.recipient.salutation }},</p>\n<p>{{ view.nonexistent }}</p>\n")
    code, _, stderr = run("templates", "check", "--templates", str(tmp_path))
    assert code == 4
    assert f"{bad}:2:" in stderr
    assert "nonexistent" in stderr
