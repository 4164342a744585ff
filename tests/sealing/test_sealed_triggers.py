"""PostgreSQL refuses every write to a sealed 学年 that does not go through the services: raw SQL
UPDATE, DELETE, INSERT and TRUNCATE of entries, audit rows, proof files, rosters, roster lines,
snapshots and the seal record — and nothing changes."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction

from credits.models import AcademicYear, CreditEntry
from reviews.models import EntryTransition, Evidence, RosterRow
from sealing.models import SealedSnapshot, SealRecord
from tests.reviews.helpers import (
    ACTIVITY_DAY,
    DISTRICT_DAY,
    REGISTRATION_DAY,
    ROSTER_DAY,
    base_school,
    pdf,
    roster_xlsx,
)

from .conftest import CITY_DAY

pytestmark = pytest.mark.postgres


@pytest.fixture
def sealed(world, django_capture_on_commit_callbacks):
    from accounts.models import BaseLevel
    from reviews import services as S
    from sealing.services import seal_start

    e = S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                        started_on=ACTIVITY_DAY, ended_on=ACTIVITY_DAY + datetime.timedelta(days=4), quantity="50",
                        evidence_files=[pdf()], today=REGISTRATION_DAY)
    S.entry_school_review(actor=world.school_admin, entry=e, approve=True, today=REGISTRATION_DAY)
    S.entry_leader_sign(actor=world.leader, entry=e, today=REGISTRATION_DAY)
    S.entry_district_review(actor=world.district_admin, entry=e, approve=True, today=DISTRICT_DAY)
    school, admin = base_school(world, BaseLevel.DISTRICT)
    t = world.teacher
    roster = S.roster_submit(actor=admin, school=school, academic_year=world.year, plan_file=pdf("计划.pdf"),
                             summary_file=pdf("总结.pdf"),
                             roster_file=roster_xlsx([(1, t.school.name, t.user.username, t.name, "语文", "初中", 20, 20)]),
                             today=ROSTER_DAY)
    S.roster_district_review(actor=world.district_admin, roster=roster, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        seal = seal_start(actor=world.city, academic_year=world.year, today=CITY_DAY)
    seal.refresh_from_db()
    assert seal.state == "committed"
    return e, roster, seal


def _fingerprint():
    return (
        list(CreditEntry.objects.order_by("pk").values_list("pk", "status", "quantity_claimed", "academic_year_id")),
        list(EntryTransition.objects.order_by("pk").values_list("pk", "comment")),
        list(Evidence.objects.order_by("pk").values_list("pk", "original_name")),
        list(RosterRow.objects.order_by("pk").values_list("pk", "hours", "error")),
        list(SealedSnapshot.objects.order_by("pk").values_list("pk", "total", "digest")),
        list(SealRecord.objects.values_list("pk", "state", "merkle_root")),
        list(AcademicYear.objects.order_by("pk").values_list("pk", "sealed_at", "district_review_closes")),
    )


def _refused(sql, params=()):
    with pytest.raises(DatabaseError, match="2017-2018学年已封存"), transaction.atomic(), connection.cursor() as c:
        # The test's own transaction holds deferred FK checks; TRUNCATE would refuse for that first.
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")
        c.execute(sql, params)


def test_raw_updates_deletes_inserts_and_truncates_are_refused(world, sealed):
    entry, roster, seal = sealed
    before = _fingerprint()
    row = RosterRow.objects.filter(roster=roster).first()
    snap = SealedSnapshot.objects.get(teacher=world.teacher)
    audit = EntryTransition.objects.filter(entry=entry).first()
    for sql, params in [
        ("UPDATE credits_creditentry SET quantity_claimed = 99 WHERE id = %s", [entry.pk]),
        ("DELETE FROM credits_creditentry WHERE id = %s", [entry.pk]),
        ("INSERT INTO credits_creditentry (teacher_id, school_id, academic_year_id, item_id, option, title, organizer,"
         " started_on, quantity_claimed, credits, status, source, external_id, last_comment, created_by_id,"
         " created_at, updated_at) SELECT teacher_id, school_id, academic_year_id, item_id, option, '伪造', organizer,"
         " started_on, 80, 80, 'confirmed', source, 'forged', '', created_by_id, now(), now()"
         " FROM credits_creditentry WHERE id = %s", [entry.pk]),
        ("INSERT INTO reviews_entrytransition (entry_id, action, role, at, from_state, to_state, changes, comment)"
         " VALUES (%s, 'confirm', '', now(), 'district_reviewed', 'confirmed', '{}', '伪造')", [entry.pk]),
        ("UPDATE reviews_evidence SET original_name = '伪造.pdf' WHERE entry_id = %s", [entry.pk]),
        ("DELETE FROM reviews_evidence WHERE entry_id = %s", [entry.pk]),
        ("UPDATE reviews_rosterrow SET hours = 99 WHERE id = %s", [row.pk]),
        ("DELETE FROM reviews_rosterrow WHERE id = %s", [row.pk]),
        ("INSERT INTO reviews_rosterrow (roster_id, line, seq, school_name, username, name, subject, stage, error)"
         " VALUES (%s, 99, '', '', '', '', '', '', '')", [roster.pk]),
        ("UPDATE reviews_roster SET comment = '伪造' WHERE id = %s", [roster.pk]),
        ("UPDATE sealing_sealedsnapshot SET total = 72 WHERE id = %s", [snap.pk]),
        ("DELETE FROM sealing_sealedsnapshot WHERE id = %s", [snap.pk]),
        ("UPDATE sealing_sealrecord SET merkle_root = '00' WHERE id = %s", [seal.pk]),
        ("DELETE FROM sealing_sealrecord WHERE id = %s", [seal.pk]),
        ("UPDATE credits_academicyear SET sealed_at = NULL WHERE id = %s", [world.year.pk]),
        ("UPDATE credits_academicyear SET district_review_closes = '2019-01-31' WHERE id = %s", [world.year.pk]),
    ]:
        _refused(sql, params)
    assert audit is not None
    for table in ("reviews_entrytransition", "credits_creditentry", "reviews_rosterrow", "reviews_evidence",
                  "sealing_sealedsnapshot", "sealing_sealrecord"):
        _refused(f"TRUNCATE {table} CASCADE")
    assert _fingerprint() == before


def test_a_new_snapshot_cannot_be_slipped_into_a_committed_seal(world, sealed):
    _, _, seal = sealed
    other = SealedSnapshot.objects.get(teacher=world.city_teacher)
    before = _fingerprint()
    _refused(
        "INSERT INTO sealing_sealedsnapshot (seal_id, academic_year_id, teacher_id, school_id, district_id, digest,"
        " regulated, flexible, total, raw_total, centralized, school_based, self_directed, unconfirmed,"
        " head_teacher_topic, principal_qualification, counted_entries, open_entries, year_ok, missing_total,"
        " missing_regulated, missing_flexible) SELECT seal_id, academic_year_id, teacher_id, school_id, district_id,"
        " digest, regulated, flexible, 999, raw_total, centralized, school_based, self_directed, unconfirmed,"
        " head_teacher_topic, principal_qualification, counted_entries, open_entries, true, 0, 0, 0"
        " FROM sealing_sealedsnapshot WHERE id = %s", [other.pk])
    assert _fingerprint() == before and seal.pk


def test_an_open_year_is_not_guarded_by_the_seal(world, sealed):
    from tests.factories import AcademicYearFactory, CreditEntryFactory

    nxt = AcademicYearFactory(start_year=2018)
    e = CreditEntryFactory(teacher=world.teacher, academic_year=nxt, item=world.item("admin_training"),
                           started_on=datetime.date(2018, 8, 1))
    with connection.cursor() as c:
        c.execute("UPDATE credits_creditentry SET quantity_claimed = 9 WHERE id = %s", [e.pk])
    assert CreditEntry.objects.get(pk=e.pk).quantity_claimed == 9
    # ...but nothing moves into the sealed one.
    _refused("UPDATE credits_creditentry SET academic_year_id = %s WHERE id = %s", [world.year.pk, e.pk])
    assert CreditEntry.objects.get(pk=e.pk).academic_year_id == nxt.pk
