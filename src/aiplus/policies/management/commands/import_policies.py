from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aiplus.core.errors import ServiceError
from aiplus.policies.documents import import_documents


class Command(BaseCommand):
    help = (
        "Import policy documents from a folder holding policies.csv (tab-separated metadata) "
        "and <doc_id>.txt full texts (idempotent, all-or-nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "folder",
            nargs="?",
            default=None,
            help="the folder (default: settings.POLICIES_DIR)",
        )
        parser.add_argument(
            "--if-present",
            action="store_true",
            help="do nothing (and succeed) when the folder does not exist, as `make run` does",
        )

    def handle(self, *args, folder=None, if_present=False, **opts):
        folder = folder or settings.POLICIES_DIR
        if if_present and not Path(folder).is_dir():
            self.stdout.write(
                f"未找到政策文本目录 {folder}，跳过导入（可用 aiplus import-policies 目录 导入）。"
            )
            return
        try:
            result = import_documents(folder)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        message = (
            f"已导入政策文件 {result.total} 件：新增 {result.created} 件，"
            f"更新 {result.updated} 件，未变 {result.unchanged} 件"
        )
        if result.metadata_only:
            message += (
                f"；其中 {len(result.metadata_only)} 件暂无全文，仅导入目录信息"
                f"（{'、'.join(result.metadata_only)}）"
            )
        if result.linked:
            message += f"；关联支持措施 {result.linked} 条"
        self.stdout.write(self.style.SUCCESS(message + "。"))
