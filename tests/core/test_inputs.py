"""NUL and other control characters are refused in every query, form and JSON body with a Chinese
400 before a view runs (PostgreSQL refuses NUL in text: `?q=%00` was a 500), and nothing is written.
Format characters (zero-width) are stripped from names."""

import json

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import AccountEvent, Role, Stage, TeacherProfile, User
from core.inputs import MESSAGE
from credits.models import CreditEntry
from tests.factories import SchoolFactory, UserFactory, grant, make_id_number


@pytest.fixture
def school(db):
    return SchoolFactory(name="控制字符小学", stages=[Stage.PRIMARY])


@pytest.fixture
def admin(school):
    user = UserFactory(username="ctl_admin")
    user.save()
    return grant(user, Role.SCHOOL_ADMIN, school=school)


def _state():
    return (User.objects.count(), TeacherProfile.objects.count(), AccountEvent.objects.count(),
            CreditEntry.objects.count())


PAGES = ["accounts:teacher_list", "accounts:account_approvals", "accounts:change_requests", "home",
         "notifications", "verify_form"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("value", ["\x00", "a\x00b", "\x1b[31m", "\x7f"])
def test_a_control_character_in_a_query_is_a_chinese_400(client, admin, name, value):
    client.force_login(admin)
    response = client.get(reverse(name), {"q": value})
    assert response.status_code == 400 and MESSAGE in response.content.decode()


def test_nul_in_a_form_field_is_refused_and_nothing_is_written(client, admin):
    client.force_login(admin)
    before = _state()
    response = client.post(reverse("accounts:teacher_add"), {
        "name": "张\x00三", "gender": "male", "id_number": make_id_number(1), "stage": "primary", "title": "none"})
    assert response.status_code == 400 and MESSAGE in response.content.decode()
    assert _state() == before


def test_nul_in_a_json_body_is_refused_and_nothing_is_written(client, admin):
    client.force_login(admin)
    before = _state()
    response = client.post("/api/entries/", json.dumps({"title": "培训\u0000", "quantity": "3"}),
                           content_type="application/json")
    assert response.status_code == 400 and response.json() == {"detail": MESSAGE, "kind": "invalid"}
    assert _state() == before


def test_nul_in_the_sign_in_form_is_refused(client, admin):
    response = client.post(reverse("accounts:login"), {"username": "ctl_admin\x00", "password": "x"})
    assert response.status_code == 400 and MESSAGE in response.content.decode()


def test_tabs_and_line_breaks_stay_allowed(client, admin):
    client.force_login(admin)
    assert client.get(reverse("accounts:teacher_list"), {"q": "甲\t乙\r\n"}).status_code == 200


def test_zero_width_characters_are_stripped_from_names(admin, school):
    created = services.teacher_create(actor=admin, school=school, name="李\u200b四\u200d", gender="male",
                                      id_number=make_id_number(2), stage="primary")
    assert created.profile.name == "李四"
