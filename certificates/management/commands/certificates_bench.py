from django.core.management import BaseCommand

from certificates.bench import run


class Command(BaseCommand):
    help = ("证书渲染基准测试：长驻渲染器与裸 WeasyPrint 在同一 HTML 上各渲染 N 份继教证书（默认 1000），"
            "打印每秒份数、内存峰值与倍数（不写数据库，从不失败）。")

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1000, help="每种方式渲染的份数")
        parser.add_argument("--sign", action="store_true", help="另测渲染加电子签名（开发密钥，临时目录）")

    def handle(self, *args, count, sign, **options):
        run(count=count, sign=sign, out=self.stdout)
