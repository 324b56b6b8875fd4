"""API tokens: stored as a hash, revoked in the admin by whoever may change tokens, never deleted;
the system's user holds the role "Referring system" only."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.roles import ROLE_BY_NAME
from interop import tokens
from interop.models import ApiToken
from tests.accounts.helpers import login_verified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _admin_user(*codenames):
    user = UserFactory(username=f"admin_{'_'.join(codenames) or 'none'}", is_staff=True)
    user.set_password("x-test-pass-2026")
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_apitoken", *codenames]))
    return user


@pytest.mark.parametrize("codenames, revoked", [(("change_apitoken",), True), ((), False)])
def test_the_admin_revokes_a_token_only_with_the_change_permission(reference_data, client, codenames, revoked):
    row, value = tokens.issue("Riverside GP system")
    login_verified(client, _admin_user(*codenames))
    response = client.post(
        reverse("admin:interop_apitoken_changelist"), {"action": "revoke", "_selected_action": [row.pk]}
    )
    assert response.status_code in (200, 302)
    row.refresh_from_db()
    assert (row.revoked_at is not None) == revoked
    assert (tokens.authenticate(f"Bearer {value}") is None) == revoked


def test_a_token_is_never_deleted(reference_data):
    row, _value = tokens.issue("Riverside GP system")
    with pytest.raises(PermissionDenied):
        row.delete()
    with pytest.raises(PermissionDenied):
        ApiToken.objects.all().delete()


def test_a_second_token_for_a_system_acts_as_the_same_user(reference_data):
    first, _ = tokens.issue("Riverside GP system")
    second, _ = tokens.issue("Riverside GP system")
    assert first.user == second.user and first.token_sha256 != second.token_sha256
    assert [g.name for g in first.user.groups.all()] == ["Referring system"]
    assert set(ROLE_BY_NAME["Referring system"].permissions) == {"pathway.add_patient", "pathway.record_referral"}


def test_a_system_user_cannot_sign_in(reference_data):
    row, value = tokens.issue("Riverside GP system")
    assert not row.user.has_usable_password()
    for password in (value, "", "!"):
        assert ModelBackend().authenticate(None, username=row.user.username, password=password) is None
