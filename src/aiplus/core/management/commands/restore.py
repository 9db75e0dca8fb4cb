from django.core.management.base import BaseCommand, CommandError

from aiplus.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore the database and the uploaded files from a folder written by `aiplus backup`."

    def add_arguments(self, parser):
        parser.add_argument("dir", help="backup folder")
        parser.add_argument(
            "--force",
            action="store_true",
            help="overwrite a database or media folder that already holds data",
        )

    def handle(self, *args, dir, force=False, **opts):
        try:
            manifest = restore(dir, force=force)
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"已从 {dir} 恢复：{manifest.vendor} 数据库（备份于 {manifest.created_at}），"
                f"上传文件 {manifest.media_files} 个。"
            )
        )
        self.stdout.write("如平台代码比备份新，请接着运行 `aiplus migrate`。")
