import datetime
from decimal import Decimal

import pytest

from credits import selectors
from credits.models import AcademicYear, CreditItem, EntryStatus
from tests.factories import TeacherProfileFactory

D = Decimal


@pytest.fixture
def teacher(db):
    return TeacherProfileFactory()


def test_item_for_picks_the_version_valid_in_the_year(catalogue):
    old = CreditItem.objects.get(code="reading_note", valid_from=2017)
    new = CreditItem.objects.create(**{**_fields(old), "valid_from": 2019, "rate": D(2)})
    assert selectors.item_for("reading_note", 2018) == old
    assert selectors.item_for("reading_note", 2019) == new
    assert selectors.item_for("reading_note", 2023) == new


def test_item_for_refuses_a_year_before_the_first_version(catalogue):
    with pytest.raises(CreditItem.DoesNotExist):
        selectors.item_for("reading_note", 2010)


def _fields(item):
    return {f.name: getattr(item, f.name) for f in item._meta.concrete_fields if not f.primary_key}


def test_micro_course_in_three_sittings_gives_two_credits(make_entry, teacher):
    """二(三)1(2)第三: 8 hours of 微课 → 2, however the hours were split."""
    for hours in ("3", "3", "2"):
        make_entry(teacher, "micro_course", hours)
    assert selectors.teacher_year_totals(teacher=teacher, academic_year=2017).total == D(2)


def test_digital_school_eight_courses_give_two_credits(make_entry, teacher):
    """二(三)1(2)第四: 8 courses → 2."""
    make_entry(teacher, "digital_school", "5")
    make_entry(teacher, "digital_school", "3")
    assert selectors.teacher_year_totals(teacher=teacher, academic_year=2017).total == D(2)


def test_an_activity_on_31_july_counts_in_this_year_and_on_1_august_in_the_next(make_entry, teacher):
    """三(三)2: 8月1日及以后产生的学分计入下个学年度."""
    make_entry(teacher, "admin_training", "10", day=datetime.date(2018, 7, 31))
    make_entry(teacher, "admin_training", "4", day=datetime.date(2018, 8, 1))
    assert AcademicYear.start_year_for(datetime.date(2018, 7, 31)) == 2017
    assert AcademicYear.start_year_for(datetime.date(2018, 8, 1)) == 2018
    assert selectors.teacher_year_totals(teacher=teacher, academic_year=2017).total == D(10)
    assert selectors.teacher_year_totals(teacher=teacher, academic_year=2018).total == D(4)
    sql = selectors.school_totals(school_ids=[teacher.school_id], academic_year=2018)[teacher.pk]
    assert sql.total == D(4)


def test_only_counted_entries_are_in_the_year_totals(make_entry, teacher):
    make_entry(teacher, "admin_training", "10", status=EntryStatus.DISTRICT_REVIEWED)
    make_entry(teacher, "admin_training", "5", status=EntryStatus.SUBMITTED)
    make_entry(teacher, "admin_training", "7", status=EntryStatus.REJECTED)
    assert selectors.teacher_year_totals(teacher=teacher, academic_year=2017).total == D(10)


def test_the_approved_quantity_replaces_the_claim(make_entry, teacher):
    make_entry(teacher, "admin_training", "10", quantity_approved=D(6))
    assert selectors.teacher_year_totals(teacher=teacher, academic_year=2017).total == D(6)


def test_cap_cut_stays_visible_as_over_cap(make_entry, teacher):
    make_entry(teacher, "video_course", "26")
    t = selectors.teacher_year_totals(teacher=teacher, academic_year=2017)
    assert (t.by_item["video_course"].credited, t.by_item["video_course"].over_cap) == (D(20), D(6))


def test_preview_says_how_much_the_year_grows_and_what_the_cap_cuts(make_entry, teacher):
    make_entry(teacher, "reading_note", "2")
    p = selectors.preview_entry(teacher=teacher, item=selectors.item_for("reading_note", 2017), quantity=D(1),
                                academic_year=2017)
    assert (p.entry_credits, p.added, p.cut_by_cap, p.total_after) == (D(3), D(2), D(1), D(8))
    assert not p.unconfirmed


