"""The seal with real Celery workers (PostgreSQL + a broker; CI has both, a dev machine uses its own
Redis database): a generated city's 2025-2026 学年 is sealed by a worker process that is SIGKILLed
mid-seal; while no worker runs, readers see the provisional totals and no seal; a second worker
takes over (Redis hands the unacknowledged chunk back after the visibility timeout) and finishes
with the same snapshots and the same Merkle root as an uninterrupted seal of the same data, and
every snapshot equals the rule engine.

The workers are separate processes, so the data must be committed where they can see it: a
transactional test on pytest's test database, whose name the workers get in DATABASE_URL."""

import datetime
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from credits import rules as R
from credits.models import AcademicYear
from credits.selectors import teacher_year_totals
from sealing import merkle
from sealing.models import SealChunk, SealedSnapshot, SealRecord, SealState

pytestmark = [pytest.mark.postgres, pytest.mark.broker, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
TODAY = datetime.date(2026, 12, 1)
PAUSE = 0.4  # seconds each chunk holds its transaction open: time to kill a worker inside one
VISIBILITY = 2  # seconds before Redis hands an unacknowledged task to another worker (> PAUSE)


class _Rollback(Exception):
    pass


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """`celery worker` in its own process (solo pool: the task runs in the process we kill)."""

    def __init__(self, queue: str, name: str, log: Path):
        env = {k: v for k, v in os.environ.items() if k not in ("JIXIAO_TEST_DB_NAME", "CELERY_TASK_ALWAYS_EAGER")}
        env.update({
            "DJANGO_SETTINGS_MODULE": "jixiao.settings", "DATABASE_URL": _database_url(), "CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "CELERY_RESULT_BACKEND": settings.CELERY_BROKER_URL,
            "CELERY_TASK_DEFAULT_QUEUE": queue, "SEAL_CHUNK_PAUSE_SECONDS": str(PAUSE), "SEAL_BATCH_TEACHERS": "1",
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY), "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        })
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "jixiao", "worker", "--pool=solo", "-Q", queue, "-n", f"{name}@%h",
             "--without-heartbeat", "--without-mingle", "--without-gossip", "-l", "info"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def _wait(what, condition, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _snapshots(seal_id) -> dict:
    return {s.teacher_id: (s.school_id, s.district_id, s.digest, s.figures())
            for s in SealedSnapshot.objects.filter(seal_id=seal_id)}


def _uninterrupted(city, year) -> tuple[dict, str]:
    """The same seal run straight through in this process, then rolled back: what any seal of
    this data must produce."""
    from sealing.services import pending_chunk_ids, seal_chunk_run, seal_finalize, seal_start

    out = {}
    try:
        with transaction.atomic():
            seal = seal_start(actor=city, academic_year=year, force=True, reason="区县逾期未审", today=TODAY)
            for chunk_id in pending_chunk_ids(seal.pk):
                assert seal_chunk_run(chunk_id=chunk_id)
            assert seal_finalize(seal_id=seal.pk)
            out["snapshots"], out["root"] = _snapshots(seal.pk), SealRecord.objects.get(pk=seal.pk).merkle_root
            raise _Rollback
    except _Rollback:
        pass
    return out["snapshots"], out["root"]


def _readers_see_no_seal(year, teacher_ids):
    from sealing.selectors import committed_seal, sealed_figures, teacher_sealed_years, year_figures_for

    fresh = AcademicYear.objects.get(pk=year.pk)
    assert fresh.sealed_at is None and committed_seal(year) is None
    sealed, rows = year_figures_for(academic_year=year)
    assert not sealed and rows.model.__name__ == "TeacherYearTotal" and rows.exists()
    assert not sealed_figures(academic_year=year).exists()
    assert all(not teacher_sealed_years(teacher=t) for t in teacher_ids[:20])


@pytest.fixture
def city(transactional_db, settings, tmp_path):
    from accounts.models import Role, TeacherProfile, User
    from bench.city import generate

    settings.MEDIA_ROOT = tmp_path / "media"
    generate(teachers=60, seed=7, years=2, audit_years=1, today=TODAY, out=io.StringIO())
    year = AcademicYear.objects.get(start_year=2025)
    staff = User.objects.filter(role_assignments__role=Role.CITY_STAFF).order_by("pk").first()
    return staff, year, list(TeacherProfile.objects.order_by("pk").values_list("pk", flat=True))


def test_a_worker_killed_mid_seal_and_another_started_finish_the_same_seal(city, tmp_path, monkeypatch):
    import sealing.services
    from jixiao.celery import app
    from sealing.services import seal_start
    from sealing.tasks import seal_run

    staff, year, teacher_ids = city
    expected, expected_root = _uninterrupted(staff, year)
    assert len(expected) == len(teacher_ids) and AcademicYear.objects.get(pk=year.pk).sealing_started_at is None

    queue = f"seal-test-{uuid.uuid4().hex[:8]}"
    # The seal is enqueued on commit as in production, onto this test's own queue (the workers'
    # default queue too, so their fan-out stays on it); this process's defaults are untouched.
    monkeypatch.setattr(sealing.services, "_enqueue_run", lambda seal_id: seal_run.apply_async((seal_id,), queue=queue))
    app.conf.task_always_eager = False
    workers = [Worker(queue, "first", tmp_path / "worker1.log")]
    try:
        seal = seal_start(actor=staff, academic_year=year, force=True, reason="区县逾期未审", today=TODAY)
        total = seal.chunk_total
        assert total >= 4
        _wait("the first chunk", lambda: SealChunk.objects.filter(seal=seal, done_at__isnull=False).exists())
        workers[0].kill()
        done = SealChunk.objects.filter(seal=seal, done_at__isnull=False)
        assert 0 < done.count() < total, "killed after the seal, not in the middle"
        # The chunk in progress died with its transaction: only whole chunks are there.
        assert SealedSnapshot.objects.filter(seal=seal).count() == sum(done.values_list("teacher_count", flat=True))
        assert SealRecord.objects.get(pk=seal.pk).state == SealState.RUNNING
        _readers_see_no_seal(year, teacher_ids)
        time.sleep(VISIBILITY + 1)  # the dead worker's unacknowledged chunk becomes visible again
        _readers_see_no_seal(year, teacher_ids)
        workers.append(Worker(queue, "second", tmp_path / "worker2.log"))
        _wait("the seal to commit", lambda: SealRecord.objects.get(pk=seal.pk).state == SealState.COMMITTED)
    finally:
        for w in workers:
            w.stop()
        app.conf.task_always_eager = True
    logs = "".join((tmp_path / f"worker{i}.log").read_text() for i in (1, 2))
    seal.refresh_from_db()
    assert seal.chunk_done == total and seal.teacher_count == len(teacher_ids)
    assert _snapshots(seal.pk) == expected
    assert seal.merkle_root == expected_root
    assert AcademicYear.objects.get(pk=year.pk).sealed_at == seal.committed_at
    assert "sealing.seal_chunks" in logs and "Traceback" not in logs

    # Every snapshot against the Python rule engine (the seal computes them set-wise per school).
    from accounts.models import TeacherProfile

    snaps = {s.teacher_id: s for s in SealedSnapshot.objects.filter(seal=seal)}
    for t in TeacherProfile.objects.select_related("school"):
        engine = teacher_year_totals(teacher=t, academic_year=year)
        s = snaps[t.pk]
        assert (s.regulated, s.flexible, s.total, s.raw_total) == (engine.regulated, engine.flexible, engine.total,
                                                                     engine.raw_total)
        assert (s.centralized, s.school_based, s.self_directed) == tuple(engine.by_kind[k] for k in R.KINDS)
        assert s.year_ok == R.year_check(engine).ok and s.open_entries == 0
        assert s.digest == merkle.leaf_hash(s.payload())
    assert any(s.total > 0 for s in snaps.values()) and any(not s.year_ok for s in snaps.values())
