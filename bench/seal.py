"""The seal benchmark (``manage.py seal_bench``): seconds to seal one 学年 of the database's city —
seal_start, every school's chunk, the finalisation with the Merkle root, run in this process one
after the other as one worker would — and, in the same run over the same rows, a bare SQL
``GROUP BY`` that sums the counted entries of that 学年 per teacher; then their ratio.

The city is the project's own generator (``bench.city.generate``) when the database has no
teachers yet, else whatever the database holds. The seal runs in one transaction that is rolled
back at the end, so the database is never sealed and the run can be repeated (a generated city
is kept). Prints
figures; never fails on them.
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


def run(*, teachers: int | None = None, seed: int = 1, start_year: int | None = None, out=sys.stdout) -> dict:
    from django.conf import settings
    from django.utils import timezone

    from accounts.models import Role, TeacherProfile, User
    from credits.models import COUNTED_STATUSES, AcademicYear, CreditEntry
    from sealing.services import pending_chunk_ids, seal_chunk_run, seal_finalize, seal_start

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
                chunks = pending_chunk_ids(seal.pk)
                for chunk_id in chunks:
                    seal_chunk_run(chunk_id=chunk_id)
                t2 = time.perf_counter()
                seal_finalize(seal_id=seal.pk)
                t3 = time.perf_counter()
            finally:
                settings.SEAL_CHUNK_PAUSE_SECONDS = pause
            seal.refresh_from_db()
            group_by, group_rows = _group_by(year.pk)
            figures.update({
                "year": year.label, "teachers": n_teachers, "entries": all_rows, "counted_entries": counted,
                "chunks": len(chunks), "start_seconds": t1 - t0, "chunks_seconds": t2 - t1,
                "finalize_seconds": t3 - t2, "seal_seconds": t3 - t0, "group_by_seconds": group_by,
                "group_by_rows": group_rows, "ratio": (t3 - t0) / group_by if group_by else None,
                "root": seal.merkle_root, "closed_late": seal.closed_late_count,
            })
            raise _Rollback
    except _Rollback:
        pass
    f = figures
    out.write(f"封存基准（{f['database']}）：{f['year']}学年，{f['teachers']} 名教师，该学年 {f['entries']} 条登记"
              f"（计入 {f['counted_entries']} 条），{f['chunks']} 所学校 = {f['chunks']} 个分块\n")
    out.write(f"  封存：合计 {f['seal_seconds']:.2f} s（开始 {f['start_seconds']:.2f} s，含关闭 {f['closed_late']} 条"
              f"未按期审核；分块 {f['chunks_seconds']:.2f} s；完成与 Merkle 根 {f['finalize_seconds']:.2f} s），"
              f"每秒 {f['teachers'] / f['seal_seconds']:.0f} 名教师\n")
    out.write(f"  裸 SQL GROUP BY（同一学年计入的登记按教师求和，三次取最快）：{f['group_by_seconds']:.3f} s，"
              f"{f['group_by_rows']} 行\n")
    ratio = f"{f['ratio']:.0f}" if f["ratio"] is not None else "—"
    out.write(f"  比值 封存 / GROUP BY：{ratio} 倍\n")
    out.write(f"  Merkle 根 {f['root']}；已回滚，数据库未封存，可重复运行。\n")
    return figures
