"""Review finding: a school admin could reset the 分管校长's password (or another school admin's),
sign in as them and sign off what they had verified themselves; or transfer them away, which ends
their role. Accounts that hold an admin role are kept one level up."""

import pytest
from django.urls import reverse

from accounts import access, services
from accounts.errors import AccountError
from accounts.models import AccountStatus, Role, RoleAssignment
from tests.factories import TeacherProfileFactory, grant


@pytest.fixture
def leader_profile(school_a):
    profile = TeacherProfileFactory(school=school_a, name="张校长", status=AccountStatus.APPROVED)
    profile.user.save()
    grant(profile.user, Role.SCHOOL_LEADER, school=school_a)
    return profile


@pytest.fixture
def admin_profile(admin_a, school_a):
    """The school admin also teaches at the school (as the demo's schooladmin does)."""
    return TeacherProfileFactory(school=school_a, user=admin_a, name="王校管", status=AccountStatus.APPROVED)


def test_school_admin_cannot_reset_the_leaders_password(client, admin_a, leader_profile):
    password_before = leader_profile.user.password
    client.force_login(admin_a)
    response = client.post(reverse("accounts:teacher_reset_password", args=[leader_profile.pk]))
    assert response.status_code == 403
    leader_profile.user.refresh_from_db()
    assert leader_profile.user.password == password_before and not leader_profile.user.must_change_password


def test_school_admin_cannot_transfer_the_leader_away(admin_a, leader_profile, school_a2):
    with pytest.raises(AccountError):
        services.teacher_transfer(actor=admin_a, profile=leader_profile, to_school=school_a2)
    leader_profile.refresh_from_db()
    assert leader_profile.school_id != school_a2.pk
    assert RoleAssignment.objects.filter(user=leader_profile.user, role=Role.SCHOOL_LEADER).exists()


def test_school_admin_cannot_deactivate_another_school_admin(admin_a, school_a):
    other = TeacherProfileFactory(school=school_a, name="另一校管", status=AccountStatus.APPROVED)
    grant(other.user, Role.SCHOOL_ADMIN, school=school_a)
    with pytest.raises(AccountError):
        services.teacher_deactivate(actor=admin_a, profile=other, reason="离职")
    other.refresh_from_db()
    assert other.status == AccountStatus.APPROVED


def test_school_admin_cannot_edit_their_own_record_around_the_change_request(admin_a, admin_profile):
    assert access.can_manage_teacher(admin_a, admin_profile) is False


def test_school_admin_still_manages_plain_teachers(admin_a, teacher_a):
    assert access.can_manage_teacher(admin_a, teacher_a) is True


def test_district_admin_manages_the_leaders_account(district_admin_a, leader_profile):
    password = services.teacher_password_reset(actor=district_admin_a, profile=leader_profile)
    leader_profile.user.refresh_from_db()
    assert leader_profile.user.check_password(password) and leader_profile.user.must_change_password


def test_district_admin_cannot_reset_another_district_admins_password(district_admin_a, school_a, district_a):
    colleague = TeacherProfileFactory(school=school_a, name="区管同事", status=AccountStatus.APPROVED)
    grant(colleague.user, Role.DISTRICT_ADMIN, district=district_a)
    assert access.can_manage_teacher(district_admin_a, colleague) is False
