"""Factories, one per model, in pathway order."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from accounts.services import sync_roles
from pathway.demo import nhs_numbers
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
