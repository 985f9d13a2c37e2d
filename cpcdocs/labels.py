"""The words letters use for the case's codes: conference types, outcomes, roles, and so on.

One table per code, written once: the views hand these to templates (through the message
catalogs, :mod:`cpcdocs.i18n`), and the audit counts them as the letters' own wording.
"""

from __future__ import annotations

from .model import Outcome, Participation, Role

__all__ = [
    "CATEGORY_LABELS",
    "CONFERENCE_TYPE_LABELS",
    "KIND_LABELS",
    "OUTCOME_LABELS",
    "PARTICIPATION_LABELS",
    "RECORD_HEADINGS",
    "ROLE_LABELS",
    "relationship_label",
]


# -- labels --------------------------------------------------------------------------------------

CONFERENCE_TYPE_LABELS = {
    "initial": "initial child protection conference",
    "pre_birth": "pre-birth child protection conference",
    "transfer_in": "transfer-in child protection conference",
    "review": "review child protection conference",
}
OUTCOME_LABELS = {
    Outcome.CHILD_PROTECTION_PLAN.value: "a child protection plan",
    Outcome.CHILD_IN_NEED_PLAN.value: "a child in need plan",
    Outcome.NO_FURTHER_ACTION.value: "no plan (no further action under child protection)",
}
CATEGORY_LABELS = {
    "physical_abuse": "physical abuse",
    "emotional_abuse": "emotional abuse",
    "sexual_abuse": "sexual abuse",
    "neglect": "neglect",
}
PARTICIPATION_LABELS = {
    Participation.ATTEND.value: "attending the conference",
    Participation.ATTEND_PART.value: "attending part of the conference",
    Participation.VIEWS_IN_WRITING.value: "sharing their views in writing",
    Participation.ADVOCATE.value: "sharing their views through an advocate",
    Participation.NOT_ATTENDING.value: "not attending",
}
KIND_LABELS = {"fact": "Fact", "allegation": "Allegation", "opinion": "Opinion"}
ROLE_LABELS = {
    Role.CHAIR.value: "Conference Chair",
    Role.SOCIAL_WORKER.value: "Social Worker",
    Role.TEAM_MANAGER.value: "Team Manager",
    Role.POLICE.value: "Police",
    Role.GP.value: "GP",
    Role.HEALTH_VISITOR.value: "Health Visitor",
    Role.SCHOOL_NURSE.value: "School Nurse",
    Role.SCHOOL.value: "School",
    Role.EARLY_YEARS.value: "Early Years",
    Role.PAEDIATRICIAN.value: "Paediatrician",
    Role.MIDWIFE.value: "Midwife",
    Role.CAMHS.value: "Child and Adolescent Mental Health Services",
    Role.ADULT_MENTAL_HEALTH.value: "Adult Mental Health",
    Role.SUBSTANCE_MISUSE_SERVICE.value: "Substance Misuse Service",
    Role.PROBATION.value: "Probation",
    Role.YOUTH_JUSTICE.value: "Youth Justice",
    Role.HOUSING.value: "Housing",
    Role.DOMESTIC_ABUSE_ADVISER.value: "Domestic Abuse Adviser",
    Role.LEGAL.value: "Legal",
    Role.GUARDIAN.value: "Children's Guardian",
    Role.INTERPRETER.value: "Interpreter",
    Role.MINUTE_TAKER.value: "Minute Taker",
    Role.OTHER.value: "Professional",
}


def relationship_label(value: str) -> str:
    """``step_father`` as a letter says it: "step father"."""
    return value.replace("_", " ")


#: The record's section headings, as the record prints them.
RECORD_HEADINGS = {
    "information": "What each agency told the conference",
    "parents_views": "The parents' views",
    "child_views": "The child's views",
    "analysis": "Analysis",
    "decision_reasons": "The decision and the reasons for it",
    "dissent": "Disagreement with the decision",
}
