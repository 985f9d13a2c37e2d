"""The closed vocabularies of the case format: every enumeration and the built-in tags.

These are the words a case file may use for a conference type, a role, a relationship, an
exclusion ground and so on, each an ``StrEnum`` whose values are the contract's spelling in
``shared/case-format``. They sit apart from the case shapes (:mod:`cpcdocs.model`) so that a
reader looking for "what may ``role`` say" finds the whole list in one short module; the model
re-exports every name here, so ``from cpcdocs.model import Role`` keeps working.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "BUILTIN_TAGS",
    "EXCLUSION_GROUND_TEXT",
    "PERSONAL_TAGS",
    "Accessibility",
    "Category",
    "ConferenceType",
    "ExclusionExtent",
    "ExclusionGround",
    "Gender",
    "InfoKind",
    "Outcome",
    "Participation",
    "QuorumException",
    "Relationship",
    "Role",
    "ViewsRoute",
]


class ConferenceType(StrEnum):
    """The four kinds of conference, each with its own clocks and wording."""

    INITIAL = "initial"
    PRE_BIRTH = "pre_birth"
    TRANSFER_IN = "transfer_in"
    REVIEW = "review"


class Participation(StrEnum):
    """How a child takes part in their conference."""

    ATTEND = "attend"
    ATTEND_PART = "attend_part"
    VIEWS_IN_WRITING = "views_in_writing"
    ADVOCATE = "advocate"
    NOT_ATTENDING = "not_attending"


class Gender(StrEnum):
    """As recorded; letters never depend on it."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    NOT_RECORDED = "not_recorded"


class Relationship(StrEnum):
    """A family member's or supporter's relationship to the children."""

    MOTHER = "mother"
    FATHER = "father"
    PARENT = "parent"
    STEP_MOTHER = "step_mother"
    STEP_FATHER = "step_father"
    PARTNER = "partner"
    GRANDMOTHER = "grandmother"
    GRANDFATHER = "grandfather"
    AUNT = "aunt"
    UNCLE = "uncle"
    SIBLING = "sibling"
    FOSTER_CARER = "foster_carer"
    KINSHIP_CARER = "kinship_carer"
    CARER = "carer"
    ADVOCATE = "advocate"
    SUPPORTER = "supporter"
    FRIEND = "friend"
    SOLICITOR = "solicitor"
    OTHER = "other"


class Role(StrEnum):
    """A professional's role at the conference."""

    CHAIR = "chair"
    SOCIAL_WORKER = "social_worker"
    TEAM_MANAGER = "team_manager"
    POLICE = "police"
    GP = "gp"
    HEALTH_VISITOR = "health_visitor"
    SCHOOL_NURSE = "school_nurse"
    SCHOOL = "school"
    EARLY_YEARS = "early_years"
    PAEDIATRICIAN = "paediatrician"
    MIDWIFE = "midwife"
    CAMHS = "camhs"
    ADULT_MENTAL_HEALTH = "adult_mental_health"
    SUBSTANCE_MISUSE_SERVICE = "substance_misuse_service"
    PROBATION = "probation"
    YOUTH_JUSTICE = "youth_justice"
    HOUSING = "housing"
    DOMESTIC_ABUSE_ADVISER = "domestic_abuse_adviser"
    LEGAL = "legal"
    GUARDIAN = "guardian"
    INTERPRETER = "interpreter"
    MINUTE_TAKER = "minute_taker"
    OTHER = "other"


class InfoKind(StrEnum):
    """Reports keep facts, allegations and opinions apart."""

    FACT = "fact"
    ALLEGATION = "allegation"
    OPINION = "opinion"


class Outcome(StrEnum):
    """What the conference decided for one child."""

    CHILD_PROTECTION_PLAN = "child_protection_plan"
    CHILD_IN_NEED_PLAN = "child_in_need_plan"
    NO_FURTHER_ACTION = "no_further_action"


class Category(StrEnum):
    """The category of abuse or neglect under which a plan is made."""

    PHYSICAL_ABUSE = "physical_abuse"
    EMOTIONAL_ABUSE = "emotional_abuse"
    SEXUAL_ABUSE = "sexual_abuse"
    NEGLECT = "neglect"


class ExclusionExtent(StrEnum):
    """Whether a parent is kept out of the whole conference or part of it."""

    FULL = "full"
    PART = "part"


class ExclusionGround(StrEnum):
    """The six exclusion criteria of the procedures, with short stable ids."""

    SERIOUS_PREJUDICE = "serious_prejudice"
    VIOLENCE_OR_INTIMIDATION = "violence_or_intimidation"
    CHILD_REQUEST = "child_request"
    PROFESSIONAL_SAFETY = "professional_safety"
    CONFIDENTIAL_INFORMATION = "confidential_information"
    BAIL_CONDITIONS_OR_DOMESTIC_ABUSE = "bail_conditions_or_domestic_abuse"


#: The criteria as the procedures put them, used by ``schema`` descriptions and by letters
#: (which phrase them in plain words of their own).
EXCLUSION_GROUND_TEXT: dict[ExclusionGround, str] = {
    ExclusionGround.SERIOUS_PREJUDICE: (
        "the parent's presence would seriously prejudice the child's welfare"
    ),
    ExclusionGround.VIOLENCE_OR_INTIMIDATION: (
        "violence, threats of violence or intimidation, or behaviour likely to disrupt the "
        "conference"
    ),
    ExclusionGround.CHILD_REQUEST: "the child has asked that the parent is not present",
    ExclusionGround.PROFESSIONAL_SAFETY: (
        "a professional could not contribute safely or fully if the parent were present"
    ),
    ExclusionGround.CONFIDENTIAL_INFORMATION: (
        "confidential information must be shared, such as legal advice or details of a "
        "criminal investigation"
    ),
    ExclusionGround.BAIL_CONDITIONS_OR_DOMESTIC_ABUSE: (
        "conflict between family members, bail conditions or domestic abuse"
    ),
}


class ViewsRoute(StrEnum):
    """cpcdocs addition: how an excluded parent's views reach the conference."""

    IN_WRITING = "in_writing"
    RECORDED = "recorded"
    ADVOCATE = "advocate"
    MEETING_WITH_CHAIR = "meeting_with_chair"
    SOCIAL_WORKER = "social_worker"


class Accessibility(StrEnum):
    """cpcdocs addition: how a recipient needs their documents."""

    LARGE_PRINT = "large_print"
    EASY_READ = "easy_read"


class QuorumException(StrEnum):
    """cpcdocs addition: the recorded reasons a conference may go ahead with fewer agencies."""

    PRE_BIRTH = "pre_birth"
    LACK_OF_CONTACT = "lack_of_contact"


#: Tags that are about one person: a parent sees them only when the item is about them.
PERSONAL_TAGS: frozenset[str] = frozenset(
    {"parent_health", "substance_misuse", "criminal_history", "sexual_history", "immigration"}
)

#: Every tag the contract defines. Any other tag must be declared by the authority profile
#: (``redaction:``); an unknown tag is an input error, because a misspelt
#: ``police_investigaton`` would otherwise silently make an item visible.
BUILTIN_TAGS: frozenset[str] = frozenset(
    {"police_investigation", "third_party", "chair_confidential", "safety", *PERSONAL_TAGS}
)
