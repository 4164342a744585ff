import datetime

import pytest
from django.db import connection, transaction

from tests.reviews.helpers import build_world

CITY_DAY = datetime.date(2018, 11, 10)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db, _fast_passwords):
    return build_world()


def bypass_triggers():
    """What someone with the database's superuser could do: write with the triggers off (in the
    current transaction only). Used to tamper with sealed rows on purpose, and to clean up."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")


def unlock_all_years():
    """After a transactional test: the flush that empties the database is a TRUNCATE, which the
    triggers refuse while a 学年 is sealed; a superuser lifts the lock first."""
    from credits.models import AcademicYear

    with transaction.atomic():
        bypass_triggers()
        AcademicYear.objects.update(sealed_at=None, sealing_started_at=None)


def hand_ins_reviewed(world):
    """Every school due to hand in the 学年 has had its hand-in reviewed by its district (rows
    written directly: the hand-in's own walk is tested in tests/audits)."""
    from django.utils import timezone

    from audits.models import HandInStatus, SchoolHandIn
    from audits.selectors import schools_due

    now = timezone.now()
    for school in schools_due(world.year):
        SchoolHandIn.objects.create(school=school, academic_year=world.year, status=HandInStatus.REVIEWED, version=2,
                                    submitted_at=now, reviewed_at=now)
