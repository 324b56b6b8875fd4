"""The Mental Capacity Act 2005 assessment on a consent, with the Form 4 best-interests record and the
attorney and advance decision as a structured record (domain.md 5.5 [A][R39][R40]). Part of the
consent app's models (re-exported by consent.models)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from pathway.models import ClinicalRecord


class Ability(models.TextChoices):
    ABLE = "able", "Able"
    UNABLE = "unable", "Unable"


class AttorneyStatus(models.TextChoices):
    """Lasting power of attorney (health and welfare) or deputy (MCA 2005; domain.md 5.5 [R39])."""

    NONE = "none", "Checked: none registered"
    LPA = "lpa", "Lasting power of attorney for health and welfare"
    LPA_PROPERTY = "lpa_property", "Lasting power of attorney for property and financial affairs only"
    DEPUTY = "deputy", "Court-appointed deputy"


# Types naming a person whose details must be recorded (domain.md 5.5 [R39]).
ATTORNEY_TYPES = {AttorneyStatus.LPA, AttorneyStatus.LPA_PROPERTY, AttorneyStatus.DEPUTY}


class AdvanceDecision(models.TextChoices):
    NONE = "none", "Searched: none found"
    NOT_APPLICABLE = "not_applicable", "Exists but does not apply to this treatment"
    APPLIES = "applies", "Exists and refuses this treatment"


class CapacityAssessment(ClinicalRecord):
    """Mental Capacity Act 2005 assessment for this decision (s.2 and s.3; domain.md 5.5 [R39][R40]).

    On a Form 1 it records that a doubted patient has capacity; on a Form 4 it records the lack of
    capacity and the best-interests decision.
    """

    consent = models.OneToOneField("consent.ConsentRecord", on_delete=models.PROTECT, related_name="capacity")
    decision = models.CharField("decision to be made", max_length=300)
    reason_to_doubt = models.TextField("reason to doubt capacity")
    impairment = models.BooleanField(
        "impairment of, or disturbance in, the mind or brain (s.2)", default=False, help_text="Temporary or lasting."
    )
    impairment_details = models.TextField(blank=True)
    steps_to_support = models.TextField("practicable steps taken to help the patient decide", blank=True)
    # The four limbs of s.3, each with its evidence.
    understand = models.CharField("understand the information", max_length=10, choices=Ability.choices)
    understand_evidence = models.TextField("evidence (understand)")
    retain = models.CharField("retain it", max_length=10, choices=Ability.choices)
    retain_evidence = models.TextField("evidence (retain)")
    weigh = models.CharField("use or weigh it", max_length=10, choices=Ability.choices)
    weigh_evidence = models.TextField("evidence (use or weigh)")
    communicate = models.CharField("communicate the decision", max_length=10, choices=Ability.choices)
    communicate_evidence = models.TextField("evidence (communicate)")
    # Form 4 (best interests).
    may_regain_capacity = models.BooleanField("likely to regain capacity", default=False)
    can_wait = models.BooleanField("the decision can wait until capacity returns", default=False)
    can_wait_reasoning = models.TextField("why the decision can or cannot wait", blank=True)
    # Lasting power of attorney or deputy, as a structured record (domain.md 5.5: LPA/deputy checked;
    # an LPA for health and welfare with authority makes the decision [A][R39]).
    attorney = models.CharField(
        "lasting power of attorney or deputy", max_length=20, choices=AttorneyStatus.choices, blank=True
    )
    attorney_name = models.CharField("attorney's or deputy's name", max_length=300, blank=True)
    attorney_registration_checked = models.BooleanField(
        "registration checked with the Office of the Public Guardian", default=False
    )
    attorney_covers_health = models.BooleanField(
        "the authority covers health decisions, including this treatment", null=True, blank=True
    )
    attorney_consents = models.BooleanField("the attorney or deputy consents to the treatment", null=True, blank=True)
    advance_decision = models.CharField(
        "advance decision to refuse treatment", max_length=20, choices=AdvanceDecision.choices, blank=True
    )
    advance_decision_details = models.TextField(
        "advance decision: where it was found and why it does or does not apply", blank=True
    )
    best_interests = models.TextField(
        "best interests: past and present wishes, beliefs and values, and why this is in their best interests",
        blank=True,
    )
    consulted = models.TextField("who was consulted (family, carers, advocate)", blank=True)
    imca_instructed = models.BooleanField("independent mental capacity advocate instructed", default=False)
    second_opinion = models.CharField("second opinion (name and role)", max_length=200, blank=True)
    second_opinion_agrees = models.BooleanField(null=True, blank=True)

    class Meta:
        verbose_name = "capacity assessment"

    def __str__(self) -> str:
        return f"Capacity assessment for consent {self.consent_id}"

    @property
    def lacks_capacity(self) -> bool:
        """s.2/s.3: an impairment AND inability in any one of the four limbs."""
        limbs = (self.understand, self.retain, self.weigh, self.communicate)
        return self.impairment and Ability.UNABLE in limbs

    @property
    def limbs(self) -> list[tuple[str, str, str]]:
        return [
            ("Understand the information", self.get_understand_display(), self.understand_evidence),
            ("Retain it", self.get_retain_display(), self.retain_evidence),
            ("Use or weigh it", self.get_weigh_display(), self.weigh_evidence),
            ("Communicate the decision", self.get_communicate_display(), self.communicate_evidence),
        ]

    def best_interests_problems(self) -> list[str]:
        """What a Form 4 best-interests record still lacks (domain.md 5.5 [R39])."""
        problems = []
        if not self.lacks_capacity:
            problems.append("the assessment does not show a lack of capacity")
        if self.can_wait:
            problems.append("the decision can wait until the patient regains capacity")
        if not self.attorney:
            problems.append("the lasting power of attorney or deputy check")
        problems += self.attorney_problems()
        if not self.advance_decision:
            problems.append("the advance decision search")
        found = self.advance_decision in (AdvanceDecision.APPLIES, AdvanceDecision.NOT_APPLICABLE)
        if found and not self.advance_decision_details.strip():
            problems.append("where the advance decision was found and why it does or does not apply")
        if self.advance_decision == AdvanceDecision.APPLIES:
            problems.append("a valid advance decision refuses this treatment")
        if not self.best_interests.strip():
            problems.append("the best-interests reasoning")
        if not self.consulted.strip() and not self.imca_instructed:
            problems.append("who was consulted (or an advocate instructed)")
        return problems

    @property
    def attorney_decides(self) -> bool:
        """A registered attorney or deputy whose authority covers health decisions makes this decision
        (MCA 2005; domain.md 5.5 [A][R39])."""
        return (
            self.attorney in (AttorneyStatus.LPA, AttorneyStatus.DEPUTY)
            and self.attorney_registration_checked
            and bool(self.attorney_covers_health)
        )

    def attorney_problems(self) -> list[str]:
        """What the attorney record lacks, where there is an attorney or deputy (domain.md 5.5 [R39])."""
        if self.attorney not in ATTORNEY_TYPES:
            return []
        problems = []
        if not self.attorney_name.strip():
            problems.append("the attorney's or deputy's name")
        if not self.attorney_registration_checked:
            problems.append("the check of the attorney's registration with the Office of the Public Guardian")
        if self.attorney_covers_health is None:
            problems.append("whether the attorney's authority covers health decisions")
        if self.attorney_decides and self.attorney_consents is None:
            problems.append("the attorney's or deputy's decision")
        if self.attorney_decides and self.attorney_consents is False:
            problems.append("the attorney or deputy refuses this treatment")
        return problems

    def clean(self):
        errors = {}
        if self.impairment and not self.impairment_details.strip():
            errors["impairment_details"] = "Describe the impairment."
        if self.attorney in ATTORNEY_TYPES and not self.attorney_name.strip():
            errors["attorney_name"] = "Name the attorney or deputy."
        if self.attorney == AttorneyStatus.LPA_PROPERTY and self.attorney_covers_health:
            errors["attorney_covers_health"] = "A property and financial affairs LPA does not cover health decisions."
        if self.attorney not in ATTORNEY_TYPES and (self.attorney_name.strip() or self.attorney_registration_checked):
            errors["attorney"] = "Attorney details are given: choose the type of attorney or deputy."
        if self.second_opinion and self.second_opinion_agrees is None:
            errors["second_opinion_agrees"] = "Say whether the second opinion agrees."
        if errors:
            raise ValidationError(errors)
