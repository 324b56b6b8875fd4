"""Factories, one per model, in pathway order."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from accounts.services import sync_roles
from demo.builder import nhs_numbers
from pathway.models import Aetiology, Pathway, Patient, ReferrerType, Sex

PASSWORD = "test-pass-2026"
_NHS = nhs_numbers(start=900000)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if not extracted:
            return
        if not Group.objects.filter(name=extracted).exists():
            sync_roles()
        self.groups.add(Group.objects.get(name=extracted))
        # Doctors are consultants unless a test makes one a trainee (grade="trainee").
        if extracted in ("Radiologist", "Consultant") and not self.grade:
            self.grade = "consultant"
        self.save()


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    nhs_number = factory.LazyFunction(lambda: next(_NHS))
    hospital_number = factory.Sequence(lambda n: f"H{n:07d}")
    family_name = factory.Iterator(["Smith", "Jones", "Taylor", "Okafor", "Nowak"])
    given_name = factory.Iterator(["Margaret", "John", "Joan", "Peter"])
    date_of_birth = datetime.date(1945, 3, 14)
    sex = Sex.FEMALE
    phone = "07700 900123"
    gp_practice = "Riverside Surgery"


class PathwayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pathway

    patient = factory.SubFactory(PatientFactory)
    referral_received_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=20))
    referrer_type = ReferrerType.GP
    referrer_name = "Dr Hughes"
    referrer_organisation = "Riverside Surgery"
    aetiology = Aetiology.OSTEOPOROTIC
    symptom_onset_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))


# --- before the procedure (issue 3) --------------------------------------------------------------


def _days_ago(n: int):
    return lambda: timezone.localdate() - datetime.timedelta(days=n)


class SuitabilityAssessmentFactory(factory.django.DjangoModelFactory):
    """A suitable patient meeting every G2 condition."""

    class Meta:
        model = "pathway.SuitabilityAssessment"

    pathway = factory.SubFactory(PathwayFactory)
    assessed_on = factory.LazyFunction(_days_ago(10))
    pain_score = 8
    pain_at_level_on_exam = True
    exam_findings = "Midline tenderness at the thoracolumbar junction."
    suspected_levels = factory.LazyFunction(lambda: ["T12", "L1"])
    conservative_treatment = "Paracetamol 1 g qds and codeine 30 mg qds for 5 weeks; physiotherapy."
    conservative_failure_reasons = factory.LazyFunction(lambda: ["pain_persists"])
    mobility = "aid"
    neuro_exam = "normal"
    absolute_contraindications = factory.LazyFunction(list)
    relative_contraindications = factory.LazyFunction(list)
    mdt_on = factory.LazyFunction(_days_ago(5))
    mdt_radiologist = "Dr Carter"
    mdt_spinal_surgeon = "Mr Patel"
    spinal_surgery_access = True
    bone_health_plan = "referred"
    outcome = "suitable"
    # The outcome baseline (domain.md 8.2): ODI 34 of 45 answered = 75.6% (severe).
    baseline_pain_rest = 6
    baseline_pain_activity = 8
    disability_instrument = "odi"
    odi_1 = 4
    odi_2 = 3
    odi_3 = 4
    odi_4 = 4
    odi_5 = 3
    odi_6 = 4
    odi_7 = 4
    odi_8 = None
    odi_9 = 4
    odi_10 = 4
    # Decided by a consultant radiologist (domain.md 2.3); pass decided_by=None for a trainee's draft.
    decided_by = factory.SubFactory(UserFactory, role="Consultant")
    decided_at = factory.LazyFunction(timezone.now)


class MriScanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pathway.MriScan"
        skip_postgeneration_save = True

    pathway = factory.SubFactory(PathwayFactory)
    modality = "mri"
    safety_screen_done = True
    scanned_on = factory.LazyFunction(_days_ago(7))
    accession_number = factory.Sequence(lambda n: f"RAD{n:06d}")
    reported_by = "Dr Menon"
    report = "Acute wedge fracture of T12 with marrow oedema on STIR; old healed L3 fracture."

    @factory.post_generation
    def request(obj, create, extracted, **kwargs):
        """The imaging request, 10 days before the scan, unless the pathway has one or request=False."""
        if (
            create
            and extracted is not False
            and not obj.pathway.__class__.objects.filter(pk=obj.pathway_id, mri_request__isnull=False).exists()
        ):
            MriRequestFactory(pathway=obj.pathway, requested_on=obj.scanned_on - datetime.timedelta(days=10))


class MriRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pathway.MriRequest"

    pathway = factory.SubFactory(PathwayFactory, current_stage="mri")
    requested_on = factory.LazyFunction(_days_ago(17))
    requested_by = "Dr Carter"


class MriLevelFindingFactory(factory.django.DjangoModelFactory):
    """A treatable level: oedema on STIR, concordant with the examination."""

    class Meta:
        model = "pathway.MriLevelFinding"

    scan = factory.SubFactory(MriScanFactory)
    level = "T12"
    oedema = "present"
    t1_signal = "low"
    height_loss_pct = Decimal("25")
    posterior_wall = "intact"
    malignancy_features = "none"
    concordant_with_exam = True


class PreAssessmentFactory(factory.django.DjangoModelFactory):
    """Bloods in range and in date, no allergies, no antithrombotics, escort and transport arranged."""

    class Meta:
        model = "pathway.PreAssessment"

    pathway = factory.SubFactory(PathwayFactory)
    assessed_on = factory.LazyFunction(_days_ago(2))
    hb_g_l = Decimal("128")
    hb_sampled_on = factory.LazyFunction(_days_ago(2))
    platelets = 230
    platelets_sampled_on = factory.LazyFunction(_days_ago(2))
    inr = Decimal("1.0")
    inr_sampled_on = factory.LazyFunction(_days_ago(2))
    creatinine_umol_l = 80
    egfr = 68
    renal_sampled_on = factory.LazyFunction(_days_ago(2))
    asa_grade = 2
    weight_kg = Decimal("64.0")
    no_known_allergies = True
    no_antithrombotics = True
    medicines_reconciled = True
    pregnancy_status = "not_applicable"
    can_lie_prone = True
    escort_confirmed = True
    transport_home_arranged = True
    # The first baseline of the legs (domain.md 7.1).
    left_leg_power = 5
    right_leg_power = 5
    left_leg_sensation = "normal"
    right_leg_sensation = "normal"


class AllergyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pathway.Allergy"

    pre_assessment = factory.SubFactory(PreAssessmentFactory, no_known_allergies=False)
    allergen = "contrast"
    reaction = "Rash"
    severity = "mild"


class AntithromboticMedicineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pathway.AntithromboticMedicine"

    pre_assessment = factory.SubFactory(PreAssessmentFactory, no_antithrombotics=False)
    drug = "apixaban"
    dose = "5 mg twice daily"
    indication = "Atrial fibrillation"


# --- consent (issue 4) ---------------------------------------------------------------------------


def _png_signature() -> bytes:
    """A small drawn-looking signature as PNG bytes."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 70), (80, 20), (150, 80), (290, 30)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _first_leaflet():
    from consent.models import Leaflet

    return Leaflet.objects.order_by("id").first()


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    """A complete Form 1 draft for T12 with every library risk discussed. `signed=True` signs it."""

    class Meta:
        model = "consent.ConsentRecord"
        skip_postgeneration_save = True

    pathway = factory.SubFactory(PathwayFactory)
    form_type = "form1"
    levels = factory.LazyFunction(lambda: ["T12"])
    efficacy_uncertainty_discussed = True
    alternatives = factory.LazyFunction(lambda: ["conservative", "kyphoplasty", "no_treatment"])
    extra_procedures = factory.LazyFunction(lambda: ["biopsy"])
    anaesthesia = factory.LazyFunction(lambda: ["local", "sedation"])
    leaflet = factory.LazyFunction(lambda: _first_leaflet())
    leaflet_given_on = factory.LazyFunction(_days_ago(3))
    patient_questions = "Asked how long the bed rest lasts; told 2 to 4 hours."
    patient_copy = "accepted"
    # Named before the day; confirms on the day (domain.md 5.6).
    operator = factory.SubFactory(UserFactory, role="Consultant")

    class Params:
        signed = factory.Trait(
            signed_at=factory.LazyFunction(timezone.now),
            patient_signed_at=factory.LazyFunction(timezone.now),
            signature_method="drawn",
            patient_signature=factory.LazyFunction(_png_signature),
            clinician=factory.SubFactory(UserFactory, role="Consultant"),
            clinician_name="Colin Consultant",
            clinician_job_title="Consultant interventional radiologist",
            leaflet_title=factory.SelfAttribute("leaflet.title"),
            leaflet_version=factory.SelfAttribute("leaflet.version"),
        )

    @factory.post_generation
    def risks(self, create, extracted, **kwargs):
        """Copy every active library risk in, discussed (pass risks=False for none)."""
        if not create or extracted is False:
            return
        from consent.models import ExplainedRisk, Risk

        for order, risk in enumerate(Risk.objects.active().with_current_version()):
            version = risk.current_version
            ExplainedRisk.objects.create(
                consent=self,
                risk=risk,
                risk_version=version,
                order=order,
                name=version.name,
                patient_wording=version.patient_wording,
                frequency_numbers=version.frequency_numbers,
                frequency_band=version.frequency_band,
                source=version.source,
                discussed=True,
            )


