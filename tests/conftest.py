import datetime
import os

import pytest
from django.db import connection

# Browser tests drive a live server from the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL (triggers, row locks), those marked `broker` a
    Celery broker; without one they are deselected, not skipped, so that a skip never hides in
    a green run. CI provides both and runs them."""
    from django.conf import settings

    unavailable = set()
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        unavailable.add("postgres")
    if not settings.CELERY_BROKER_URL:
        unavailable.add("broker")
    keep, drop = [], []
    for item in items:
        (drop if any(item.get_closest_marker(m) for m in unavailable) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def _eager_celery(settings, tmp_path):
    """Tasks run in-process in tests; files go to a temporary media folder."""
    from jixiao.celery import app

    app.conf.task_always_eager = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = tmp_path / "media"
    # Nothing cached leaks from one test into the next (sign-in counters, per-user footers keyed
    # by ids the database hands out again after a rollback).
    from django.core.cache import cache

    cache.clear()
    # Hashing with the production hasher costs ~0.5 s per user; tests need no strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock_day() -> datetime.date:
    """The day the clock starts on; a module or a folder's conftest overrides this fixture.
    2018-05-10 is inside the 2017-2018 registration window."""
    return datetime.date(2018, 5, 10)


@pytest.fixture
def clock(monkeypatch, clock_day):
    """The one clock of the tests: the day timezone.localdate() returns (services and pages read the
    calendar through it); `clock.set(day)` walks on."""
    from tests.web.world import Clock

    return Clock(monkeypatch, clock_day)


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _unlock_sealed_years_before_flush(request):
    """A transactional test ends with a flush (TRUNCATE), which the seal's triggers refuse while
    a 学年 is sealed. After such a test on PostgreSQL a superuser's bypass lifts the seal first,
    so one test's sealed year cannot break every later one. Set up after transactional_db, so its
    teardown runs before the flush."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction"))
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    if connection.vendor != "postgresql":
        return
    from django.db import transaction

    from credits.models import AcademicYear

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        AcademicYear.objects.update(sealed_at=None, sealing_started_at=None)
