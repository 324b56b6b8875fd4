"""Outcome measures shared by the baseline (at suitability) and the 4-week follow-up (domain.md 8.2):
pain at rest and on activity (0-10), and one disability instrument, the Oswestry Disability Index
(ODI) or the Roland-Morris Disability Questionnaire (RMDQ) as the alternative. EQ-5D-5L is not offered:
it needs a EuroQol licence (domain.md 8.2 [R77]).

The change between the two is measured against the thresholds in the rules table (read with
rule_values): the minimum detectable change of each instrument and the clinically important fall in
pain (domain.md 8.2). Pure arithmetic is in pathway/scores.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.db import models

from pathway import scores
from pathway.core.models import int_range

# Oswestry Disability Index sections (Fairbank and Pynsent 2000, domain.md 8.2 [A-instrument][R75]).
ODI_SECTIONS = [
    "Pain intensity",
    "Personal care",
    "Lifting",
    "Walking",
    "Sitting",
    "Standing",
    "Sleeping",
    "Sex life",
    "Social life",
    "Travelling",
]
ODI_ANSWER_CHOICES = [(n, str(n)) for n in range(6)]
# What the patient reads in each section, scored 0 (first statement) to 5 (last), in the project's own
# words, faithful in meaning to the ODI version 2.1a (Fairbank and Pynsent 2000, domain.md 8.2
# [A-instrument][R75]). The stored answer is the score, so the scoring (pathway/scores.py) is unchanged.
ODI_STATEMENTS: list[tuple[str, ...]] = [
    (
        "I have no pain at the moment.",
        "My pain is very mild at the moment.",
        "My pain is moderate at the moment.",
        "My pain is fairly severe at the moment.",
        "My pain is very severe at the moment.",
        "My pain is the worst I can imagine at the moment.",
    ),
    (
        "I wash and dress myself normally, and it causes no extra pain.",
        "I wash and dress myself normally, but it is very painful.",
        "Washing and dressing hurt, so I do them slowly and carefully.",
        "I need some help, but I manage most of my own care.",
        "I need help every day with most of my own care.",
        "I do not get dressed; I wash with difficulty and stay in bed.",
    ),
    (
        "I can lift heavy things with no extra pain.",
        "I can lift heavy things, but it brings extra pain.",
        "Pain stops me lifting heavy things from the floor, but I can if they are placed conveniently, "
        "for example on a table.",
        "Pain stops me lifting heavy things, but I can lift light to medium things if they are placed conveniently.",
        "I can lift only very light things.",
        "I cannot lift or carry anything at all.",
    ),
    (
        "Pain does not stop me walking any distance.",
        "Pain stops me walking more than about a mile.",
        "Pain stops me walking more than about a quarter of a mile.",
        "Pain stops me walking more than about 100 yards.",
        "I can walk only with a stick or crutches.",
        "I am in bed most of the time.",
    ),
    (
        "I can sit in any chair for as long as I like.",
        "I can sit for as long as I like, but only in my favourite chair.",
        "Pain stops me sitting for more than an hour.",
        "Pain stops me sitting for more than half an hour.",
        "Pain stops me sitting for more than 10 minutes.",
        "Pain stops me sitting at all.",
    ),
    (
        "I can stand for as long as I want with no extra pain.",
        "I can stand for as long as I want, but it brings extra pain.",
        "Pain stops me standing for more than an hour.",
        "Pain stops me standing for more than half an hour.",
        "Pain stops me standing for more than 10 minutes.",
        "Pain stops me standing at all.",
    ),
    (
        "Pain never disturbs my sleep.",
        "Pain sometimes disturbs my sleep.",
        "Because of pain I sleep less than 6 hours.",
        "Because of pain I sleep less than 4 hours.",
        "Because of pain I sleep less than 2 hours.",
        "Pain stops me sleeping at all.",
    ),
    (
        "My sex life is normal and causes no extra pain.",
        "My sex life is normal, but it brings some extra pain.",
        "My sex life is nearly normal, but very painful.",
        "Pain severely restricts my sex life.",
        "Because of pain I have nearly no sex life.",
        "Pain prevents any sex life at all.",
    ),
    (
        "My social life is normal and causes no extra pain.",
        "My social life is normal, but it makes the pain worse.",
        "Pain does not change my social life much, except that I give up more energetic interests such as sport.",
        "Pain has restricted my social life and I go out less often.",
        "Pain has restricted my social life to my home.",
        "Because of pain I have no social life.",
    ),
    (
        "I can travel anywhere with no pain.",
        "I can travel anywhere, but it brings extra pain.",
        "The pain is bad, but I manage journeys of more than two hours.",
        "Pain limits me to journeys of less than an hour.",
        "Pain limits me to short necessary journeys of less than 30 minutes.",
        "Pain stops me travelling except to receive treatment.",
    ),
]
# The sex life section may be left out (the patient may prefer not to answer; the score allows it).
ODI_OPTIONAL_SECTIONS = {8}
NOT_ANSWERED = "Not answered"
ODI_FIELDS = [f"odi_{n}" for n in range(1, 11)]
# RMDQ: 24 statements, the score is how many the patient ticks, 0-24 (domain.md 8.2 [A-instrument][R76]).
RMDQ_MAX = 24


def odi_form_field(number: int) -> forms.TypedChoiceField:
    """One ODI section as the patient sees it: its six statements as radio choices (scored 0-5), and
    "not answered" (the score allows missed sections)."""
    title = ODI_SECTIONS[number - 1]
    help_text = "The patient may leave this section out." if number in ODI_OPTIONAL_SECTIONS else ""
    return forms.TypedChoiceField(
        label=f"ODI section {number}: {title.lower()}",
        choices=[*enumerate(ODI_STATEMENTS[number - 1]), ("", NOT_ANSWERED)],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=help_text,
    )


def odi_form_fields() -> dict[str, forms.TypedChoiceField]:
    return {name: odi_form_field(number) for number, name in enumerate(ODI_FIELDS, 1)}


class DisabilityInstrument(models.TextChoices):
    ODI = "odi", "Oswestry Disability Index (ODI)"
    RMDQ = "rmdq", "Roland-Morris Disability Questionnaire (RMDQ)"


def _odi_field(number: int):
    return models.PositiveSmallIntegerField(
        f"ODI {number}: {ODI_SECTIONS[number - 1].lower()}",
        null=True,
        blank=True,
        choices=ODI_ANSWER_CHOICES,
        validators=int_range(0, 5),
        help_text="0 = no difficulty, 5 = the worst; leave empty if the patient did not answer.",
    )


class DisabilityScores(models.Model):
    """The disability instrument and its answers: the ten ODI sections, or the RMDQ count."""

    disability_instrument = models.CharField(
        "disability questionnaire",
        max_length=4,
        choices=DisabilityInstrument.choices,
        default=DisabilityInstrument.ODI,
        help_text="The RMDQ is the alternative to the ODI; the follow-up uses the instrument of the baseline.",
    )
    odi_1 = _odi_field(1)
    odi_2 = _odi_field(2)
    odi_3 = _odi_field(3)
    odi_4 = _odi_field(4)
    odi_5 = _odi_field(5)
    odi_6 = _odi_field(6)
    odi_7 = _odi_field(7)
    odi_8 = _odi_field(8)
    odi_9 = _odi_field(9)
    odi_10 = _odi_field(10)
    rmdq_score = models.PositiveSmallIntegerField(
        "RMDQ score (0-24)",
        null=True,
        blank=True,
        validators=int_range(0, RMDQ_MAX),
        help_text="How many of the 24 statements the patient ticked.",
    )

    class Meta:
        abstract = True

    @property
    def odi_answers(self) -> list[int | None]:
        return [getattr(self, name) for name in ODI_FIELDS]

    @property
    def odi(self):
        """The scored ODI, or None when too few sections are answered to score."""
        try:
            return scores.odi(self.odi_answers)
        except scores.OdiIncomplete:
            return None

    @property
    def disability_score(self) -> Decimal | None:
        """ODI as a percentage, or the RMDQ count; None when the chosen instrument is not scored."""
        if self.disability_instrument == DisabilityInstrument.RMDQ:
            return None if self.rmdq_score is None else Decimal(self.rmdq_score)
        odi = self.odi
        return None if odi is None else odi.percent

    def disability_display(self) -> str:
        if self.disability_instrument == DisabilityInstrument.RMDQ:
            return "—" if self.rmdq_score is None else f"RMDQ {self.rmdq_score}/24"
        odi = self.odi
        return "—" if odi is None else f"ODI {odi.percent}% ({odi.band})"

    def disability_missing(self) -> str | None:
        """Why the chosen instrument cannot be scored, or None."""
        if self.disability_instrument == DisabilityInstrument.RMDQ:
            return None if self.rmdq_score is not None else "The RMDQ score is not recorded."
        if self.odi is None:
            return (
                f"The Oswestry Disability Index needs at least {scores.ODI_MIN_ANSWERED} of its "
                f"{scores.ODI_SECTIONS} sections."
            )
        return None


def disability_mdc(instrument: str, rules: dict[str, Decimal]) -> Decimal:
    """The minimum detectable change of the instrument (domain.md 8.2: ODI about 10 points [R75],
    RMDQ 4-5 points [R76b]), from the rules table."""
    key = "rmdq_mdc_points" if instrument == DisabilityInstrument.RMDQ else "odi_mdc_points"
    return rules[key]


@dataclass(frozen=True)
class Change:
    """One measure's change from the baseline (now - baseline: negative is better)."""

    label: str
    baseline: Decimal
    now: Decimal
    threshold: Decimal
    unit: str

    @property
    def change(self) -> Decimal:
        return self.now - self.baseline

    @property
    def important(self) -> bool:
        """Improved by at least the threshold."""
        return -self.change >= self.threshold

    @property
    def summary(self) -> str:
        c = self.change
        direction = "unchanged" if c == 0 else (f"down {-c:f}" if c < 0 else f"up {c:f}")
        return f"{self.baseline:f} to {self.now:f} {self.unit} ({direction})"


def changes(baseline, follow_up, rules: dict[str, Decimal]) -> list[Change]:
    """Pain at rest, pain on activity and disability, each against its baseline, where both are recorded."""
    rows = []
    fall = rules["pain_important_fall_points"]
    for label, before, after in (
        ("Pain at rest", baseline.baseline_pain_rest, follow_up.pain_rest),
        ("Pain on activity", baseline.baseline_pain_activity, follow_up.pain_activity),
    ):
        if before is not None and after is not None:
            rows.append(Change(label, Decimal(before), Decimal(after), fall, "/10"))
    if baseline.disability_instrument == follow_up.disability_instrument:
        before, after = baseline.disability_score, follow_up.disability_score
        if before is not None and after is not None:
            instrument = DisabilityInstrument(follow_up.disability_instrument)
            unit = "%" if instrument == DisabilityInstrument.ODI else "/24"
            label = "ODI" if instrument == DisabilityInstrument.ODI else "RMDQ"
            rows.append(Change(label, before, after, disability_mdc(instrument, rules), unit))
    return rows
