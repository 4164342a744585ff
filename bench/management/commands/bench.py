"""manage.py bench --requests 20: the page benchmarks against the configured database (a generated city)."""

import json
import platform

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "页面基准：以各角色的真实账号请求各页面，统计服务器用时 p50/p95 和 SQL 查询数（只打印结果，不判定失败）。"

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=20, help="每个页面计时的请求数（另有一次预热）")
        parser.add_argument("--only", nargs="*", help="只测这些页面（键名，如 city_dashboard）")
        parser.add_argument("--json", help="把结果写入此 JSON 文件")
        parser.add_argument("--slowest", action="store_true", help="另外打印每个页面最慢的一条 SQL")

    def handle(self, *args, requests, only=None, json=None, slowest=False, **options):
        from bench import pages

        size = pages.city_size()
        self.stdout.write(f"页面基准：{size['teachers']} 名教师，{size['schools']} 所学校，约 {size['entries']} 条登记"
                          f"（{size['database']}），每页 {requests} 次请求，DEBUG 关闭")
        self.stdout.write(pages.HEADER)
        results = pages.run(requests=max(1, requests), only=only, out=self.stdout)
        self.stdout.write(f"(targets: p95 as listed, ≤ {pages.QUERY_TARGET} SQL queries a page; "
                          "SQL ms: median time in the database per request)")
        if slowest:
            for r in results:
                self.stdout.write(f"-- {r.key}: {r.slowest}")
        if json:
            data = {"size": size, "requests": requests, "machine": _machine(), "pages": [r.as_dict() for r in results]}
            with open(json, "w", encoding="utf-8") as fh:
                _dump(data, fh)


def _dump(data, fh):
    json.dump(data, fh, ensure_ascii=False, indent=2)


def _machine() -> dict:
    import os

    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
