"""Every redaction rule in words a family court, a chair or the ICO can read.

The one table ``explain``, the review sheet and the README quote; each rule is given by
:mod:`cpcdocs.rules` (:func:`~cpcdocs.rules.withheld_items`).
"""

from __future__ import annotations

from .rules import Profile

__all__ = ["RULES_IN_WORDS", "rule_in_words"]


_TAG_WORDS = {
    "parent_health": "health information about a parent",
    "substance_misuse": "substance misuse information",
    "criminal_history": "criminal history",
    "sexual_history": "sexual history",
    "immigration": "immigration information",
}

#: Every rule :func:`~cpcdocs.views.withheld_items` can give, in words a family court, a
#: chair or the ICO can read. Personal-tag and authority-tag rules are worded by
#: :func:`rule_in_words`, which needs the reader's profile.
RULES_IN_WORDS: dict[str, str] = {
    "address-withheld": (
        "a safe address: the person asked that it is never shown to this reader, so it is "
        "left out altogether (not masked)"
    ),
    "absent-child": (
        "a child this reader holds no parental responsibility for: not named, no date of birth"
    ),
    "other-child": (
        "about a child this reader may not read about (no parental responsibility for them, "
        "or another child in a child's own copy)"
    ),
    "per-child-document": (
        "this document is about one child and holds only that child's information, whoever reads it"
    ),
    "exclusion-summary": (
        "the reasons for another person's exclusion are shared only with that person and "
        "the professionals"
    ),
    "contact-withheld": (
        "the phone number and e-mail address of a person whose address is withheld from this "
        "reader: they follow the address rule"
    ),
    "absent-person": (
        "a family member this reader's copies do not name: connected to none of the reader's "
        "children"
    ),
    "chair-withheld": (
        "the chair decided this reader does not see it (withhold_from), as the procedures "
        "allow for confidential material and for safety"
    ),
    "safety": (
        "safety arrangements (a refuge, a panic alarm, a route to school) are shared only "
        "with the people they are about, and the professionals"
    ),
    "professionals-only": (
        "shared only with the professionals (a dissent, or a reason for not sharing a report)"
    ),
    "record-reason": (
        "the chair's reason for not sending the record to someone is shared only with that "
        "person and the professionals"
    ),
    "tag:police_investigation": (
        "police investigation material is never shared with family members"
    ),
    "tag:third_party": "third-party information is never shared with family members",
    "tag:chair_confidential": (
        "information the chair has marked confidential is never shared with family members"
    ),
    **{
        f"personal-tag:{tag}": (
            f"{words} is shared with a parent only when it is about them, and never in a "
            "child's copy"
        )
        for tag, words in _TAG_WORDS.items()
    },
}


def rule_in_words(rule: str, profile: Profile | str | None = None) -> str:
    """Why something was withheld, in words; worded for the reader's profile where it matters."""
    profile = Profile(profile) if profile is not None else None
    if rule.startswith("personal-tag:"):
        tag = rule.split(":", 1)[1]
        words = _TAG_WORDS.get(tag, f"information tagged {tag}")
        if profile is Profile.CHILD:
            return f"{words} is never in a child's copy, whoever it is about"
        if profile is Profile.PARENT:
            return f"{words} about someone else: a parent sees it only when it is about them"
        return RULES_IN_WORDS.get(rule, words)
    if rule.startswith("authority-tag:"):
        tag = rule.split(":", 1)[1]
        who = f"the {profile.value} profile" if profile else "this profile"
        return (
            f"the authority's redaction profile withholds items tagged {tag} from {who} "
            "(authority file, redaction:)"
        )
    return RULES_IN_WORDS.get(rule, rule)
