"""The Django admin writes through the services or not at all: a teacher edited there gets the
service's checks and audit row (and goes back to the district after an identity change); the
学年 calendar and the 审证时间安排 are view-only there."""

import datetime

import pytest
from django.test import Client

from accounts.models import AccountEvent, AccountStatus, TeacherProfile, User
from credits.models import AcademicYear
from tests.factories import AcademicYearFactory


@pytest.fixture
def staff(db):
    client = Client()
    client.force_login(User.objects.create_superuser("root-admin", password="Root-pass-2018"))
    return client


def _profile_form(staff, profile, **changes):
    url = f"/admin/accounts/teacherprofile/{profile.pk}/change/"
    form = staff.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("user", "created_at", "updated_at")}
    data.update({"is_head_teacher": "", "is_new_teacher": "", "is_new_principal": "", "is_party_member": ""}, **changes)
    return url, {k: v for k, v in data.items() if v != ""}


def test_an_identity_change_in_the_admin_goes_back_to_the_district(staff, teacher_a):
    url, data = _profile_form(staff, teacher_a, name="甲老师改")
    response = staff.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    teacher_a.refresh_from_db()
    assert (teacher_a.name, teacher_a.status) == ("甲老师改", AccountStatus.PENDING)
    event = AccountEvent.objects.get(user=teacher_a.user, action="changed")
    assert event.before["status"] == AccountStatus.APPROVED and event.after["status"] == AccountStatus.PENDING
    assert event.comment == "管理后台修改"


def test_the_admin_does_not_move_a_teacher_or_change_the_status(staff, teacher_a, school_b):
    url, data = _profile_form(staff, teacher_a, school=school_b.pk, status=AccountStatus.INACTIVE)
    staff.post(url, data)
    teacher_a.refresh_from_db()
    assert (teacher_a.school_id, teacher_a.status) != (school_b.pk, AccountStatus.INACTIVE)
    assert teacher_a.school_id != school_b.pk and teacher_a.status == AccountStatus.APPROVED
    assert not AccountEvent.objects.filter(user=teacher_a.user).exists()


def test_a_bad_id_number_in_the_admin_is_refused_and_nothing_changes(staff, teacher_a):
    before = TeacherProfile.objects.filter(pk=teacher_a.pk).values().get()
    url, data = _profile_form(staff, teacher_a, id_number="510100199001011234")
    response = staff.post(url, data)
    assert response.status_code in (200, 400)
    assert "身份证号" in response.content.decode()
    assert TeacherProfile.objects.filter(pk=teacher_a.pk).values().get() == before
    assert not AccountEvent.objects.filter(user=teacher_a.user).exists()


def test_the_calendar_is_view_only_in_the_admin(staff):
    year = AcademicYearFactory(start_year=2017)
    url = f"/admin/credits/academicyear/{year.pk}/change/"
    assert staff.get(url).status_code == 200
    response = staff.post(url, {"start_year": 2017, "registration_closes": "2018-08-31"})
    assert response.status_code == 403
    assert staff.get("/admin/credits/academicyear/add/").status_code == 403
    assert staff.post(f"/admin/credits/academicyear/{year.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AcademicYear.objects.get(pk=year.pk).registration_closes == datetime.date(2018, 7, 31)


def test_the_review_schedule_is_view_only_in_the_admin(staff, school_a):
    from reviews.models import ReviewAppointment

    year = AcademicYearFactory(start_year=2017)
    appointment = ReviewAppointment.objects.create(academic_year=year, school=school_a, group="小学", sequence=1,
                                                   date=datetime.date(2018, 9, 20))
    url = f"/admin/reviews/reviewappointment/{appointment.pk}/change/"
    assert staff.post(url, {"date": "2018-09-21"}).status_code == 403
    assert staff.get("/admin/reviews/reviewappointment/add/").status_code == 403
    assert ReviewAppointment.objects.get(pk=appointment.pk).date == datetime.date(2018, 9, 20)


def test_a_delegation_granted_and_taken_back_in_the_admin_is_recorded(staff, school_a, district_b):
    from django.urls import reverse
    from guardian.shortcuts import get_user_perms

    from accounts import access
    from accounts.models import Role
    from tests.factories import UserFactory, grant

    other = grant(UserFactory(username="delegate"), Role.DISTRICT_ADMIN, district=district_b)
    url = reverse("admin:accounts_school_permissions_manage_user", args=[school_a.pk, other.pk])
    assert staff.post(url, {"permissions": ["review_school"]}).status_code == 302
    assert "review_school" in get_user_perms(other, school_a)
    access.forget_roles(other)
    assert access.district_step_schools(other).filter(pk=school_a.pk).exists()
    granted = AccountEvent.objects.get(user=other, action="role_granted")
    assert granted.after == {"delegated_school": school_a.pk, "permissions": ["review_school"]}
    assert staff.post(url, {"permissions": ["view_school"]}).status_code == 302
    assert AccountEvent.objects.get(user=other, action="role_revoked").before["delegated_school"] == school_a.pk
    assert "review_school" not in get_user_perms(other, school_a)
