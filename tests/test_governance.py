"""Configuration is governed (issue 13 item 8): bounds, a second consultant's approval, first
history rows, and role groups that cannot be deleted or renamed."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from consent import governance as risk_governance
from consent import services as consent_services
from consent.models import Leaflet, Risk, RiskVersion
from consent.risk_library import RiskFrequencyChange
from pathway.admin import RuleAdminForm
from pathway.core import governance
from pathway.core.models import ChangeStatus, Rule, RuleChange, rule_values

pytestmark = pytest.mark.django_db

INR_MESSAGE = "The INR limit must be between 1.0 and 1.8 ratio."


@pytest.fixture
def consultant2(make_user):
    return make_user("Consultant", username="t_consultant2", first_name="Cara", last_name="Second")


def inr():
    return Rule.objects.get(key="inr_max")


def test_an_inr_limit_of_5_is_refused_by_the_model(db):
    rule = inr()
    rule.value = Decimal("5")
    with pytest.raises(ValidationError) as exc:
        rule.full_clean()
    assert exc.value.message_dict["value"] == [INR_MESSAGE]


def test_an_inr_limit_of_5_is_refused_by_the_admin_form(db):
    rule = inr()
    data = {f: getattr(rule, f) for f in ("label", "unit", "evidence_tag", "source")}
    form = RuleAdminForm(data={**data, "proposed_value": "5", "change_reason": "x"}, instance=rule)
    assert not form.is_valid()
    assert form.errors["proposed_value"] == [INR_MESSAGE]
    form = RuleAdminForm(data={**data, "proposed_value": "1.8", "change_reason": "SIR 2019 max"}, instance=rule)
    assert form.is_valid(), form.errors


def test_an_inr_limit_of_5_is_refused_as_a_proposal(consultant):
    with pytest.raises(ValidationError) as exc:
        governance.propose_rule_change(acting_user=consultant, rule=inr(), value="5", reason="x")
    assert exc.value.message_dict["proposed_value"] == [INR_MESSAGE]
    assert not RuleChange.objects.exists()


def test_every_seeded_rule_has_bounds_around_its_value(db):
    for rule in Rule.objects.all():
        assert rule.minimum is not None and rule.maximum is not None, rule.key
        assert rule.minimum <= rule.value <= rule.maximum, rule.key


def test_a_rule_change_waits_for_a_second_consultant(consultant, consultant2):
    change = governance.propose_rule_change(
        acting_user=consultant, rule=inr(), value="1.8", reason="SIR 2019 allows 1.8"
    )
    assert change.status == ChangeStatus.PENDING
    assert inr().value == Decimal("1.50")
    assert rule_values()["inr_max"] == Decimal("1.50")  # what the gates read

    with pytest.raises(PermissionDenied, match="a second consultant must approve it"):
        governance.approve_rule_change(acting_user=consultant, change=change)
    assert inr().value == Decimal("1.50")

    governance.approve_rule_change(acting_user=consultant2, change=change)
    change.refresh_from_db()
    assert (change.status, change.proposed_by, change.decided_by) == (ChangeStatus.APPROVED, consultant, consultant2)
    assert rule_values()["inr_max"] == Decimal("1.80")
    latest = inr().history.first()
    assert latest.history_user == consultant2
    assert "Colin Consultant" in latest.history_change_reason
    assert "Cara Second" in latest.history_change_reason
    assert change.history.first().history_user == consultant2

    with pytest.raises(ValidationError, match="already approved"):
        governance.approve_rule_change(acting_user=consultant2, change=change)


def test_a_nurse_cannot_approve_a_rule_change(consultant, nurse):
    change = governance.propose_rule_change(acting_user=consultant, rule=inr(), value="1.8", reason="SIR")
    with pytest.raises(PermissionDenied, match="approval permission"):
        governance.approve_rule_change(acting_user=nurse, change=change)
    assert inr().value == Decimal("1.50")


def test_a_nurse_cannot_propose_a_rule_change(nurse):
    with pytest.raises(PermissionDenied):
        governance.propose_rule_change(acting_user=nurse, rule=inr(), value="1.8", reason="SIR")


def test_a_rejected_rule_change_leaves_the_value(consultant, consultant2):
    change = governance.propose_rule_change(acting_user=consultant, rule=inr(), value="1.8", reason="SIR")
    governance.reject_rule_change(acting_user=consultant2, change=change)
    change.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED
    assert inr().value == Decimal("1.50")


def test_a_risk_frequency_change_waits_for_a_second_consultant(consultant, consultant2, nurse):
    risk = Risk.objects.get(code="infection")
    before = risk.current_version
    result = consent_services.revise_risk(
        acting_user=consultant,
        risk=risk,
        frequency_numbers="about 1 in 250",
        frequency_change_reason="New registry data",
    )
    assert result is None  # nothing else changed: no new version yet
    change = RiskFrequencyChange.objects.get(risk=risk)
    assert change.status == ChangeStatus.PENDING
    assert risk.current_version.frequency_numbers == before.frequency_numbers

    with pytest.raises(PermissionDenied, match="a second consultant must approve it"):
        risk_governance.approve_frequency_change(acting_user=consultant, change=change)
    with pytest.raises(PermissionDenied):
        risk_governance.approve_frequency_change(acting_user=nurse, change=change)
    assert risk.current_version.number == before.number

    risk_governance.approve_frequency_change(acting_user=consultant2, change=change)
    current = risk.current_version
    assert (current.number, current.frequency_numbers) == (before.number + 1, "about 1 in 250")
    assert current.patient_wording == before.patient_wording
    assert current.created_by == consultant2
    change.refresh_from_db()
    assert (change.proposed_by, change.decided_by) == (consultant, consultant2)


def test_a_frequency_change_needs_a_reason(consultant):
    risk = Risk.objects.get(code="infection")
    with pytest.raises(ValidationError):
        consent_services.revise_risk(acting_user=consultant, risk=risk, frequency_numbers="about 1 in 250")
    assert not RiskFrequencyChange.objects.exists()


def test_every_seeded_library_row_and_rule_has_a_history_row(db):
    for model in (Rule, Risk, RiskVersion, Leaflet):
        rows = set(model.objects.values_list("pk", flat=True))
        assert rows, model.__name__
        assert rows <= set(model.history.values_list("id", flat=True)), model.__name__


@pytest.fixture
def group_admin_request(make_user):
    user = make_user(username="groupkeeper", is_staff=True)
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="auth", codename__in=["change_group", "delete_group"])
    )
    request = RequestFactory().get("/admin/auth/group/")
    request.user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    return request


def test_a_role_group_cannot_be_deleted_or_renamed_in_the_admin(group_admin_request, consultant):
    model_admin = admin.site._registry[Group]
    role_group = Group.objects.get(name="Consultant")
    other = Group.objects.create(name="Audit club")
    assert not model_admin.has_delete_permission(group_admin_request, role_group)
    assert model_admin.has_delete_permission(group_admin_request, other)
    assert "name" in model_admin.get_readonly_fields(group_admin_request, role_group)
    assert "name" not in model_admin.get_readonly_fields(group_admin_request, None)

    model_admin.delete_queryset(group_admin_request, Group.objects.filter(name__in=["Consultant", "Audit club"]))
    assert Group.objects.filter(name="Consultant").exists()
    assert not Group.objects.filter(name="Audit club").exists()
