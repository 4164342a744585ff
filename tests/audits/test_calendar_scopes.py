"""The calendar per scope: city, district, 市直属, school; windows widened later or earlier,
each with its reason; a refused extension changes nothing."""

import datetime

import pytest
from django.db import connection

from reviews import services as S
from reviews.calendar import extensions_for, window_open, window_range
from reviews.errors import TransitionError
from reviews.models import WindowExtension
from tests.factories import SchoolFactory


def test_city_direct_schools_are_reviewed_on_september_12_to_30(world):
    rng = window_range(world.year, "district_review", school=world.city_school)
    assert (rng.opens, rng.closes) == (datetime.date(2018, 9, 12), datetime.date(2018, 9, 30))
    assert rng.describe() == "市直属学校审核时间为2018年9月12日至9月30日"
    assert not window_open(world.year, "district_review", datetime.date(2018, 10, 5), school=world.city_school)
    assert window_open(world.year, "district_review", datetime.date(2018, 10, 5), school=world.school)


def test_notice_before_the_click_says_when_a_window_opens_or_closed(world):
    rng = window_range(world.year, "district_review", school=world.school)
    assert rng.notice(datetime.date(2018, 5, 1)) == "区县复核于2018年9月1日开放"
    assert rng.notice(datetime.date(2018, 12, 1)) == "区县复核已于2018年10月31日截止"
    assert rng.notice(datetime.date(2018, 9, 15)) == "区县复核开放至2018年10月31日"
    assert [rng.state(datetime.date(2018, m, 15)) for m in (5, 9, 12)] == ["upcoming", "open", "closed"]


def test_a_window_opens_earlier_for_one_district_only(world):
    S.window_extend(actor=world.city, academic_year=world.year, window="district_review",
                    opens=datetime.date(2018, 8, 20), reason="双流区提前开始审核", district=world.school.district)
    assert window_open(world.year, "district_review", datetime.date(2018, 8, 25), school=world.school)
    other = SchoolFactory(district=world.other_district_admin.role_assignments.get().district)
    assert not window_open(world.year, "district_review", datetime.date(2018, 8, 25), school=other)
    rng = window_range(world.year, "district_review", school=world.school)
    assert rng.opened_early and "已提前开放" in rng.describe()


def test_a_window_is_extended_for_one_school_only(world):
    S.window_extend(actor=world.city, academic_year=world.year, window="district_review",
                    until=datetime.date(2018, 10, 10), reason="该校审证材料补交", school=world.city_school)
    assert window_open(world.year, "district_review", datetime.date(2018, 10, 8), school=world.city_school)
    other_city_school = SchoolFactory(district=None)
    assert not window_open(world.year, "district_review", datetime.date(2018, 10, 8), school=other_city_school)
    extension = WindowExtension.objects.get()
    assert (extension.scope_label, extension.reason, extension.created_by) == (world.city_school.name, "该校审证材料补交", world.city)


def test_an_entry_review_follows_the_school_extension(world):
    from tests.reviews.helpers import ACTIVITY_DAY, REGISTRATION_DAY, pdf

    entry = S.entry_declare(teacher_user=world.city_teacher.user, item=world.item("admin_training"), title="培训",
                            started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()], today=REGISTRATION_DAY)
    S.entry_school_review(actor=world.city_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    S.entry_leader_sign(actor=world.city_leader, entry=entry, today=REGISTRATION_DAY)
    with pytest.raises(TransitionError, match="9月30日"):
        S.entry_district_review(actor=world.city, entry=entry, approve=True, today=datetime.date(2018, 10, 5))
    S.window_extend(actor=world.city, academic_year=world.year, window="district_review",
                    until=datetime.date(2018, 10, 10), reason="补交材料", school=world.city_school)
    entry = S.entry_district_review(actor=world.city, entry=entry, approve=True, today=datetime.date(2018, 10, 5))
    assert entry.status == "district_reviewed"


def test_extensions_only_widen_so_the_union_applies(world):
    S.window_extend(actor=world.city, academic_year=world.year, window="district_review",
                    until=datetime.date(2018, 11, 5), reason="全市延期", )
    S.window_extend(actor=world.city, academic_year=world.year, window="district_review",
                    until=datetime.date(2018, 11, 20), opens=datetime.date(2018, 8, 28), reason="双流区再延期",
                    district=world.school.district)
    rng = window_range(world.year, "district_review", school=world.school)
    assert (rng.opens, rng.closes) == (datetime.date(2018, 8, 28), datetime.date(2018, 11, 20))
    # The prefetched form computes the same range without a query.
    extensions = extensions_for([world.year])
    assert window_range(world.year, "district_review", school=world.school, extensions=extensions) == rng
    assert window_range(world.year, "district_review", extensions=extensions).closes == datetime.date(2018, 11, 5)


@pytest.mark.parametrize("kwargs, message", [
    ({"until": datetime.date(2018, 10, 20)}, "须晚于当前截止日期"),
    ({"opens": datetime.date(2018, 9, 5)}, "须早于当前开放日期"),
    ({}, "请填写提前开放的日期或延后截止的日期"),
    ({"until": datetime.date(2018, 11, 20), "reason": "  "}, "须填写理由"),
    ({"opens": datetime.date(2018, 12, 1), "until": datetime.date(2018, 11, 20)}, "须早于当前开放日期"),
])
def test_refused_extensions_change_nothing(world, kwargs, message):
    kwargs = {"reason": "理由", **kwargs}
    with pytest.raises(TransitionError, match=message):
        S.window_extend(actor=world.city, academic_year=world.year, window="district_review", **kwargs)
    assert not WindowExtension.objects.exists()


def test_only_city_staff_extend_and_one_scope_at_a_time(world):
    with pytest.raises(TransitionError) as exc:
        S.window_extend(actor=world.district_admin, academic_year=world.year, window="district_review",
                        until=datetime.date(2018, 11, 20), reason="理由")
    assert exc.value.kind == "forbidden"
    with pytest.raises(TransitionError, match="只选择一个范围"):
        S.window_extend(actor=world.city, academic_year=world.year, window="district_review",
                        until=datetime.date(2018, 11, 20), reason="理由", district=world.school.district,
                        school=world.school)
    assert not WindowExtension.objects.exists()


def test_extensions_are_written_once(world):
    extension = S.window_extend(actor=world.city, academic_year=world.year, window="registration",
                                until=datetime.date(2018, 8, 10), reason="系统维护")
    extension.reason = "改过"
    with pytest.raises(PermissionError):
        extension.save()
    with pytest.raises(PermissionError):
        WindowExtension.objects.all().update(reason="改过")
    with pytest.raises(PermissionError):
        extension.delete()
    assert WindowExtension.objects.get().reason == "系统维护"


@pytest.mark.postgres
def test_postgres_refuses_changing_an_extension(world):
    from django.db import DatabaseError, transaction

    S.window_extend(actor=world.city, academic_year=world.year, window="registration",
                    until=datetime.date(2018, 8, 10), reason="系统维护")
    for sql in ("UPDATE reviews_windowextension SET reason = 'x'", "DELETE FROM reviews_windowextension"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert WindowExtension.objects.get().reason == "系统维护"
