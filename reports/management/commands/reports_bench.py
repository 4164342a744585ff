from django.core.management import BaseCommand

from reports.bench import run


class Command(BaseCommand):
    help = ("审证报表基准测试：区送审报表（默认 10000 名教师）与全校个人学分统计表 PDF（默认 2000 名教师），"
            "打印耗时与内存峰值（数据在事务中创建并回滚，从不失败）。")

    def add_arguments(self, parser):
        parser.add_argument("--district-teachers", type=int, default=10000)
        parser.add_argument("--school-teachers", type=int, default=2000)
        parser.add_argument("--entries", type=int, default=10, help="每名教师的登记条数")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--no-pdf", action="store_true", help="不测全校个人学分统计表 PDF")
        parser.add_argument("--package", action="store_true",
                            help="再测该校整个审证材料包：一个任务生成，与分块（各块依次执行并分别计时）生成")
        parser.add_argument("--trace-python", action="store_true",
                            help="Excel 各项再运行一遍（不计时），用 tracemalloc 测 Python 分配峰值")

    def handle(self, *args, district_teachers, school_teachers, entries, seed, no_pdf, trace_python, package, **options):
        run(district_teachers=district_teachers, school_teachers=school_teachers, entries=entries, seed=seed,
            pdf=not no_pdf, trace_python=trace_python, package=package, out=self.stdout)
