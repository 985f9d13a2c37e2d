"""The field types every case shape is built from, and the text item.

A slug, a reference, a line of an address, a tag, a date written ``YYYY-MM-DD``, and
:class:`TextItem` (a sentence a document may print, written as a string or a mapping) are
declared once here so that the case shapes (:mod:`cpcdocs.model`), the conference's outcome
(:mod:`cpcdocs.outcome`) and the authority profile (:mod:`cpcdocs.authority`) constrain the
same words the same way. :class:`Strict` is the base every shape shares: unknown keys are an
error and a loaded case is frozen.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

__all__ = [
    "AddressLines",
    "Date",
    "Language",
    "Line",
    "Reference",
    "Slug",
    "Strict",
    "Tag",
    "Text",
    "TextItem",
    "TextValue",
]

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]+$", min_length=1, max_length=64)]
Reference = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", min_length=1, max_length=64)
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Line = Annotated[str, StringConstraints(min_length=1, max_length=200)]
#: A language code, as a catalog is named: ``en``, ``cy``, ``pl``, ``pt_BR`` (cpcdocs.i18n).
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}([_-][A-Za-z0-9]{2,8})?$")]
AddressLines = Annotated[list[Line], Field(min_length=1, max_length=10)]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$", min_length=1, max_length=64)]


def _date_as_written(value: Any) -> Any:
    # pydantic reads a number as a Unix timestamp (`date: 0` would be 1970-01-01) and a
    # YAML timestamp as a date; a case file's dates are only ever written YYYY-MM-DD.
    if isinstance(value, dt.datetime | int | float):
        msg = "expected a date written YYYY-MM-DD"
        raise ValueError(msg)
    return value


Date = Annotated[dt.date, BeforeValidator(_date_as_written)]


class Strict(BaseModel):
    """The base of every case shape: no unknown keys, frozen once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class TextItem(Strict):
    """A sentence a document may print, under the same redaction rules as an information item.

    Written in the case file either as a plain string (about no one in particular, no tags) or
    as a mapping; both load into this one shape, so no later stage can tell them apart and
    forget a rule for one of them.
    """

    text: Text
    about: list[Slug] = Field(default_factory=list)
    tags: list[Tag] = Field(default_factory=list)
    withhold_from: list[Slug] = Field(
        default_factory=list,
        description="The chair's decision: never in these readers' copies.",
    )
    children: list[Slug] | None = Field(
        default=None,
        description="Which children the text concerns; by default its place decides (a plan's "
        "child, a report's child, a child's own field).",
    )
    heading: Line | None = Field(
        default=None, description="cpcdocs addition: a returned report section's heading."
    )

    def __str__(self) -> str:
        return self.text.strip()


def _text_item(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


#: A text item field: a string or a ``{text, about, tags, withhold_from}`` mapping.
TextValue = Annotated[TextItem, BeforeValidator(_text_item)]
