import pytest

from pathway.validators import nhs_number_is_valid, normalise_nhs_number

# Valid numbers: published examples and 999-range test numbers, each checked by hand (modulus 11).
VALID = ["9434765919", "4010232137", "9990000018", "9876543210", "9990000026"]
INVALID = [
    ("9434765918", "wrong check digit"),
    ("943476591", "nine digits"),
    ("94347659190", "eleven digits"),
    ("94347659a9", "a letter"),
    ("", "empty"),
    ("1234567890", "check digit would be 10"),
    ("9990000019", "wrong check digit in the test range"),
]


@pytest.mark.parametrize("number", VALID)
def test_valid_nhs_numbers(number):
    assert nhs_number_is_valid(number)


@pytest.mark.parametrize(("number", "why"), INVALID)
def test_invalid_nhs_numbers(number, why):
    assert not nhs_number_is_valid(number), why


@pytest.mark.parametrize(("typed", "stored"), [("943 476 5919", "9434765919"), ("943-476-5919", "9434765919")])
def test_normalise(typed, stored):
    assert normalise_nhs_number(typed) == stored
