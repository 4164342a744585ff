from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份：数据库（pg_dump）、媒体文件和清单（每表行数、封存根）。"

    def add_arguments(self, parser):
        parser.add_argument("--output", default="backups", help="备份存放目录（默认 ./backups）")
        parser.add_argument("--media-root", default=None, help="媒体目录（默认 MEDIA_ROOT）")

    def handle(self, *args, **options):
        try:
            target = backup(output=Path(options["output"]), media_root=options["media_root"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"备份完成：{target}")
