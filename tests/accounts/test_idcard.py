import pytest
from django.core.exceptions import ValidationError

from accounts.idcard import mask_id_number, validate_id_number
from tests.factories import make_id_number


def test_valid_id_number_passes():
    validate_id_number(make_id_number(7))


def test_wrong_check_digit_is_refused_with_the_expected_digit():
    good = make_id_number(7)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        validate_id_number(wrong)
    assert "校验位错误" in exc.value.messages[0]
    assert good[17] in exc.value.messages[0]


def test_known_public_example_check_digit():
    # The GB 11643 worked example: 11010519491231002 → X.
    validate_id_number("11010519491231002X")
    with pytest.raises(ValidationError):
        validate_id_number("110105194912310021")


def test_mask_keeps_region_and_last_four():
    assert mask_id_number("510116198506121234") == "5101**********1234"