def test_preview_pools_whole_units_with_earlier_entries(make_entry, teacher):
    make_entry(teacher, "micro_course", "2")
    p = selectors.preview_entry(teacher=teacher, item=selectors.item_for("micro_course", 2017), quantity=D(1),
                                academic_year=2017)
    assert (p.entry_credits, p.added, p.pooled_bonus) == (D(0), D(1), D(1))


def test_preview_counts_entries_still_in_review(make_entry, teacher):
    make_entry(teacher, "mentoring", "4", status=EntryStatus.SUBMITTED)
    p = selectors.preview_entry(teacher=teacher, item=selectors.item_for("mentoring", 2017), quantity=D(2),
                                academic_year=2017)
    assert (p.added, p.cut_by_cap) == (D(2), D(2))


def test_preview_flags_unconfirmed_values(catalogue):
    p = selectors.preview_entry(teacher=None, item=selectors.item_for("research_project", 2017), quantity=D(1),
                                option="lead_city", academic_year=2017)
    assert p.unconfirmed and p.entry_credits == D(15)


def test_preview_of_an_unknown_option_returns_an_error_not_credits(catalogue):
    p = selectors.preview_entry(teacher=None, item=selectors.item_for("putonghua", 2017), quantity=D(1),
                                option="nope", academic_year=2017)
    assert p.error and p.entry_credits == 0


def test_preview_uses_the_version_valid_in_the_activity_year(catalogue):
    old = CreditItem.objects.get(code="reading_note", valid_from=2017)
    CreditItem.objects.create(**{**_fields(old), "valid_from": 2019, "rate": D(2)})
    p = selectors.preview_entry(teacher=None, item=old, quantity=D(1), academic_year=2019)
    assert p.entry_credits == D(2)


# --- compliance ---------------------------------------------------------------------------


def test_year_compliance_says_what_is_missing(make_entry, teacher):
    make_entry(teacher, "admin_training", "50")
    make_entry(teacher, "school_based_training", "20")
    c = selectors.teacher_compliance(teacher=teacher, academic_year=2017)
    assert c.year.missing == {"total": D(12), "regulated": D(0), "flexible": D(14)}
    assert not c.ok


def test_cycle_uses_the_configured_start(make_entry, teacher, settings):
    for y in range(2017, 2022):
        make_entry(teacher, "admin_training", "60", year=y)
        make_entry(teacher, "school_based_training", "30", year=y)  # 15 credits
    settings.CREDITS_CYCLE_START_YEAR = 2017
    c = selectors.teacher_compliance(teacher=teacher, academic_year=2021)
    assert c.cycle.years == (2017, 2018, 2019, 2020, 2021) and c.cycle.ok
    settings.CREDITS_CYCLE_START_YEAR = 2019
    c = selectors.teacher_compliance(teacher=teacher, academic_year=2021)
    assert c.cycle.years == (2019, 2020, 2021, 2022, 2023)
    assert c.cycle.missing == {"total": D(360) - 3 * D(75)}
    assert c.rolling.years == (2017, 2018, 2019, 2020, 2021) and c.rolling.ok


def test_cycle_start_can_be_given_as_an_argument(make_entry, teacher):
    c = selectors.teacher_compliance(teacher=teacher, academic_year=2018, cycle_start=2018)
    assert c.cycle.years[0] == 2018


def test_title_eligibility_needs_240_regulated_and_120_flexible(make_entry, teacher):
    """三(二)3: 拟评一级/高级/正高级 — last five 学年 ≥360, ≥240 规范性, ≥120 灵活性."""
    for y in range(2017, 2022):
        make_entry(teacher, "admin_training", "60", year=y)
        make_entry(teacher, "school_based_training", "40", year=y)  # 20 credits
    c = selectors.teacher_compliance(teacher=teacher, academic_year=2021)
    assert c.title.missing == {"total": D(0), "regulated": D(0), "flexible": D(20)}


