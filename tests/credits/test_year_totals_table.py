"""The per-teacher-per-学年 totals table: kept current in the same transaction as every entry
change (declarations, reviews, corrections, rosters, feeds), the same numbers as the rule engine
and the set-based query, and a full recompute that names any row that differs."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credits import rules as R
from credits import selectors
from credits.models import CreditEntry, EntrySource, EntryStatus, TeacherYearTotal
from credits.services import teacher_year_totals_rebuild, teacher_year_totals_refresh
from reviews import services as S
from tests.factories import AcademicYearFactory, SchoolFactory, TeacherProfileFactory
from tests.reviews.helpers import (
    ACTIVITY_DAY,
    CITY_DAY,
    DISTRICT_DAY,
    REGISTRATION_DAY,
    build_world,
    pdf,
)

from .catalogue_data import RULES

CODES = sorted(RULES)


@st.composite
def entry(draw):
    code = draw(st.sampled_from(CODES))
    rule = RULES[code]
    option = draw(st.sampled_from(sorted(rule.options))) if rule.conversion == R.BY_OPTION else ""
    qty = draw(st.decimals(min_value=0, max_value=80, places=1))
    approved = draw(st.none() | st.decimals(min_value=0, max_value=80, places=1))
    status = draw(st.sampled_from([EntryStatus.CONFIRMED, EntryStatus.DISTRICT_REVIEWED, EntryStatus.SUBMITTED,
                                   EntryStatus.RETURNED, EntryStatus.REJECTED, EntryStatus.LATE]))
    return draw(st.integers(0, 2)), code, option, qty, approved, status


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(entry(), max_size=30))
def test_the_table_holds_what_the_engine_and_the_set_based_query_compute(catalogue, rows):
    year = AcademicYearFactory(start_year=2017)
    school = SchoolFactory()
    teachers = [TeacherProfileFactory(school=school) for _ in range(3)]
    items = {code: selectors.item_for(code, 2017) for code in CODES}
    CreditEntry.objects.bulk_create([
        CreditEntry(teacher=teachers[t], school=school, academic_year=year, item=items[code], option=option,
                    title="随机", started_on=datetime.date(2017, 10, 1), quantity_claimed=qty,
                    quantity_approved=approved, status=status, source=EntrySource.DECLARED,
                    created_by=teachers[t].user)
        for t, code, option, qty, approved, status in rows
    ])
    for t in teachers:
        teacher_year_totals_refresh(teacher_id=t.pk, academic_year_id=year.pk)
    sql = selectors.school_totals(school_ids=[school.pk], academic_year=year)
    for t in teachers:
        row = TeacherYearTotal.objects.get(teacher=t, academic_year=year)
        engine = selectors.teacher_year_totals(teacher=t, academic_year=year)
        assert (row.regulated, row.flexible, row.total, row.raw_total) == (
            engine.regulated, engine.flexible, engine.total, engine.raw_total)
        assert (row.centralized, row.school_based, row.self_directed) == tuple(engine.by_kind[k] for k in R.KINDS)
        assert (row.total, row.raw_total, {k: getattr(row, k) for k in R.KINDS}) == (
            sql[t.pk].total, sql[t.pk].raw_total, sql[t.pk].by_kind)
        check = R.year_check(engine, 2017)
        assert row.year_ok == check.ok
        assert (row.missing_total, row.missing_regulated, row.missing_flexible) == (
            check.missing["total"], check.missing["regulated"], check.missing["flexible"])
        mine = [r for r in rows if teachers[r[0]] == t]
        assert row.counted_entries == sum(1 for r in mine if r[5] in (EntryStatus.CONFIRMED, EntryStatus.DISTRICT_REVIEWED))
        assert row.open_entries == sum(1 for r in mine if r[5] in (EntryStatus.SUBMITTED, EntryStatus.RETURNED))
        assert Decimal(0) <= row.unconfirmed <= row.total


@pytest.fixture
def world(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


def _row(world, teacher=None):
    return TeacherYearTotal.objects.get(teacher=teacher or world.teacher, academic_year=world.year)


def test_each_step_of_the_chain_updates_the_teachers_row(world):
    entry = S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                            started_on=ACTIVITY_DAY, ended_on=ACTIVITY_DAY + datetime.timedelta(days=4),
                            quantity="50", evidence_files=[pdf()], today=REGISTRATION_DAY)
    row = _row(world)
    assert (row.total, row.open_entries, row.counted_entries) == (Decimal(0), 1, 0)
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    S.entry_leader_sign(actor=world.leader, entry=entry, today=REGISTRATION_DAY)
    assert _row(world).total == Decimal(0)
    S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, quantity_approved="40",
                            comment="核减", today=DISTRICT_DAY)
    row = _row(world)
    assert (row.regulated, row.total, row.centralized, row.open_entries, row.counted_entries) == (
        Decimal(40), Decimal(40), Decimal(40), 0, 1)
    assert (row.year_ok, row.missing_regulated, row.missing_flexible) == (False, Decimal(8), Decimal(24))
    S.entry_confirm(actor=world.city, entry=entry, today=CITY_DAY)
    assert _row(world).total == Decimal(40)


def test_a_feed_and_a_roster_update_the_table(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    u = world.teacher.user.username
    csv = SimpleUploadedFile("f.csv", f"编号,账号,日期,学时,课程名称\nA1,{u},2018-03-01,8,微课".encode("utf-8-sig"))
    S.feed_import_file(actor=world.city, channel="micro_course", file=csv, today=datetime.date(2018, 7, 1))
    assert _row(world).total == Decimal(2)  # 8 学时 of 微课: 2 whole units of 3

    from accounts.models import BaseLevel
    from tests.reviews.helpers import ROSTER_DAY, base_school, roster_xlsx

    school, admin = base_school(world, BaseLevel.DISTRICT)
    t = world.teacher
    roster = S.roster_submit(actor=admin, school=school, academic_year=world.year, plan_file=pdf("计划.pdf"),
                             summary_file=pdf("总结.pdf"),
                             roster_file=roster_xlsx([(1, t.school.name, u, t.name, "语文", "初中", 30, 30)]),
                             today=ROSTER_DAY)
    S.roster_district_review(actor=world.district_admin, roster=roster, approve=True)
    assert _row(world).total == Decimal(2) + Decimal(25)  # 区级基地校 capped at 25
    assert _row(world) == TeacherYearTotal.objects.get(pk=_row(world).pk)


def test_a_correction_to_8_august_moves_the_entry_and_refreshes_both_years(world):
    from reviews.models import WindowExtension

    WindowExtension.objects.create(academic_year=world.year, window="registration", until=datetime.date(2018, 8, 10),
                                   reason="测试", created_by=world.city)
    entry = S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                            started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()], today=REGISTRATION_DAY)
    assert _row(world).open_entries == 1
    S.entry_update(actor=world.teacher.user, entry=entry, started_on=datetime.date(2018, 8, 1),
                   today=datetime.date(2018, 8, 2))
    after = TeacherYearTotal.objects.get(teacher=world.teacher, academic_year__start_year=2018)
    assert (_row(world).open_entries, after.open_entries) == (0, 1)


def test_a_rolled_back_change_leaves_the_row_as_it_was(world):
    entry = S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                            started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()], today=REGISTRATION_DAY)
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    S.entry_leader_sign(actor=world.leader, entry=entry, today=REGISTRATION_DAY)
    with pytest.raises(RuntimeError), transaction.atomic():
        S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, today=DISTRICT_DAY)
        assert _row(world).total == Decimal(8)
        raise RuntimeError("回滚")
    assert (_row(world).total, _row(world).open_entries) == (Decimal(0), 1)


def test_the_full_recompute_names_a_row_that_differs_and_corrects_it(world, capsys):
    entry = S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                            started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()], today=REGISTRATION_DAY)
    TeacherYearTotal.objects.filter(teacher=world.teacher).update(total=Decimal(99))
    assert teacher_year_totals_rebuild(academic_year=world.year, write=False)["differ"] == [
        (world.teacher.pk, ["total"])]
    with pytest.raises(CommandError):
        call_command("credits_totals_rebuild", "--check", "--year", "2017")
    assert f"教师 {world.teacher.pk} 不一致：total" in capsys.readouterr().out
    assert _row(world).total == Decimal(99)  # --check writes nothing
    call_command("credits_totals_rebuild", "--year", "2017")
    assert _row(world).total == Decimal(0)
    call_command("credits_totals_rebuild", "--check")
    assert entry.teacher_id == world.teacher.pk
