"""The seal benchmark (``manage.py seal_bench``): seconds to seal one 学年 of the database's city —
seal_start, every school's chunk, the finalisation with the Merkle root, run in this process one
after the other as one worker would — and, in the same run over the same rows, a bare SQL
``GROUP BY`` that sums the counted entries of that 学年 per teacher; then their ratio.

The city is the project's own generator (``bench.city.generate``) when the database has no
teachers yet, else whatever the database holds. The seal runs in one transaction that is rolled
back at the end, so the database is never sealed and the run can be repeated (a generated city
is kept). With ``workers`` (``--workers 1 2``) the seal then runs through real Celery worker
processes, each count on its own copy of the database (``run_with_workers``). Prints figures;
never fails on them.
"""

from __future__ import annotations

import sys
import time

from django.db import connection, transaction


class _Rollback(Exception):
    pass


def _group_by(year_id: int) -> tuple[float, int]:
    """The bare query: counted entries of the 学年 summed per teacher (best of three)."""
    from credits.models import COUNTED_STATUSES

    sql = ("SELECT teacher_id, SUM(credits), COUNT(*) FROM credits_creditentry "
           f"WHERE academic_year_id = %s AND status IN ({', '.join(['%s'] * len(COUNTED_STATUSES))}) "
           "GROUP BY teacher_id")
    best, rows = float("inf"), 0
    for _ in range(3):
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(sql, [year_id, *[str(s) for s in COUNTED_STATUSES]])
            rows = len(cur.fetchall())
        best = min(best, time.perf_counter() - t0)
    return best, rows


def run(*, teachers: int | None = None, seed: int = 1, start_year: int | None = None, workers=(),
        out=sys.stdout) -> dict:
    from django.conf import settings
    from django.utils import timezone

    from accounts.models import Role, TeacherProfile, User
    from credits.models import COUNTED_STATUSES, AcademicYear, CreditEntry
    from sealing.services import pending_chunk_batches, seal_chunks_run, seal_finalize, seal_start

    figures: dict = {"database": connection.vendor}
    if not TeacherProfile.objects.exists():
        from .city import generate

        # Kept (committed): a second run measures the same city without generating it again.
        generate(teachers=teachers or 1500, seed=seed, out=out)
    elif teachers:
        out.write(f"数据库中已有 {TeacherProfile.objects.count()} 名教师：不再生成，直接测量（--teachers 未用）。\n")
    today = timezone.localdate()
    if start_year is None:
        start_year = AcademicYear.for_date(today).start_year - 1
    year = AcademicYear.objects.filter(start_year=start_year).first()
    staff = User.objects.filter(role_assignments__role=Role.CITY_STAFF).order_by("pk").first()
    if year is None or year.is_locked or staff is None:
        out.write(f"无法测量：{start_year}学年不存在、已封存或正在封存，或没有市教科院账号。\n")
        return figures
    try:
        with transaction.atomic():
            counted = CreditEntry.objects.filter(academic_year=year, status__in=COUNTED_STATUSES).count()
            all_rows = CreditEntry.objects.filter(academic_year=year).count()
            n_teachers = TeacherProfile.objects.count()
            # Run the chunks here, one after the other, whatever Celery is configured to do.
            pause = settings.SEAL_CHUNK_PAUSE_SECONDS
            settings.SEAL_CHUNK_PAUSE_SECONDS = 0
            try:
                t0 = time.perf_counter()
                seal = seal_start(actor=staff, academic_year=year, force=True, reason="封存基准测试（回滚）",
                                  today=max(today, year.city_seal_opens))
                t1 = time.perf_counter()
                batches = pending_chunk_batches(seal.pk)
                chunks = [c for b in batches for c in b]
                for batch in batches:
                    seal_chunks_run(chunk_ids=batch)
                t2 = time.perf_counter()
                seal_finalize(seal_id=seal.pk)
                t3 = time.perf_counter()
            finally:
                settings.SEAL_CHUNK_PAUSE_SECONDS = pause
            seal.refresh_from_db()
            group_by, group_rows = _group_by(year.pk)
            figures.update({
                "year": year.label, "teachers": n_teachers, "entries": all_rows, "counted_entries": counted,
                "chunks": len(chunks), "tasks": len(batches), "start_seconds": t1 - t0, "chunks_seconds": t2 - t1,
                "finalize_seconds": t3 - t2, "seal_seconds": t3 - t0, "group_by_seconds": group_by,
                "group_by_rows": group_rows, "ratio": (t3 - t0) / group_by if group_by else None,
                "snapshot_ratio": (t3 - t1) / group_by if group_by else None,
                "corrected": seal.corrected_count,
                "root": seal.merkle_root, "closed_late": seal.closed_late_count,
            })
            raise _Rollback
    except _Rollback:
        pass
    f = figures
    out.write(f"封存基准（{f['database']}）：{f['year']}学年，{f['teachers']} 名教师，该学年 {f['entries']} 条登记"
              f"（计入 {f['counted_entries']} 条），{f['chunks']} 所学校 = {f['chunks']} 个分块，{f['tasks']} 个任务\n")
    out.write(f"  封存：合计 {f['seal_seconds']:.2f} s（开始 {f['start_seconds']:.2f} s，含关闭 {f['closed_late']} 条"
              f"未按期审核；分块 {f['chunks_seconds']:.2f} s；完成与 Merkle 根 {f['finalize_seconds']:.2f} s），"
              f"每秒 {f['teachers'] / f['seal_seconds']:.0f} 名教师\n")
    out.write(f"  裸 SQL GROUP BY（同一学年计入的登记按教师求和，三次取最快）：{f['group_by_seconds']:.3f} s，"
              f"{f['group_by_rows']} 行\n")
    ratio = f"{f['ratio']:.0f} 倍（{f['ratio']:.1f}）" if f["ratio"] is not None else "— 倍"
    snapshot_ratio = f"{f['snapshot_ratio']:.1f}" if f["snapshot_ratio"] is not None else "—"
    out.write(f"  比值 封存 / GROUP BY：{ratio}；其中分块与 Merkle 根（不含关闭登记的写入）/ GROUP BY：{snapshot_ratio} 倍\n")
    out.write(f"  合计表与全量重算核对：更正 {f['corrected']} 行\n")
    out.write(f"  Merkle 根 {f['root']}；已回滚，数据库未封存，可重复运行。\n")
    if workers:
        figures["workers_seconds"] = run_with_workers(counts=workers, start_year=start_year, out=out)
    return figures


