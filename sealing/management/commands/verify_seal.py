"""Recompute the digests of a sealed 学年 and name any teacher whose data differs.

    manage.py verify_seal 2017          # exit status 1 when anything differs
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import TeacherProfile
from sealing.selectors import seal_verify


class Command(BaseCommand):
    help = "核验已封存学年：按快照重算摘要与 Merkle 根，并按登记重算每位教师的学分，列出不一致的教师。"

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="学年起始年，如 2017 表示 2017-2018 学年。")

    def handle(self, *args, year, **options):
        report = seal_verify(academic_year=year)
        names = dict(TeacherProfile.objects.filter(pk__in=list(report.problems)).values_list("pk", "name"))
        for teacher_id, what in sorted(report.problems.items()):
            who = f"{names.get(teacher_id, '')}（教师 {teacher_id}）" if teacher_id else "—"
            self.stdout.write(f"不一致：{who}：{'、'.join(what)}")
        root = "一致" if report.root_ok else f"不一致（封存时 {report.stored_root}，重算 {report.computed_root}）"
        self.stdout.write(f"{year}-{year + 1}学年：核验 {report.teachers} 名教师，Merkle 根{root}。")
        if not report.ok:
            raise CommandError(f"{year}-{year + 1}学年的封存数据与封存时不一致。")
        self.stdout.write("封存数据完整，与封存时一致。")
