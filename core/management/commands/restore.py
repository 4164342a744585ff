from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, params_from_url, restore


class Command(BaseCommand):
    help = "恢复：把备份恢复到一个空的数据库和空的媒体目录，并与备份清单逐项核对。"

    def add_arguments(self, parser):
        parser.add_argument("source", help="备份目录（backup 命令的输出）")
        parser.add_argument("--database-url", required=True, help="目标数据库 postgres://…（须为空库）")
        parser.add_argument("--media-root", required=True, help="目标媒体目录（须为空）")
        parser.add_argument("--create", action="store_true", help="先创建目标数据库")

    def handle(self, *args, **options):
        try:
            report = restore(source=options["source"], params=params_from_url(options["database_url"]),
                             media_root=options["media_root"], create=options["create"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        seals = "，".join(f"{s['start_year']}学年封存根 {s['merkle_root'][:12]}…" for s in report["seals"]) or "无封存学年"
        self.stdout.write(f"恢复完成并已核对：{report['tables']} 张表共 {report['rows']} 行，"
                          f"{report['media_files']} 个文件，{seals}。")
