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
    """The review world with every school's 学年 handed in, reviewed and checked, so that only
    entries decide readiness unless a test undoes a hand-in."""
    from accounts.models import School
    from audits.models import HandInStatus, SchoolHandIn

    w = build_world()
    SchoolHandIn.objects.bulk_create(SchoolHandIn(school=s, academic_year=w.year, status=HandInStatus.CHECKED)
                                     for s in School.objects.all())
    return w


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