# --- the seal through real Celery workers -----------------------------------------------------


def _admin_connection():
    """A connection to the server's maintenance database, outside Django (CREATE/DROP DATABASE)."""
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(dbname="postgres", user=s["USER"], password=s.get("PASSWORD") or None,
                           host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, autocommit=True)


def _database_url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _switch_database(name: str) -> None:
    """Point this process's default connection at another database of the same server."""
    connection.close()
    connection.settings_dict["NAME"] = name


def _start_workers(n: int, *, url: str, queue: str, logs) -> list:
    import os
    import subprocess
    from pathlib import Path

    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_TASK_ALWAYS_EAGER",)}
    env.update({"DJANGO_SETTINGS_MODULE": "jixiao.settings", "DATABASE_URL": url, "CONN_MAX_AGE": "60",
                "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "CELERY_RESULT_BACKEND": settings.CELERY_BROKER_URL,
                "CELERY_TASK_DEFAULT_QUEUE": queue, "SEAL_CHUNK_PAUSE_SECONDS": "0"})
    root = Path(__file__).resolve().parents[1]
    procs = []
    for i in range(n):
        log = logs / f"worker{i + 1}.log"
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "jixiao", "worker", "--pool=solo", "-Q", queue,
             "-n", f"seal-bench-{i + 1}-{queue}@%h", "--without-heartbeat", "--without-mingle", "--without-gossip",
             "-l", "info"], cwd=root, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True))
    deadline = time.monotonic() + 120
    for i in range(n):
        log = logs / f"worker{i + 1}.log"
        while "ready." not in log.read_text():
            if time.monotonic() > deadline or procs[i].poll() is not None:
                raise RuntimeError(f"封存基准：第 {i + 1} 个 Celery worker 未能启动：\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
    return procs


def _stop_workers(procs) -> None:
    import os
    import signal
    import subprocess

    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=10)


def run_with_workers(*, counts=(1, 2), start_year: int, out=sys.stdout) -> dict[int, float]:
    """Seconds to seal the 学年 with 1, 2… Celery worker processes (solo pool each, the broker of
    CELERY_BROKER_URL, a queue of their own): from ``seal_start`` (committed, which enqueues the
    chunks) to the committed seal. Each count seals its own copy of the database
    (CREATE DATABASE … TEMPLATE), which is dropped afterwards: a committed seal cannot be undone,
    by design. PostgreSQL only."""
    import tempfile
    import uuid
    from pathlib import Path

    from celery import current_app as app  # the project's app, set up with Django
    from django.utils import timezone

    if connection.vendor != "postgresql" or not app.conf.broker_url:
        out.write("  Celery worker 封存：需要 PostgreSQL 与 CELERY_BROKER_URL，跳过。\n")
        return {}
    original = connection.settings_dict["NAME"]
    results: dict[int, float] = {}
    eager, default_queue = app.conf.task_always_eager, app.conf.task_default_queue
    for n in counts:
        copy = f"{original}_seal{n}"[:63]
        queue = f"seal-bench-{uuid.uuid4().hex[:8]}"
        connection.close()  # a template database must have no other session
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{copy}"')
            admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{original}" STRATEGY FILE_COPY')
        procs = []
        try:
            _switch_database(copy)
            with tempfile.TemporaryDirectory() as tmp:
                procs = _start_workers(n, url=_database_url(copy), queue=queue, logs=Path(tmp))
                app.conf.task_always_eager, app.conf.task_default_queue = False, queue
                from accounts.models import Role, User
                from credits.models import AcademicYear
                from sealing.models import SealRecord, SealState
                from sealing.services import seal_start

                year = AcademicYear.objects.get(start_year=start_year)
                staff = User.objects.filter(role_assignments__role=Role.CITY_STAFF).order_by("pk").first()
                t0 = time.perf_counter()
                seal = seal_start(actor=staff, academic_year=year, force=True, reason="封存基准测试（worker）",
                                  today=max(timezone.localdate(), year.city_seal_opens))
                deadline = time.monotonic() + 3600
                while SealRecord.objects.filter(pk=seal.pk, state=SealState.COMMITTED).count() == 0:
                    if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                        raise RuntimeError("封存基准：worker 封存未完成。")
                    time.sleep(0.05)
                results[n] = time.perf_counter() - t0
                logs = "".join(p.read_text() for p in Path(tmp).glob("worker*.log"))
                if "Traceback" in logs:
                    raise RuntimeError(f"封存基准：worker 日志中有异常：\n{logs[-3000:]}")
        finally:
            app.conf.task_always_eager, app.conf.task_default_queue = eager, default_queue
            _stop_workers(procs)
            connection.close()
            with _admin_connection() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{copy}"')
            _switch_database(original)
        out.write(f"  Celery worker 封存（{n} 个 worker 进程，各自一份数据库副本）：{results[n]:.2f} s\n")
    return results
