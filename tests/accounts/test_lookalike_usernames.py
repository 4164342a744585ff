"""One spelling per 账号: full-width, capitalised or look-alike (Cyrillic) variants of an existing
账号 cannot be made, and a 账号 signs in whatever width or case is typed."""

import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction

from accounts import services, throttle
from accounts.errors import AccountError
from accounts.models import AccountEvent, TeacherProfile, User
from tests.factories import make_id_number

from .conftest import make_user


def _state():
    return sorted(User.objects.values_list("username", flat=True)), TeacherProfile.objects.count(), \
        AccountEvent.objects.count()


def _add(admin, school, username, n=801):
    return services.teacher_create(actor=admin, school=school, name="新老师", gender="female",
                                   id_number=make_id_number(n), stage="primary", username=username)


@pytest.mark.parametrize("variant", ["ｔｅａｃｈｅｒ", "Teacher", "TEACHER", " teacher "])
def test_a_variant_of_an_existing_account_is_refused(admin_a, school_a, variant):
    make_user("teacher")
    before = _state()
    with pytest.raises(AccountError, match="已被使用"):
        _add(admin_a, school_a, variant)
    assert _state() == before


@pytest.mark.parametrize("lookalike", ["tеacher", "ṫeacher", "teacher@x", "张三"])
def test_look_alike_and_non_ascii_accounts_are_refused(admin_a, school_a, lookalike):
    before = _state()
    with pytest.raises(AccountError, match="只能包含英文字母"):
        _add(admin_a, school_a, lookalike)  # 'tеacher' has a Cyrillic 'е'
    assert _state() == before


def test_a_full_width_account_is_stored_in_ascii_and_signs_in_as_typed(admin_a, school_a, settings):
    created = _add(admin_a, school_a, "ＺＨＡＮＧ.ｓａｎ")
    assert created.profile.user.username == "zhang.san"
    for typed in ("ＺＨＡＮＧ.ｓａｎ", "Zhang.San", "zhang.san"):
        assert authenticate(username=typed, password=created.password) == created.profile.user


def test_the_database_refuses_a_case_variant_too(db):
    make_user("teacher")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="TEACHER")
    assert User.objects.filter(username__iexact="teacher").count() == 1


def test_the_admin_add_page_refuses_a_full_width_variant(client, db):
    from django.urls import reverse

    make_user("teacher")
    staff = User.objects.create_superuser("city_root", password="Root-pass-2018")
    client.force_login(staff)
    before = _state()
    response = client.post(reverse("admin:accounts_user_add"), {
        "username": "ｔｅａｃｈｅｒ", "password1": "Long-pass-2018x", "password2": "Long-pass-2018x",
        "usable_password": "true"})
    assert response.status_code == 200 and "已被使用" in response.content.decode()
    assert _state() == before


def test_failed_sign_ins_count_for_the_account_whatever_its_spelling(db, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    make_user("teacher")
    for typed in ("ｔｅａｃｈｅｒ", "Teacher", "TEACHER"):
        throttle.record_failure(typed, "10.0.0.1")
    assert throttle.blocked_until("teacher", "10.0.0.2") is not None
