"""Teacher account lifecycle (notice 一(一)(二)): add → pending → approved/rejected, edit,
deactivate, reactivate; every change leaves an AccountEvent."""

import pytest

from accounts import services
from accounts.errors import AccountError, AccountNotApproved
from accounts.models import AccountEvent, AccountStatus, Notification, Role, RoleAssignment, TeacherProfile, User
from tests.factories import TeacherProfileFactory, make_id_number


def _add(actor, school, n=501, **kw):
    values = {"name": "新老师", "gender": "female", "id_number": make_id_number(n), "stage": "primary"}
    values.update(kw)
    return services.teacher_create(actor=actor, school=school, **values)


def test_added_teacher_is_pending_with_forced_password_change(admin_a, school_a):
    created = _add(admin_a, school_a)
    profile = created.profile
    assert profile.status == AccountStatus.PENDING
    assert profile.user.must_change_password
    assert profile.user.check_password(created.password)
    assert profile.user.username.startswith(school_a.code)
    assert RoleAssignment.objects.filter(user=profile.user, role=Role.TEACHER, school=school_a).exists()


def test_add_writes_a_created_event_with_who_and_role(admin_a, school_a):
    profile = _add(admin_a, school_a).profile
    event = AccountEvent.objects.get(user=profile.user)
    assert (event.action, event.actor, event.actor_role) == (AccountEvent.Action.CREATED, admin_a, Role.SCHOOL_ADMIN)
    assert event.after["id_number"] == profile.id_number


def test_wrong_check_digit_is_refused_and_nothing_is_created(admin_a, school_a):
    good = make_id_number(502)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(AccountError) as exc:
        _add(admin_a, school_a, id_number=wrong)
    assert "校验位错误" in exc.value.message and exc.value.field == "id_number"
    assert not TeacherProfile.objects.exists() and not User.objects.filter(teacher_profile__isnull=False).exists()


def test_duplicate_id_number_is_refused(admin_a, school_a, teacher_b):
    with pytest.raises(AccountError) as exc:
        _add(admin_a, school_a, id_number=teacher_b.id_number)
    assert exc.value.message == services.ID_NUMBER_UNAVAILABLE and "乙一小" not in exc.value.message
    assert TeacherProfile.objects.count() == 1


def test_stage_must_be_taught_at_the_school(admin_a, school_a):
    with pytest.raises(AccountError, match="不是甲一小开设的学段"):
        _add(admin_a, school_a, stage="senior")


def test_school_admin_cannot_add_to_another_school(admin_a, school_b):
    with pytest.raises(AccountError):
        _add(admin_a, school_b)
    assert not TeacherProfile.objects.exists()


def test_district_admin_approves_and_the_teacher_is_notified(district_admin_a, pending_a):
    services.account_approve(actor=district_admin_a, profile=pending_a)
    pending_a.refresh_from_db()
    assert pending_a.status == AccountStatus.APPROVED and pending_a.can_register_credits
    event = AccountEvent.objects.get(user=pending_a.user, action=AccountEvent.Action.APPROVED)
    assert event.actor_role == Role.DISTRICT_ADMIN
    assert event.before == {"status": "pending", "status_reason": ""}
    assert Notification.objects.filter(recipient=pending_a.user, title__contains="审核通过").exists()


def test_other_district_cannot_approve_and_nothing_changes(district_admin_b, pending_a):
    with pytest.raises(AccountError):
        services.account_approve(actor=district_admin_b, profile=pending_a)
    pending_a.refresh_from_db()
    assert pending_a.status == AccountStatus.PENDING
    assert not AccountEvent.objects.filter(user=pending_a.user).exists()


def test_school_admin_cannot_approve_own_teachers(admin_a, pending_a):
    with pytest.raises(AccountError):
        services.account_approve(actor=admin_a, profile=pending_a)
    pending_a.refresh_from_db()
    assert pending_a.status == AccountStatus.PENDING


