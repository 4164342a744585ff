"""Sealing a 学年 (eager Celery, SQLite and PostgreSQL): refused until ready unless forced with a
reason; a forced seal closes open entries as 未按期审核; every snapshot equals the rule engine; the
Merkle proof of a teacher verifies; the services refuse every change of the sealed year; an
activity on 8月1日 still goes to the next 学年; verify_seal names a tampered teacher."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from credits import rules as R
from credits.models import AcademicYear, CreditEntry, EntryStatus, TeacherYearTotal
from credits.selectors import teacher_year_totals, year_figures
from reviews import services as S
from reviews.errors import TransitionError
from reviews.models import Action, EntryTransition
from sealing import merkle
from sealing.errors import SealError
from sealing.models import SealChunk, SealedSnapshot, SealRecord, SealState
from sealing.selectors import seal_verify, teacher_proof, year_figures_for, year_readiness
from sealing.services import seal_start
from tests.factories import TeacherProfileFactory
from tests.reviews.helpers import ACTIVITY_DAY, DISTRICT_DAY, REGISTRATION_DAY, pdf

from .conftest import CITY_DAY, bypass_triggers

_titles = itertools.count(1)


def _counted(world, teacher, code, qty, *, district_admin=None, school_admin=None, leader=None):
    """An entry taken through the chain to 已复核."""
    # Ten days (at most 10 学时 a day) and a title of its own (the same training twice is a duplicate).
    e = S.entry_declare(teacher_user=teacher.user, item=world.item(code), title=f"培训{next(_titles)}",
                        started_on=ACTIVITY_DAY, ended_on=ACTIVITY_DAY + datetime.timedelta(days=9),
                        quantity=str(qty), evidence_files=[pdf()], today=REGISTRATION_DAY)
    S.entry_school_review(actor=school_admin or world.school_admin, entry=e, approve=True, today=REGISTRATION_DAY)
    S.entry_leader_sign(actor=leader or world.leader, entry=e, today=REGISTRATION_DAY)
    S.entry_district_review(actor=district_admin or world.district_admin, entry=e, approve=True, today=DISTRICT_DAY)
    return e


@pytest.fixture
def year_data(world):
    _counted(world, world.teacher, "admin_training", 50)
    _counted(world, world.city_teacher, "admin_training", 30, district_admin=world.city,
             school_admin=world.city_admin, leader=world.city_leader)
    open_entry = S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="未审",
                                 started_on=ACTIVITY_DAY, quantity="6", evidence_files=[pdf()], today=REGISTRATION_DAY)
    TeacherProfileFactory(school=world.school, name="无登记老师")
    return open_entry


def _seal(world, django_capture_on_commit_callbacks, **kw):
    with django_capture_on_commit_callbacks(execute=True):
        return seal_start(actor=world.city, academic_year=world.year, today=CITY_DAY, **kw)


def _state(world):
    return (AcademicYear.objects.get(pk=world.year.pk).sealing_started_at, SealRecord.objects.count(),
            list(CreditEntry.objects.order_by("pk").values_list("status", flat=True)), EntryTransition.objects.count())


def test_only_city_staff_seal_and_not_before_november(world, year_data):
    before = _state(world)
    with pytest.raises(SealError, match="市教科院"):
        seal_start(actor=world.district_admin, academic_year=world.year, today=CITY_DAY)
    with pytest.raises(SealError, match="11月1日开始"):
        seal_start(actor=world.city, academic_year=world.year, today=datetime.date(2018, 10, 31))
    assert _state(world) == before


def test_open_entries_block_the_seal_unless_sealed_anyway_with_a_reason(world, year_data):
    before = _state(world)
    with pytest.raises(SealError, match="尚有1条登记未审核完毕"):
        seal_start(actor=world.city, academic_year=world.year, today=CITY_DAY)
    with pytest.raises(SealError, match="须填写理由"):
        seal_start(actor=world.city, academic_year=world.year, today=CITY_DAY, force=True, reason="  ")
    assert _state(world) == before
    units = year_readiness(academic_year=world.year)
    blocked = [u for u in units if not u.ready]
    assert [u.label for u in blocked] == ["双流区测试"] and blocked[0].open_entries == 1
    assert "待校初审1条" in blocked[0].blockers[0]
    assert [u.label for u in units if u.district_id is None] == ["市直属测试中学（市直属）"]


def test_schools_not_reviewed_by_their_district_block_the_seal_unless_sealed_anyway(
        world, django_capture_on_commit_callbacks):
    from audits.models import HandInStatus, SchoolHandIn

    _counted(world, world.teacher, "admin_training", 50)
    SchoolHandIn.objects.filter(school__in=[world.school, world.city_school]).update(status=HandInStatus.SUBMITTED)
    before = _state(world)
    with pytest.raises(SealError, match="尚有学校未完成审核（双流区测试1所、市直属测试中学（市直属）1所）"):
        seal_start(actor=world.city, academic_year=world.year, today=CITY_DAY)
    assert _state(world) == before
    seal = _seal(world, django_capture_on_commit_callbacks, force=True, reason="市直属学校逾期未上报")
    seal.refresh_from_db()
    assert (seal.state, seal.forced, seal.closed_late_count) == (SealState.COMMITTED, True, 0)


def test_a_school_not_yet_reviewed_keeps_its_district_from_being_ready(world):
    from audits.models import HandInStatus, SchoolHandIn

    SchoolHandIn.objects.filter(school=world.school).update(status=HandInStatus.SUBMITTED)
    units = {u.label: u for u in year_readiness(academic_year=world.year)}
    district = units[world.school.district.name]
    assert not district.ready and district.schools_ready == district.schools - 1
    assert "1所学校尚未完成审核" in district.blockers
    assert units["市直属测试中学（市直属）"].ready


def test_a_school_reviewed_but_not_yet_checked_by_the_city_blocks_the_seal_unless_forced(world):
    from audits.models import HandInStatus, SchoolHandIn

    SchoolHandIn.objects.filter(school=world.city_school).update(status=HandInStatus.REVIEWED)
    units = {u.label: u for u in year_readiness(academic_year=world.year)}
    city_unit = units["市直属测试中学（市直属）"]
    assert not city_unit.ready and city_unit.blockers == ["1所学校待市级核对"]
    assert units[world.school.district.name].ready
    before = _state(world)
    with pytest.raises(SealError, match="尚有学校待市级核对（市直属测试中学（市直属）1所）"):
        seal_start(actor=world.city, academic_year=world.year, today=CITY_DAY)
    assert _state(world) == before and not SealRecord.objects.exists()


def test_a_forced_seal_closes_open_entries_as_late_and_every_snapshot_equals_the_engine(
        world, year_data, django_capture_on_commit_callbacks):
    seal = _seal(world, django_capture_on_commit_callbacks, force=True, reason="区县逾期未审")
    seal.refresh_from_db()
    year = AcademicYear.objects.get(pk=world.year.pk)
    assert seal.state == SealState.COMMITTED and year.sealed_at is not None and year.sealed_by == world.city
    assert (seal.forced, seal.reason, seal.closed_late_count) == (True, "区县逾期未审", 1)
    late = CreditEntry.objects.get(pk=year_data.pk)
    assert late.status == EntryStatus.LATE
    row = EntryTransition.objects.get(entry=late, action=Action.CLOSE_LATE)
    assert (row.from_state, row.to_state, row.actor) == ("submitted", "late", world.city)
    assert "区县逾期未审" in row.comment
    from accounts.models import TeacherProfile

    teachers = list(TeacherProfile.objects.all())
    snaps = {s.teacher_id: s for s in SealedSnapshot.objects.filter(seal=seal)}
    assert set(snaps) == {t.pk for t in teachers}
    assert seal.teacher_count == len(teachers) and not SealChunk.objects.filter(done_at__isnull=True).exists()
    for t in teachers:
        engine = teacher_year_totals(teacher=t, academic_year=year)
        s = snaps[t.pk]
        assert (s.regulated, s.flexible, s.total, s.raw_total) == (engine.regulated, engine.flexible, engine.total,
                                                                     engine.raw_total)
        assert (s.centralized, s.school_based, s.self_directed) == tuple(engine.by_kind[k] for k in R.KINDS)
        assert s.year_ok == R.year_check(engine).ok and s.open_entries == 0
        assert s.school_id == t.school_id and s.district_id == t.school.district_id
        assert s.digest == merkle.leaf_hash(s.payload())
    assert snaps[world.teacher.pk].total == Decimal(50) and snaps[world.city_teacher.pk].total == Decimal(30)
    assert seal.total_credits == Decimal(80) and seal.entry_count == 2
    leaves = [snaps[t].digest for t in sorted(snaps)]
    assert seal.merkle_root == merkle.merkle_root(leaves)
    assert seal.job.status == "done" and seal.percent == 100


def test_a_ready_year_seals_without_a_reason_and_readers_switch_to_the_snapshots(
        world, django_capture_on_commit_callbacks):
    _counted(world, world.teacher, "admin_training", 50)
    sealed, rows = year_figures_for(academic_year=world.year, school_ids=[world.school.pk])
    assert not sealed and [r.total for r in rows] == [Decimal(50)]
    assert all(u.ready for u in year_readiness(academic_year=world.year))
    seal = _seal(world, django_capture_on_commit_callbacks)
    seal.refresh_from_db()
    assert (seal.state, seal.forced, seal.closed_late_count) == (SealState.COMMITTED, False, 0)
    sealed, rows = year_figures_for(academic_year=world.year, school_ids=[world.school.pk])
    assert sealed and {r.teacher_id: r.total for r in rows} == {world.teacher.pk: Decimal(50)}


def test_a_teachers_proof_verifies_against_the_root_and_fails_for_a_changed_total(
        world, year_data, django_capture_on_commit_callbacks):
    seal = _seal(world, django_capture_on_commit_callbacks, force=True, reason="逾期")
    seal.refresh_from_db()
    p = teacher_proof(teacher=world.teacher, academic_year=world.year)
    assert p["root"] == seal.merkle_root and p["payload"]["total"] == "50.0"
    assert merkle.verify(p["leaf"], p["proof"], p["root"])
    assert merkle.verify(merkle.leaf_hash(p["payload"]), p["proof"], p["root"])
    forged = dict(p["payload"], total="72.0")
    assert not merkle.verify(merkle.leaf_hash(forged), p["proof"], p["root"])


def test_the_services_refuse_every_change_of_a_sealed_year_and_8_august_goes_to_the_next(
        world, django_capture_on_commit_callbacks):
    e = _counted(world, world.teacher, "admin_training", 50)
    _seal(world, django_capture_on_commit_callbacks)
    before = (CreditEntry.objects.count(), EntryTransition.objects.count(),
              list(TeacherYearTotal.objects.values_list("total", flat=True)))
    with pytest.raises(TransitionError, match="2017-2018学年已封存"):
        S.entry_confirm(actor=world.city, entry=e, today=CITY_DAY)
    with pytest.raises(TransitionError, match="已封存"):
        S.evidence_attach(actor=world.teacher.user, entry=e, files=[pdf()])
    with pytest.raises(SealError, match="2017-2018学年已于.*封存"):
        seal_start(actor=world.city, academic_year=world.year, today=CITY_DAY)
    assert before == (CreditEntry.objects.count(), EntryTransition.objects.count(),
                      list(TeacherYearTotal.objects.values_list("total", flat=True)))
    nxt = S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="八月一日培训",
                          started_on=datetime.date(2018, 8, 1), quantity="4", evidence_files=[pdf()],
                          today=datetime.date(2018, 11, 12))
    assert nxt.academic_year.start_year == 2018 and nxt.status == EntryStatus.SUBMITTED


def test_verify_seal_names_a_teacher_whose_row_was_tampered_with(
        world, year_data, django_capture_on_commit_callbacks, capsys):
    _seal(world, django_capture_on_commit_callbacks, force=True, reason="逾期")
    call_command("verify_seal", "2017")
    assert "封存数据完整" in capsys.readouterr().out
    with transaction.atomic():
        bypass_triggers()
        SealedSnapshot.objects.filter(teacher=world.teacher).update(total=Decimal("72.0"))
        CreditEntry.objects.filter(teacher=world.city_teacher).update(quantity_approved=Decimal(40))
    report = seal_verify(academic_year=2017)
    assert report.problems == {world.teacher.pk: ["摘要", "total"], world.city_teacher.pk: ["regulated", "total",
                                                                                          "raw_total", "centralized",
                                                                                          "missing_total",
                                                                                          "missing_regulated"]}
    assert report.root_ok  # the digests themselves are untouched
    with pytest.raises(CommandError):
        call_command("verify_seal", "2017")
    out = capsys.readouterr().out
    assert f"李老师（教师 {world.teacher.pk}）：摘要、total" in out and f"周老师（教师 {world.city_teacher.pk}）" in out


def test_chunks_run_again_change_nothing(world, year_data, django_capture_on_commit_callbacks):
    from sealing.services import seal_chunk_run, seal_finalize

    seal = _seal(world, django_capture_on_commit_callbacks, force=True, reason="逾期")
    seal.refresh_from_db()
    snaps = list(SealedSnapshot.objects.order_by("pk").values_list("teacher_id", "digest"))
    assert [seal_chunk_run(chunk_id=c.pk) for c in SealChunk.objects.all()] == [False, False]
    assert seal_finalize(seal_id=seal.pk) is False
    assert list(SealedSnapshot.objects.order_by("pk").values_list("teacher_id", "digest")) == snaps
    assert year_figures(teacher_ids=[world.teacher.pk], academic_year=2017)[world.teacher.pk].total == Decimal(50)


def test_a_task_seals_a_batch_of_schools_and_a_redelivered_batch_changes_nothing(world, year_data, settings):
    from accounts.models import TeacherProfile
    from sealing.services import pending_chunk_batches, seal_chunks_run

    # A kept row gone wrong before the seal: the seal's recompute corrects it, on its school's chunk.
    TeacherYearTotal.objects.filter(teacher=world.teacher).update(total=Decimal("1.0"))
    seal = seal_start(actor=world.city, academic_year=world.year, force=True, reason="逾期", today=CITY_DAY)
    chunks = {c.school_id: c.pk for c in SealChunk.objects.filter(seal=seal)}
    assert len(chunks) == 2
    settings.SEAL_BATCH_TEACHERS = 1
    assert pending_chunk_batches(seal.pk) == [[pk] for pk in sorted(chunks.values())]
    settings.SEAL_BATCH_TEACHERS = 1000
    assert pending_chunk_batches(seal.pk) == [sorted(chunks.values())]

    assert seal_chunks_run(chunk_ids=sorted(chunks.values())) == 2
    done = {c.school_id: (c.teacher_count, c.corrected_count) for c in SealChunk.objects.filter(seal=seal)}
    sizes = {s: TeacherProfile.objects.filter(school_id=s).count() for s in chunks}
    assert done == {world.school.pk: (sizes[world.school.pk], 1), world.city_school.pk: (sizes[world.city_school.pk], 0)}
    assert SealRecord.objects.get(pk=seal.pk).chunk_done == 2
    assert SealedSnapshot.objects.get(seal=seal, teacher=world.teacher).total == Decimal(50)
    snaps = list(SealedSnapshot.objects.order_by("pk").values_list("teacher_id", "digest"))
    assert len(snaps) == sum(sizes.values())
    assert pending_chunk_batches(seal.pk) == []

    assert seal_chunks_run(chunk_ids=sorted(chunks.values())) == 0
    assert list(SealedSnapshot.objects.order_by("pk").values_list("teacher_id", "digest")) == snaps
    assert SealRecord.objects.get(pk=seal.pk).chunk_done == 2


def test_dashboards_read_the_totals_table_while_open_and_the_snapshots_once_sealed(
        world, django_capture_on_commit_callbacks):
    from accounts.models import School
    from reports.selectors import dashboard_figures, year_totals_for

    _counted(world, world.teacher, "admin_training", 50)
    schools = School.objects.filter(pk=world.school.pk)
    assert year_totals_for(teacher_ids=[world.teacher.pk], academic_year=world.year)[world.teacher.pk].total == 50
    _seal(world, django_capture_on_commit_callbacks)
    # The totals table is not the sealed record: a row changed behind the seal's back is not read.
    TeacherYearTotal.objects.filter(teacher=world.teacher).update(total=Decimal(1), regulated=Decimal(1))
    assert year_totals_for(teacher_ids=[world.teacher.pk], academic_year=world.year)[world.teacher.pk].total == 50
    cells = dashboard_figures(schools=schools, academic_year=world.year)
    assert sum(c["regulated"] for c in cells.values()) == Decimal(50)
