import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone


def normalise_nhs_number(value: str) -> str:
    """Strip the spaces and hyphens people type (shown as 3-3-4, stored as 10 digits)."""
    return "".join(ch for ch in (value or "") if ch not in " -")


def nhs_number_is_valid(value: str) -> bool:
    """Modulus 11 check (NHS Data Dictionary): weights 10..2 over the first nine digits.

    The check digit is 11 - (sum mod 11); 11 becomes 0, and 10 means the number is invalid.
    """
    if len(value) != 10 or not value.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[:9], range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(value[9])


def validate_nhs_number(value: str) -> None:
    if len(value) != 10 or not value.isdigit():
        raise ValidationError("An NHS number has 10 digits.", code="nhs_length")
    if not nhs_number_is_valid(value):
        raise ValidationError("This is not a valid NHS number (the check digit does not match).", code="nhs_check")


def not_in_future(value: datetime.date | datetime.datetime) -> None:
    if isinstance(value, datetime.datetime):
        if value > timezone.now():
            raise ValidationError("This cannot be in the future.", code="future")
    elif value > timezone.localdate():
        raise ValidationError("This date cannot be in the future.", code="future")
