from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.accounts.models import User
from aiplus.core.errors import ServiceError
from aiplus.scenarios.choices import DemandStatus
from aiplus.scenarios.io import ImportFailed, import_demands_xlsx


class Command(BaseCommand):
    help = "Import scenario demands from an .xlsx demand list (all-or-nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx file")
        parser.add_argument(
            "--list",
            dest="list_name",
            default=None,
            help="also create a demand list (draft) with this name",
        )
        parser.add_argument(
            "--status",
            default=DemandStatus.PUBLISHED,
            choices=DemandStatus.values,
            help="status of the imported demands",
        )
        parser.add_argument(
            "--as",
            dest="username",
            default=None,
            help="username of an office user (default: the first superuser or office user)",
        )
        parser.add_argument("--demo", action="store_true", help="mark the rows as demo data")

    def _actor(self, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username).select_related("organisation").first()
            if user is None:
                raise CommandError(f"用户不存在：{username}")
            if not user.is_office:
                raise CommandError(f"用户 {username} 不是专班办公室用户。")
            return user
        office = Q(is_superuser=True) | Q(
            organisation__kind=Role.OFFICE, organisation__status=OrgStatus.APPROVED
        )
        user = (
            User.objects.filter(office, is_active=True)
            .select_related("organisation")
            .order_by("-is_superuser", "id")
            .first()
        )
        if user is None:
            raise CommandError("找不到专班办公室用户或超级用户，请用 --as 指定。")
        return user

    def handle(self, *args, file, list_name=None, status, username=None, demo=False, **opts):
        actor = self._actor(username)
        try:
            with open(file, "rb") as fh:
                result = import_demands_xlsx(
                    actor=actor, file=fh, status=status, list_name=list_name, is_demo=demo
                )
        except OSError as exc:
            raise CommandError(f"无法读取文件：{file}（{exc.strerror}）") from exc
        except ImportFailed as exc:
            for err in exc.errors:
                self.stderr.write(str(err))
            raise CommandError(exc.message) from exc
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        message = (
            f"已导入 {result.created} 条场景需求，新建需求单位 {result.organisations_created} 家"
        )
        if result.demand_list is not None:
            message += f"，清单“{result.demand_list.name}”（编号 {result.demand_list.pk}）"
        self.stdout.write(self.style.SUCCESS(message + "。"))
