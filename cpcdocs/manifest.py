"""What a pack records about itself: its manifest, its inputs' fingerprint and its post list.

The manifest (``manifest.json``) lists every document with its stage, recipient, hashes and
issue date, and the fingerprint of the inputs the pack was made from, so that a later run keeps
each stage's first issue date and a batch can skip an unchanged case. The post list
(``post-list.csv``) names every envelope whose files are new or changed since the pack last
published, with the address to print on it and the leaflets to enclose.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .authority import Authority, templates_root
from .kinds import Stage
from .model import Case
from .plan import plan_pack

if TYPE_CHECKING:
    from .selection import RenderOptions

__all__ = [
    "MANIFEST",
    "POST_LIST",
    "Envelope",
    "complete_pack",
    "envelope_address",
    "fingerprint",
    "published_dates",
    "published_manifest",
    "read_post_list",
    "write_manifest",
    "write_post_list",
]


MANIFEST = "manifest.json"


POST_LIST = "post-list.csv"


def published_manifest(pack_dir: Path) -> dict[str, Any] | None:
    """The manifest of the pack published at ``pack_dir``, or None when there is none."""
    try:
        data = json.loads((pack_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        return None
    return data


def published_dates(manifest: dict[str, Any] | None) -> dict[Stage, dt.date]:
    """The date each stage was first issued, from a published manifest."""
    out: dict[Stage, dt.date] = {}
    stages = (manifest or {}).get("stages")
    if isinstance(stages, dict):
        for name, info in stages.items():
            try:
                out[Stage(name)] = dt.date.fromisoformat(str(info.get("issued_on")))
            except (ValueError, AttributeError):
                continue
    return out


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree_sha256(root: Path) -> str:
    """A hash of every file under ``root`` (names and contents), for change detection."""
    digest = hashlib.sha256()
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(root)).encode())
            digest.update(b"\0")
            digest.update(sha256_hex(path.read_bytes()).encode())
    return digest.hexdigest()


def fingerprint(
    case_bytes: bytes,
    authority: Authority,
    options: RenderOptions,
    issued_on: dt.date | None,
) -> dict[str, str]:
    """The inputs a pack depends on, recorded in its manifest so a batch can skip unchanged ones.

    Covers the case file, the authority profile (and the images beside it), the built-in and
    overriding templates, the cpcdocs version and the options that change output. A stage
    falling due changes the pack even when none of these has changed: the manifest's
    ``recheck_on`` says from when (:func:`cpcdocs.selection.recheck_on`).
    """
    authority_hash = hashlib.sha256(authority.model_dump_json(exclude={"base_dir"}).encode())
    for image in (
        authority.logo_path,
        *(authority.resolve(p) for p in authority.signatures.values()),
    ):
        if image is not None and image.is_file():
            authority_hash.update(image.read_bytes())
    templates = _tree_sha256(templates_root())
    if options.templates:
        templates = sha256_hex((templates + _tree_sha256(Path(options.templates))).encode())
    chosen: dict[str, Any] = {
        "formats": options.formats,
        "only": options.only,
        "recipients": options.recipients,
        "stages": options.stages,
        "issued_on": issued_on.isoformat() if issued_on else None,
    }
    if options.sign is not None:  # an unsigned pack is not the same pack as a signed one
        chosen["signing_key_sha256"] = options.sign.key_fingerprint()
    selection = json.dumps(chosen, sort_keys=True)
    return {
        "input_sha256": sha256_hex(case_bytes),
        "authority_sha256": authority_hash.hexdigest(),
        "templates_sha256": templates,
        "generator": f"cpcdocs {__version__}",
        "options_sha256": sha256_hex(selection.encode()),
    }


def envelope_is_safe(case: Case, kind: str, some_id: str) -> bool:
    """Whether the envelope's address is a safe address (withheld from someone in the case)."""
    if kind == "person":
        return bool(case.person(some_id).withhold_address_from)
    if kind == "child":
        child = case.child(some_id)
        return any(case.person(p).withhold_address_from for p in child.lives_with if p)
    return False


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """The manifest, with stable key order so identical packs are identical bytes."""
    path.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def complete_pack(
    staging: Path,
    case: Case,
    manifest: dict[str, Any],
    published_dir: Path | None,
    before: dict[str, Any] | None,
) -> dict[str, Any]:
    """Carry over the published documents this run did not render; write manifest and post list.

    A published document is carried over byte for byte when it is still in the plan; one that
    is not (a person removed from the case) is dropped, and the run says so. The post list
    names every envelope whose files are new or changed since the pack last published.
    """
    planned = {path for d in plan_pack(case) for path in d.paths()}
    rendered = {e["path"] for e in manifest["documents"]}
    dropped: list[str] = []
    for entry in (before or {}).get("documents", []):
        rel = str(entry.get("path", "")) if isinstance(entry, dict) else ""
        if not rel or rel in rendered or published_dir is None:
            continue
        source = published_dir / rel
        if rel not in planned or not source.is_file() or "stage" not in entry:
            dropped.append(rel)
            continue
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        manifest["documents"].append(dict(entry))
    order = {p: i for i, p in enumerate(p for d in plan_pack(case) for p in d.paths())}
    manifest["documents"].sort(key=lambda e: (order.get(e["path"], len(order)), e["path"]))
    stages: dict[str, dict[str, str]] = {}
    first = (before or {}).get("stages") or {}
    for entry in manifest["documents"]:
        name = entry["stage"]
        if name not in stages:
            kept = first.get(name, {}).get("issued_on") if isinstance(first, dict) else None
            stages[name] = {"issued_on": kept or entry["issued_on"]}
    manifest["stages"] = {s.value: stages[s.value] for s in Stage if s.value in stages}
    manifest["dropped"] = dropped
    write_manifest(staging / MANIFEST, manifest)
    old = {
        str(e.get("path")): e.get("sha256")
        for e in (before or {}).get("documents", [])
        if isinstance(e, dict)
    }
    write_post_list(staging / POST_LIST, case, post_list(manifest["documents"], old))
    return manifest


