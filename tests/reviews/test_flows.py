"""Each flow from declaration to registered, with the teacher's totals."""

import datetime
import itertools
from decimal import Decimal

import pytest

from accounts.models import Notification, Role
from credits.models import EntrySource, EntryStatus
from credits.selectors import teacher_year_totals
from reviews import services as S
from reviews.errors import TransitionError
from reviews.models import Action, EntryTransition
from reviews.selectors import entry_history
from tests.reviews.helpers import ACTIVITY_DAY, CITY_DAY, DISTRICT_DAY, REGISTRATION_DAY, pdf


def _totals(world, teacher=None):
    return teacher_year_totals(teacher=teacher or world.teacher, academic_year=world.year)


_sessions = itertools.count(1)


def _declare(world, code="admin_training", quantity="8", teacher=None, **kw):
    teacher = teacher or world.teacher
    kw.setdefault("evidence_files", [pdf()] if world.item(code).flow == "declare" else [])
    # Each call its own activity: the same item, dates and title twice is refused as a duplicate.
    kw.setdefault("title", f"区级骨干教师培训（第{next(_sessions)}期）")
    return S.entry_declare(teacher_user=teacher.user, item=world.item(code), started_on=ACTIVITY_DAY,
                           quantity=quantity, today=REGISTRATION_DAY, **kw)


def test_centralized_training_walks_declare_to_confirmed(world):
    entry = _declare(world)
    assert entry.status == EntryStatus.SUBMITTED and entry.source == EntrySource.DECLARED
    assert entry.credits == Decimal("8.0")
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    S.entry_leader_sign(actor=world.leader, entry=entry, today=REGISTRATION_DAY)
    assert _totals(world).total == 0
    S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, today=DISTRICT_DAY)
    assert _totals(world).regulated == Decimal("8")
    entry = S.entry_confirm(actor=world.city, entry=entry, today=CITY_DAY)
    assert entry.status == EntryStatus.CONFIRMED
    assert _totals(world).regulated == Decimal("8")
    steps = [(t.action, t.role, t.from_state, t.to_state) for t in entry_history(entry)]
    assert steps == [
        (Action.DECLARE, Role.TEACHER, "", "submitted"),
        (Action.SCHOOL_REVIEW, Role.SCHOOL_ADMIN, "submitted", "school_verified"),
        (Action.LEADER_SIGN, Role.SCHOOL_LEADER, "school_verified", "school_approved"),
        (Action.DISTRICT_REVIEW, Role.DISTRICT_ADMIN, "school_approved", "district_reviewed"),
        (Action.CONFIRM, Role.CITY_STAFF, "district_reviewed", "confirmed"),
    ]


def test_flexible_self_registration_with_fewer_hours_approved(world):
    entry = _declare(world, code="school_based_training", quantity="10")
    assert entry.source == EntrySource.SELF_REGISTERED and entry.credits == Decimal("5.0")
    entry = S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, quantity_approved="8",
                                  comment="两次活动签到不全", today=REGISTRATION_DAY)
    assert entry.quantity_approved == Decimal("8") and entry.credits == Decimal("4.0")
    S.entry_leader_sign(actor=world.leader, entry=entry, today=REGISTRATION_DAY)
    S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, today=DISTRICT_DAY)
    totals = _totals(world)
    assert totals.flexible == Decimal("4") and totals.regulated == 0
    cut = EntryTransition.objects.get(entry=entry, action=Action.SCHOOL_REVIEW)
    assert cut.comment == "两次活动签到不全"
    assert cut.changes["quantity_approved"] == [None, "8"]


def test_admin_registered_document_item_goes_to_district_review(world):
    entry = S.entry_admin_register(actor=world.school_admin, teacher=world.teacher, item=world.item("putonghua"),
                                   title="普通话等级证书", started_on=ACTIVITY_DAY, option="grade2a_up",
                                   certificate_no="5101180301", evidence_files=[pdf("证书.pdf")],
                                   today=REGISTRATION_DAY)
    assert entry.status == EntryStatus.SCHOOL_APPROVED and entry.credits == Decimal("14.0")
    S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, today=DISTRICT_DAY)
    assert _totals(world).regulated == Decimal("14")


def test_city_direct_school_entry_is_reviewed_by_the_city(world):
    entry = _declare(world, teacher=world.city_teacher)
    S.entry_school_review(actor=world.city_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    S.entry_leader_sign(actor=world.city_leader, entry=entry, today=REGISTRATION_DAY)
    entry = S.entry_district_review(actor=world.city, entry=entry, approve=True, today=DISTRICT_DAY)
    assert entry.status == EntryStatus.DISTRICT_REVIEWED
    step = EntryTransition.objects.get(entry=entry, action=Action.DISTRICT_REVIEW)
    assert step.role == Role.CITY_STAFF and step.actor == world.city
    assert _totals(world, world.city_teacher).regulated == Decimal("8")


def test_rejection_goes_back_with_reason_and_resubmission_restarts_chain(world):
    entry = _declare(world)
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    entry = S.entry_leader_sign(actor=world.leader, entry=entry, approve=False, comment="证明未盖章",
                                today=REGISTRATION_DAY)
    assert entry.status == EntryStatus.REJECTED and entry.last_comment == "证明未盖章"
    note = Notification.objects.get(recipient=world.teacher.user)
    assert "证明未盖章" in note.body
    entry = S.entry_resubmit(actor=world.teacher.user, entry=entry, quantity="6",
                             evidence_files=[pdf("盖章证明.pdf")], today=REGISTRATION_DAY)
    assert entry.status == EntryStatus.SUBMITTED and entry.credits == Decimal("6.0")
    resubmit = EntryTransition.objects.get(entry=entry, action=Action.RESUBMIT)
    assert resubmit.changes["quantity_claimed"] == ["8.0", "6"]
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    S.entry_leader_sign(actor=world.leader, entry=entry, today=REGISTRATION_DAY)
    S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, today=DISTRICT_DAY)
    assert _totals(world).regulated == Decimal("6")


