"""Benchmark of the large reports: `manage.py reports_bench [--district-teachers N] [--school-teachers M]`.

Creates, inside a transaction that is rolled back, a district of N teachers (100 per school) and
one school of M teachers, each with E counted entries, then measures

- the district's 送审报表 (Excel, write-only, school batch by school batch),
- the district's compliance export (Excel, with the five-year cycle),
- the school's 个人学分统计表 bundle (one PDF in the order of its 送审报表, rendered in chunks),
- with ``--package``, the school's whole 审证 package: built by one task, and built in parts
  (reports.package: a chunk of the bundle a part, then the merge) run one after the other in this
  process, each part timed: with a free core per part, the package takes about the slowest part
  plus the merge,

printing seconds (wall clock and this process's CPU time), the peak of Python allocations during
each phase's peak resident memory (and, with ``--trace-python``, in a second untimed pass, the
peak of Python allocations: tracemalloc slows openpyxl several times over). It measures; it never fails (an error
is printed as a figure)."""

from __future__ import annotations

import datetime
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal

from core.memory import phase_peak_kb, reset_peak, status_kb


class _Rollback(Exception):
    pass


def _rss_mb() -> float:
    # ru_maxrss is in KiB on Linux: the process's peak since it started.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(label, fn, out, *, trace: bool = False) -> dict:
    """Seconds (wall clock and CPU) and the peak RSS of the phase (VmHWM, reset before it; the
    process's peak since it started where that cannot be reset). With `trace` the phase runs a
    second time under tracemalloc for the peak of Python allocations: tracing makes openpyxl
    several times slower, so it never runs in the timed pass (it did before, and the district
    report's 13.2 s on the city was mostly tracemalloc's)."""
    import gc

    gc.collect()
    start_kb = status_kb("VmRSS")
    resettable = reset_peak()
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        detail = fn()
        error = ""
    except Exception as exc:
        detail, error = None, f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    end_kb = status_kb("VmRSS")
    # The kernel's high-water mark lags its counters a little: the peak is at least the readings.
    peak_kb = phase_peak_kb(start_kb, end_kb) or 0 if resettable else None
    rss = peak_kb / 1024 if peak_kb else _rss_mb()
    peak = None
    if trace and not error:
        tracemalloc.start()
        try:
            fn()
            peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        except Exception:  # measured once already; the error is in the row
            peak = None
        finally:
            tracemalloc.stop()
    row = {"label": label, "seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak, "rss_mb": rss,
           "start_rss_mb": (start_kb or 0) / 1024, "detail": detail, "error": error}
    python_peak = f"{peak:7.1f} MB" if peak is not None else "   未测 "
    # CPU seconds beside the wall clock: on a shared machine the wall clock includes the waiting.
    _say(out, f"  {label:<30} {seconds:8.2f} s（CPU {cpu:7.2f} s）   Python 峰值 {python_peak}   "
              f"本项 RSS 峰值 {rss:7.1f} MB（开始时 {row['start_rss_mb']:.0f} MB）"
         + (f"   {detail}" if detail else "") + (f"   出错：{error}" if error else ""))
    return row


def _say(out, line: str) -> None:
    out.write(line + "\n")
    out.flush()


