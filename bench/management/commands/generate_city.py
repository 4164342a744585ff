"""manage.py generate_city --teachers 150000 --seed 1: a generated Chengdu in the project's tables."""

import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "生成一个城市的数据（区县、学校、教师、五个学年的学分登记与审核记录），用于规模测试与基准。"

    def add_arguments(self, parser):
        parser.add_argument("--teachers", type=int, default=1500, help="教师人数（全市约 150000）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子：同一种子生成同一个城市")
        parser.add_argument("--years", type=int, default=5, help="学年数（截至当前学年）")
        parser.add_argument("--audit-years", type=int, default=2,
                            help="最近几个学年写入完整审核记录和证明材料（更早的学年视为已迁入的历史数据）")
        parser.add_argument("--json", help="把生成的行数和用时写入此 JSON 文件")

    def handle(self, *args, teachers, seed, years, audit_years, json=None, **options):
        from bench.city import generate

        if teachers < 100:
            raise CommandError("教师人数至少 100。")
        try:
            figures = generate(teachers=teachers, seed=seed, years=years, audit_years=audit_years, out=self.stdout)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        if json:
            _write(json, figures.as_dict())


def _write(path, data):
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
