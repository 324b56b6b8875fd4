from django.contrib.auth.models import AbstractUser
from django.db import models


class Grade(models.TextChoices):
    """A doctor's grade, set by an administrator (domain.md 10: a consultant radiologist decides
    suitability and confirms consent on the day; a trainee drafts for a consultant to confirm)."""

    CONSULTANT = "consultant", "Consultant"
    TRAINEE = "trainee", "Trainee (specialty registrar)"


class User(AbstractUser):
    """A member of staff. Roles are Django groups kept in step with accounts/roles.py."""

    job_title = models.CharField(max_length=100, blank=True)
    registration_number = models.CharField(
        max_length=20, blank=True, help_text="GMC or NMC registration number, printed on consent forms."
    )
    grade = models.CharField(
        max_length=20,
        choices=Grade.choices,
        blank=True,
        help_text="Doctors only. A trainee's suitability decision is a draft until a consultant confirms it, "
        "and a trainee cannot confirm consent on the day alone (domain.md 10).",
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_consultant(self) -> bool:
        return self.grade == Grade.CONSULTANT

    @property
    def is_trainee(self) -> bool:
        return self.grade == Grade.TRAINEE

    @property
    def display_name(self) -> str:
        full = self.get_full_name()
        return full or self.username
