"""Benchmark of the two speeds of the engine: `python -m credits.bench [--teachers N] [--entries M]`
(or `manage.py credits_bench`). Creates N teachers with M counted entries each inside a
transaction that is rolled back, then prints the seconds of

- school_totals: the set-based path (YearCalc: one grouped SQL query, the rules in integer tenths),
- school_totals_python: the entries loaded in one query, the Python engine per teacher,
- teacher_year_totals: one query per teacher, as a page for one teacher does (on a sample),

and checks that the paths agree. It measures; it never fails on time."""

from __future__ import annotations

import datetime
import os
import random
import sys
import time
from decimal import Decimal


class _Rollback(Exception):
    pass


def run(*, teachers: int = 2000, entries: int = 20, seed: int = 1, sample: int = 200, keep: bool = False,
        out=sys.stdout) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.idcard import check_character
    from accounts.models import AccountStatus, District, School, Stage, TeacherProfile, User

    from . import rules as R
    from . import selectors
    from .models import AcademicYear, CreditEntry, CreditItem, EntrySource, EntryStatus

    rnd = random.Random(seed)
    result = {}
    try:
        with transaction.atomic():
            if not CreditItem.objects.exists():
                call_command("loaddata", "credit_items", verbosity=0)
            year, _ = AcademicYear.objects.get_or_create(start_year=2017, defaults=AcademicYear.default_calendar(2017))
            district = District.objects.create(code="BENCH0", name="基准测试区")
            n_schools = max(1, teachers // 100)
            School.objects.bulk_create([
                School(code=f"BENCH{i:05d}", name=f"基准测试学校{i}", district=district, category="primary",
                       stages=[Stage.PRIMARY]) for i in range(n_schools)
            ])
            schools = list(School.objects.filter(district=district))
            User.objects.bulk_create([User(username=f"bench{i:07d}", password="!") for i in range(teachers)])
            users = list(User.objects.filter(username__startswith="bench").order_by("username"))
            profiles = []
            for i, user in enumerate(users):
                profiles.append(TeacherProfile(user=user, school=schools[i % n_schools], name=f"教师{i}",
                                               gender="female", id_number=_id(i, check_character),
                                               stage=Stage.PRIMARY, status=AccountStatus.APPROVED))
            TeacherProfile.objects.bulk_create(profiles, batch_size=2000)
            profiles = list(TeacherProfile.objects.filter(school__district=district).select_related("user"))
            items = selectors.catalogue_for(2017)
            rows = []
            for p in profiles:
                for _ in range(entries):
                    item = rnd.choice(items)
                    option = rnd.choice([o["key"] for o in item.options]) if item.options else ""
                    rows.append(CreditEntry(
                        teacher=p, school=p.school, academic_year=year, item=item, option=option, title="基准",
                        started_on=datetime.date(2017, 10, 1), quantity_claimed=Decimal(rnd.randint(1, 300)) / 10,
                        status=rnd.choice([EntryStatus.CONFIRMED, EntryStatus.DISTRICT_REVIEWED]),
                        source=EntrySource.DECLARED, created_by=p.user,
                    ))
            CreditEntry.objects.bulk_create(rows, batch_size=5000)
            school_ids = [s.pk for s in schools]

            t0 = time.perf_counter()
            sql = selectors.school_totals(school_ids=school_ids, academic_year=year)
            result["sql_seconds"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            py = selectors.school_totals_python(school_ids=school_ids, academic_year=year)
            result["python_seconds"] = time.perf_counter() - t0
            chosen = profiles[:sample]
            t0 = time.perf_counter()
            for p in chosen:
                selectors.teacher_year_totals(teacher=p, academic_year=year)
            per = (time.perf_counter() - t0) / max(1, len(chosen))
            result["per_teacher_seconds_extrapolated"] = per * len(profiles)
            result["agree"] = all(
                (sql[t].total, sql[t].regulated, sql[t].flexible) == (py[t].total, py[t].regulated, py[t].flexible)
                for t in sql
            )
            result.update(teachers=len(profiles), entries=len(rows), vendor=connection.vendor,
                          city_total=sum((t.total for t in sql.values()), R.ZERO))
            if not keep:
                raise _Rollback
    except _Rollback:
        pass
    print(
        f"{result['vendor']}: {result['teachers']} 名教师，{result['entries']} 条登记（{'已保留' if keep else '已回滚'}）\n"
        f"  school_totals（一条 SQL）         {result['sql_seconds']:.3f} s\n"
        f"  school_totals_python（Python 引擎） {result['python_seconds']:.3f} s\n"
        f"  teacher_year_totals 逐人查询（按 {min(sample, result['teachers'])} 人外推） "
        f"{result['per_teacher_seconds_extrapolated']:.3f} s\n"
        f"  两条路径结果一致：{'是' if result['agree'] else '否'}；学分合计 {result['city_total']}",
        file=out,
    )
    return result


def _id(i: int, check_character) -> str:
    # A valid, unique 身份证号 per benchmark teacher (birth dates spread over 1960–1999).
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=i // 1000)
    first17 = f"510116{birth:%Y%m%d}{i % 1000:03d}"
    return first17 + check_character(first17)


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description="学分引擎两条路径的基准测试")
    parser.add_argument("--teachers", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=20, help="每名教师的登记条数")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="保留生成的数据（默认回滚）")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
    import django

    django.setup()
    run(teachers=args.teachers, entries=args.entries, seed=args.seed, keep=args.keep)


if __name__ == "__main__":
    main()
