"""Review finding: 身份证号 typed with a Chinese IME's full-width digits passed the check as they
were, so the same number could be registered twice (once per width); other Unicode digits
('²') crashed the check. Numbers are normalised to ASCII and anything else is refused."""

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.errors import AccountError
from accounts.idcard import normalize_id_number, validate_id_number
from accounts.models import TeacherProfile
from tests.factories import make_id_number

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def test_full_width_digits_are_normalised_to_ascii():
    number = make_id_number(77)
    assert normalize_id_number(number.translate(FULL_WIDTH)) == number


def test_the_same_number_in_full_width_is_a_duplicate(admin_a, school_a, teacher_a):
    with pytest.raises(AccountError, match="已登记"):
        services.teacher_create(actor=admin_a, school=school_a, name="重复", gender="male",
                                id_number=teacher_a.id_number.translate(FULL_WIDTH), stage="primary")
    assert TeacherProfile.objects.count() == 1


def test_a_full_width_number_is_stored_in_ascii(admin_a, school_a):
    number = make_id_number(78)
    created = services.teacher_create(actor=admin_a, school=school_a, name="全角", gender="male",
                                      id_number=number.translate(FULL_WIDTH), stage="primary")
    created.profile.refresh_from_db()
    assert created.profile.id_number == number


@pytest.mark.parametrize("position", [0, 8, 16])
def test_other_unicode_digits_are_refused_with_a_message(position):
    number = make_id_number(79)
    odd = number[:position] + "²" + number[position + 1:]
    with pytest.raises(ValidationError):
        validate_id_number(odd)
