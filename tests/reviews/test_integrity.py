"""Issue 9: every claim the examiner tried is refused (or flagged) with a Chinese message, and a
refused claim writes nothing: impossible quantities and dates, duplicates, ineligible claims, and
feeds that re-send a record with other values."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from credits.models import AcademicYear, CreditEntry
from credits.selectors import teacher_compliance, teacher_year_totals
from reviews import services as S
from reviews.errors import TransitionError
from reviews.models import Action, EntryTransition, Evidence, FeedImport
from reviews.services.duplicates import DuplicateError, entry_warnings
from tests.factories import SchoolFactory, TeacherProfileFactory
from tests.reviews.helpers import ACTIVITY_DAY, DISTRICT_DAY, REGISTRATION_DAY, pdf

D = Decimal
_n = itertools.count(1)


def _written():
    return (CreditEntry.objects.count(), EntryTransition.objects.count(), Evidence.objects.count())


def _refused(call, *parts, kind=None):
    """The call is refused with a message containing `parts`, and nothing is written."""
    before = _written()
    with pytest.raises(TransitionError) as exc:
        call()
    for part in parts:
        assert part in exc.value.message, exc.value.message
    if kind is not None:
        assert exc.value.reason == kind
    assert _written() == before
    return exc.value


def declare(world, code="admin_training", *, teacher=None, title=None, day=ACTIVITY_DAY, ended=None, quantity="8",
            option="", files=None, today=REGISTRATION_DAY, certificate_no=""):
    teacher = teacher or world.teacher
    item = world.item(code)
    if files is None:
        files = [pdf()] if item.flow == "declare" else []
    return S.entry_declare(teacher_user=teacher.user, item=item, title=title or f"培训{next(_n)}", started_on=day,
                           ended_on=ended, quantity=quantity, option=option, organizer="双流区教师发展中心",
                           evidence_files=files, certificate_no=certificate_no, today=today)


def register(world, code, *, teacher=None, title=None, quantity=None, option="", certificate_no="",
             day=ACTIVITY_DAY, files=None, actor=None):
    return S.entry_admin_register(actor=actor or world.school_admin, teacher=teacher or world.teacher,
                                  item=world.item(code), title=title or f"证书{next(_n)}", started_on=day,
                                  quantity=quantity, option=option, certificate_no=certificate_no,
                                  evidence_files=files if files is not None else [pdf("证书.pdf")],
                                  today=REGISTRATION_DAY)


# --- 1. plausible quantities and dates --------------------------------------------------------


def test_99999_hours_of_centralized_training_on_one_day_are_refused(world):
    _refused(lambda: declare(world, quantity="99999.9"), "每天最多 10 学时", "1 天的活动最多 10 学时")


def test_25_hours_of_lecture_in_one_day_are_refused(world):
    _refused(lambda: declare(world, "lecture_attendee", quantity="25"), "专题讲座", "每天最多 10 学时")


def test_hours_over_the_days_spanned_are_accepted(world):
    entry = declare(world, quantity="25", day=datetime.date(2018, 3, 1), ended=datetime.date(2018, 3, 3))
    assert entry.credits == D("25.0")


def test_an_end_date_in_2100_is_refused(world):
    _refused(lambda: declare(world, ended=datetime.date(2100, 1, 1)), "晚于今天")


def test_an_end_before_the_start_is_refused(world):
    _refused(lambda: declare(world, ended=ACTIVITY_DAY - datetime.timedelta(days=1)), "结束日期不能早于开始日期")


def test_an_activity_spanning_two_academic_years_is_refused(world):
    _refused(lambda: declare(world, day=datetime.date(2018, 7, 30), ended=datetime.date(2018, 8, 2), quantity="20",
                             today=datetime.date(2018, 8, 10)),
             "跨两个学年", "7月31日为界")


def test_the_day_the_activity_ends_decides_its_academic_year(world):
    entry = declare(world, day=datetime.date(2018, 8, 1), quantity="4", today=datetime.date(2018, 8, 10))
    assert entry.academic_year.start_year == 2018
    assert AcademicYear.credit_day(datetime.date(2018, 7, 1), datetime.date(2018, 7, 3)) == datetime.date(2018, 7, 3)


@pytest.mark.parametrize("code,quantity,unit", [("mentoring", "1.5", "次"), ("support_teaching", "0.9", "年")])
def test_count_items_take_whole_counts_only(world, code, quantity, unit):
    _refused(lambda: register(world, code, quantity=quantity), f"按{unit}计，数量须为整数")


def test_half_a_reading_note_from_a_feed_is_refused_and_not_written(world):
    feed = S.feed_import_records(actor=world.city, channel="reading_note", today=REGISTRATION_DAY, records=[
        {"external_id": "n1", "username": world.teacher.user.username, "date": "2018-03-01", "quantity": "2.5"}])
    assert (feed.created_count, feed.error_count) == (0, 1)
    assert "数量须为整数" in feed.errors[0]["message"]
    assert not CreditEntry.objects.exists()


def test_a_correction_to_an_implausible_quantity_is_refused_and_changes_nothing(world):
    entry = declare(world, quantity="8")
    before = (CreditEntry.objects.get(pk=entry.pk).quantity_claimed, EntryTransition.objects.count())
    with pytest.raises(TransitionError) as exc:
        S.entry_update(actor=world.teacher.user, entry=entry, quantity="90", today=REGISTRATION_DAY)
    assert "每天最多" in exc.value.message
    assert (CreditEntry.objects.get(pk=entry.pk).quantity_claimed, EntryTransition.objects.count()) == before


def test_limits_are_catalogue_data(world):
    item = world.item("admin_training")
    item.max_per_day = D("12")
    item.save(update_fields=["max_per_day"])
    assert declare(world, quantity="12").credits == D("12.0")


# --- 2. duplicates ----------------------------------------------------------------------------


def test_the_same_centralized_training_twice_is_refused_with_a_link(world):
    first = declare(world, title="区级骨干教师培训", quantity="8")
    exc = _refused(lambda: declare(world, title="区级骨干教师培训 ", quantity="8"), "同一活动已登记过", f"#{first.pk}")
    assert isinstance(exc, DuplicateError) and exc.other_id == first.pk
    assert exc.url.endswith(f"/{first.pk}/")


def test_a_rejected_claim_may_be_registered_anew(world):
    first = declare(world, title="区级骨干教师培训")
    S.entry_school_review(actor=world.school_admin, entry=first, approve=False, comment="重复", today=REGISTRATION_DAY)
    assert declare(world, title="区级骨干教师培训").pk != first.pk


def test_the_same_proof_file_on_two_entries_of_one_teacher_is_refused(world):
    content = b"%PDF-1.4\n% one certificate of hours\n%%EOF\n"
    first = declare(world, files=[pdf(content=content)])
    _refused(lambda: declare(world, files=[pdf("另一个名字.pdf", content=content)]), "已用于", f"#{first.pk}")


def test_the_same_proof_file_of_another_teacher_is_a_warning_for_reviewers(world):
    other = TeacherProfileFactory(school=world.school, name="王老师")
    content = b"%PDF-1.4\n% the training notice everyone attended\n%%EOF\n"
    theirs = declare(world, teacher=other, title="区级培训", files=[pdf("通知.pdf", content=content)])
    mine = declare(world, title="区级培训", files=[pdf("通知.pdf", content=content)])
    warnings = entry_warnings(mine)
    assert [w.code for w in warnings] == ["same_file"] and warnings[0].other_id == theirs.pk
    assert "另一位教师" in warnings[0].message


def test_one_putonghua_certificate_counts_once(world):
    register(world, "putonghua", option="grade2a_up", certificate_no="5101 1800 0123")
    _refused(lambda: register(world, "putonghua", option="grade2a_up", certificate_no="51011800０１２３"),
             "证书编号 510118000123", "一张证书只能计一次学分")


def test_a_putonghua_certificate_cannot_be_credited_again_as_flexible(world):
    register(world, "putonghua", option="grade2a_up", certificate_no="PTH-2018-77")
    _refused(lambda: declare(world, "flex_certificate", quantity="1", certificate_no="pth2018 77"),
             "已用于", "规范性与灵活性不能重复计")


def test_a_certificate_item_needs_its_number(world):
    _refused(lambda: register(world, "putonghua", option="grade2a_up"), "请填写证书编号")


def test_one_putonghua_entry_is_one_certificate(world):
    _refused(lambda: register(world, "putonghua", option="grade2a_up", quantity="2", certificate_no="X1"),
             "每条登记最多 1 证书")


def test_putonghua_counts_in_the_year_of_the_certificate_date(world):
    entry = register(world, "putonghua", option="grade3a", certificate_no="Y1", day=datetime.date(2017, 8, 1))
    assert entry.academic_year.start_year == 2017


# --- 3. eligibility ---------------------------------------------------------------------------


def test_vocational_social_practice_is_for_vocational_school_teachers_only(world):
    _refused(lambda: declare(world, "vocational_practice", quantity="2"), "只限职业学校的教师登记", "二(三)2(19)",
             kind="permission")
    school = SchoolFactory(district=world.school.district, category="vocational")
    teacher = TeacherProfileFactory(school=school)
    assert declare(world, "vocational_practice", teacher=teacher, quantity="2").credits == D("4.0")


def test_induction_training_is_for_new_teachers_in_probation(world):
    _refused(lambda: declare(world, "new_teacher_induction", quantity="6"), "只限试用期内的新任教师", "未登记为新任教师")
    world.teacher.is_new_teacher = True
    world.teacher.probation_start = datetime.date(2016, 9, 1)
    world.teacher.save()
    _refused(lambda: declare(world, "new_teacher_induction", quantity="6"), "试用期在2016学年度")
    world.teacher.probation_start = datetime.date(2017, 9, 1)
    world.teacher.save()
    assert declare(world, "new_teacher_induction", quantity="6").credits == D("6.0")


def test_principal_qualification_training_is_for_new_principals(world):
    _refused(lambda: declare(world, "principal_qualification", quantity="6"), "只限新任（拟任）校长")


def test_party_e_home_is_for_party_members_also_from_the_feed(world):
    record = {"external_id": "p1", "username": world.teacher.user.username, "date": "2018-03-01", "quantity": 6}
    feed = S.feed_import_records(actor=world.city, channel="party_e_home", today=REGISTRATION_DAY, records=[record])
    assert feed.error_count == 1 and "只限党员教师" in feed.errors[0]["message"]
    assert not CreditEntry.objects.exists()
    world.teacher.is_party_member = True
    world.teacher.save()
    feed = S.feed_import_records(actor=world.city, channel="party_e_home", today=REGISTRATION_DAY, records=[record])
    assert feed.created_count == 1


def test_senior_high_teachers_claim_contests_at_city_level_or_above(world):
    world.teacher.stage = "senior"
    world.teacher.save()
    _refused(lambda: declare(world, "teaching_contest", quantity="1", option="district_first"), "高中教师", "只能选")
    assert declare(world, "teaching_contest", quantity="1", option="city_first").pk


def test_a_junior_teacher_may_claim_a_district_contest(world):
    world.teacher.stage = "junior"
    world.teacher.save()
    assert declare(world, "teaching_contest", quantity="1", option="district_first").pk


def test_eligibility_is_checked_when_the_school_admin_registers(world):
    item = world.item("mentoring")
    item.eligible_attribute = "is_head_teacher"
    item.save(update_fields=["eligible_attribute"])
    _refused(lambda: register(world, "mentoring", quantity="1"), "只限班主任")


# --- 4. feeds correct instead of skipping -----------------------------------------------------


def _micro(world, quantity, *, ext="m1", day="2018-03-01", username=None):
    return S.feed_import_records(actor=world.city, channel="micro_course", today=REGISTRATION_DAY, records=[
        {"external_id": ext, "username": username or world.teacher.user.username, "date": day, "quantity": quantity}])


def test_a_record_resent_with_other_values_corrects_the_entry_with_an_audit_row(world):
    _micro(world, 9)
    assert teacher_year_totals(teacher=world.teacher, academic_year=2017).total == D(3)
    feed = _micro(world, 2)
    assert (feed.created_count, feed.updated_count, feed.skipped_count) == (0, 1, 0)
    entry = CreditEntry.objects.get()
    assert entry.quantity_claimed == D(2) and entry.credits == D(0)
    row = EntryTransition.objects.get(entry=entry, action=Action.FEED_CORRECT)
    assert row.changes["quantity_claimed"] == ["9.0", "2.0"]
    assert teacher_year_totals(teacher=world.teacher, academic_year=2017).total == D(0)


def test_the_same_record_resent_unchanged_is_skipped(world):
    _micro(world, 9)
    feed = _micro(world, 9)
    assert (feed.created_count, feed.updated_count, feed.skipped_count) == (0, 0, 1)
    assert EntryTransition.objects.count() == 1


def test_a_correction_moving_the_record_to_another_teacher_is_refused(world):
    _micro(world, 9)
    other = TeacherProfileFactory(school=world.school)
    feed = _micro(world, 9, username=other.user.username)
    assert feed.error_count == 1 and "另一位教师" in feed.errors[0]["message"]
    assert CreditEntry.objects.get().teacher_id == world.teacher.pk


def test_a_correction_in_a_sealed_year_is_refused(world):
    _micro(world, 9)
    AcademicYear.objects.filter(start_year=2017).update(sealed_at=timezone.now())
    feed = _micro(world, 2)
    assert feed.error_count == 1 and "已封存" in feed.errors[0]["message"]
    assert CreditEntry.objects.get().quantity_claimed == D(9)
    assert FeedImport.objects.count() == 2


# --- 5. credits on unconfirmed values are counted as such -------------------------------------


def _through_district(world, entry):
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    S.entry_leader_sign(actor=world.leader, entry=entry, today=REGISTRATION_DAY)
    return S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, today=DISTRICT_DAY)


def test_totals_say_how_many_credits_rest_on_unconfirmed_values(world):
    _through_district(world, declare(world, "publication", quantity="1", option="paper_city"))  # 10, 待确认
    _through_district(world, declare(world, "school_based_training", quantity="10"))  # 5, confirmed
    totals = teacher_year_totals(teacher=world.teacher, academic_year=2017)
    assert (totals.total, totals.unconfirmed) == (D(15), D(10))
    c = teacher_compliance(teacher=world.teacher, academic_year=2017)
    assert c.year.unconfirmed == D(10) and c.cycle.unconfirmed == D(10)
