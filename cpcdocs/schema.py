"""JSON Schemas of the case file and the authority profile, for editors and other tools.

Generated from the pydantic models, so the schema can never drift from what ``validate``
accepts; the tests check every sample against it with ``jsonschema``.
"""

from __future__ import annotations

from typing import Any

from .authority import Authority
from .model import Case

__all__ = ["authority_schema", "case_schema"]

_SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"


def case_schema() -> dict[str, Any]:
    """The JSON Schema of a case file."""
    schema = Case.model_json_schema(mode="validation")
    schema["$schema"] = _SCHEMA_URI
    schema["title"] = "cpcdocs case file"
    return schema


def authority_schema() -> dict[str, Any]:
    """The JSON Schema of an authority profile."""
    schema = Authority.model_json_schema(mode="validation")
    schema["$schema"] = _SCHEMA_URI
    schema["title"] = "cpcdocs authority profile"
    schema.get("properties", {}).pop("base_dir", None)
    return schema
