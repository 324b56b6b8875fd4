"""Service settings (issue 16): one row, edited in the admin by a staff user with the permission,
its history kept, and documents read it as it stood at their event."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.roles import ROLES
from pathway.models import ServiceSettings
from tests.accounts.helpers import login_verified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VALUES = {
    "trust_name": "Northtown Hospitals NHS Trust",
    "unit_name": "Interventional Radiology Day Unit",
    "address": "Northtown General Hospital\nNorthtown NT1 2AB",
    "day_phone": "01632 960 111",
    "day_hours": "Monday to Friday, 8am to 6pm",
    "night_phone": "01632 960 999",
}


def _admin_user():
    user = UserFactory(username="settings_admin", is_staff=True)
    user.save()  # the factory saves only with a role
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["add_servicesettings", "change_servicesettings", "view_servicesettings"]
        )
    )
    return user


def test_the_database_keeps_one_row():
    ServiceSettings.objects.create(**VALUES)
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceSettings.objects.create(**VALUES)


def test_no_row_reads_as_blank_and_writes_nothing():
    settings = ServiceSettings.current()
    assert settings.pk is None and settings.trust_name == ""
    assert not ServiceSettings.objects.exists()


def test_as_of_gives_the_details_at_the_event():
    row = ServiceSettings.objects.create(**VALUES)
    before = timezone.now()
    row.trust_name = "Northtown and District NHS Foundation Trust"
    row.save()
    assert ServiceSettings.as_of(before).trust_name == "Northtown Hospitals NHS Trust"
    assert ServiceSettings.as_of(timezone.now()).trust_name == "Northtown and District NHS Foundation Trust"
    # Before any row existed, the current details are printed.
    assert ServiceSettings.as_of(before - datetime.timedelta(days=30)).trust_name.startswith("Northtown and")


def test_admin_adds_the_row_then_the_list_opens_it_and_no_second_add(client):
    login_verified(client, _admin_user())
    add = reverse("admin:pathway_servicesettings_add")
    response = client.post(add, VALUES)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = ServiceSettings.objects.get()
    response = client.get(reverse("admin:pathway_servicesettings_changelist"))
    assert response.status_code == 302
    assert response.url == reverse("admin:pathway_servicesettings_change", args=[row.pk])
    assert client.get(add).status_code == 403
    assert row.history.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("day_phone", "call reception", "Enter a telephone number"),
        ("night_phone", "", "This field is required."),
        ("trust_name", "", "This field is required."),
    ],
)
def test_admin_refuses_bad_values_with_field_errors(client, field, value, error):
    login_verified(client, _admin_user())
    response = client.post(reverse("admin:pathway_servicesettings_add"), {**VALUES, field: value})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ServiceSettings.objects.exists()


def test_a_logo_that_is_not_an_image_is_refused(client):
    login_verified(client, _admin_user())
    upload = SimpleUploadedFile("logo.png", b"<svg>not a png</svg>", content_type="image/png")
    response = client.post(reverse("admin:pathway_servicesettings_add"), {**VALUES, "logo": upload})
    assert "The logo must be a PNG or JPEG image." in response.content.decode()


def test_clinical_roles_cannot_change_the_settings():
    for role in ROLES:
        assert "pathway.change_servicesettings" not in role.permissions
