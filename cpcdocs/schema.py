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


_TEXT_ITEM = "#/$defs/TextItem"


def _text_items_as_strings_too(node: Any) -> Any:
    """A text item may be written as a plain string: say so wherever the schema names one.

    pydantic sees only the model the string is turned into (``model.TextValue``), so the
    schema it writes would refuse the plain strings every case file is full of.
    """
    if isinstance(node, dict):
        if node.get("$ref") == _TEXT_ITEM:
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return {
                "anyOf": [
                    {"type": "string", "minLength": 1, "maxLength": 20_000},
                    {"$ref": _TEXT_ITEM},
                ],
                **rest,
            }
        return {k: _text_items_as_strings_too(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_text_items_as_strings_too(v) for v in node]
    return node


def case_schema() -> dict[str, Any]:
    """The JSON Schema of a case file."""
    schema: dict[str, Any] = _text_items_as_strings_too(Case.model_json_schema(mode="validation"))
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
