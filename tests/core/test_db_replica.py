"""Issue 15 (item 4): reads go to the read replica only inside ``core.db.reading_replica()``;
writes, a job's own bookkeeping and everything outside the scope use the primary; without
``REPLICA_DATABASE_URL`` there is only the primary.

The replica here is the alias ``"replica"`` as settings makes it, a test mirror of ``default``
(a second connection to the same test database, on SQLite and PostgreSQL). A mirror's
connection does not see a test's uncommitted rows, so the tests that read through it commit
(``transaction=True``)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from accounts.jobs import job_create, job_file_run
from accounts.models import Job, School
from core.db import PRIMARY, REPLICA, ReplicaRouter, in_replica_scope, reading_replica
from tests.factories import SchoolFactory, UserFactory

ROUTER = ReplicaRouter()
BOTH = ["default", "replica"]


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    """The alias settings adds for REPLICA_DATABASE_URL, pointing at the test database."""
    primary = connections["default"].settings_dict
    config = {**primary, "TEST": {**primary["TEST"], "MIRROR": "default"}}
    settings.DATABASES[REPLICA] = config
    connections.settings[REPLICA] = config
    yield REPLICA
    with django_db_blocker.unblock():
        connections[REPLICA].close()
    del connections[REPLICA]
    settings.DATABASES.pop(REPLICA, None)
    connections.settings.pop(REPLICA, None)


def _tables(ctx) -> str:
    return " ".join(q["sql"] for q in ctx.captured_queries)


# --- the router's answers -------------------------------------------------------------------------


def test_outside_the_scope_every_read_and_write_is_the_primarys(replica):
    assert ROUTER.db_for_read(School) is None and ROUTER.db_for_write(School) == PRIMARY
    assert School.objects.all().db == PRIMARY


def test_inside_the_scope_reads_go_to_the_replica_and_writes_to_the_primary(replica):
    with reading_replica() as on:
        assert on and in_replica_scope()
        assert ROUTER.db_for_read(School) == REPLICA
        assert School.objects.all().db == REPLICA
        assert ROUTER.db_for_write(School) == PRIMARY
        assert School.objects.all()._db is None and School.objects.db_manager().db == REPLICA
    assert not in_replica_scope()
    assert School.objects.all().db == PRIMARY


def test_a_jobs_own_row_is_read_on_the_primary_inside_the_scope(replica):
    with reading_replica():
        assert ROUTER.db_for_read(Job) == PRIMARY
        assert Job.objects.all().db == PRIMARY


def test_the_scope_is_a_decorator_too(replica):
    @reading_replica()
    def where():
        return School.objects.all().db

    assert where() == REPLICA
    assert School.objects.all().db == PRIMARY


def test_a_replica_that_is_not_caught_up_keeps_the_scope_on_the_primary(replica):
    asked = []
    with reading_replica(caught_up=lambda: asked.append(School.objects.all().db) or False) as on:
        assert not on
        assert School.objects.all().db == PRIMARY
    assert asked == [REPLICA]  # the question itself went to the replica


def test_without_a_replica_the_scope_reads_the_primary(monkeypatch, replica):
    monkeypatch.delitem(settings.DATABASES, REPLICA)
    with reading_replica() as on:
        assert not on and not in_replica_scope()
        assert ROUTER.db_for_read(School) is None
        assert School.objects.all().db == PRIMARY


def test_the_replica_is_never_migrated(replica):
    assert ROUTER.allow_migrate(REPLICA, "credits") is False
    assert ROUTER.allow_migrate(PRIMARY, "credits") is None


# --- the queries, on each connection's log ---------------------------------------------------------


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_queries_inside_the_scope_run_on_the_replica_connection_and_writes_on_the_primary(replica):
    school = SchoolFactory(name="一号学校")
    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections[REPLICA]) as copy:
        with reading_replica():
            names = list(School.objects.filter(pk=school.pk).values_list("name", flat=True))
            School.objects.filter(pk=school.pk).update(name="二号学校")
        again = School.objects.get(pk=school.pk).name
    assert names == ["一号学校"] and again == "二号学校"
    assert "SELECT" in _tables(copy) and "UPDATE" not in _tables(copy)
    assert len(copy.captured_queries) == 1
    assert "UPDATE" in _tables(primary) and len(primary.captured_queries) == 2  # the update, the read after


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_reads_inside_a_transaction_on_the_primary_stay_there(replica):
    school = SchoolFactory()
    with CaptureQueriesContext(connections[REPLICA]) as copy, reading_replica(), transaction.atomic():
        School.objects.filter(pk=school.pk).update(name="改名")
        assert School.objects.get(pk=school.pk).name == "改名"  # its own write, unseen by a replica
    assert copy.captured_queries == []


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_file_job_with_replica_builds_from_the_replica_and_keeps_its_row_on_the_primary(replica, settings):
    SchoolFactory(name="三号学校")
    job = job_create(kind="test_file", owner=UserFactory())
    job.result = {"want": "三号学校"}
    job.save(update_fields=["result"])

    def build(params, target, progress):
        progress(1, 2)
        names = list(School.objects.filter(name=params["want"]).values_list("name", flat=True))
        progress(2, 2)
        Path(target).write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
        return names, "out.zip"

    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections[REPLICA]) as copy:
        job_file_run(job_id=job.pk, folder="test", failure="失败", build=build, replica=True,
                     caught_up=lambda params: School.objects.exists())
    job.refresh_from_db()
    assert (job.status, job.result["files"]) == (Job.Status.DONE, 1)
    assert "accounts_school" in _tables(copy) and "accounts_job" not in _tables(copy)
    assert len(copy.captured_queries) == 2  # caught_up, the build's read
    assert "accounts_job" in _tables(primary) and "accounts_school" not in _tables(primary)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_file_job_without_replica_reads_the_primary(replica):
    SchoolFactory()
    job = job_create(kind="test_file", owner=UserFactory())

    def build(params, target, progress):
        Path(target).write_bytes(b"x")
        return list(School.objects.values_list("pk", flat=True)), "out.zip"

    with CaptureQueriesContext(connections[REPLICA]) as copy:
        job_file_run(job_id=job.pk, folder="test", failure="失败", build=build)
    assert copy.captured_queries == []


def test_the_archive_reads_the_replica_once_the_seal_is_there(monkeypatch, replica, db):
    from reports import archive

    seen = {}
    monkeypatch.setattr(archive, "job_file_run", lambda **kw: seen.update(kw))
    archive.archive_run(job_id=1)
    assert seen["replica"] is True
    monkeypatch.setattr(archive, "committed_seal", lambda year: None)
    assert seen["caught_up"]({"year": 2017}) is False
    monkeypatch.setattr(archive, "committed_seal", lambda year: object())
    assert seen["caught_up"]({"year": 2017}) is True


# --- settings -------------------------------------------------------------------------------------


def _databases(**env) -> dict:
    code = ("import json, django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'jixiao.settings'; "
            "from django.conf import settings; "
            "print(json.dumps({k: {'ENGINE': v['ENGINE'], 'TEST': v.get('TEST', {})} "
            "for k, v in settings.DATABASES.items()}))")
    environ = {k: v for k, v in os.environ.items() if k != "REPLICA_DATABASE_URL"} | env
    out = subprocess.run([sys.executable, "-c", code], env=environ, cwd=settings.BASE_DIR, capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_settings_add_the_replica_only_with_replica_database_url():
    assert set(_databases()) == {"default"}
    with_replica = _databases(REPLICA_DATABASE_URL="postgres://reader@replica.example:5432/jixiao")
    assert set(with_replica) == {"default", "replica"}
    assert with_replica["replica"]["ENGINE"] == "django.db.backends.postgresql"
    assert with_replica["replica"]["TEST"]["MIRROR"] == "default"
    assert "core.db.ReplicaRouter" in settings.DATABASE_ROUTERS
