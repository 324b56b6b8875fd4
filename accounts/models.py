from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A member of staff. Roles are Django groups kept in step with accounts/roles.py."""

    job_title = models.CharField(max_length=100, blank=True)
    registration_number = models.CharField(
        max_length=20, blank=True, help_text="GMC or NMC registration number, printed on consent forms."
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = self.get_full_name()
        return full or self.username
