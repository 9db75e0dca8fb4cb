from django.core.management.base import BaseCommand, CommandError

from aiplus.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded files (MEDIA_ROOT) into DIR, with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("dir", help="backup folder (created; must be empty)")
        parser.add_argument(
            "--force", action="store_true", help="write into a folder that is not empty"
        )

    def handle(self, *args, dir, force=False, **opts):
        try:
            manifest = backup(dir, force=force)
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        rows = sum(n for t, n in manifest.rows.items() if not t.startswith("django_"))
        self.stdout.write(
            self.style.SUCCESS(
                f"已备份到 {dir}：{manifest.vendor} 数据库（{len(manifest.rows)} 张表，"
                f"{rows} 行数据），上传文件 {manifest.media_files} 个"
                f"（{manifest.media_bytes} 字节），清单 manifest.json。"
            )
        )
