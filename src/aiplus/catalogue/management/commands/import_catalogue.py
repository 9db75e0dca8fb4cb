from django.core.management.base import BaseCommand, CommandError

from aiplus.accounts.models import Organisation, User
from aiplus.catalogue.io import import_entries_csv
from aiplus.core.errors import ServiceError


class Command(BaseCommand):
    help = (
        "Import datasets, corpora, models and demos of an organisation from a CSV "
        "(Chinese or English headers; all-or-nothing). `aiplus import-catalogue ORG FILE.csv`"
    )

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="the organisation's name on the platform")
        parser.add_argument("file", help="the .csv file (UTF-8 or GB18030)")
        parser.add_argument(
            "--as",
            dest="username",
            default=None,
            help="username of a member of the organisation (default: its first active member)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check every row, save nothing")
        parser.add_argument("--demo", action="store_true", help="mark the entries as demo data")

    def _actor(self, organisation: str, username: str | None) -> User:
        org = Organisation.objects.filter(name=organisation.strip()).first()
        if org is None:
            raise CommandError(f"单位不存在：{organisation}")
        members = User.objects.filter(organisation=org, is_active=True).select_related(
            "organisation"
        )
        if username:
            user = members.filter(username=username).first()
            if user is None:
                raise CommandError(f"用户 {username} 不是“{org.name}”的在用成员。")
            return user
        user = members.order_by("id").first()
        if user is None:
            raise CommandError(f"“{org.name}”没有在用的成员账号，请先为其创建用户。")
        return user

    def handle(self, *args, organisation, file, username=None, dry_run=False, demo=False, **opts):
        actor = self._actor(organisation, username)
        try:
            with open(file, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise CommandError(f"无法读取文件：{file}（{exc.strerror}）") from exc
        try:
            result = import_entries_csv(actor=actor, data=data, is_demo=demo, dry_run=dry_run)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        if result.errors:
            for err in result.errors:
                self.stderr.write(str(err))
            rows = len({e.row for e in result.errors})
            raise CommandError(f"导入失败：共 {rows} 行有误，未导入任何条目。")
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"检查通过：{result.rows} 行均可导入（未保存）。"))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"已为“{actor.organisation.name}”导入 {len(result.created)} 个条目，"
                f"其中发布 {result.published} 个。"
            )
        )
