"""manage.py bench_all --size 300 --json bench.json: every benchmark of issue 15 at one size."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("全部基准：封存与 GROUP BY、各页面用时与查询数、送审报表与个人学分统计表、证书渲染、HTTP 负载"
            "（gunicorn + locust）。空库时先按 --size 生成城市；只打印结果，不按目标判定；"
            "某一项无法运行时记入 JSON 并继续，最后以非零退出。")

    def add_arguments(self, parser):
        from bench.all import PARTS

        parser.add_argument("--size", type=int, default=1500, help="空库时生成的教师人数（并决定证书份数）")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--requests", type=int, default=5, help="每个页面计时的请求数")
        parser.add_argument("--only", nargs="*", choices=PARTS, help="只运行这些部分")
        parser.add_argument("--json", help="把结果写入此 JSON 文件（每完成一部分写一次）")
        parser.add_argument("--http-seconds", type=int, default=20, help="HTTP 负载测试的时长（秒）")
        parser.add_argument("--http-users", type=int, default=8, help="locust 并发用户数")
        parser.add_argument("--port", type=int, help="gunicorn 端口（默认取一个空闲端口）")
        parser.add_argument("--certificates", type=int, help="每种方式渲染的证书份数（默认按规模：20–1000）")

    def handle(self, *args, size, seed, requests, only, json, http_seconds, http_users, port, certificates, **options):
        from bench.all import failed, run

        data = run(size=size, seed=seed, requests=requests, only=only, json_path=json, http_seconds=http_seconds,
                   http_users=http_users, port=port, certificates=certificates, out=self.stdout)
        broken = failed(data)
        if broken:
            raise CommandError(f"无法运行的基准：{', '.join(broken)}（结果见上方和 JSON）")
