"""Make N fictional case files from the samples, for batch tests and the benchmark.

    python tools/generate_corpus.py 200 bench/work/corpus [--seed 7] [--no-validate]

Each generated case is one of the samples (chosen in turn from a seeded shuffle) with:

- a new reference ``GEN-<seed>-<n>``;
- every date moved by the same whole number of weeks (weekdays and ages are kept, so the
  timescales and who is over 12 stay what the sample meant them to be);
- every name replaced, token by token and consistently across the file (``Ms Walsh`` in a
  sentence follows ``Kerry Walsh`` in ``people``), from fixed fictional lists that share no
  word with the samples, so the audit's view of the case is the sample's;
- sometimes one or two more children: younger siblings cloned from a born child, with the same
  parents, the same information items and, when a decision exists, the same outcome and plan;
- an ``issued:`` date for every stage the case is ready for (contract version 2): the sample's,
  moved with the other dates, or one set from the case's own events when the sample has none,
  so every stage renders on whatever day a batch runs (no stage waits for the calendar).

Case ``n`` depends only on the seed and ``n``: ``generate(500)`` begins with ``generate(200)``.
Every generated case is validated unless ``--no-validate``.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import random
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Fictional names chosen to share no word with the samples, the templates or each other.
FEMALE = _words(
    "Alys Briony Carys Delphine Elowen Fenella Gwenllian Hestia Ismay Jessamy Kerensa Linnet "
    "Morwenna Nerys Oriel Perpetua Rosamund Sorrel Tamsin Ulla Verity Wenna Yolanda Zinnia "
    "Araminta Bettany Clemency Damaris Emmeline Fidelma"
)
MALE = _words(
    "Ansel Barnaby Cadfael Dorian Evander Florian Gethin Hartley Idris Jago Kenelm Lorcan "
    "Merrick Nye Osric Peregrine Quillon Rhodri Silas Tobiah Ulric Vaughan Wystan Yestin "
    "Zebedee Alaric Bevis Crispin Dunstan Ferris"
)
SURNAMES = _words(
    "Ashcombe Blackwood Carrow Dunmore Eversleigh Fairclough Gorringe Hathersage Ingleby "
    "Jessop Kettlewell Loxley Mardale Netherby Ormerod Penhallow Quarrington Rathbone Sowerby "
    "Thwaite Underhill Varley Wetherall Yarwood Applegarth Braithwaite Cheverton Dewhurst "
    "Elsworth Fothergill Greenhalgh Heptonstall Illingworth Kirkbride Lumsden Micklethwaite "
    "Northcote Oddie Pickersgill Rawnsley Scatcherd Tunstall Uttley Vokins Whitwham Yeadon "
    "Ackroyd Bottomley Crabtree Dobson"
)
TITLES = {"Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "DC", "DS", "PC", "Sgt"}
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _shift_dates(node: Any, delta: dt.timedelta) -> Any:
    if isinstance(node, dict):
        return {k: _shift_dates(v, delta) for k, v in node.items()}
    if isinstance(node, list):
        return [_shift_dates(v, delta) for v in node]
    if isinstance(node, dt.date) and not isinstance(node, dt.datetime):
        return node + delta
    return node


def _name_tokens(name: str) -> list[tuple[str, str]]:
    """(token, role) for each replaceable word of a name: first names, then the surname."""
    words = [w for w in name.split() if w not in TITLES]
    out: list[tuple[str, str]] = []
    for i, word in enumerate(words):
        for part in word.split("-"):
            if part:
                out.append((part, "surname" if i == len(words) - 1 and i > 0 else "first"))
    return out


def _gender(entry: dict[str, Any], kind: str) -> str:
    if kind == "child":
        return str(entry.get("gender", "other"))
    rel = str(entry.get("relationship", ""))
    if rel in {"mother", "step_mother", "grandmother", "aunt"} or entry.get("title") in {
        "Mrs",
        "Ms",
        "Miss",
    }:
        return "female"
    if rel in {"father", "step_father", "grandfather", "uncle"} or entry.get("title") == "Mr":
        return "male"
    return "other"


class _Names:
    """A consistent, injective replacement for every name token of one case."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.map: dict[str, str] = {}
        self.free = {
            "female": rng.sample(FEMALE, len(FEMALE)),
            "male": rng.sample(MALE, len(MALE)),
            "surname": rng.sample(SURNAMES, len(SURNAMES)),
        }

    def _draw(self, pool: str) -> str:
        if pool == "other":
            pool = self.rng.choice(("female", "male"))
        if not self.free[pool]:
            msg = f"ran out of fictional {pool} names"
            raise RuntimeError(msg)
        return self.free[pool].pop()

    def learn(self, name: str, gender: str) -> None:
        for token, role in _name_tokens(name):
            if token not in self.map:
                self.map[token] = self._draw("surname" if role == "surname" else gender)

    def fresh_first(self, gender: str) -> str:
        return self._draw(gender)

    def apply(self, text: str) -> str:
        if not self.map:
            return text
        pattern = re.compile(
            r"\b("
            + "|".join(re.escape(t) for t in sorted(self.map, key=len, reverse=True))
            + r")\b"
        )
        text = pattern.sub(lambda m: self.map[m.group(1)], text)
        lower = {k.lower(): v.lower() for k, v in self.map.items()}
        low = re.compile(r"\b(" + "|".join(re.escape(t) for t in sorted(lower, key=len)) + r")\b")
        return low.sub(lambda m: lower[m.group(1)], text)


