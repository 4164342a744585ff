"""Review findings on access: the full 身份证号 goes to the teacher and their account keepers only."""

import pytest
from django.urls import reverse

from accounts import access
from accounts.models import Role
from tests.factories import grant

from .conftest import make_user


@pytest.fixture
def leader_teacher_a(school_a):
    """A 分管校长 is usually also a teacher of the school (as the demo's leader is)."""
    user = grant(make_user("leader_teacher"), Role.SCHOOL_LEADER, school=school_a)
    return grant(user, Role.TEACHER, school=school_a)


def test_leader_who_also_teaches_sees_other_teachers_id_numbers_masked(leader_teacher_a, teacher_a):
    assert access.can_see_full_id_number(leader_teacher_a, teacher_a) is False


def test_leader_who_also_teaches_gets_a_masked_id_number_on_the_detail_page(client, leader_teacher_a, teacher_a):
    client.force_login(leader_teacher_a)
    html = client.get(reverse("accounts:teacher_detail", args=[teacher_a.pk])).content.decode()
    assert teacher_a.masked_id_number in html and teacher_a.id_number not in html


def test_base_school_admin_of_the_school_sees_the_number_masked(school_a, teacher_a):
    user = make_user("base_a")
    grant(user, Role.BASE_SCHOOL_ADMIN, school=school_a)
    grant(user, Role.TEACHER, school=school_a)
    assert access.can_see_full_id_number(user, teacher_a) is False


def test_a_leader_cannot_confirm_a_guessed_id_number_through_the_search(client, leader_teacher_a, teacher_a):
    """The list's search by 身份证号 would tell a leader whose masked number it is."""
    client.force_login(leader_teacher_a)
    page = client.get(reverse("accounts:teacher_list"), {"q": teacher_a.id_number}).content.decode()
    assert teacher_a.name not in page


def test_the_school_admin_finds_a_teacher_by_id_number_posted_never_in_the_url(client, admin_a, teacher_a):
    client.force_login(admin_a)
    response = client.post(reverse("accounts:teacher_list"), {"id_number": teacher_a.id_number.lower()})
    assert response.status_code == 302 and response.url == reverse("accounts:teacher_detail", args=[teacher_a.pk])
    assert teacher_a.id_number not in response.url
    # In the URL the number is no search term: a link or an access log line would carry it.
    page = client.get(reverse("accounts:teacher_list"), {"q": teacher_a.id_number}).content.decode()
    assert teacher_a.name not in page


def test_a_leader_cannot_confirm_a_number_by_posting_it_either(client, leader_teacher_a, teacher_a):
    client.force_login(leader_teacher_a)
    response = client.post(reverse("accounts:teacher_list"), {"id_number": teacher_a.id_number}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:teacher_list")
    text = " ".join(str(m) for m in response.context["messages"])
    assert "未找到" in text and teacher_a.name not in text
