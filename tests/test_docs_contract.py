"""The documents shipped in ``docs/``: the case-format contract and the authority profile.

A user's checkout has no ``../shared/`` beside it, so the tests, the README and ``make demo``
read the copy in ``docs/``. Where the shared original exists (the team's machines), this test
fails as soon as the two differ, so the copy is never stale; elsewhere it is skipped. The
authority profile's page documents every key the model has, and its example is a valid profile.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from cpcdocs.authority import Authority

ROOT = Path(__file__).resolve().parent.parent
COPY = ROOT / "docs" / "case-format"
SHARED = ROOT.parent / "shared" / "case-format"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_the_contract_ships_in_docs() -> None:
    names = set(_files(COPY))
    assert {"README.md", "example-case.yaml", "example-authority.yaml"} <= names


@pytest.mark.skipif(not SHARED.is_dir(), reason="no ../shared/case-format beside the checkout")
def test_the_copy_equals_the_shared_contract() -> None:
    shared, copy = _files(SHARED), _files(COPY)
    assert sorted(copy) == sorted(shared), "docs/case-format/ has other files than the contract"
    stale = [name for name in shared if copy[name] != shared[name]]
    assert stale == [], f"copy {SHARED}/* to docs/case-format/ again: {stale} differ"


# -- the authority profile, documented key by key --------------------------------------------------

PROFILE_DOC = ROOT / "docs" / "authority-profile.md"


def _profile_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every value key of the profile, nested keys dotted (``complaints.chairs_manager.title``)."""
    keys = []
    for name, info in model.model_fields.items():
        if info.exclude:
            continue
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys.extend(_profile_keys(annotation, f"{prefix}{name}."))
        else:
            keys.append(prefix + name)
    return keys


def test_every_profile_key_is_documented() -> None:
    doc = PROFILE_DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_][a-z0-9_.]*)`", doc))
    # "`complaints.chairs_manager.email`, `.phone`": a sibling written with a leading dot
    for parent, siblings in re.findall(r"`([a-z_.]+)\.[a-z_]+`((?:, `\.[a-z_]+`)+)", doc):
        documented.update(parent + s for s in re.findall(r"`(\.[a-z_]+)`", siblings))
    missing = [key for key in _profile_keys(Authority) if key not in documented]
    assert missing == [], f"docs/authority-profile.md does not document {missing}"


def test_the_documented_example_profile_is_valid() -> None:
    doc = PROFILE_DOC.read_text(encoding="utf-8")
    example = doc.split("## A complete example")[1].split("```yaml")[1].split("```")[0]
    profile = Authority.model_validate(yaml.safe_load(example))
    assert profile.nation.value == "wales"
    assert profile.solicitors.value == "with_chair_agreement"


def test_readme_links_the_setting_up_section() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Setting up a council")[1].split("\n## ")[0]
    assert "docs/authority-profile.md" in section
    assert "cpcdocs init" in section
