"""``cpcdocs schema``: a Draft 2020-12 JSON Schema that agrees with ``validate``."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import EXAMPLE, ROOT, run_cli

from cpcdocs.authority import builtin_authorities


def as_json(value: Any) -> Any:
    """YAML data as JSON would carry it: dates become ISO strings."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def read_json_yaml(path: Path) -> Any:
    return as_json(yaml.safe_load(path.read_text(encoding="utf-8")))


def schema_from_cli(*args: str) -> dict[str, Any]:
    status, out, err = run_cli("schema", *args)
    assert (status, err) == (0, "")
    return json.loads(out)


@pytest.fixture(scope="module")
def case_validator() -> jsonschema.Draft202012Validator:
    schema = schema_from_cli()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def errors(validator: jsonschema.Draft202012Validator, data: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)
    ]


def test_schema_declares_draft_2020_12() -> None:
    schema = schema_from_cli()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "cpcdocs case file"
    assert set(schema["required"]) >= {"case", "conference", "children", "professionals"}


def test_schema_accepts_every_sample_and_the_example(
    any_case: Path, case_validator: jsonschema.Draft202012Validator
) -> None:
    assert errors(case_validator, read_json_yaml(any_case)) == []


def test_schema_rejects_an_unknown_key(case_validator: jsonschema.Draft202012Validator) -> None:
    data = read_json_yaml(EXAMPLE)
    data["children"][0]["date_of_brith"] = "2013-09-14"
    problems = errors(case_validator, data)
    assert len(problems) == 1
    assert problems[0].startswith("children/0: ")
    assert "date_of_brith" in problems[0]


def test_schema_rejects_an_unknown_top_level_key(
    case_validator: jsonschema.Draft202012Validator,
) -> None:
    data = read_json_yaml(EXAMPLE)
    data["notes"] = "remember the room"
    assert errors(case_validator, data)


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("conference", "type"), "emergency"),
        (("conference", "start"), 600),
        (("case", "reference"), "../../x"),
        (("conference", "date"), "27 January 2027"),
    ],
)
def test_schema_rejects_wrong_values(
    case_validator: jsonschema.Draft202012Validator, where: tuple[str, str], value: Any
) -> None:
    data = copy.deepcopy(read_json_yaml(EXAMPLE))
    data[where[0]][where[1]] = value
    assert errors(case_validator, data), (where, value)


def test_schema_rejects_a_missing_required_key(
    case_validator: jsonschema.Draft202012Validator,
) -> None:
    data = read_json_yaml(EXAMPLE)
    del data["conference"]["chair"]
    assert any("'chair' is a required property" in e for e in errors(case_validator, data))


def test_authority_schema_accepts_the_profiles() -> None:
    schema = schema_from_cli("--authority")
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["title"] == "cpcdocs authority profile"
    assert "base_dir" not in schema.get("properties", {})
    validator = jsonschema.Draft202012Validator(schema)
    profiles = [
        *builtin_authorities().values(),
        ROOT / "docs/case-format/example-authority.yaml",
    ]
    for path in profiles:
        assert errors(validator, read_json_yaml(path)) == [], path
    bad = read_json_yaml(profiles[-1])
    bad["nation"] = "cornwall"
    assert errors(validator, bad)
