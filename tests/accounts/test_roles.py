import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.roles import ROLES

pytestmark = pytest.mark.django_db


def _snapshot():
    return {g.name: sorted(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}


def test_sync_roles_is_idempotent_and_matches_the_table():
    call_command("sync_roles")
    first = _snapshot()
    call_command("sync_roles")
    assert _snapshot() == first
    for role in ROLES:
        assert first[role.name] == sorted(p.split(".", 1)[1] for p in role.permissions)


def test_sync_roles_removes_extra_permissions():
    from django.contrib.auth.models import Permission

    call_command("sync_roles")
    manager = Group.objects.get(name="Manager")
    manager.permissions.add(Permission.objects.get(codename="record_consent"))
    call_command("sync_roles")
    assert not manager.permissions.filter(codename="record_consent").exists()


ROLE_CAN = {
    # permission: roles that hold it (design.md section 1)
    "pathway.record_referral": {"Radiologist", "Consultant"},
    "pathway.record_suitability": {"Radiologist", "Consultant"},
    "pathway.record_mri": {"Radiologist", "Consultant"},
    "pathway.record_pre_assessment": {"Nurse"},
    "pathway.record_consent": {"Consultant"},
    "pathway.record_procedure": {"Radiologist", "Consultant"},
    "pathway.record_recovery": {"Nurse"},
    "pathway.record_follow_up": {"Nurse", "Radiologist", "Consultant"},
    "pathway.override_gate": {"Consultant"},
    "pathway.reopen_pathway": {"Consultant"},
    "pathway.close_pathway": {"Radiologist", "Consultant", "Nurse"},
    "pathway.view_dashboard": {"Radiologist", "Consultant", "Nurse", "Manager"},
    "pathway.export_pathways": {"Consultant", "Manager"},
}


@pytest.mark.parametrize("role", ["Radiologist", "Consultant", "Nurse", "Manager"])
def test_role_permissions(make_user, role):
    user = make_user(role)
    for permission, holders in ROLE_CAN.items():
        assert user.has_perm(permission) == (role in holders), (role, permission)
