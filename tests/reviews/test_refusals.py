"""Every forbidden transition is refused with a clear message and changes nothing:
wrong role, wrong scope, wrong state, closed window, sealed year, unapproved account."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AccountStatus
from credits.models import CreditEntry, EntryStatus
from reviews import services as S
from reviews.errors import TransitionError
from tests.reviews.helpers import ACTIVITY_DAY, CITY_DAY, DISTRICT_DAY, REGISTRATION_DAY, pdf, snapshot


def _declared(world):
    return S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                           started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()], today=REGISTRATION_DAY)


def _at(world, state):
    entry = _declared(world)
    if state in ("school_verified", "school_approved", "district_reviewed"):
        S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    if state in ("school_approved", "district_reviewed"):
        S.entry_leader_sign(actor=world.leader, entry=entry, today=REGISTRATION_DAY)
    if state == "district_reviewed":
        S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, today=DISTRICT_DAY)
    return CreditEntry.objects.get(pk=entry.pk)


def _refused(entry, call, kind, message_part=""):
    before = snapshot(entry)
    with pytest.raises(TransitionError) as exc:
        call()
    assert exc.value.reason == kind
    assert message_part in exc.value.message
    assert snapshot(entry) == before


# (state the entry is in, step function, kwargs, actor attribute) for the wrong role
WRONG_ROLE = [
    ("submitted", S.entry_school_review, {"approve": True}, "leader", REGISTRATION_DAY),
    ("submitted", S.entry_school_review, {"approve": True}, "district_admin", REGISTRATION_DAY),
    ("submitted", S.entry_school_review, {"approve": True}, "teacher", REGISTRATION_DAY),
    ("school_verified", S.entry_leader_sign, {}, "school_admin", REGISTRATION_DAY),
    ("school_approved", S.entry_district_review, {"approve": True}, "leader", DISTRICT_DAY),
    ("school_approved", S.entry_district_review, {"approve": True}, "school_admin", DISTRICT_DAY),
    ("district_reviewed", S.entry_confirm, {}, "district_admin", CITY_DAY),
]


def _actor(world, name):
    return world.teacher.user if name == "teacher" else getattr(world, name)


@pytest.mark.parametrize("state,step,kwargs,actor,day", WRONG_ROLE)
def test_wrong_role_is_refused(world, state, step, kwargs, actor, day):
    entry = _at(world, state)
    _refused(entry, lambda: step(actor=_actor(world, actor), entry=entry, today=day, **kwargs), "permission", "无权")


def test_district_admin_of_another_district_is_refused(world):
    entry = _at(world, "school_approved")
    _refused(entry, lambda: S.entry_district_review(actor=world.other_district_admin, entry=entry, approve=True,
                                                    today=DISTRICT_DAY), "permission")


def test_district_admin_cannot_review_city_direct_school(world):
    entry = S.entry_admin_register(actor=world.city_admin, teacher=world.city_teacher, item=world.item("title_exam"),
                                   title="职称外语考试", started_on=ACTIVITY_DAY, quantity="1",
                                   certificate_no="WY2018001", evidence_files=[pdf("合格证.pdf")],
                                   today=REGISTRATION_DAY)
    _refused(entry, lambda: S.entry_district_review(actor=world.district_admin, entry=entry, approve=True,
                                                    today=DISTRICT_DAY), "permission")


def test_school_admin_of_another_school_is_refused(world):
    entry = _at(world, "submitted")
    _refused(entry, lambda: S.entry_school_review(actor=world.city_admin, entry=entry, approve=True,
                                                  today=REGISTRATION_DAY), "permission")


def test_reviewer_cannot_review_own_entry(world):
    from tests.factories import grant

    grant(world.teacher.user, "school_admin", school=world.school)
    entry = _at(world, "submitted")
    _refused(entry, lambda: S.entry_school_review(actor=world.teacher.user, entry=entry, approve=True,
                                                  today=REGISTRATION_DAY), "permission", "本人")


@pytest.mark.parametrize("state,step,kwargs,actor,day", [
    ("school_verified", S.entry_school_review, {"approve": True}, "school_admin", REGISTRATION_DAY),
    ("submitted", S.entry_leader_sign, {}, "leader", REGISTRATION_DAY),
    ("submitted", S.entry_district_review, {"approve": True}, "district_admin", DISTRICT_DAY),
    ("school_approved", S.entry_confirm, {}, "city", CITY_DAY),
])
def test_wrong_state_is_refused(world, state, step, kwargs, actor, day):
    entry = _at(world, state)
    _refused(entry, lambda: step(actor=_actor(world, actor), entry=entry, today=day, **kwargs), "state",
             "该记录已被审核")


def test_withdraw_after_review_is_refused(world):
    entry = _at(world, "school_verified")
    _refused(entry, lambda: S.entry_withdraw(actor=world.teacher.user, entry=entry, today=REGISTRATION_DAY), "state")


def test_resubmit_of_a_pending_entry_is_refused(world):
    entry = _at(world, "submitted")
    _refused(entry, lambda: S.entry_resubmit(actor=world.teacher.user, entry=entry, today=REGISTRATION_DAY), "state")


def test_other_teacher_cannot_withdraw(world):
    entry = _at(world, "submitted")
    _refused(entry, lambda: S.entry_withdraw(actor=world.city_teacher.user, entry=entry, today=REGISTRATION_DAY),
             "permission")


def test_district_review_before_september_is_refused_naming_the_window(world):
    entry = _at(world, "school_approved")
    _refused(entry, lambda: S.entry_district_review(actor=world.district_admin, entry=entry, approve=True,
                                                    today=datetime.date(2018, 8, 20)),
             "window", "区县复核时间为2018年9月1日至10月31日")


def test_district_review_after_october_is_refused(world):
    entry = _at(world, "school_approved")
    _refused(entry, lambda: S.entry_district_review(actor=world.district_admin, entry=entry, approve=True,
                                                    today=datetime.date(2018, 11, 2)), "window")


def test_extension_reopens_the_window_for_that_district_only(world):
    entry = _at(world, "school_approved")
    S.window_extend(actor=world.city, academic_year=world.year, window="district_review",
                    until=datetime.date(2018, 11, 15), reason="系统故障顺延", district=world.school.district)
    late = datetime.date(2018, 11, 10)
    S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, today=late)
    assert CreditEntry.objects.get(pk=entry.pk).status == EntryStatus.DISTRICT_REVIEWED


def test_extension_needs_city_staff_and_a_reason(world):
    with pytest.raises(TransitionError):
        S.window_extend(actor=world.district_admin, academic_year=world.year, window="district_review",
                        until=datetime.date(2018, 11, 15), reason="想延期")
    with pytest.raises(TransitionError):
        S.window_extend(actor=world.city, academic_year=world.year, window="district_review",
                        until=datetime.date(2018, 11, 15), reason=" ")


def test_registration_after_july_31_is_refused(world):
    with pytest.raises(TransitionError) as exc:
        S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                        started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()],
                        today=datetime.date(2018, 8, 1))
    assert "学分登记时间为2017年8月1日至2018年7月31日" in exc.value.message
    assert not CreditEntry.objects.exists()


def test_sealed_year_refuses_every_change(world):
    entry = _at(world, "district_reviewed")
    world.year.sealed_at = timezone.now()
    world.year.save(update_fields=["sealed_at"])
    _refused(entry, lambda: S.entry_confirm(actor=world.city, entry=entry, today=CITY_DAY), "sealed", "已封存")
    _refused(entry, lambda: S.entry_return(actor=world.city, entry=entry, comment="x", today=CITY_DAY), "sealed")
    with pytest.raises(TransitionError):
        S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                        started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()], today=REGISTRATION_DAY)


def test_unapproved_account_cannot_register(world):
    world.teacher.status = AccountStatus.PENDING
    world.teacher.save(update_fields=["status"])
    with pytest.raises(TransitionError) as exc:
        S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                        started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()], today=REGISTRATION_DAY)
    assert exc.value.reason == "permission"
    assert not CreditEntry.objects.exists()


def test_declare_without_proof_is_refused(world):
    with pytest.raises(TransitionError, match="证明材料"):
        S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                        started_on=ACTIVITY_DAY, quantity="8", today=REGISTRATION_DAY)
    assert not CreditEntry.objects.exists()


def test_teacher_cannot_declare_a_document_or_feed_item(world):
    for code in ("putonghua", "micro_course", "base_city_roster"):
        with pytest.raises(TransitionError):
            S.entry_declare(teacher_user=world.teacher.user, item=world.item(code), title="x",
                            started_on=ACTIVITY_DAY, quantity="1", option="grade3a", today=REGISTRATION_DAY)
    assert not CreditEntry.objects.exists()


def test_approving_more_than_claimed_or_cutting_without_reason_is_refused(world):
    entry = _at(world, "submitted")
    _refused(entry, lambda: S.entry_school_review(actor=world.school_admin, entry=entry, approve=True,
                                                  quantity_approved="9", today=REGISTRATION_DAY), "invalid")
    _refused(entry, lambda: S.entry_school_review(actor=world.school_admin, entry=entry, approve=True,
                                                  quantity_approved="4", today=REGISTRATION_DAY), "invalid", "理由")


def test_reject_without_reason_is_refused(world):
    entry = _at(world, "submitted")
    _refused(entry, lambda: S.entry_school_review(actor=world.school_admin, entry=entry, approve=False,
                                                  today=REGISTRATION_DAY), "invalid", "理由")


def test_future_activity_is_refused(world):
    with pytest.raises(TransitionError, match="尚未开始"):
        S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                        started_on=datetime.date(2018, 4, 1), quantity="8", evidence_files=[pdf()],
                        today=REGISTRATION_DAY)


def test_district_cannot_approve_more_than_the_school_passed(world):
    """Approve fewer, never more: once the school cut 8 hours to 6 (with its reason), the district may
    pass 6 or fewer, not restore the 8 (it returns the entry if the cut was wrong)."""
    entry = _declared(world)
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, quantity_approved="6",
                          comment="学时证明只有6学时", today=REGISTRATION_DAY)
    S.entry_leader_sign(actor=world.leader, entry=entry, today=REGISTRATION_DAY)
    entry = CreditEntry.objects.get(pk=entry.pk)
    _refused(entry, lambda: S.entry_district_review(actor=world.district_admin, entry=entry, approve=True,
                                                    quantity_approved="8", today=DISTRICT_DAY), "invalid", "6")
    passed = S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, quantity_approved="6",
                                     today=DISTRICT_DAY)
    assert (passed.quantity_approved, passed.credits) == (Decimal("6"), Decimal("6.0"))


def test_who_verified_an_entry_cannot_also_sign_it_as_leader(world):
    """二(三)1(1): the school admin checks the originals, then the 分管校长 signs — two people. A user
    holding both roles may sign what a colleague verified, not what they verified themselves."""
    from accounts.access import forget_roles
    from tests.factories import grant

    grant(world.school_admin, "school_leader", school=world.school)
    forget_roles(world.school_admin)
    entry = _at(world, "school_verified")
    assert not {"leader_sign", "return", "reject"} & S.available_steps(world.school_admin, entry)
    _refused(entry, lambda: S.entry_leader_sign(actor=world.school_admin, entry=entry, today=REGISTRATION_DAY),
             "permission", "初审")
    assert S.entry_leader_sign(actor=world.leader, entry=entry, today=REGISTRATION_DAY).status == "school_approved"


def test_the_flow_of_the_version_valid_in_the_activity_year_decides(world):
    """An item that, from a later 学年, is registered by the school admin cannot be declared by a
    teacher for an activity of that 学年 through the older row."""
    from credits.models import CreditItem
    from credits.services import academic_year_ensure

    old = world.item("admin_training")
    newer = CreditItem.objects.get(pk=old.pk)
    newer.pk, newer.valid_from, newer.flow = None, 2018, "admin_register"
    newer.save()
    academic_year_ensure(datetime.date(2018, 9, 1))
    with pytest.raises(TransitionError):
        S.entry_declare(teacher_user=world.teacher.user, item=old, title="培训", started_on=datetime.date(2018, 9, 3),
                        quantity="8", evidence_files=[pdf()], today=datetime.date(2018, 9, 10))
    assert not CreditEntry.objects.exists()
