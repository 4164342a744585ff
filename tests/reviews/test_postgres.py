"""What only PostgreSQL can show: row locks under two real connections, and the triggers
that keep the audit trail and approved rosters unchanged even outside Django."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.db.utils import DatabaseError

from credits.models import CreditEntry, EntryStatus
from reviews import services as S
from reviews.errors import TransitionError
from reviews.models import EntryTransition
from tests.factories import UserFactory, grant
from tests.reviews.helpers import ACTIVITY_DAY, REGISTRATION_DAY, build_world, pdf

pytestmark = pytest.mark.postgres


@pytest.fixture
def tx_world(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_once_one_succeeds_one_is_told_already_reviewed(tx_world):
    world = tx_world
    second_admin = grant(UserFactory(username="sadmin2"), "school_admin", school=world.school)
    entry = S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                            started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()], today=REGISTRATION_DAY)
    barrier = threading.Barrier(2)
    outcomes = []

    def review(actor):
        try:
            barrier.wait(timeout=10)
            S.entry_school_review(actor=actor, entry=entry, approve=True, today=REGISTRATION_DAY)
            outcomes.append("ok")
        except TransitionError as exc:
            outcomes.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=review, args=(a,)) for a in (world.school_admin, second_admin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes, key=lambda o: o != "ok")[0] == "ok"
    assert len(outcomes) == 2 and "该记录已被审核" in [o for o in outcomes if o != "ok"][0]
    assert CreditEntry.objects.get(pk=entry.pk).status == EntryStatus.SCHOOL_VERIFIED
    assert EntryTransition.objects.filter(entry=entry, action="school_review").count() == 1


def test_audit_rows_cannot_be_updated_in_sql(world):
    entry = S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                            started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()], today=REGISTRATION_DAY)
    row = EntryTransition.objects.get(entry=entry)
    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE reviews_entrytransition SET comment = 'forged' WHERE id = %s", [row.pk])
    assert EntryTransition.objects.get(pk=row.pk).comment == ""


def test_audit_rows_cannot_be_deleted_in_sql(world):
    entry = S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                            started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()], today=REGISTRATION_DAY)
    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM reviews_entrytransition WHERE entry_id = %s", [entry.pk])
    assert EntryTransition.objects.filter(entry=entry).count() == 1


def test_approved_roster_cannot_be_changed_in_sql(world):
    from accounts.models import BaseLevel
    from reviews.models import Roster
    from tests.reviews.helpers import ROSTER_DAY, base_school, roster_xlsx

    school, admin = base_school(world, BaseLevel.DISTRICT)
    t = world.teacher
    roster = S.roster_submit(actor=admin, school=school, academic_year=world.year, plan_file=pdf(),
                             summary_file=pdf(), today=ROSTER_DAY,
                             roster_file=roster_xlsx([(1, "", t.user.username, t.name, "", "", 8, 8)]))
    S.roster_district_review(actor=world.district_admin, roster=roster, approve=True)
    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE reviews_roster SET status = 'submitted' WHERE id = %s", [roster.pk])
    assert Roster.objects.get(pk=roster.pk).status == "approved"
