"""Review finding: guardian delegation must be explicit. guardian hands a superuser every object,
so a district admin who is also a superuser (to use the Django admin) saw every school in the
city as "delegated" to them."""

from accounts import access
from accounts.models import Role


def test_a_superuser_district_admin_sees_only_their_district(district_admin_a, school_a, school_b, teacher_b,
                                                             city_school, city_teacher):
    district_admin_a.is_superuser = True
    district_admin_a.save()
    schools = set(access.schools_for_role(district_admin_a, Role.DISTRICT_ADMIN))
    assert school_a in schools and school_b not in schools and city_school not in schools
    assert not access.teachers_for_user(district_admin_a).filter(pk__in=[teacher_b.pk, city_teacher.pk]).exists()
    assert access.can_approve_account(district_admin_a, city_teacher) is False


def test_an_explicit_delegation_still_counts(district_admin_a, city_school, city_teacher):
    from guardian.shortcuts import assign_perm

    assign_perm("accounts.review_school", district_admin_a, city_school)
    assert access.can_approve_account(district_admin_a, city_teacher) is True