def test_city_staff_approve_city_direct_school_accounts(city, city_teacher):
    services.account_approve(actor=city, profile=city_teacher)
    city_teacher.refresh_from_db()
    assert city_teacher.status == AccountStatus.APPROVED
    assert AccountEvent.objects.get(user=city_teacher.user).actor_role == Role.CITY_STAFF


def test_reject_needs_a_reason(district_admin_a, pending_a):
    with pytest.raises(AccountError, match="必须填写原因"):
        services.account_reject(actor=district_admin_a, profile=pending_a, reason=" ")
    pending_a.refresh_from_db()
    assert pending_a.status == AccountStatus.PENDING


def test_reject_keeps_the_reason_and_notifies_teacher_and_school(district_admin_a, pending_a, admin_a):
    services.account_reject(actor=district_admin_a, profile=pending_a, reason="身份证号与姓名不符")
    pending_a.refresh_from_db()
    assert (pending_a.status, pending_a.status_reason) == (AccountStatus.REJECTED, "身份证号与姓名不符")
    assert Notification.objects.filter(recipient=pending_a.user, body__contains="身份证号与姓名不符").exists()
    assert Notification.objects.filter(recipient=admin_a).exists()


def test_approving_twice_is_refused(district_admin_a, pending_a):
    services.account_approve(actor=district_admin_a, profile=pending_a)
    with pytest.raises(AccountError, match="只有待审核的账号"):
        services.account_approve(actor=district_admin_a, profile=pending_a)
    assert AccountEvent.objects.filter(user=pending_a.user, action="approved").count() == 1


def test_bulk_approve_reports_each_account(district_admin_a, pending_a, teacher_a, school_b):
    foreign = TeacherProfileFactory(school=school_b, status=AccountStatus.PENDING)
    results = services.accounts_bulk_approve(actor=district_admin_a, profile_ids=[pending_a.pk, teacher_a.pk, foreign.pk])
    assert [r.ok for r in results] == [True, False, False]
    foreign.refresh_from_db()
    assert foreign.status == AccountStatus.PENDING


@pytest.mark.parametrize("status,message", [
    (AccountStatus.PENDING, "尚未通过"),
    (AccountStatus.REJECTED, "审核未通过"),
    (AccountStatus.INACTIVE, "已停用"),
])
def test_unapproved_account_cannot_register(status, message, school_a):
    profile = TeacherProfileFactory(school=school_a, status=status, status_reason="信息有误")
    with pytest.raises(AccountNotApproved, match=message):
        services.ensure_can_register(profile)


def test_approved_account_may_register(teacher_a):
    services.ensure_can_register(teacher_a)


def test_approved_but_deactivated_user_cannot_register(teacher_a):
    teacher_a.user.is_active = False
    teacher_a.user.save()
    with pytest.raises(AccountNotApproved):
        services.ensure_can_register(teacher_a)


def test_editing_a_rejected_account_resubmits_it(admin_a, district_admin_a, pending_a):
    services.account_reject(actor=district_admin_a, profile=pending_a, reason="姓名错误")
    services.teacher_update(actor=admin_a, profile=pending_a, name="改正老师")
    pending_a.refresh_from_db()
    assert (pending_a.name, pending_a.status) == ("改正老师", AccountStatus.PENDING)
    event = AccountEvent.objects.filter(user=pending_a.user, action="changed").get()
    assert event.before == {"name": "待审老师", "status": "rejected"}
    assert event.after == {"name": "改正老师", "status": "pending"}


def test_identity_change_of_an_approved_account_goes_back_to_the_district(admin_a, teacher_a):
    services.teacher_update(actor=admin_a, profile=teacher_a, id_number=make_id_number(777))
    teacher_a.refresh_from_db()
    assert teacher_a.status == AccountStatus.PENDING


def test_non_identity_change_keeps_the_approval(admin_a, teacher_a):
    services.teacher_update(actor=admin_a, profile=teacher_a, subject="数学", is_head_teacher=True)
    teacher_a.refresh_from_db()
    assert (teacher_a.subject, teacher_a.is_head_teacher, teacher_a.status) == ("数学", True, AccountStatus.APPROVED)


