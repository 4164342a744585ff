"""Transfer keeps history; a teacher's own change goes school check → district approval."""

import pytest

from accounts import access, services
from accounts.errors import AccountError
from accounts.models import AccountEvent, AccountStatus, Notification, ProfileChangeRequest, Role, RoleAssignment
from tests.factories import CreditEntryFactory, TeacherProfileFactory, make_id_number

Status = ProfileChangeRequest.Status


def test_transfer_moves_the_profile_and_keeps_entries_at_the_old_school(admin_a, teacher_a, school_a, school_b, admin_b):
    entry = CreditEntryFactory(teacher=teacher_a, school=school_a)
    services.teacher_transfer(actor=admin_a, profile=teacher_a, to_school=school_b, comment="双教人〔2018〕5号")
    teacher_a.refresh_from_db()
    entry.refresh_from_db()
    assert teacher_a.school == school_b
    assert entry.school == school_a and entry.teacher == teacher_a
    assert RoleAssignment.objects.filter(user=teacher_a.user, role=Role.TEACHER, school=school_b).exists()
    assert not RoleAssignment.objects.filter(user=teacher_a.user, school=school_a).exists()
    event = AccountEvent.objects.get(user=teacher_a.user, action="transferred")
    assert (event.before["school"], event.after["school"], event.actor) == (school_a.pk, school_b.pk, admin_a)
    assert Notification.objects.filter(recipient=admin_b, title__contains="调入").exists()


def test_after_transfer_the_new_school_admin_sees_the_teacher_and_the_old_one_does_not(
        admin_a, admin_b, teacher_a, school_b):
    services.teacher_transfer(actor=admin_a, profile=teacher_a, to_school=school_b)
    assert access.teachers_for_user(admin_b).filter(pk=teacher_a.pk).exists()
    assert not access.teachers_for_user(admin_a).filter(pk=teacher_a.pk).exists()


def test_transfer_ends_admin_roles_held_at_the_old_school(district_admin_a, teacher_a, school_a, school_b):
    # A 分管校长's account is kept by the district step (see test_review_account_takeover).
    RoleAssignment.objects.create(user=teacher_a.user, role=Role.SCHOOL_LEADER, school=school_a)
    services.teacher_transfer(actor=district_admin_a, profile=teacher_a, to_school=school_b)
    assert not RoleAssignment.objects.filter(user=teacher_a.user, role=Role.SCHOOL_LEADER).exists()
    assert AccountEvent.objects.filter(user=teacher_a.user, action="role_revoked").exists()


def test_transfer_by_an_outsider_is_refused_and_nothing_changes(admin_b, teacher_a, school_a, school_b):
    with pytest.raises(AccountError):
        services.teacher_transfer(actor=admin_b, profile=teacher_a, to_school=school_b)
    teacher_a.refresh_from_db()
    assert teacher_a.school == school_a
    assert not AccountEvent.objects.filter(user=teacher_a.user).exists()


def test_transfer_to_a_school_without_the_stage_is_refused(admin_a, teacher_a, city_school, school_a):
    with pytest.raises(AccountError, match="不开设"):
        services.teacher_transfer(actor=admin_a, profile=teacher_a, to_school=city_school)
    teacher_a.refresh_from_db()
    assert teacher_a.school == school_a


def _submit(teacher, **changes):
    return services.change_request_submit(actor=teacher.user, profile=teacher, changes=changes, note="更名")


def test_change_request_flow_applies_only_after_district_approval(teacher_a, admin_a, district_admin_a):
    req = _submit(teacher_a, name="甲新名")
    teacher_a.refresh_from_db()
    assert (req.status, teacher_a.name) == (Status.PENDING, "甲老师")
    services.change_request_check(actor=admin_a, change_request=req, approve=True)
    req.refresh_from_db()
    teacher_a.refresh_from_db()
    assert (req.status, req.checked_by, teacher_a.name) == (Status.SCHOOL_CHECKED, admin_a, "甲老师")
    services.change_request_decide(actor=district_admin_a, change_request=req, approve=True)
    req.refresh_from_db()
    teacher_a.refresh_from_db()
    assert (req.status, req.decided_by, teacher_a.name) == (Status.APPROVED, district_admin_a, "甲新名")
    actions = list(AccountEvent.objects.filter(user=teacher_a.user).order_by("id").values_list("action", "actor_role"))
    assert actions == [("change_requested", "teacher"), ("change_checked", "school_admin"),
                       ("change_approved", "district_admin")]
    approved = AccountEvent.objects.get(user=teacher_a.user, action="change_approved")
    assert (approved.before, approved.after) == ({"name": "甲老师"}, {"name": "甲新名"})