def _rename(node: Any, names: _Names, key: str = "") -> Any:
    if isinstance(node, dict):
        return {k: _rename(v, names, str(k)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename(v, names, key) for v in node]
    if isinstance(node, str) and not (_ID.match(node) and key not in {"name", "text"}):
        return names.apply(node)
    return node


def _add_sibling(
    case: dict[str, Any], rng: random.Random, names: _Names, number: int
) -> str | None:
    """Clone a born child as a younger sibling; the new id, or None when none can be cloned."""
    conference = case["conference"]["date"]
    born = [c for c in case["children"] if c.get("date_of_birth") and c.get("name")]
    if not born:
        return None
    original = rng.choice(born)
    dob = original["date_of_birth"] + dt.timedelta(days=rng.randint(400, 1100))
    if dob > conference - dt.timedelta(days=200):
        dob = conference - dt.timedelta(days=rng.randint(200, 400))
    new_id = f"{original['id']}-sib{number}"
    gender = rng.choice(("female", "male"))
    first_old = original["name"].split()[0]
    first_new = names.fresh_first(gender)
    clone = copy.deepcopy(original)
    clone.update(
        id=new_id,
        name=" ".join([first_new, *original["name"].split()[1:]]),
        date_of_birth=dob,
        gender=gender,
        participation="not_attending",
        not_attending_reason=f"{first_new} is young; the social worker shares their views.",
    )
    for key in ("advocate", "wishes_and_feelings", "analysis", "first_language", "interpreter"):
        clone.pop(key, None)
    case["children"].append(clone)
    for person in [*case.get("people", []), *case.get("professionals", [])]:
        for key in ("parental_responsibility_for", "knows"):
            if original["id"] in person.get(key, []):
                person[key].append(new_id)
    # An item about the family concerns the new child too; one about the original child alone
    # (their school attendance) stays theirs: a child's copy withholds what concerns a sibling,
    # so the original child's own reports quoting it would rightly be stopped by the gate.
    for item in case.get("information", []):
        if original["id"] in item.get("children", []) and original["id"] not in item.get(
            "about", []
        ):
            item["children"].append(new_id)
    decision = case.get("decision")
    if decision and original["id"] in decision.get("children", {}):
        decision["children"][new_id] = copy.deepcopy(decision["children"][original["id"]])
    plan = case.get("plan")
    if plan and original["id"] in plan:
        text = yaml.safe_dump(plan[original["id"]], sort_keys=False, allow_unicode=True)
        text = re.sub(rf"\b{re.escape(first_old)}\b", first_new, text)
        plan[new_id] = yaml.safe_load(text)
    return new_id


def _ensure_issued(case: dict[str, Any]) -> None:
    """Give every stage the case is ready for an issue date within the contract's date rule.

    A stage with an ``issued.<stage>`` date is issued on it whatever day the batch runs;
    without one it would wait for (or miss) its day, and a corpus would render differently
    from night to night.
    """
    day: dt.date = case["conference"]["date"]
    issued = case.setdefault("issued", {})
    issued.setdefault("invitations", day - dt.timedelta(days=14))
    issued.setdefault("reports", day - dt.timedelta(days=2))
    decided = [
        p["exclusion"]["decided_on"]
        for p in case.get("people", [])
        if isinstance(p.get("exclusion"), dict) and p["exclusion"].get("decided_on")
    ]
    if decided:
        issued.setdefault("exclusions", max(decided))
    if case.get("decision"):
        issued.setdefault("decision", day + dt.timedelta(days=1))
    approved = (case.get("record") or {}).get("approved_on")
    if approved:
        issued.setdefault("record", approved)


def generate_case(sample: dict[str, Any], seed: int, number: int) -> dict[str, Any]:
    """Case ``number`` of the corpus with ``seed``, derived from ``sample``."""
    rng = random.Random(f"{seed}:{number}")
    case = _shift_dates(copy.deepcopy(sample), dt.timedelta(weeks=rng.randint(-8, 30)))
    case["case"]["reference"] = f"GEN-{seed}-{number:05d}"
    names = _Names(rng)
    for kind, key in (("child", "children"), ("person", "people"), ("pro", "professionals")):
        for entry in case.get(key, []):
            if entry.get("name"):
                names.learn(entry["name"], _gender(entry, kind))
    extra = rng.choices((0, 1, 2), weights=(6, 3, 1))[0]
    case = _rename(case, names)
    for i in range(extra):
        _add_sibling(case, rng, names, i + 1)
    _ensure_issued(case)
    return case


def generate(count: int, out_dir: Path, *, seed: int = 7, validate: bool = True) -> list[Path]:
    """Write ``count`` cases into ``out_dir`` (``case-00000.yaml``...); their paths."""
    samples = [
        yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(SAMPLES.glob("*.yaml"))
    ]
    order = random.Random(seed).sample(range(len(samples)), len(samples))
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        case = generate_case(samples[order[number % len(order)]], seed, number)
        path = out_dir / f"case-{number:05d}.yaml"
        header = f"# Generated by tools/generate_corpus.py (seed {seed}). Entirely fictional.\n"
        body = yaml.safe_dump(case, sort_keys=False, allow_unicode=True, width=100)
        path.write_text(header + body, encoding="utf-8")
        paths.append(path)
    if validate:
        sys.path.insert(0, str(ROOT))
        from cpcdocs.load import load_case

        for path in paths:
            load_case(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="how many cases")
    parser.add_argument("out_dir", type=Path, help="folder to write them into")
    parser.add_argument("--seed", type=int, default=7, help="corpus seed (default 7)")
    parser.add_argument("--no-validate", action="store_true", help="skip validating them")
    args = parser.parse_args(argv)
    paths = generate(args.count, args.out_dir, seed=args.seed, validate=not args.no_validate)
    print(f"wrote {len(paths)} cases to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
