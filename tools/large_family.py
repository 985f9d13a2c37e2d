"""A large, realistic family for the benchmark: 8 children, 40 people, 400 information items.

    python tools/large_family.py OUT.yaml [--children 8] [--people 40] [--items 400]

Three households and four fathers: each child has a mother and one of the fathers with parental
responsibility; grandparents, aunts, step-parents and carers are connected to some children;
two safe addresses; every tag in use; a plan per child with text items under every rule; a
decision, returned reports and an approved record, so that every stage renders. Names, places
and events are fictional. Deterministic: the same arguments give the same file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path
from typing import Any

import yaml

TAGS = [
    [],
    [],
    [],
    ["police_investigation"],
    ["third_party"],
    ["chair_confidential"],
    ["parent_health"],
    ["substance_misuse"],
    ["criminal_history"],
    ["safety"],
]
FIRST = [
    "Ava", "Ben", "Cara", "Dylan", "Esme", "Finn", "Gwen", "Harvey", "Isla", "Jude", "Kira",
    "Leo", "Mabli", "Noah", "Orla", "Pip", "Quinn", "Rhys", "Sian", "Tom",
]  # fmt: skip
SURNAMES = ["Ashdown", "Brackley", "Corran", "Dunmore", "Elsworth", "Fenwick"]
STREETS = ["Lark Rise", "Wren Road", "Kiln Street", "Foundry Court", "Sedge Lane", "Mill Lane"]
RELATIONS = ["grandmother", "grandfather", "aunt", "uncle", "step_father", "kinship_carer"]
#: Words for the items' sentences: each item draws its own, as real items differ in wording.
SUBJECTS = [
    "told the social worker",
    "said at the home visit",
    "wrote to the school",
    "explained to the health visitor",
    "reported to the duty team",
    "mentioned to the GP",
]
ADJECTIVES = [
    "old",
    "new",
    "small",
    "large",
    "front",
    "back",
    "upstairs",
    "kitchen",
    "garden",
    "spare",
    "main",
    "side",
    "blue",
    "green",
    "white",
    "black",
]
NOUNS = [
    "door",
    "window",
    "light",
    "table",
    "bed",
    "chair",
    "gate",
    "fence",
    "oven",
    "fridge",
    "shower",
    "stairs",
    "carpet",
    "sofa",
    "heater",
    "lock",
]
STATES = [
    "was broken",
    "was fixed",
    "was missing",
    "was moved",
    "was replaced",
    "was open",
    "was locked",
    "was damaged",
    "was cleaned",
    "was sold",
]
WHEN = [
    "in early {month}",
    "during half term",
    "after the {n}th",
    "before the school trip",
    "on a {day} evening",
    "at the weekend",
]
MONTHS = ["March", "April", "May", "June", "July", "September", "October", "November"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
SENTENCES = [
    "{who} said the children were often late for school in the autumn term.",
    "{who} has attended every appointment offered since the strategy discussion.",
    "The health visitor saw {child} at home and the home was warm and clean.",
    "{who} told the social worker about arguments in the evenings.",
    "{child} has been referred to the school nurse for support with sleep.",
    "A neighbour reported shouting from the property on {day}.",
    "{who} is receiving support from the community mental health team.",
    "{who} was cautioned for possession in {year}.",
    "{child} says the family dog makes the house feel safe.",
    "The refuge placement for {who} is kept under review by the domestic abuse adviser.",
]


def build(children: int = 8, people: int = 40, items: int = 400, seed: int = 7) -> dict[str, Any]:
    """The case as data."""
    rng = random.Random(seed)
    conference = dt.date(2027, 2, 10)
    mothers = [f"mother-{i}" for i in range(3)]
    fathers = [f"father-{i}" for i in range(4)]
    person_rows: list[dict[str, Any]] = []
    for i, pid in enumerate(mothers):
        person_rows.append(
            {
                "id": pid,
                "title": "Ms",
                "name": f"{FIRST[i + 10]} {SURNAMES[i]}",
                "relationship": "mother",
                "address": [f"{10 + i} {STREETS[i]}", "Northmoor", f"NM{i + 1} {i + 1}AB"],
                "invite": True,
            }
        )
    for i, pid in enumerate(fathers):
        person_rows.append(
            {
                "id": pid,
                "title": "Mr",
                "name": f"{FIRST[i]} {SURNAMES[(i + 3) % len(SURNAMES)]}",
                "relationship": "father",
                "address": [f"{20 + i} {STREETS[(i + 3) % 6]}", "Eastfold", f"EF{i + 1} {i}CD"],
                "invite": True,
            }
        )
    # two safe addresses: two mothers' addresses withheld from the fathers of their children
    person_rows[0]["withhold_address_from"] = ["father-0"]
    person_rows[1]["withhold_address_from"] = ["father-1"]
    child_rows = []
    for c in range(children):
        household = c % 3
        born = dt.date(2010 + c, 1 + c % 12, 3 + c)
        child_rows.append(
            {
                "id": f"child-{c}",
                "name": f"{FIRST[(c + 5) % 20]} {SURNAMES[household]}",
                "date_of_birth": born.isoformat(),
                "lives_with": [mothers[household]],
                "parents": [mothers[household], fathers[c % 4]],
                "participation": "attend_part" if born.year < 2014 else "not_attending",
                "wishes_and_feelings": f"{FIRST[(c + 5) % 20]} wants to stay at home.",
                "recommendation": "child_protection_plan",
            }
        )
    child_ids = [c["id"] for c in child_rows]
    n = len(person_rows)
    for i in range(n, people):
        connected = rng.sample(child_ids, k=rng.randint(1, min(3, len(child_ids))))
        person_rows.append(
            {
                "id": f"relative-{i}",
                "name": f"{FIRST[i % 20]} {SURNAMES[i % 6]}-{i}",
                "relationship": RELATIONS[i % len(RELATIONS)],
                "address": [f"{i} {STREETS[i % 6]}", "Northmoor", f"NM{i % 9 + 1} {i % 9}EF"],
                "connected_to": connected,
                "invite": i % 3 == 0,
            }
        )
    [p["id"] for p in person_rows]
    professionals = [
        {"id": "chair", "name": "Grace Okafor", "role": "chair", "agency": "Northmoor SQA"},
        {
            "id": "sw-lead",
            "name": "Anita Patel",
            "role": "social_worker",
            "agency": "Northmoor Children's Social Care",
            "lead_social_worker": True,
        },
        {"id": "police", "name": "DC Kwame Mensah", "role": "police", "agency": "Northmoor Police"},
        {"id": "hv", "name": "Siobhan Byrne", "role": "health_visitor", "agency": "NM Health"},
        {"id": "school", "name": "Paul Ames", "role": "school", "agency": "Northmoor Academy"},
        {"id": "gp", "name": "Dr Imran Shah", "role": "gp", "agency": "Wren Road Surgery"},
        {"id": "minutes", "name": "Ruth Doyle", "role": "minute_taker", "agency": "NM SQA"},
    ]

    def connected(person: dict[str, Any], child: dict[str, Any]) -> bool:
        return (
            person["id"] in child["parents"]
            or person["id"] in child["lives_with"]
            or child["id"] in person.get("connected_to", [])
        )

    information = []
    for k in range(items):
        concerned = rng.sample(child_ids, k=rng.randint(1, 2))
        child = next(c for c in child_rows if c["id"] == concerned[0])
        # an item is about someone connected to the children it concerns, as a real one is
        who = rng.choice([p["id"] for p in person_rows if connected(p, child)])
        name = next(p["name"] for p in person_rows if p["id"] == who)
        when = (conference - dt.timedelta(days=k + 7)).strftime("%-d %B %Y")
        # real notes differ from each other: each clause here carries its own note number,
        # so no two items share a run of words long enough to look like a copy
        matter, other = (
            f"the {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(STATES)}"
            for _ in range(2)
        )
        text = (
            f"On {when} ({k}.0) {name} ({k}.5) {rng.choice(SUBJECTS)} ({k}.1) that {matter} "
            f"({k}.2); {child['name'].split()[0]} ({k}.3) said {other} ({k}.4)."
        )
        information.append(
            {
                "id": f"item-{k}",
                "children": concerned,
                "about": [who],
                "kind": ["fact", "allegation", "opinion"][k % 3],
                "tags": TAGS[k % len(TAGS)],
                "text": f"{text} (entry {k})",
            }
        )
    decision = {
        "quorate": True,
        "children": {
            c: {"outcome": "child_protection_plan", "category": "neglect"} for c in child_ids
        },
        "lead_social_worker": "sw-lead",
        "core_group_date": (conference + dt.timedelta(days=8)).isoformat(),
        "review_date": (conference + dt.timedelta(days=84)).isoformat(),
    }

    def parent_name(pid: str) -> str:
        return next(p["name"] for p in person_rows if p["id"] == pid)

    plan = {
        c["id"]: {
            "outcomes": [f"{c['name'].split()[0]} is safe and settled at home."],
            "actions": [
                {"what": "Weekly visits", "who": "sw-lead", "by": "ongoing"},
                {
                    "what": {
                        "text": f"Safety plan with {parent_name(c['lives_with'][0])}, "
                        "including the panic alarm.",
                        "about": [c["lives_with"][0]],
                        "tags": ["safety"],
                    },
                    "who": "sw-lead",
                    "by": (conference + dt.timedelta(days=14)).isoformat(),
                },
            ],
            "contact": "The lead social worker visits at least every 10 working days.",
            "contingency": {
                "text": f"If {c['name'].split()[0]}'s plan is not followed, a strategy "
                "meeting will be held.",
                "withhold_from": [c["parents"][1]],
            },
        }
        for c in child_rows
    }
    reports = [
        {
            "author": "school",
            "child": c,
            "received_on": (conference - dt.timedelta(days=5)).isoformat(),
            "sections": [
                "Attendance is monitored weekly.",
                {"text": "A classmate described an incident.", "tags": ["third_party"]},
            ],
        }
        for c in child_ids
    ]
    record = {
        "approved_on": (conference + dt.timedelta(days=6)).isoformat(),
        "present": ["mother-0", "sw-lead", "police"],
        "apologies": ["gp"],
        "sections": {
            "information": [
                {"text": f"Agencies described {c}'s situation.", "children": [c]} for c in child_ids
            ],
            "decision_reasons": ["Every child is likely to suffer significant harm."],
        },
    }
    return {
        "case": {"reference": "NM-BENCH-LARGE", "authority": "northmoor"},
        "conference": {
            "type": "initial",
            "date": conference.isoformat(),
            "start": "10:00",
            "duration_minutes": 180,
            "venue": {"name": "Civic Centre, Room 4", "address": ["Civic Centre", "Northmoor"]},
            "chair": "chair",
            "strategy_discussion_date": (conference - dt.timedelta(days=14)).isoformat(),
        },
        "children": child_rows,
        "people": person_rows,
        "professionals": professionals,
        "information": information,
        "decision": decision,
        "plan": plan,
        "issued": {
            "invitations": (conference - dt.timedelta(days=14)).isoformat(),
            "reports": (conference - dt.timedelta(days=3)).isoformat(),
            "decision": (conference + dt.timedelta(days=1)).isoformat(),
            "record": (conference + dt.timedelta(days=7)).isoformat(),
        },
        "reports": reports,
        "record": record,
    }


class _NoAliases(yaml.SafeDumper):
    """Every value written out in full: a case file is for people, and aliases are capped."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--children", type=int, default=8)
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--items", type=int, default=400)
    args = parser.parse_args(argv)
    data = build(args.children, args.people, args.items)
    args.out.write_text(
        "# A generated large family for the benchmark (tools/large_family.py). Fictional.\n"
        + yaml.dump(data, Dumper=_NoAliases, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
