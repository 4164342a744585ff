"""基地校 rosters: per-row matching with an error report, district then city review, credits
for every valid row under the base-school cap, and no second upload once reviewed."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import BaseLevel
from credits.models import CreditEntry, EntrySource, EntryStatus
from credits.selectors import teacher_year_totals
from reviews import services as S
from reviews.errors import TransitionError
from reviews.models import Roster, RosterStatus
from tests.factories import TeacherProfileFactory
from tests.reviews.helpers import ROSTER_DAY, base_school, pdf, roster_xlsx


def _submit(world, school, admin, rows, today=ROSTER_DAY):
    return S.roster_submit(actor=admin, school=school, academic_year=world.year, plan_file=pdf("计划.pdf"),
                           summary_file=pdf("总结.pdf"), roster_file=roster_xlsx(rows), today=today)


def _rows(world, second):
    t = world.teacher
    return [
        (1, t.school.name, t.user.username, t.name, "语文", "初中", 50, 50),
        (2, second.school.name, second.user.username, second.name, "数学", "小学", 12, 12),
        (3, "某校", second.user.username + "x", "王某", "数学", "小学", 12, 12),  # unknown account
        (4, second.school.name, second.user.username, "错名", "数学", "小学", 12, 12),  # duplicate
    ]


@pytest.fixture
def city_base(world):
    return base_school(world, BaseLevel.CITY)


def test_rows_are_matched_with_a_per_row_error_report(world, city_base):
    second = TeacherProfileFactory(name="赵老师")
    roster = _submit(world, *city_base, _rows(world, second))
    rows = list(roster.rows.order_by("line"))
    assert [r.teacher for r in rows[:2]] == [world.teacher, second]
    assert "未找到与该账号和姓名相符的教师" in rows[2].error and "重复" in rows[3].error
    assert (roster.row_count, roster.error_count, roster.status) == (4, 2, RosterStatus.SUBMITTED)


def test_wrong_name_and_wrong_credits_are_row_errors(world, city_base):
    t = world.teacher
    roster = _submit(world, *city_base, [(1, "", t.user.username, "别人", "", "", 8, 8),
                                         (2, "", "nobody", "无名", "", "", 8, 9)])
    first, second = roster.rows.order_by("line")
    # A wrong 姓名 and an unknown 账号 read alike: the roster tells nothing about which 账号 exist.
    assert first.teacher is None and first.error.split("；")[0] == second.error.split("；")[0]
    assert "未找到与该账号和姓名相符的教师" in first.error


def test_city_base_roster_district_then_city_review_credits_valid_rows_capped_at_40(world, city_base):
    second = TeacherProfileFactory(name="赵老师")
    roster = _submit(world, *city_base, _rows(world, second))
    roster = S.roster_district_review(actor=world.district_admin, roster=roster, approve=True)
    assert roster.status == RosterStatus.DISTRICT_APPROVED and not CreditEntry.objects.exists()
    roster = S.roster_city_review(actor=world.city, roster=roster, approve=True)
    assert roster.status == RosterStatus.APPROVED
    entries = CreditEntry.objects.filter(source=EntrySource.ROSTER)
    assert entries.count() == 2 and set(entries.values_list("status", flat=True)) == {EntryStatus.CONFIRMED}
    totals = teacher_year_totals(teacher=world.teacher, academic_year=world.year)
    assert totals.total == Decimal("40")
    assert teacher_year_totals(teacher=second, academic_year=world.year).total == Decimal("12")


def test_district_base_roster_needs_only_district_review_and_caps_at_25(world):
    school, admin = base_school(world, BaseLevel.DISTRICT)
    t = world.teacher
    roster = _submit(world, school, admin, [(1, t.school.name, t.user.username, t.name, "语文", "初中", 30, 30)])
    roster = S.roster_district_review(actor=world.district_admin, roster=roster, approve=True)
    assert roster.status == RosterStatus.APPROVED
    assert teacher_year_totals(teacher=t, academic_year=world.year).total == Decimal("25")


def test_a_teacher_deactivated_after_submission_gets_no_roster_credits(world):
    from accounts.models import AccountStatus

    school, admin = base_school(world, BaseLevel.DISTRICT)
    t, other = world.teacher, TeacherProfileFactory(name="离职老师", school=world.school)
    roster = _submit(world, school, admin, [(1, t.school.name, t.user.username, t.name, "语文", "初中", 10, 10),
                                            (2, other.school.name, other.user.username, other.name, "数学", "小学", 10, 10)])
    type(other).objects.filter(pk=other.pk).update(status=AccountStatus.INACTIVE)
    S.roster_district_review(actor=world.district_admin, roster=roster, approve=True)
    assert set(CreditEntry.objects.filter(source=EntrySource.ROSTER).values_list("teacher", flat=True)) == {t.pk}
    assert "已停用" in roster.rows.order_by("line")[1].error


def test_city_direct_base_school_is_reviewed_by_the_city_alone(world):
    school, admin = base_school(world, BaseLevel.CITY, district=False)
    t = world.teacher
    roster = _submit(world, school, admin, [(1, t.school.name, t.user.username, t.name, "语文", "初中", 10, 10)])
    with pytest.raises(TransitionError):
        S.roster_district_review(actor=world.district_admin, roster=roster, approve=True)
    roster = S.roster_district_review(actor=world.city, roster=roster, approve=True)
    assert roster.status == RosterStatus.APPROVED


def test_reviewed_roster_can_be_neither_uploaded_again_nor_reviewed_again(world, city_base):
    t = world.teacher
    rows = [(1, t.school.name, t.user.username, t.name, "语文", "初中", 10, 10)]
    roster = _submit(world, *city_base, rows)
    S.roster_district_review(actor=world.district_admin, roster=roster, approve=True)
    with pytest.raises(TransitionError, match="已经审核"):
        _submit(world, *city_base, rows + [(2, t.school.name, t.user.username, t.name, "语文", "初中", 99, 99)])
    roster.refresh_from_db()
    assert roster.rows.count() == 1 and roster.status == RosterStatus.DISTRICT_APPROVED
    with pytest.raises(TransitionError):
        S.roster_district_review(actor=world.district_admin, roster=roster, approve=True)


def test_roster_before_review_may_be_replaced(world, city_base):
    t = world.teacher
    _submit(world, *city_base, [(1, "", "nobody", "无名", "", "", 8, 8)])
    roster = _submit(world, *city_base, [(1, t.school.name, t.user.username, t.name, "语文", "初中", 10, 10)])
    assert Roster.objects.count() == 1 and roster.error_count == 0 and roster.rows.count() == 1


def test_rejected_roster_notifies_and_may_be_corrected(world, city_base):
    t = world.teacher
    rows = [(1, t.school.name, t.user.username, t.name, "语文", "初中", 10, 10)]
    roster = _submit(world, *city_base, rows)
    roster = S.roster_district_review(actor=world.district_admin, roster=roster, approve=False, comment="缺少盖章")
    assert roster.status == RosterStatus.REJECTED
    assert _submit(world, *city_base, rows).status == RosterStatus.SUBMITTED


def test_roster_after_june_20_is_refused(world, city_base):
    t = world.teacher
    with pytest.raises(TransitionError, match="6月20日"):
        _submit(world, *city_base, [(1, "", t.user.username, t.name, "", "", 8, 8)], today=datetime.date(2018, 6, 21))
    assert not Roster.objects.exists()


def test_only_the_base_school_admin_of_a_base_school_may_submit(world, city_base):
    t = world.teacher
    rows = [(1, "", t.user.username, t.name, "", "", 8, 8)]
    with pytest.raises(TransitionError):
        _submit(world, city_base[0], world.school_admin, rows)
    with pytest.raises(TransitionError):
        _submit(world, world.school, city_base[1], rows)
    assert not Roster.objects.exists()


def test_non_excel_roster_is_refused(world, city_base):
    with pytest.raises(TransitionError, match="Excel"):
        S.roster_submit(actor=city_base[1], school=city_base[0], academic_year=world.year, plan_file=pdf(),
                        summary_file=pdf(), roster_file=SimpleUploadedFile("花名册.csv", b"a,b"), today=ROSTER_DAY)


def test_template_has_the_attachment_1_columns(world):
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(S.roster_template_workbook(world.year))).active
    assert [c.value for c in ws[3]] == ["序号", "学校", "账号", "姓名", "学科", "学段", "学时", "学分"]
    assert "2017-2018" in ws["A1"].value


@pytest.mark.parametrize("level,hours,form_credits,credited", [
    (BaseLevel.CITY, 50, 40, Decimal("40")),
    (BaseLevel.DISTRICT, 30, 25, Decimal("25")),
])
def test_credits_column_filled_as_form_1_says_is_not_an_error(world, level, hours, form_credits, credited):
    """附件1 填表说明3: "区基地校填25学分，市基地校填40学分" — a row filled that way is valid; the credits
    themselves still come from the hours (1 per hour) under the 40 / 25 cap."""
    school, admin = base_school(world, level)
    t = world.teacher
    roster = _submit(world, school, admin, [(1, t.school.name, t.user.username, t.name, "语文", "初中",
                                             hours, form_credits)])
    row = roster.rows.get()
    assert row.error == "" and row.teacher == t
    roster = S.roster_district_review(actor=world.district_admin, roster=roster, approve=True)
    if roster.status == RosterStatus.DISTRICT_APPROVED:
        S.roster_city_review(actor=world.city, roster=roster, approve=True)
    assert teacher_year_totals(teacher=t, academic_year=world.year).total == credited


def test_a_district_roster_credits_only_its_own_districts_teachers(world):
    """A 区级基地校 roster naming a teacher of another district (or an unknown 账号) is refused
    row by row with one message; approving it credits nobody outside the district."""
    from accounts.models import AccountStatus
    from tests.factories import DistrictFactory, SchoolFactory

    school, admin = base_school(world, BaseLevel.DISTRICT)
    elsewhere = SchoolFactory(name="外区学校", district=DistrictFactory(name="外区"), stages=["primary"])
    outsider = TeacherProfileFactory(name="外区老师", school=elsewhere, status=AccountStatus.APPROVED)
    t = world.teacher
    roster = _submit(world, school, admin, [
        (1, t.school.name, t.user.username, t.name, "语文", "初中", 8, 8),
        (2, elsewhere.name, outsider.user.username, outsider.name, "数学", "小学", 8, 8),
        (3, "某校", "nobody-here", "无名", "数学", "小学", 8, 8),
    ])
    own, other, unknown = roster.rows.order_by("line")
    assert own.teacher == t and own.error == ""
    assert other.teacher is None and "本区（市）县" in other.error
    assert other.error.split("；")[0] == unknown.error.split("；")[0]
    assert outsider.user.username not in other.error
    before = CreditEntry.objects.filter(teacher=outsider).count()
    S.roster_district_review(actor=world.district_admin, roster=roster, approve=True)
    assert CreditEntry.objects.filter(teacher=outsider).count() == before == 0
    assert CreditEntry.objects.filter(teacher=t, source=EntrySource.ROSTER).count() == 1


def test_a_city_roster_may_name_teachers_of_any_district(world, city_base):
    from accounts.models import AccountStatus
    from tests.factories import DistrictFactory, SchoolFactory

    elsewhere = SchoolFactory(name="外区学校", district=DistrictFactory(name="外区"), stages=["primary"])
    outsider = TeacherProfileFactory(name="外区老师", school=elsewhere, status=AccountStatus.APPROVED)
    roster = _submit(world, *city_base, [(1, elsewhere.name, outsider.user.username, outsider.name, "数学", "小学",
                                          8, 8)])
    assert roster.rows.get().teacher == outsider


def test_the_two_million_row_roster_is_refused_and_nothing_is_stored(world, city_base, settings):
    from pathlib import Path

    from tests.core.test_files import generated_roster

    upload = generated_roster(2_000_000)
    with pytest.raises(TransitionError, match="过大"):
        S.roster_submit(actor=city_base[1], school=city_base[0], academic_year=world.year, plan_file=pdf(),
                        summary_file=pdf(), roster_file=upload, today=ROSTER_DAY)
    assert not Roster.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_every_roster_move_is_a_row_of_the_roster_table_and_every_row_is_made(world, city_base):
    """reviews.workflow.ROSTER is what the services do (tests/moves.py: the saves, seen from the database)."""
    from reviews import workflow as wf
    from tests.moves import check_walk, recorded_moves

    t = world.teacher
    rows = [(1, t.school.name, t.user.username, t.name, "语文", "初中", 10, 10)]
    district_base = base_school(world, BaseLevel.DISTRICT)
    with recorded_moves(Roster) as moves:
        _submit(world, *city_base, rows)
        roster = _submit(world, *city_base, rows)  # replaced before review
        S.roster_district_review(actor=world.district_admin, roster=roster, approve=False, comment="缺少盖章")
        roster = _submit(world, *city_base, rows)
        roster = S.roster_district_review(actor=world.district_admin, roster=roster, approve=True)
        S.roster_city_review(actor=world.city, roster=roster, approve=False, comment="学时不符")
        roster = S.roster_district_review(actor=world.district_admin, roster=_submit(world, *city_base, rows),
                                          approve=True)
        S.roster_city_review(actor=world.city, roster=roster, approve=True)
        S.roster_district_review(actor=world.district_admin, roster=_submit(world, *district_base, rows), approve=True)
    check_walk(wf.ROSTER, moves)
    with pytest.raises(TransitionError) as exc:
        S.roster_city_review(actor=world.city, roster=roster, approve=True)
    assert exc.value.message == wf.ROSTER[wf.ROSTER_CITY_REVIEW].refused.format(state="已认定")