def test_district_return_for_correction_notifies_and_allows_resubmission_in_september(world):
    entry = _declare(world)
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    S.entry_leader_sign(actor=world.leader, entry=entry, today=REGISTRATION_DAY)
    entry = S.entry_return(actor=world.district_admin, entry=entry, comment="培训名称与证明不一致",
                           today=DISTRICT_DAY)
    assert entry.status == EntryStatus.RETURNED
    assert Notification.objects.filter(recipient=world.teacher.user, body__contains="培训名称").exists()
    entry = S.entry_resubmit(actor=world.teacher.user, entry=entry, title="市级骨干教师培训", today=DISTRICT_DAY)
    assert entry.status == EntryStatus.SUBMITTED and entry.title == "市级骨干教师培训"


def test_teacher_withdraws_before_review(world):
    entry = _declare(world)
    entry = S.entry_withdraw(actor=world.teacher.user, entry=entry, today=REGISTRATION_DAY)
    assert entry.status == EntryStatus.WITHDRAWN
    assert list(EntryTransition.objects.filter(entry=entry).values_list("action", flat=True)) == [
        Action.DECLARE, Action.WITHDRAW]


def test_edit_before_review_is_logged_with_changed_fields(world):
    entry = _declare(world)
    S.entry_update(actor=world.teacher.user, entry=entry, quantity="9.5", today=REGISTRATION_DAY)
    edit = EntryTransition.objects.get(entry=entry, action=Action.EDIT)
    assert edit.changes["quantity_claimed"][1] == "9.5"
    assert edit.from_state == edit.to_state == EntryStatus.SUBMITTED


def test_activity_after_july_counts_in_next_year(world):
    import datetime

    entry = S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="暑期培训",
                            started_on=datetime.date(2018, 8, 2), quantity="4", evidence_files=[pdf()],
                            today=datetime.date(2018, 8, 10))
    assert entry.academic_year.start_year == 2018


def test_bulk_approval_reports_each_entry(world):
    good = [_declare(world) for _ in range(3)]
    withdrawn = _declare(world)
    S.entry_withdraw(actor=world.teacher.user, entry=withdrawn, today=REGISTRATION_DAY)
    results = S.entries_bulk_review(actor=world.school_admin, entry_ids=[e.pk for e in good] + [withdrawn.pk, 999999],
                                    step="school_review", today=REGISTRATION_DAY)
    assert [r.ok for r in results] == [True, True, True, False, False]
    assert "已被审核" in results[3].message
    assert EntryTransition.objects.filter(action=Action.SCHOOL_REVIEW).count() == 3


def test_large_bulk_runs_as_job_with_results(world, django_capture_on_commit_callbacks):
    entries = [_declare(world) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        job = S.entries_bulk_review_start(actor=world.school_admin, entry_ids=[e.pk for e in entries],
                                          step="school_review", today=REGISTRATION_DAY)
    job.refresh_from_db()
    assert job.status == "done" and job.result["ok"] == 3
    assert [r["ok"] for r in job.result["results"]] == [True, True, True]


def test_district_rejection_of_admin_registered_entry_notifies_teacher_and_school_admin(world):
    entry = S.entry_admin_register(actor=world.school_admin, teacher=world.teacher, item=world.item("title_exam"),
                                   title="计算机应用能力考试", started_on=ACTIVITY_DAY, quantity="1",
                                   certificate_no="JSJ-2018-0001", evidence_files=[pdf("合格证.pdf")],
                                   today=REGISTRATION_DAY)
    S.entry_district_review(actor=world.district_admin, entry=entry, approve=False, comment="合格证不是本学年",
                            today=DISTRICT_DAY)
    for user in (world.teacher.user, world.school_admin):
        assert Notification.objects.filter(recipient=user, body__contains="合格证不是本学年").exists()
    # The school admin corrects and sends it to the district again.
    entry = S.entry_resubmit(actor=world.school_admin, entry=entry, started_on=datetime.date(2018, 5, 5),
                             today=DISTRICT_DAY)
    assert entry.status == EntryStatus.SCHOOL_APPROVED


def test_school_admin_verifies_a_lower_level_with_reason(world):
    entry = _declare(world, code="publication", quantity="1", option="paper_city")
    claimed = entry.credits
    with pytest.raises(TransitionError):
        S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, option="paper_national",
                              comment="x", today=REGISTRATION_DAY)
    entry = S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, option="paper_school",
                                  comment="发表于校刊，非市级刊物", today=REGISTRATION_DAY)
    assert entry.option == "paper_school" and entry.credits < claimed
    assert EntryTransition.objects.get(entry=entry, action=Action.SCHOOL_REVIEW).changes["option"] == [
        "paper_city", "paper_school"]