def test_deactivate_stops_sign_in_and_deletes_nothing(admin_a, teacher_a):
    from tests.factories import CreditEntryFactory

    entry = CreditEntryFactory(teacher=teacher_a)
    services.teacher_deactivate(actor=admin_a, profile=teacher_a, reason="退休")
    teacher_a.refresh_from_db()
    teacher_a.user.refresh_from_db()
    assert teacher_a.status == AccountStatus.INACTIVE and not teacher_a.user.is_active
    assert TeacherProfile.objects.filter(pk=teacher_a.pk).exists()
    entry.refresh_from_db()
    event = AccountEvent.objects.get(user=teacher_a.user, action="deactivated")
    assert (event.comment, event.before["status"], event.after["status"]) == ("退休", "approved", "inactive")


def test_reactivate_restores_the_previous_status(admin_a, teacher_a):
    services.teacher_deactivate(actor=admin_a, profile=teacher_a, reason="离职")
    services.teacher_reactivate(actor=admin_a, profile=teacher_a)
    teacher_a.refresh_from_db()
    teacher_a.user.refresh_from_db()
    assert teacher_a.status == AccountStatus.APPROVED and teacher_a.user.is_active
    assert AccountEvent.objects.filter(user=teacher_a.user, action="reactivated").exists()


def test_other_school_admin_cannot_deactivate_and_nothing_changes(admin_a2, teacher_a):
    with pytest.raises(AccountError):
        services.teacher_deactivate(actor=admin_a2, profile=teacher_a, reason="离职")
    teacher_a.refresh_from_db()
    assert teacher_a.status == AccountStatus.APPROVED and teacher_a.user.is_active
    assert not AccountEvent.objects.filter(user=teacher_a.user).exists()


def test_password_reset_forces_a_change(admin_a, teacher_a):
    password = services.teacher_password_reset(actor=admin_a, profile=teacher_a)
    teacher_a.user.refresh_from_db()
    assert teacher_a.user.check_password(password) and teacher_a.user.must_change_password
    assert AccountEvent.objects.filter(user=teacher_a.user, action="password_reset").exists()


def test_notify_is_idempotent_by_dedupe_key(teacher_a):
    first = services.notify(teacher_a.user, "登记截止提醒", "7月31日截止", dedupe_key="deadline:2018")
    second = services.notify(teacher_a.user, "登记截止提醒", "7月31日截止", dedupe_key="deadline:2018")
    assert first.pk == second.pk
    assert Notification.objects.filter(recipient=teacher_a.user).count() == 1


def test_notify_without_key_always_creates(teacher_a):
    services.notify(teacher_a.user, "提醒")
    services.notify(teacher_a.user, "提醒")
    assert Notification.objects.filter(recipient=teacher_a.user).count() == 2


@pytest.mark.parametrize("status,message", [
    (AccountStatus.PENDING, "尚未通过"), (AccountStatus.REJECTED, "审核未通过"), (AccountStatus.INACTIVE, "已停用"),
    (AccountStatus.APPROVED, None),
])
def test_only_an_approved_teacher_can_declare_credits(status, message, school_a):
    """The workflow's declare asks ensure_can_register first (notice 一(二))."""
    import datetime

    from credits.models import CreditEntry
    from reviews.errors import TransitionError
    from reviews.services import entry_declare
    from tests.factories import AcademicYearFactory, CreditItemFactory

    profile = TeacherProfileFactory(school=school_a, status=status)
    AcademicYearFactory(start_year=2017)
    declare = {"teacher_user": profile.user, "item": CreditItemFactory(flow="self_register", category="flexible", kind="self_directed"), "title": "读书交流",
                   "started_on": datetime.date(2017, 10, 9), "quantity": 8, "today": datetime.date(2017, 10, 20)}
    if message is None:
        entry_declare(**declare)
        assert CreditEntry.objects.filter(teacher=profile).count() == 1
        return
    with pytest.raises(TransitionError, match=message):
        entry_declare(**declare)
    assert not CreditEntry.objects.exists()
