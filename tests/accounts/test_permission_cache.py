"""Permissions are kept in the shared cache (accounts.backends), and a change of role or permission
takes effect on the user's next request, whichever way it is made."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User

pytestmark = pytest.mark.django_db


def _fresh(user) -> User:
    """The user as the next request loads them (no per-object permission cache)."""
    return User.objects.get(pk=user.pk)


def test_permissions_are_read_once_then_served_from_the_cache(reference_data, make_user):
    nurse = make_user("Nurse")
    assert _fresh(nurse).has_perm("pathway.view_pathway")
    user = _fresh(nurse)
    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("pathway.view_pathway")
    assert len(queries.captured_queries) == 0


@pytest.mark.parametrize("change", ["add_group", "remove_group", "clear_groups", "group_permission", "user_permission"])
def test_a_change_of_role_or_permission_counts_at_once(reference_data, make_user, change):
    user = make_user("Nurse")
    nurses = Group.objects.get(name="Nurse")
    # Cached now: a nurse may view pathways and may not override a gate.
    assert _fresh(user).has_perm("pathway.view_pathway")
    assert not _fresh(user).has_perm("pathway.override_gate")
    if change == "add_group":
        user.groups.add(Group.objects.get(name="Consultant"))
        assert _fresh(user).has_perm("pathway.override_gate")
    elif change == "remove_group":
        user.groups.remove(nurses)
        assert not _fresh(user).has_perm("pathway.view_pathway")
    elif change == "clear_groups":
        user.groups.clear()
        assert not _fresh(user).has_perm("pathway.view_pathway")
    elif change == "group_permission":
        nurses.permissions.remove(Permission.objects.get(codename="view_pathway", content_type__app_label="pathway"))
        assert not _fresh(user).has_perm("pathway.view_pathway")
    else:
        user.user_permissions.add(Permission.objects.get(codename="override_gate"))
        assert _fresh(user).has_perm("pathway.override_gate")


def test_a_deactivated_user_has_no_permissions(reference_data, make_user):
    user = make_user("Consultant")
    assert _fresh(user).has_perm("pathway.view_pathway")
    user.is_active = False
    user.save()
    assert not _fresh(user).has_perm("pathway.view_pathway")
