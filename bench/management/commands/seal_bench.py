"""manage.py seal_bench --teachers 15000 --seed 1: seconds to seal a 学年, against a bare GROUP BY."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("封存基准测试：封存一个学年所需秒数（开始、分块、Merkle 根），同一次运行中对同一批登记做一条 SQL GROUP BY，"
            "给出比值。空库时先用城市生成器生成；全部在事务中进行并回滚。")

    def add_arguments(self, parser):
        parser.add_argument("--teachers", type=int, default=None, help="空库时生成的教师人数（默认 1500）")
        parser.add_argument("--seed", type=int, default=1, help="城市生成器的随机种子")
        parser.add_argument("--year", type=int, default=None, help="学年的起始年份（默认：上一学年）")
        parser.add_argument("--workers", type=int, nargs="*", default=[],
                            help="再用真实的 Celery worker 进程封存（如 --workers 1 2）：每个人数一份数据库副本，用后删除；"
                                 "需要 PostgreSQL 与 CELERY_BROKER_URL")

    def handle(self, *args, teachers, seed, year, workers, **options):
        from bench.seal import run

        run(teachers=teachers, seed=seed, start_year=year, workers=workers, out=self.stdout)
