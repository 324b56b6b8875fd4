"""Never a 500 on input: every form of the product, given hostile input (property-based).

For each form class (stage forms, inline rows and their formsets, movement forms, consent forms, the
admin's risk form, the list and dashboard filters) Hypothesis generates at least 200 inputs. For
each: `is_valid()` never raises; an invalid form's errors are non-empty, formatted strings; nothing
is saved (the form's model and its history keep their row counts). HTTP-level properties for the
pages that answered 500 are in tests/test_form_inputs_http.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts.two_factor import CodeForm
from consent.admin import RiskAdminForm
from consent.forms import (
    CapacityAssessmentForm,
    ConfirmForm,
    ConsentRecordForm,
    ExplainedRiskForm,
    ExplainedRiskFormSet,
    SignForm,
    StartConsentForm,
    WithdrawForm,
)
from consent.models import CapacityAssessment, ConsentRecord, ConsentWithdrawal, ExplainedRisk, Risk
from dashboard.filters import DashboardFilter
from pathway.admin import RuleAdminForm
from pathway.complications.forms import ComplicationForm
from pathway.core.forms import (
    AdvanceForm,
    CloseForm,
    MovementForm,
    PatientForm,
    PatientSearchForm,
    ReasonForm,
    ReturnForm,
)
from pathway.filters import PathwayFilter
from pathway.follow_up.forms import FollowUpForm, UnscheduledContactForm
from pathway.models import (
    Allergy,
    AntithromboticMedicine,
    Complication,
    Escalation,
    FollowUp,
    MriLevelFinding,
    MriRequest,
    MriScan,
    ObservationSet,
    Pathway,
    Patient,
    PreAssessment,
    Procedure,
    Recovery,
    Rule,
    SuitabilityAssessment,
    TreatedLevel,
    UnscheduledContact,
)
from pathway.mri.forms import MriLevelFindingForm, MriLevelFindingInlineFormSet, MriRequestForm, MriScanForm
from pathway.pre_assessment.forms import (
    AllergyForm,
    AllergyInlineFormSet,
    AntithromboticMedicineForm,
    AntithromboticMedicineInlineFormSet,
    PreAssessmentForm,
)
from pathway.procedure.forms import (
    ChecklistPhaseForm,
    DebriefOnSignOutForm,
    ImagingDecisionForm,
    ProcedureForm,
    TreatedLevelForm,
)
from pathway.procedure.models import ChecklistPhase
from pathway.recovery.forms import DischargeForm, EscalationForm, LegReviewForm, ObservationSetForm, RecoveryForm
from pathway.referral.forms import ReferralForm
from pathway.suitability.forms import SuitabilityAssessmentForm
from pathway.validators import PAIN_MESSAGE
from tests.factories import (
    ConsentRecordFactory,
    FollowUpFactory,
    MriScanFactory,
    PathwayFactory,
    PreAssessmentFactory,
    ProcedureFactory,
    RecoveryFactory,
    SuitabilityAssessmentFactory,
    UserFactory,
)
from tests.form_inputs_strategies import (
    GENERATED,
    OTHER_DIGITS,
    PROPERTY_SETTINGS,
    as_query_dict,
    assert_clear_messages,
    error_messages,
    fields_data,
    form_data,
    report_generated_inputs,
    split_files,
)

pytestmark = pytest.mark.django_db


# --- the report: how many inputs were generated ------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _report_generated_inputs(request):
    report_generated_inputs(request.config)


# --- one set of rows every form can refer to ----------------------------------------------------


class World:
    """The rows the forms refer to, each built on first use (most forms need one or two of them)."""

    @cached_property
    def consultant(self):
        return UserFactory(role="Consultant", username="w_consultant")

    @cached_property
    def clinicians(self):
        # More choices for the user fields (operator, assistant...).
        return [UserFactory(role=role, username=f"w_{role.lower()}") for role in ("Radiologist", "Nurse")]

    @cached_property
    def pathway(self) -> Pathway:
        self.clinicians  # noqa: B018
        pathway = PathwayFactory(responsible_consultant=self.consultant)
        SuitabilityAssessmentFactory(pathway=pathway)
        return pathway

    @cached_property
    def mri_scan(self) -> MriScan:
        return MriScanFactory(pathway=self.pathway)

    @cached_property
    def pre_assessment(self) -> PreAssessment:
        return PreAssessmentFactory(pathway=self.pathway)

    @cached_property
    def procedure(self) -> Procedure:
        self.clinicians  # noqa: B018
        return ProcedureFactory(operator=self.consultant)

    @cached_property
    def recovery(self) -> Recovery:
        return RecoveryFactory()

    @cached_property
    def follow_up(self) -> FollowUp:
        follow_up = FollowUpFactory(recorded=True)
        SuitabilityAssessmentFactory(pathway=follow_up.pathway, pain_score=7)
        return follow_up

    @cached_property
    def consent(self) -> ConsentRecord:
        return ConsentRecordFactory(pathway=self.pathway)


@pytest.fixture
def world(reference_data) -> World:
    return World()


def fresh(instance):
    """The row as saved: a model form writes onto its instance while it validates."""
    return type(instance).objects.get(pk=instance.pk)


# --- the forms ----------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    build: Callable[..., object]  # (world, data, files) -> a form (unbound when data is None)
    watched: tuple = ()  # models whose rows must not change
    check: Callable | None = None  # (form, world) -> extra assertions


def _bound(form_class, **kwargs):
    def build(world, data, files):
        return form_class(data, files, **{k: v(world) if callable(v) else v for k, v in kwargs.items()})

    return build


def _check_follow_up(form, world):
    """A refused follow-up leaves the record as saved, and its summaries are worked out from it."""
    saved = fresh(world.follow_up)
    if not form.is_valid():
        assert form.instance.pain_activity == saved.pain_activity
        assert form.instance.odi_answers == saved.odi_answers
    change = form.instance.pain_change  # never raises: only valid values reach the record
    assert change is None or 0 <= change.now <= 10
    form.instance.odi  # noqa: B018
    for name in ("pain_rest", "pain_activity"):
        value = form.data.get(name)
        if isinstance(value, str) and value.strip().lstrip("-").isdecimal() and int(value) > 10:
            assert PAIN_MESSAGE in form.errors.get(name, [])


def _check_observation_set(form, world):
    if form.is_valid():
        assert form.instance.news2.total >= 0  # every valid set can be scored
    elif "spo2" in form.errors and form.data.get("spo2") in ("101", "49", "-0"):
        assert "Enter a value between 50 and 100 %." in form.errors["spo2"]


def _check_patient(form, world):
    if not form.is_valid() and form.data.get("nhs_number") in OTHER_DIGITS:
        assert any("0 to 9" in m for m in form.errors["nhs_number"])
    if form.is_valid():
        assert form.cleaned_data["nhs_number"].isascii()


def _check_search(form, world):
    if form.is_valid():
        list(Patient.objects.search(form.cleaned_data["q"])[:5])


def _filter_form(filter_class):
    def build(world, data, files):
        return filter_class(data, queryset=Pathway.objects.all()).form

    return build


def _check_filter_qs(filter_class):
    def check(form, world):
        filterset = filter_class(form.data, queryset=Pathway.objects.all())
        if filterset.is_valid():
            list(filterset.qs[:5])

    return check


CASES = [
    Case("CodeForm", _bound(CodeForm)),  # the second factor's 6-digit code
    Case("PatientForm", _bound(PatientForm, instance=lambda w: Patient()), (Patient,), _check_patient),
    Case("PatientSearchForm", _bound(PatientSearchForm), (Patient,), _check_search),
    Case("MovementForm", _bound(MovementForm, pathway=lambda w: fresh(w.pathway)), (Pathway,)),
    Case("AdvanceForm", _bound(AdvanceForm, pathway=lambda w: fresh(w.pathway)), (Pathway,)),
    Case("CloseForm", _bound(CloseForm, pathway=lambda w: fresh(w.pathway)), (Pathway,)),
    Case("ReasonForm", _bound(ReasonForm, pathway=lambda w: fresh(w.pathway)), (Pathway,)),
    Case("ReturnForm", _bound(ReturnForm, pathway=lambda w: fresh(w.pathway)), (Pathway,)),
    Case("ReferralForm", _bound(ReferralForm, instance=lambda w: fresh(w.pathway)), (Pathway,)),
    Case(
        "SuitabilityAssessmentForm",
        _bound(SuitabilityAssessmentForm, instance=lambda w: SuitabilityAssessment(pathway=fresh(w.pathway))),
        (SuitabilityAssessment,),
    ),
    Case("MriScanForm", _bound(MriScanForm, instance=lambda w: fresh(w.mri_scan)), (MriScan,)),
    Case(
        "MriRequestForm", _bound(MriRequestForm, instance=lambda w: MriRequest(pathway=fresh(w.pathway))), (MriRequest,)
    ),
    Case(
        "MriLevelFindingForm",
        _bound(MriLevelFindingForm, instance=lambda w: MriLevelFinding(scan=w.mri_scan)),
        (MriLevelFinding,),
    ),
    Case(
        "PreAssessmentForm",
        _bound(PreAssessmentForm, instance=lambda w: fresh(w.pre_assessment)),
        (PreAssessment, Pathway),
    ),
    Case("AllergyForm", _bound(AllergyForm, instance=lambda w: Allergy(pre_assessment=w.pre_assessment)), (Allergy,)),
    Case(
        "AntithromboticMedicineForm",
        _bound(AntithromboticMedicineForm, instance=lambda w: AntithromboticMedicine(pre_assessment=w.pre_assessment)),
        (AntithromboticMedicine,),
    ),
    Case("ProcedureForm", _bound(ProcedureForm, instance=lambda w: fresh(w.procedure)), (Procedure,)),
    Case(
        "ChecklistPhaseForm (sign-in, pregnancy asked)",
        _bound(ChecklistPhaseForm, phase=ChecklistPhase.SIGN_IN, answers={}, ask_pregnancy=True, pregnancy=""),
        (Procedure,),
    ),
    Case(
        "ChecklistPhaseForm (time-out)",
        _bound(ChecklistPhaseForm, phase=ChecklistPhase.TIME_OUT, answers={}, ask_pregnancy=False),
        (Procedure,),
    ),
    Case(
        "ChecklistPhaseForm (sign-out)",
        _bound(ChecklistPhaseForm, phase=ChecklistPhase.SIGN_OUT, answers={}, ask_pregnancy=False),
        (Procedure,),
    ),
    # Built without its prefix here: the generated data is keyed by the bare field names.
    Case("DebriefOnSignOutForm", _bound(DebriefOnSignOutForm, answers={}, prefix=""), (Procedure,)),
    Case("ImagingDecisionForm", _bound(ImagingDecisionForm), (Procedure,)),
    Case(
        "TreatedLevelForm",
        _bound(TreatedLevelForm, instance=lambda w: TreatedLevel(procedure=w.procedure)),
        (TreatedLevel,),
    ),
    Case(
        "ComplicationForm",
        _bound(ComplicationForm, instance=lambda w: Complication(pathway=fresh(w.recovery.pathway))),
        (Complication,),
    ),
    Case("RecoveryForm", _bound(RecoveryForm, instance=lambda w: fresh(w.recovery)), (Recovery,)),
    Case(
        "ObservationSetForm",
        _bound(ObservationSetForm, instance=lambda w: ObservationSet()),
        (ObservationSet,),
        _check_observation_set,
    ),
    Case("LegReviewForm", _bound(LegReviewForm), (Recovery,)),
    Case("DischargeForm", _bound(DischargeForm), (Recovery, FollowUp)),
    Case("EscalationForm", _bound(EscalationForm, instance=lambda w: Escalation(recovery=w.recovery)), (Escalation,)),
    Case(
        "UnscheduledContactForm",
        _bound(UnscheduledContactForm, instance=lambda w: UnscheduledContact(pathway=fresh(w.pathway))),
        (UnscheduledContact,),
    ),
    Case("FollowUpForm", _bound(FollowUpForm, instance=lambda w: fresh(w.follow_up)), (FollowUp,), _check_follow_up),
    Case("StartConsentForm", _bound(StartConsentForm), (ConsentRecord,)),
    Case("ConsentRecordForm", _bound(ConsentRecordForm, instance=lambda w: fresh(w.consent)), (ConsentRecord,)),
    Case(
        "ExplainedRiskForm",
        _bound(ExplainedRiskForm, instance=lambda w: ExplainedRisk.objects.filter(consent=w.consent).first()),
        (ExplainedRisk,),
    ),
    Case(
        "CapacityAssessmentForm",
        _bound(CapacityAssessmentForm, instance=lambda w: CapacityAssessment(consent=w.consent)),
        (CapacityAssessment,),
    ),
    Case("SignForm", _bound(SignForm), (ConsentRecord,)),
    Case("ConfirmForm", _bound(ConfirmForm), (ConsentRecord,)),
    Case("WithdrawForm", _bound(WithdrawForm), (ConsentWithdrawal,)),
    Case("RiskAdminForm", _bound(RiskAdminForm, instance=lambda w: Risk()), (Risk,)),
    Case("RuleAdminForm", _bound(RuleAdminForm, instance=lambda w: Rule.objects.get(key="inr_max")), (Rule,)),
    Case("PathwayFilter form", _filter_form(PathwayFilter), (Pathway,), _check_filter_qs(PathwayFilter)),
    Case("DashboardFilter form", _filter_form(DashboardFilter), (Pathway,), _check_filter_qs(DashboardFilter)),
]


def row_counts(models) -> dict:
    counts = {}
    for model in models:
        counts[model.__name__] = model.objects.count()
        history = getattr(model, "history", None)
        if history is not None:
            counts[f"history of {model.__name__}"] = history.model.objects.count()
    return counts


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_form_never_raises_and_saves_nothing(case: Case, world: World):
    unbound = case.build(world, None, None)
    strategy = form_data(type(unbound), unbound, _from_form_kwargs(world, unbound))

    @PROPERTY_SETTINGS
    @given(strategy)
    def property_holds(raw):
        GENERATED[case.name] += 1
        data, files = split_files(raw)
        data = as_query_dict(data)
        sid = transaction.savepoint()
        try:
            before = row_counts(case.watched)
            form = case.build(world, data, files)
            valid = form.is_valid()  # never raises
            if not valid:
                assert form.errors, "invalid with no error"
                assert_clear_messages(error_messages(form.errors), data)
            if case.check:
                case.check(form, world)
            assert row_counts(case.watched) == before, "a form saved something while validating"
        finally:
            transaction.savepoint_rollback(sid)

    property_holds()


def _from_form_kwargs(world: World, unbound) -> dict | None:
    """The keyword arguments the form was built with, for `from_form` (which builds forms itself)."""
    if isinstance(unbound, DebriefOnSignOutForm):
        return {"answers": {}, "prefix": ""}
    if isinstance(unbound, ChecklistPhaseForm):
        return {"phase": unbound.phase, "answers": {}, "ask_pregnancy": "pregnancy_status" in unbound.fields}
    if isinstance(unbound, MovementForm):
        return {"pathway": world.pathway}
    if getattr(unbound, "instance", None) is not None:
        return {"instance": unbound.instance}
    return None


# --- formsets: the inline rows, with their management form -------------------------------------


@dataclass
class FormSetCase:
    name: str
    build: Callable  # (world, data) -> formset
    prefix: str
    watched: tuple


FORMSET_CASES = [
    FormSetCase(
        "MriLevelFindingInlineFormSet",
        lambda w, data: MriLevelFindingInlineFormSet(data, instance=fresh(w.mri_scan), prefix="levels"),
        "levels",
        (MriLevelFinding,),
    ),
    FormSetCase(
        "AllergyInlineFormSet",
        lambda w, data: AllergyInlineFormSet(data, instance=fresh(w.pre_assessment), prefix="allergies"),
        "allergies",
        (Allergy,),
    ),
    FormSetCase(
        "AntithromboticMedicineInlineFormSet",
        lambda w, data: AntithromboticMedicineInlineFormSet(data, instance=fresh(w.pre_assessment), prefix="medicines"),
        "medicines",
        (AntithromboticMedicine,),
    ),
    FormSetCase(
        "ExplainedRiskFormSet",
        lambda w, data: ExplainedRiskFormSet(
            data, queryset=ExplainedRisk.objects.filter(consent=w.consent).order_by("order"), prefix="risks"
        ),
        "risks",
        (ExplainedRisk,),
    ),
]

MANAGEMENT_COUNTS = st.one_of(
    st.integers(min_value=0, max_value=4).map(str),
    # Counts past the formset's absolute maximum build a thousand rows: one example of it is below.
    st.sampled_from(["", "-1", "-0", "abc", "1.5", "2.0", "٣", "⁴", "NaN", "1e3", ["1", "2"]]),
)


def formset_data(case: FormSetCase, world: World) -> st.SearchStrategy[dict]:
    row_form = case.build(world, None).empty_form
    rows = st.lists(fields_data(type(row_form), dict(row_form.fields)), min_size=0, max_size=4)
    management = st.fixed_dictionaries(
        {},
        optional={
            f"{case.prefix}-TOTAL_FORMS": MANAGEMENT_COUNTS,
            f"{case.prefix}-INITIAL_FORMS": MANAGEMENT_COUNTS,
            f"{case.prefix}-MIN_NUM_FORMS": MANAGEMENT_COUNTS,
            f"{case.prefix}-MAX_NUM_FORMS": MANAGEMENT_COUNTS,
        },
    )

    def combine(parts):
        management_data, row_data, claim_total = parts
        data = dict(management_data)
        if claim_total:
            data[f"{case.prefix}-TOTAL_FORMS"] = str(len(row_data))
            data.setdefault(f"{case.prefix}-INITIAL_FORMS", "0")
        for index, row in enumerate(row_data):
            data.update({f"{case.prefix}-{index}-{name}": value for name, value in row.items()})
        return data

    return st.tuples(management, rows, st.booleans()).map(combine)


@pytest.mark.parametrize("case", FORMSET_CASES, ids=[c.name for c in FORMSET_CASES])
def test_formset_never_raises_and_saves_nothing(case: FormSetCase, world: World):
    @PROPERTY_SETTINGS
    @given(formset_data(case, world))
    def property_holds(data):
        GENERATED[case.name] += 1
        sid = transaction.savepoint()
        try:
            before = row_counts(case.watched)
            formset = case.build(world, as_query_dict(data))
            if not formset.is_valid():
                messages = list(formset.non_form_errors())
                for form_errors in formset.errors:
                    messages += error_messages(form_errors)
                assert messages, "invalid with no error"
                assert_clear_messages(messages, data)
            assert row_counts(case.watched) == before, "a formset saved something while validating"
        finally:
            transaction.savepoint_rollback(sid)

    property_holds()


@pytest.mark.parametrize("total", ["3000", str(2**63)])
@pytest.mark.parametrize("case", FORMSET_CASES, ids=[c.name for c in FORMSET_CASES])
def test_formset_claiming_thousands_of_rows_is_refused(case: FormSetCase, world: World, total):
    data = as_query_dict({f"{case.prefix}-TOTAL_FORMS": total, f"{case.prefix}-INITIAL_FORMS": "0"})
    formset = case.build(world, data)
    assert not formset.is_valid()
    assert_clear_messages(formset.non_form_errors(), data)


# --- the three inputs that answered 500, as examples --------------------------------------------


@pytest.mark.parametrize("spo2", ["101", "49", "-0"])
def test_spo2_out_of_range_is_a_clear_error(spo2):
    data = {"respiration_rate": "16", "spo2": spo2, "spo2_scale": "1", "systolic_bp": "120", "pulse": "70"}
    form = ObservationSetForm({**data, "consciousness": "A", "temperature_c": "36.5"}, instance=ObservationSet())
    assert not form.is_valid()
    assert form.errors["spo2"] == ["Enter a value between 50 and 100 %."]


@pytest.mark.parametrize("pain", ["11", "-1", "10.5", "1e3"])
@pytest.mark.parametrize("name", ["pain_rest", "pain_activity"])
def test_follow_up_pain_outside_0_to_10_is_refused_and_leaves_the_record(world, name, pain):
    saved = fresh(world.follow_up)
    data = {"reviewed_on": timezone.localdate().isoformat(), "method": "clinic", name: pain}
    form = FollowUpForm(data, instance=saved)
    assert not form.is_valid()
    assert form.errors[name]
    assert getattr(form.instance, name) == getattr(fresh(world.follow_up), name)
    assert form.instance.pain_change == fresh(world.follow_up).pain_change


def test_pain_is_bounded_0_to_10_on_every_form_and_model_that_records_it(world):
    from pathway.validators import PAIN_MAX, PAIN_MIN

    fields = [
        (SuitabilityAssessmentForm(instance=SuitabilityAssessment(pathway=world.pathway)), "pain_score"),
        (ObservationSetForm(instance=ObservationSet()), "pain_nrs"),
        (FollowUpForm(instance=world.follow_up), "pain_rest"),
        (FollowUpForm(instance=world.follow_up), "pain_activity"),
    ]
    for form, name in fields:
        assert (form.fields[name].min_value, form.fields[name].max_value) == (PAIN_MIN, PAIN_MAX), name
        model_limits = {getattr(v, "limit_value", None) for v in form._meta.model._meta.get_field(name).validators}
        assert {PAIN_MIN, PAIN_MAX} <= model_limits, name


@pytest.mark.parametrize("typed", [*OTHER_DIGITS, "943 476 591٩", "abcdefghij"])
def test_nhs_number_only_in_digits_0_to_9(typed):
    form = PatientForm(
        {
            "nhs_number": typed,
            "hospital_number": "H1",
            "family_name": "Smith",
            "given_name": "Ann",
            "date_of_birth": "1950-01-01",
            "sex": "female",
        },
        instance=Patient(),
    )
    assert not form.is_valid()
    assert form.errors["nhs_number"] == [
        "An NHS number has 10 digits, typed with the keys 0 to 9; spaces are allowed between them."
    ]
    assert Patient.objects.search(typed).count() == 0


def test_every_range_message_of_every_model_formats(world):
    """A '%' in a validator's message is formatted with the validator's params: each must survive it."""
    from django.apps import apps
    from django.core.exceptions import ValidationError
    from django.core.validators import BaseValidator

    checked = 0
    for model in apps.get_models():
        if model._meta.app_label not in ("pathway", "consent", "accounts"):
            continue
        for model_field in model._meta.get_fields():
            for validator in getattr(model_field, "validators", []):
                if not isinstance(validator, BaseValidator):
                    continue
                limit = validator.limit_value
                error = ValidationError(
                    validator.message, code=validator.code, params={"limit_value": limit, "show_value": 0, "value": 0}
                )
                assert_clear_messages(error.messages)
                checked += 1
    assert checked > 50


def test_every_form_class_of_the_product_is_covered(world):
    """A new form joins CASES or FORMSET_CASES, so it is given hostile input too."""
    import importlib
    import inspect
    import pkgutil

    from django import forms
    from django.forms.formsets import BaseFormSet

    bases = {"VersionedModelForm", "RowsFormSet"}  # abstract: covered through the forms built on them
    found = set()
    for package_name in ("pathway", "consent", "dashboard", "accounts"):
        package = importlib.import_module(package_name)
        for module_info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if ".migrations" in module_info.name or ".management" in module_info.name:
                continue
            module = importlib.import_module(module_info.name)
            for name, value in vars(module).items():
                if (
                    inspect.isclass(value)
                    and issubclass(value, forms.BaseForm | BaseFormSet)
                    and value.__module__ == module.__name__
                    and name not in bases
                ):
                    found.add(value)
    # A class built here covers the classes it is made from (django-filter and the formset factories
    # build a subclass of the class the product defines).
    built = [type(case.build(world, None, None)) for case in CASES]
    built += [type(case.build(world, None)) for case in FORMSET_CASES]
    covered = {cls for built_class in built for cls in built_class.__mro__}
    missing = {f"{cls.__module__}.{cls.__qualname__}" for cls in found - covered}
    assert not missing, f"forms without input properties: {sorted(missing)}"