def test_head_teacher_counts_only_items_flagged_as_topic_training(make_entry, teacher):
    teacher.is_head_teacher = True
    teacher.save()
    make_entry(teacher, "head_teacher_training", "12")
    make_entry(teacher, "admin_training", "40")
    c = selectors.teacher_compliance(teacher=teacher, academic_year=2017)
    assert c.head_teacher.missing == {"total": D(18)}


def test_no_head_teacher_check_for_other_teachers(make_entry, teacher):
    assert selectors.teacher_compliance(teacher=teacher, academic_year=2017).head_teacher is None


def test_new_teacher_needs_120_in_the_probation_year(make_entry, teacher):
    teacher.is_new_teacher = True
    teacher.probation_start = datetime.date(2018, 9, 1)
    teacher.save()
    make_entry(teacher, "new_teacher_induction", "100", year=2018)
    make_entry(teacher, "admin_training", "120", year=2018)
    c = selectors.teacher_compliance(teacher=teacher, academic_year=2019)
    # Only the 岗位适应性培训 counts towards the 120 (二(一)1); the 转正 check of 三(二)3 counts all.
    assert c.new_teacher.years == (2018,) and c.new_teacher.missing == {"total": D(20)}
    assert c.new_teacher.counts == "仅计岗位适应性培训项目"
    assert selectors.teacher_compliance(teacher=teacher, academic_year=2018).probation_pass.ok


def test_new_principal_counts_qualification_training(make_entry, teacher):
    teacher.is_new_principal = True
    teacher.save()
    make_entry(teacher, "principal_qualification", "100", year=2017)
    make_entry(teacher, "principal_qualification", "150", year=2018)
    make_entry(teacher, "admin_training", "150", year=2018)
    c = selectors.teacher_compliance(teacher=teacher, academic_year=2018)
    assert c.new_principal.missing == {"total": D(50)}


def test_probation_pass_checks_the_last_year(make_entry, teacher):
    make_entry(teacher, "admin_training", "119")
    c = selectors.teacher_compliance(teacher=teacher, academic_year=2017)
    assert c.probation_pass.missing == {"total": D(1)}


def test_school_totals_includes_teachers_without_entries(catalogue, teacher):
    other = TeacherProfileFactory(school=teacher.school)
    totals = selectors.school_totals(school_ids=[teacher.school_id], academic_year=2017)
    assert set(totals) == {teacher.pk, other.pk}
    assert totals[other.pk].total == 0 and not totals[other.pk].year_ok


def test_school_totals_is_one_query_whatever_the_number_of_teachers(make_entry, django_assert_max_num_queries):
    teachers = [TeacherProfileFactory() for _ in range(3)]
    school_ids = [t.school_id for t in teachers]
    for t in teachers:
        make_entry(t, "micro_course", "8")
        make_entry(t, "base_city_roster", "50")
    # catalogue, item codes, versions, group caps, the grouped totals, the teacher ids: constant.
    with django_assert_max_num_queries(7):
        selectors.school_totals(school_ids=school_ids, academic_year=2017)
    for _ in range(5):
        t = TeacherProfileFactory(school=teachers[0].school)
        make_entry(t, "reading_note", "2")
    with django_assert_max_num_queries(7):
        totals = selectors.school_totals(school_ids=school_ids, academic_year=2017)
    assert totals[teachers[1].pk].total == D(42)


def test_preview_of_an_entry_being_corrected_does_not_count_it_twice(make_entry, teacher):
    """Correcting a pending 师徒结队 entry of 5 times (10 credits, the cap) to 4: the year grows by 8,
    nothing is cut — the entry's old version is not pooled with its new one."""
    entry = make_entry(teacher, "mentoring", "5", status=EntryStatus.SUBMITTED)
    p = selectors.preview_entry(teacher=teacher, item=entry.item, quantity=D(4), academic_year=2017,
                                exclude_entry=entry.pk)
    assert (p.added, p.cut_by_cap, p.total_after) == (D(8), D(0), D(8))
