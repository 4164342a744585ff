"""The access functions as a matrix: each role × each scope."""

import pytest

from accounts import access
from accounts.models import Role
from tests.factories import UserFactory, grant

ROLES = ["teacher_self", "other_teacher", "school_admin", "leader", "other_school_admin", "district_admin",
         "other_district_admin", "city_staff"]


@pytest.fixture
def actors(teacher_a, school_a, school_a2, school_b, district_a, district_b):
    other_teacher = grant(UserFactory(username="other_t"), Role.TEACHER, school=school_a)
    return {
        "teacher_self": teacher_a.user,
        "other_teacher": other_teacher,
        "school_admin": grant(UserFactory(username="sa"), Role.SCHOOL_ADMIN, school=school_a),
        "leader": grant(UserFactory(username="ld"), Role.SCHOOL_LEADER, school=school_a),
        "other_school_admin": grant(UserFactory(username="sa2"), Role.SCHOOL_ADMIN, school=school_a2),
        "district_admin": grant(UserFactory(username="da"), Role.DISTRICT_ADMIN, district=district_a),
        "other_district_admin": grant(UserFactory(username="db"), Role.DISTRICT_ADMIN, district=district_b),
        "city_staff": grant(UserFactory(username="cs"), Role.CITY_STAFF),
    }


# role: (sees teacher_a, manages, approves, full 身份证号)
DISTRICT_SCHOOL = {
    "teacher_self": (True, False, False, True),
    "other_teacher": (False, False, False, False),
    "school_admin": (True, True, False, True),
    "leader": (True, False, False, False),
    "other_school_admin": (False, False, False, False),
    "district_admin": (True, True, True, True),
    "other_district_admin": (False, False, False, False),
    # City staff see every school, but the district step of a district school is the district's.
    "city_staff": (True, False, False, True),
}


@pytest.mark.parametrize("role", ROLES)
def test_teacher_of_a_district_school(role, actors, teacher_a):
    user = actors[role]
    sees, manages, approves, full_id = DISTRICT_SCHOOL[role]
    assert access.teachers_for_user(user).filter(pk=teacher_a.pk).exists() is sees
    assert access.can_manage_teacher(user, teacher_a) is manages
    assert access.can_approve_account(user, teacher_a) is approves
    assert access.can_see_full_id_number(user, teacher_a) is full_id


CITY_SCHOOL = {
    "district_admin": (False, False, False, False),
    "city_staff": (True, True, True, True),
    "school_admin": (False, False, False, False),
}


@pytest.mark.parametrize("role", sorted(CITY_SCHOOL))
def test_teacher_of_a_city_direct_school(role, actors, city_teacher):
    user = actors[role]
    sees, manages, approves, full_id = CITY_SCHOOL[role]
    assert access.teachers_for_user(user).filter(pk=city_teacher.pk).exists() is sees
    assert access.can_manage_teacher(user, city_teacher) is manages
    assert access.can_approve_account(user, city_teacher) is approves
    assert access.can_see_full_id_number(user, city_teacher) is full_id


def test_delegated_city_school_is_approved_by_the_district_admin(actors, city_teacher, city_school):
    from guardian.shortcuts import assign_perm

    user = actors["district_admin"]
    assign_perm("accounts.review_school", user, city_school)
    access.forget_roles(user)
    assert access.can_approve_account(user, city_teacher)


@pytest.mark.parametrize("role,expected", [
    ("school_admin", {"甲一小"}), ("leader", set()), ("other_school_admin", {"甲二小"}),
    ("district_admin", set()), ("teacher_self", set()),
])
def test_school_admin_schools(role, expected, actors):
    assert {s.name for s in access.school_admin_schools(actors[role])} == expected


@pytest.mark.parametrize("role,expected", [
    ("district_admin", {"甲一小", "甲二小"}), ("other_district_admin", {"乙一小"}), ("school_admin", set()),
])
def test_district_step_schools(role, expected, actors, city_school):
    assert {s.name for s in access.district_step_schools(actors[role])} == expected


def test_city_staff_district_step_is_the_city_direct_schools(actors, city_school, school_a):
    assert list(access.district_step_schools(actors["city_staff"])) == [city_school]


@pytest.mark.parametrize("role,expected", [
    ("district_admin", True), ("other_district_admin", False), ("school_admin", False), ("city_staff", False),
])
def test_pending_accounts_for(role, expected, actors, pending_a):
    assert access.pending_accounts_for(actors[role]).filter(pk=pending_a.pk).exists() is expected


def test_transfer_needs_the_releasing_side_and_another_school(actors, teacher_a, school_a, school_b):
    assert access.can_transfer_teacher(actors["school_admin"], teacher_a, school_b)
    assert not access.can_transfer_teacher(actors["school_admin"], teacher_a, school_a)
    assert not access.can_transfer_teacher(actors["other_school_admin"], teacher_a, school_b)
    assert not access.can_transfer_teacher(actors["leader"], teacher_a, school_b)


def test_anonymous_sees_nothing(teacher_a):
    from django.contrib.auth.models import AnonymousUser

    assert not access.teachers_for_user(AnonymousUser()).exists()
    assert not access.change_requests_for(AnonymousUser()).exists()


def test_dashboards_and_schedule_scopes(db):
    from accounts.access import can_see_dashboards, dashboard_schools, schedule_schools
    from tests.factories import SchoolFactory, TeacherProfileFactory, UserFactory, grant

    here, there = SchoolFactory(), SchoolFactory()
    city_direct = SchoolFactory(district=None)
    district = grant(UserFactory(), "district_admin", district=here.district)
    city = grant(UserFactory(), "city_staff")
    admin = grant(TeacherProfileFactory(school=here).user, "school_admin", school=here)
    teacher = TeacherProfileFactory(school=here).user

    assert can_see_dashboards(district) and can_see_dashboards(city)
    assert not can_see_dashboards(admin) and not can_see_dashboards(teacher)
    assert set(dashboard_schools(district)) == {here}
    assert {here, there, city_direct} <= set(dashboard_schools(city))
    assert set(schedule_schools(district)) == {here}
    assert set(schedule_schools(city)) == {city_direct}
    assert set(schedule_schools(admin)) == {here}
    assert not schedule_schools(teacher).exists()