class CapacityAssessmentFactory(factory.django.DjangoModelFactory):
    """Lacks capacity, with a complete best-interests record (Form 4)."""

    class Meta:
        model = "consent.CapacityAssessment"

    consent = factory.SubFactory(ConsentRecordFactory, form_type="form4")
    decision = "Whether to have vertebroplasty at T12"
    reason_to_doubt = "Advanced dementia; disorientated in time and place."
    impairment = True
    impairment_details = "Alzheimer's dementia (diagnosed 2021)."
    understand = "unable"
    understand_evidence = "Could not describe the procedure after a simple explanation with pictures."
    retain = "unable"
    retain_evidence = "Could not recall the explanation after five minutes."
    weigh = "unable"
    weigh_evidence = "Could not compare the options."
    communicate = "able"
    communicate_evidence = "Speaks clearly."
    may_regain_capacity = False
    can_wait = False
    can_wait_reasoning = "Severe pain is stopping her from getting out of bed; waiting risks pneumonia."
    attorney = "none"
    advance_decision = "none"
    best_interests = "She valued staying active and independent; her daughter says she would choose pain relief."
    consulted = "Daughter (next of kin) and the care home manager."


class ConsentConfirmationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "consent.ConsentConfirmation"

    consent = factory.SubFactory(ConsentRecordFactory, signed=True)
    # By the named operator (domain.md 5.6), capacity re-checked.
    confirmed_by = factory.SelfAttribute("consent.operator")
    confirmed_by_name = factory.LazyAttribute(lambda o: o.confirmed_by.display_name)
    confirmed_at = factory.LazyFunction(timezone.now)
    no_further_questions = True
    wishes_to_proceed = True
    has_capacity_today = True
    capacity_how = "Explained again; she repeated the main risks back and still wants to go ahead."


class ConsentWithdrawalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "consent.ConsentWithdrawal"

    consent = factory.SubFactory(ConsentRecordFactory, signed=True)
    withdrawn_at = factory.LazyFunction(timezone.now)
    withdrawn_by = "patient"
    timing = "before"
    reason = "Wants to try more physiotherapy first."
    recorded_by_name = "Colin Consultant"


# --- the day and after (issue 5) -----------------------------------------------------------------


def _minutes_ago(n: int):
    return lambda: timezone.now() - datetime.timedelta(minutes=n)


class ProcedureFactory(factory.django.DjangoModelFactory):
    """A procedure recorded in full (team, times, guidance, sedation), before any checklist answer."""

    class Meta:
        model = "pathway.Procedure"

    pathway = factory.SubFactory(PathwayFactory, current_stage="procedure")
    operator = factory.SubFactory(UserFactory, role="Consultant")
    anaesthesia = "la_sedation"
    sedation_drugs = factory.LazyFunction(
        lambda: [{"drug": "midazolam", "dose": "2", "unit": "mg", "route": "IV", "time": "09:05"}]
    )
    local_anaesthetic = "Lidocaine 1% 10 mL"
    guidance = factory.LazyFunction(lambda: ["fluoro_biplane"])
    started_at = factory.LazyFunction(_minutes_ago(90))
    ended_at = factory.LazyFunction(_minutes_ago(50))
    post_ct_done = True
    post_ct_findings = "Good cement fill; no leak."
    # Legs at sign in, before sedation: the baseline for recovery (domain.md 7.1).
    left_leg_power = 5
    right_leg_power = 5
    left_leg_sensation = "normal"
    right_leg_sensation = "normal"
    fluoroscopy_seconds = Decimal("185.0")
    dap_value = Decimal("1250")
    dap_unit = "cGy.cm2"


class SafetyChecklistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pathway.SafetyChecklistItem"

    procedure = factory.SubFactory(ProcedureFactory)
    phase = "sign_in"
    item = "identity"
    response = "yes"
    answered_by = factory.SubFactory(UserFactory, role="Radiologist")


class TreatedLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pathway.TreatedLevel"

    procedure = factory.SubFactory(ProcedureFactory)
    level = "T12"
    approach = "transpedicular"
    laterality = "bipedicular"
    needle_gauge = 11
    cement_product = "PMMA bone cement"
    cement_lot = factory.Sequence(lambda n: f"LOT{n:05d}")
    cement_expiry = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=300))
    cement_volume_ml = Decimal("4.5")


class ComplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pathway.Complication"

    pathway = factory.SubFactory(PathwayFactory, current_stage="recovery")
    other_type = "Vasovagal episode"
    onset_at = factory.LazyFunction(_minutes_ago(30))
    detected_at_stage = "recovery"
    grade_system = "cirse"
    grade = "1"
    management = "Lay flat, IV fluids."
    outcome = "resolved"


class RecoveryFactory(factory.django.DjangoModelFactory):
    """Every discharge criterion met except the observations (added separately)."""

    class Meta:
        model = "pathway.Recovery"

    pathway = factory.SubFactory(PathwayFactory, current_stage="recovery")
    arrived_at = factory.LazyFunction(_minutes_ago(200))
    bed_rest_started_at = factory.LazyFunction(_minutes_ago(190))
    bed_rest_ended_at = factory.LazyFunction(_minutes_ago(60))
    first_mobilised_at = factory.LazyFunction(_minutes_ago(50))
    pain_controlled = True
    mobilised_safely = True
    puncture_site_dry = True
    responsible_adult_confirmed = True
    advice_no_driving = True
    advice_adult_overnight = True
    advice_no_aspirin = True
    advice_painkillers = True
    advice_anticoagulants = True
    advice_warning_signs = True
    advice_contact = True
    advice_bone_health = True
    advice_follow_up = True


class ObservationSetFactory(factory.django.DjangoModelFactory):
    """Normal observations (NEWS2 0) with normal legs."""

    class Meta:
        model = "pathway.ObservationSet"

    recovery = factory.SubFactory(RecoveryFactory)
    taken_at = factory.LazyFunction(timezone.now)
    respiration_rate = 16
    spo2 = 97
    systolic_bp = 132
    diastolic_bp = 78
    pulse = 74
    consciousness = "A"
    temperature_c = Decimal("36.7")
    pain_nrs = 3
    left_leg_power = 5
    right_leg_power = 5
    left_leg_sensation = "normal"
    right_leg_sensation = "normal"
    puncture_site = "dry"


class EscalationFactory(factory.django.DjangoModelFactory):
    """An open urgent escalation, opened by an observation set scoring NEWS2 5."""

    class Meta:
        model = "pathway.Escalation"

    observation = factory.SubFactory(ObservationSetFactory, pulse=115, respiration_rate=22, spo2=94)
    recovery = factory.SelfAttribute("observation.recovery")
    news2_total = 5
    band = "medium"


class FollowUpFactory(factory.django.DjangoModelFactory):
    """A follow-up due today, not yet recorded."""

    class Meta:
        model = "pathway.FollowUp"

    pathway = factory.SubFactory(PathwayFactory, current_stage="follow_up")
    due_on = factory.LazyFunction(timezone.localdate)
    window_opens_on = factory.LazyAttribute(lambda o: o.due_on - datetime.timedelta(days=7))
    window_closes_on = factory.LazyAttribute(lambda o: o.due_on + datetime.timedelta(days=14))

    class Params:
        recorded = factory.Trait(
            reviewed_on=factory.LazyFunction(timezone.localdate),
            method="telephone",
            pain_rest=2,
            pain_activity=3,
            odi_1=1,
            odi_2=0,
            odi_3=2,
            odi_4=1,
            odi_5=1,
            odi_6=1,
            odi_7=0,
            odi_8=None,
            odi_9=1,
            odi_10=1,
            analgesic_use="non_opioid",
            new_fracture=False,
            complications_since_discharge=False,
            bone_health_confirmed=True,
            outcome="discharged",
        )
