"""The full recompute of the per-teacher-per-学年 totals table, as its check.

    manage.py credits_totals_rebuild                # every open 学年: recompute, correct, report
    manage.py credits_totals_rebuild --year 2017    # one 学年
    manage.py credits_totals_rebuild --check        # report only; exit status 1 when a row differs
"""

from django.core.management.base import BaseCommand, CommandError

from credits.models import AcademicYear
from credits.services import teacher_year_totals_rebuild


class Command(BaseCommand):
    help = "按规则引擎全量重算教师学年学分合计表，并列出与表中不一致的教师。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="学年起始年，如 2017；可重复。")
        parser.add_argument("--check", action="store_true", help="只检查不写入；有不一致时以状态 1 退出。")

    def handle(self, *args, year=None, check=False, **options):
        years = AcademicYear.objects.order_by("start_year")
        if year:
            years = years.filter(start_year__in=year)
        elif not check:
            years = years.filter(sealed_at__isnull=True, sealing_started_at__isnull=True)
        any_differ = False
        for ay in years:
            if ay.is_locked and not check:
                self.stdout.write(f"{ay.label}学年已封存，跳过（封存快照见 verify_seal）。")
                continue
            result = teacher_year_totals_rebuild(academic_year=ay, write=not check)
            for teacher_id, fields in result["differ"][:50]:
                self.stdout.write(f"  {ay.label} 教师 {teacher_id} 不一致：{'、'.join(fields)}")
            any_differ |= bool(result["differ"])
            self.stdout.write(
                f"{ay.label}学年：核对 {result['checked']} 名教师，不一致 {len(result['differ'])}，"
                f"写入 {result['written']}。"
            )
        if check and any_differ:
            raise CommandError("学分合计表与规则引擎的计算不一致。")