def test_district_cannot_decide_before_the_school_checked(teacher_a, district_admin_a):
    req = _submit(teacher_a, name="甲新名")
    with pytest.raises(AccountError, match="须先经学校核对"):
        services.change_request_decide(actor=district_admin_a, change_request=req, approve=True)
    req.refresh_from_db()
    teacher_a.refresh_from_db()
    assert (req.status, teacher_a.name) == (Status.PENDING, "甲老师")


def test_other_school_admin_cannot_check(teacher_a, admin_a2):
    req = _submit(teacher_a, subject="美术")
    with pytest.raises(AccountError):
        services.change_request_check(actor=admin_a2, change_request=req, approve=True)
    req.refresh_from_db()
    assert req.status == Status.PENDING


def test_school_returns_a_request_with_a_reason(teacher_a, admin_a):
    req = _submit(teacher_a, subject="美术")
    with pytest.raises(AccountError, match="必须填写原因"):
        services.change_request_check(actor=admin_a, change_request=req, approve=False)
    services.change_request_check(actor=admin_a, change_request=req, approve=False, reason="请附证明")
    req.refresh_from_db()
    assert (req.status, req.reason) == (Status.REJECTED, "请附证明")
    assert Notification.objects.filter(recipient=teacher_a.user, body__contains="请附证明").exists()


def test_district_rejection_leaves_the_profile_unchanged(teacher_a, admin_a, district_admin_a):
    req = _submit(teacher_a, name="甲新名")
    services.change_request_check(actor=admin_a, change_request=req, approve=True)
    services.change_request_decide(actor=district_admin_a, change_request=req, approve=False, reason="无更名证明")
    teacher_a.refresh_from_db()
    assert teacher_a.name == "甲老师"


def test_only_one_open_request_at_a_time(teacher_a):
    _submit(teacher_a, subject="美术")
    with pytest.raises(AccountError, match="正在审核中"):
        _submit(teacher_a, subject="音乐")
    assert ProfileChangeRequest.objects.count() == 1


def test_request_with_a_wrong_check_digit_is_refused(teacher_a):
    good = make_id_number(901)
    with pytest.raises(AccountError, match="校验位错误"):
        _submit(teacher_a, id_number=good[:17] + ("0" if good[17] != "0" else "1"))
    assert not ProfileChangeRequest.objects.exists()


def test_teacher_cannot_request_for_someone_else(teacher_a, teacher_a2):
    with pytest.raises(AccountError):
        services.change_request_submit(actor=teacher_a.user, profile=teacher_a2, changes={"name": "x"})


def test_school_change_by_request_moves_the_teacher_and_keeps_entries(
        teacher_a, admin_a, district_admin_a, school_a, school_a2):
    entry = CreditEntryFactory(teacher=teacher_a, school=school_a)
    req = _submit(teacher_a, school=school_a2.pk)
    services.change_request_check(actor=admin_a, change_request=req, approve=True)
    services.change_request_decide(actor=district_admin_a, change_request=req, approve=True)
    teacher_a.refresh_from_db()
    entry.refresh_from_db()
    assert teacher_a.school == school_a2 and entry.school == school_a
    assert RoleAssignment.objects.filter(user=teacher_a.user, role=Role.TEACHER, school=school_a2).exists()


def test_id_number_taken_meanwhile_is_refused_at_approval(teacher_a, admin_a, district_admin_a, school_b):
    new_id = make_id_number(902)
    req = _submit(teacher_a, id_number=new_id)
    services.change_request_check(actor=admin_a, change_request=req, approve=True)
    TeacherProfileFactory(school=school_b, id_number=new_id)
    with pytest.raises(AccountError, match="无法使用"):
        services.change_request_decide(actor=district_admin_a, change_request=req, approve=True)
    req.refresh_from_db()
    teacher_a.refresh_from_db()
    assert req.status == Status.SCHOOL_CHECKED and teacher_a.id_number != new_id


def test_change_requests_are_scoped(teacher_a, teacher_b, admin_a, admin_b, district_admin_a):
    mine = _submit(teacher_a, subject="美术")
    theirs = _submit(teacher_b, subject="音乐")
    assert set(access.change_requests_for(teacher_a.user)) == {mine}
    assert set(access.change_requests_for(admin_a)) == {mine}
    assert set(access.change_requests_for(district_admin_a)) == {mine}
    assert set(access.change_requests_for(admin_b)) == {theirs}
    assert teacher_a.status == AccountStatus.APPROVED