#: One envelope of the post list: stage, recipient id, file names, leaflets enclosed.
Envelope = tuple[str, str, tuple[str, ...], tuple[str, ...]]


def post_list(entries: Sequence[dict[str, Any]], published: dict[str, Any]) -> list[Envelope]:
    """Envelopes with any file new or changed since ``published``, with what goes in them.

    The leaflets are the union, in order, of what each document in the envelope encloses
    (:func:`~cpcdocs.enclosures.enclosures`, the same function the letters' wording uses).
    """
    envelopes: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    changed: set[tuple[str, str]] = set()
    for entry in entries:
        key = (entry["stage"], entry["recipient"])
        files, leaflets = envelopes.setdefault(key, ([], []))
        files.append(entry["path"].rsplit("/", 1)[-1])
        leaflets.extend(t for t in entry.get("enclosures", ()) if t not in leaflets)
        if published.get(entry["path"]) != entry["sha256"]:
            changed.add(key)
    return [
        (s, r, tuple(files), tuple(leaflets))
        for (s, r), (files, leaflets) in envelopes.items()
        if (s, r) in changed
    ]


def envelope_address(case: Case, kind: str, some_id: str) -> tuple[str, ...]:
    """The address lines printed on an envelope: the same as the letter's window address."""
    if kind == "professional":
        pro = case.professional(some_id)
        return (pro.agency, *(pro.address or ()))
    if kind == "person":
        return tuple(case.person(some_id).address or ())
    child = case.child(some_id)
    for carer in child.lives_with:
        person = case.person(carer)
        if person.address:
            return tuple(person.address)
    return ()


def write_post_list(path: Path, case: Case, envelopes: Sequence[Envelope]) -> None:
    """``post-list.csv``: stage, recipient, name, address lines, safe-address flag, files.

    Plus ``enclosures``: the leaflets to put in the envelope, separated by ``;``.
    """
    import csv
    import io

    from .rules import recipient_of

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["stage", "recipient", "name", "address", "safe_address", "files", "enclosures"]
    )
    for stage, recipient, files, leaflets in envelopes:
        kind = recipient_of(case, recipient).kind
        safe = envelope_is_safe(case, kind, recipient)
        writer.writerow(
            [
                stage,
                recipient,
                case.name_of(recipient),
                "\n".join(envelope_address(case, kind, recipient)),
                "yes" if safe else "no",
                " ".join(files),
                "; ".join(leaflets),
            ]
        )
    path.write_text(buffer.getvalue(), encoding="utf-8")


def read_post_list(pack_dir: Path) -> list[Envelope]:
    """The post list of a published pack, as (stage, recipient, files, leaflets)."""
    import csv

    try:
        with (pack_dir / POST_LIST).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError:
        return []
    return [
        (
            r["stage"],
            r["recipient"],
            tuple(r["files"].split()),
            tuple(t for t in r.get("enclosures", "").split("; ") if t),
        )
        for r in rows
    ]
