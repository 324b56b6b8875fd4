import datetime
import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

# Only the keys 0-9: str.isdigit() also accepts superscripts ('⁴') and other scripts' digits ('٤'),
# which int() then refuses or the database would store as they were typed.
_TEN_DIGITS = re.compile(r"[0-9]{10}")

NHS_LENGTH_MESSAGE = "An NHS number has 10 digits."
NHS_CHARACTERS_MESSAGE = "An NHS number has 10 digits, typed with the keys 0 to 9; spaces are allowed between them."


def normalise_nhs_number(value: str) -> str:
    """Strip the spaces and hyphens people type (shown as 3-3-4, stored as 10 digits)."""
    return "".join(ch for ch in (value or "") if ch not in " -")


def nhs_number_is_valid(value: str) -> bool:
    """Modulus 11 check (NHS Data Dictionary): weights 10..2 over the first nine digits.

    The check digit is 11 - (sum mod 11); 11 becomes 0, and 10 means the number is invalid.
    Only the ten ASCII digits 0-9 count as digits.
    """
    if not isinstance(value, str) or not _TEN_DIGITS.fullmatch(value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:9], range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(value[9])


def validate_nhs_number(value: str) -> None:
    if not isinstance(value, str) or any(ch not in "0123456789" for ch in value):
        raise ValidationError(NHS_CHARACTERS_MESSAGE, code="nhs_characters")
    if len(value) != 10:
        raise ValidationError(NHS_LENGTH_MESSAGE, code="nhs_length")
    if not nhs_number_is_valid(value):
        raise ValidationError("This is not a valid NHS number (the check digit does not match).", code="nhs_check")


# --- pain on the 0-10 numeric rating scale, wherever it is entered --------------------------------

PAIN_MIN, PAIN_MAX = 0, 10
PAIN_MESSAGE = "Enter a value between 0 and 10."


def pain_score_validators() -> list:
    """The bounds of the 0-10 pain scale, for the model fields that record pain."""
    return [
        MinValueValidator(PAIN_MIN, message=PAIN_MESSAGE),
        MaxValueValidator(PAIN_MAX, message=PAIN_MESSAGE),
    ]


def bound_to_pain_scale(field) -> None:
    """Make a form's integer field refuse anything outside 0-10 itself, before the value reaches the
    record: a model form copies each value that passed its form field onto its instance, and only
    then runs the model's validators, so a page drawn from the instance could see a pain of 11.
    A field that already refuses negatives keeps its own message for them."""
    if field.min_value is None or field.min_value < PAIN_MIN:
        field.min_value = PAIN_MIN
        field.validators = [v for v in field.validators if not isinstance(v, MinValueValidator)]
        field.validators.append(MinValueValidator(PAIN_MIN, message=PAIN_MESSAGE))
    field.max_value = PAIN_MAX
    field.validators = [v for v in field.validators if not isinstance(v, MaxValueValidator)]
    field.validators.append(MaxValueValidator(PAIN_MAX, message=PAIN_MESSAGE))
    field.widget.attrs.update(min=field.min_value, max=PAIN_MAX, step=1)


def not_in_future(value: datetime.date | datetime.datetime) -> None:
    if isinstance(value, datetime.datetime):
        if value > timezone.now():
            raise ValidationError("This cannot be in the future.", code="future")
    elif value > timezone.localdate():
        raise ValidationError("This date cannot be in the future.", code="future")
