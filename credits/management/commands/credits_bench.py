from django.core.management import BaseCommand

from credits.bench import run


class Command(BaseCommand):
    help = "学分引擎基准测试：N 名教师 × M 条登记，比较一条 SQL 与 Python 引擎的耗时（数据在事务中创建并回滚）。"

    def add_arguments(self, parser):
        parser.add_argument("--teachers", type=int, default=2000)
        parser.add_argument("--entries", type=int, default=20, help="每名教师的登记条数")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--keep", action="store_true", help="保留生成的数据（默认回滚）")

    def handle(self, *args, teachers, entries, seed, keep, **options):
        run(teachers=teachers, entries=entries, seed=seed, keep=keep, out=self.stdout)