def _make(*, district_teachers: int, school_teachers: int, entries: int, seed: int):
    from django.core.management import call_command

    from accounts.idcard import check_character
    from accounts.models import AccountStatus, District, School, Stage, TeacherProfile, User
    from credits import selectors
    from credits.models import AcademicYear, CreditEntry, CreditItem, EntrySource, EntryStatus

    rnd = random.Random(seed)
    if not CreditItem.objects.exists():
        call_command("loaddata", "credit_items", verbosity=0)
    year, _ = AcademicYear.objects.get_or_create(start_year=2017, defaults=AcademicYear.default_calendar(2017))
    district = District.objects.create(code="RBENCH", name="报表基准测试区")
    n_schools = max(1, district_teachers // 100)
    schools = [School(code=f"RB{i:05d}", name=f"报表基准学校{i}", district=district, category="primary",
                      stages=[Stage.PRIMARY]) for i in range(n_schools)]
    big = School(code="RBBIG", name="报表基准高完中", district=district, category="senior",
                 stages=[Stage.JUNIOR, Stage.SENIOR])
    School.objects.bulk_create([*schools, big])
    schools = list(School.objects.filter(district=district, code__startswith="RB0").order_by("code"))
    big = School.objects.get(code="RBBIG")
    total = district_teachers + school_teachers
    User.objects.bulk_create([User(username=f"rbench{i:07d}", password="!") for i in range(total)], batch_size=5000)
    users = list(User.objects.filter(username__startswith="rbench").order_by("username"))
    profiles = []
    for i, user in enumerate(users):
        in_big = i >= district_teachers
        profiles.append(TeacherProfile(
            user=user, school=big if in_big else schools[i % n_schools], name=f"教师{i}", gender="female",
            id_number=_id(i, check_character), subject="语文",
            stage=(Stage.JUNIOR if i % 2 else Stage.SENIOR) if in_big else Stage.PRIMARY,
            status=AccountStatus.APPROVED))
    TeacherProfile.objects.bulk_create(profiles, batch_size=5000)
    items = [i for i in selectors.catalogue_for(2017) if i.code != "support_teaching"]
    rows = []
    for p in TeacherProfile.objects.filter(school__district=district).select_related("user").iterator(chunk_size=5000):
        for _ in range(entries):
            item = rnd.choice(items)
            option = rnd.choice([o["key"] for o in item.options]) if item.options else ""
            rows.append(CreditEntry(
                teacher=p, school_id=p.school_id, academic_year=year, item=item, option=option, title="基准培训",
                started_on=datetime.date(2017, 10, 1), quantity_claimed=Decimal(rnd.randint(1, 300)) / 10,
                credits=Decimal(1), status=EntryStatus.DISTRICT_REVIEWED, source=EntrySource.DECLARED,
                created_by_id=p.user_id))
        if len(rows) >= 20000:
            CreditEntry.objects.bulk_create(rows, batch_size=5000)
            rows = []
    CreditEntry.objects.bulk_create(rows, batch_size=5000)
    return year, district, schools, big


def _id(i: int, check_character) -> str:
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=i // 1000)
    first17 = f"510122{birth:%Y%m%d}{i % 1000:03d}"
    return first17 + check_character(first17)


def _package(big, year, *, parts: bool) -> str:
    """The package of `big` by one task, or in parts one after the other (each timed); its ZIP
    is deleted from storage afterwards (the data is rolled back)."""
    from django.core.files.storage import default_storage

    from accounts.jobs import job_create
    from accounts.models import Job, User

    from . import package as P
    from .models import ExportPart

    owner, _ = User.objects.get_or_create(username="rbench_owner", defaults={"password": "!"})
    if parts:
        job = P.package_start(actor=owner, school=big, academic_year=year)  # enqueued on commit: never
        times = []
        for pk in ExportPart.objects.filter(job=job).order_by("index").values_list("pk", flat=True):
            t0 = time.perf_counter()
            P.package_part_run(part_id=pk)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        P.package_merge_run(job_id=job.pk)
        merge = time.perf_counter() - t0
    else:
        job = job_create(kind=P.KIND, owner=owner)
        job.result = {"school": big.pk, "year": year.start_year, "applicants": []}
        job.save(update_fields=["result"])
        P.package_run(job_id=job.pk)
    job = Job.objects.get(pk=job.pk)
    if job.status != Job.Status.DONE:
        raise RuntimeError(job.error)
    size = default_storage.size(job.result["file"]) / 1024 / 1024
    default_storage.delete(job.result["file"])
    if not parts:
        return f"{size:.1f} MB"
    return (f"{len(times)} 块，每块 {min(times):.2f}–{max(times):.2f} s，合并 {merge:.2f} s；"
            f"每块一个空闲核时约 {max(times) + merge:.1f} s，{size:.1f} MB")


def run(*, district_teachers: int = 10000, school_teachers: int = 2000, entries: int = 10, seed: int = 1,
        pdf: bool = True, trace_python: bool = False, package: bool = False, out=sys.stdout) -> list[dict]:
    from django.db import connection, transaction

    from . import documents as D

    results: list[dict] = []
    _say(out, f"报表基准（{connection.vendor}）：区 {district_teachers} 名教师、学校 {school_teachers} 名教师，"
              f"每人 {entries} 条登记（数据已回滚）")
    try:
        with transaction.atomic():
            t0 = time.perf_counter()
            try:
                year, district, schools, big = _make(district_teachers=district_teachers, school_teachers=school_teachers,
                                                     entries=entries, seed=seed)
            except Exception as exc:
                _say(out, f"  生成数据出错：{type(exc).__name__}: {exc}")
                raise _Rollback from None
            _say(out, f"  {'生成数据':<30} {time.perf_counter() - t0:8.2f} s")
            with tempfile.TemporaryDirectory() as tmp:
                def district_report():
                    n = D.district_submission_xlsx(schools, year, f"{tmp}/district.xlsx", title=district.name)
                    return f"{n} 行，{os.path.getsize(f'{tmp}/district.xlsx') / 1024:.0f} KB"

                def district_compliance():
                    n = D.compliance_xlsx(schools, year, f"{tmp}/compliance.xlsx", level="district", title=district.name)
                    return f"{n} 行"

                def bundle():
                    n = D.statements_bundle_pdf(big, year, f"{tmp}/bundle.pdf")
                    return f"{n} 份，{os.path.getsize(f'{tmp}/bundle.pdf') / 1024 / 1024:.1f} MB"

                results.append(_measure(f"区送审报表 Excel（{district_teachers} 人）", district_report, out,
                                        trace=trace_python))
                results.append(_measure(f"区达标情况 Excel（{district_teachers} 人）", district_compliance, out,
                                        trace=trace_python))
                if pdf:
                    results.append(_measure(f"全校个人学分统计表 PDF（{school_teachers} 人）", bundle, out))
                if package:
                    results.append(_measure(f"审证材料包，一个任务（{school_teachers} 人）",
                                            lambda: _package(big, year, parts=False), out))
                    results.append(_measure(f"审证材料包，分块依次（{school_teachers} 人）",
                                            lambda: _package(big, year, parts=True), out))
            raise _Rollback
    except _Rollback:
        pass
    return results


def run_city(*, year=None, out=sys.stdout) -> list[dict]:
    """The same documents on the database's own city (a generated one): the 送审报表 of the
    district with the most teachers and the statements bundle of its largest school, for the
    last complete 学年 — the one before the current, as the seal benchmark seals it — or `year`
    (a start year). Read-only; an error is printed as a figure."""
    from django.db import connection
    from django.db.models import Count

    from accounts.models import District, School
    from credits.models import AcademicYear
    from credits.selectors import current_year

    from . import documents as D

    if year is None:
        this = current_year()
        year = this.start_year - 1 if AcademicYear.objects.filter(start_year=this.start_year - 1).exists() else this.start_year
    chosen = AcademicYear.objects.get(start_year=year)
    district = District.objects.annotate(n=Count("schools__teachers")).order_by("-n", "pk").first()
    if district is None:
        raise RuntimeError("数据库中没有区（市）县：先生成城市。")
    schools = list(School.objects.filter(district=district).order_by("code"))
    big = School.objects.filter(district=district).annotate(n=Count("teachers")).order_by("-n", "pk").first()
    _say(out, f"报表基准（{connection.vendor}，本库城市）：{chosen.label}学年，{district.name} {district.n} 名教师、"
              f"{len(schools)} 所学校；{big.name} {big.n} 名教师")
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        def district_report():
            n = D.district_submission_xlsx(schools, chosen, f"{tmp}/district.xlsx", title=district.name)
            return f"{n} 行，{os.path.getsize(f'{tmp}/district.xlsx') / 1024:.0f} KB"

        def bundle():
            n = D.statements_bundle_pdf(big, chosen, f"{tmp}/bundle.pdf")
            return f"{n} 份，{os.path.getsize(f'{tmp}/bundle.pdf') / 1024 / 1024:.1f} MB"

        results.append({**_measure(f"区送审报表 Excel（{district.n} 人）", district_report, out),
                        "key": "district_report", "teachers": district.n})
        results.append({**_measure(f"全校个人学分统计表 PDF（{big.n} 人）", bundle, out),
                        "key": "school_bundle", "teachers": big.n})
    return results


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description="审证报表基准测试")
    parser.add_argument("--district-teachers", type=int, default=10000)
    parser.add_argument("--school-teachers", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=10)
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
    import django

    django.setup()
    run(district_teachers=args.district_teachers, school_teachers=args.school_teachers, entries=args.entries,
        pdf=not args.no_pdf)


if __name__ == "__main__":
    main()
