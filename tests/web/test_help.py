"""The help page tells each role what the notice asks of them this month, with its clause."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from jixiao.help import TASKS, tasks_for

pytestmark = pytest.mark.django_db


def test_september_puts_the_district_review_first_for_a_district_admin():
    sections = tasks_for({Role.DISTRICT_ADMIN}, datetime.date(2026, 9, 10))
    assert [s["role"] for s in sections] == [Role.DISTRICT_ADMIN.label]
    assert any("9月1日至10月31日" in t.text for t in sections[0]["now"])
    assert all(9 in t.months for t in sections[0]["now"])


def test_every_task_names_its_clause_and_real_months():
    for tasks in TASKS.values():
        for t in tasks:
            assert t.clause and t.text
            assert set(t.months) <= set(range(1, 13))


def test_a_teacher_sees_only_the_teacher_section_and_who_resets_a_password(client):
    from tests.factories import TeacherProfileFactory

    profile = TeacherProfileFactory()
    client.force_login(profile.user)
    response = client.get(reverse("help"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "本校校管理员" in body and "区（市）县管理员" not in body


def test_favicon_ico_points_at_a_static_file_that_exists(client):
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.ico")
    assert finders.find("img/favicon.ico") is not None


def test_the_footer_names_the_schools_registrar_and_the_reviewing_office(client):
    import datetime as dt

    from reviews.models import ReviewAppointment
    from tests.factories import AcademicYearFactory, DistrictFactory, SchoolFactory, TeacherProfileFactory

    school = SchoolFactory(name="棠湖中学", district=DistrictFactory(name="双流区"))
    ReviewAppointment.objects.create(academic_year=AcademicYearFactory(start_year=2017), school=school, group="高中",
                                     sequence=2, date=dt.date(2018, 9, 11), registrar="周老师", contact_phone="028-85800000")
    profile = TeacherProfileFactory(school=school)
    client.force_login(profile.user)
    body = client.get(reverse("help")).content.decode()
    footer = body[body.index('data-testid="footer"'):]
    assert "登记员 周老师 028-85800000" in footer
    assert "2018年9月11日" in footer and "双流区教师培训机构" in footer
